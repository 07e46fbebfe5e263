//go:build goplugin

package main

import (
	"github.com/TykTechnologies/tyk-pump/analytics"
	tyklog "github.com/TykTechnologies/tyk/log"
)

// init installs the hook on the gateway's logger, once per process (Go loads
// a plugin once), and reports configuration values it could not use.
func init() {
	logger := tyklog.Get()
	for _, p := range configProblems {
		logger.WithField("prefix", "upstreamcause").Warn(p)
	}
	logger.AddHook(hook)
}

// UpstreamCauseAnalytics is the analytics plugin (Tyk type
// func(*analytics.AnalyticsRecord)): it appends the failure's tags, e.g.
// "upstream_flag:UCT", to record.Tags, and keeps no reference to record.
func UpstreamCauseAnalytics(record *analytics.AnalyticsRecord) {
	record.Tags = hook.AppendTags(record.Tags, record.Method)
}
