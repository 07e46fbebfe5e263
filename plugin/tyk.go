//go:build goplugin

package main

import (
	"context"

	"github.com/sirupsen/logrus"

	"github.com/TykTechnologies/tyk-pump/analytics"
	"github.com/TykTechnologies/tyk/apidef"
	tykctx "github.com/TykTechnologies/tyk/ctx"
	tyklog "github.com/TykTechnologies/tyk/log"
)

// apiIDOf returns the id of the API definition Tyk put in the request
// context before the pre hook (ctx.Definition, an *apidef.APIDefinition, in
// 5.8 to 5.14), or "". It reads the pointer directly: ctx.GetDefinition
// would deep-copy the whole definition.
func apiIDOf(c context.Context) string {
	if d, ok := c.Value(tykctx.Definition).(*apidef.APIDefinition); ok && d != nil {
		return d.APIID
	}
	return ""
}

// gatewayLogger returns the gateway's logger (log.Get: the *logrus.Logger
// of Tyk 5.8 to 5.14), which the probe's entries are written through.
func gatewayLogger() *logrus.Logger { return tyklog.Get() }

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
	record.Tags = hook.AppendTags(record.Tags, record.Method, record.APIID, record.ResponseCode)
}
