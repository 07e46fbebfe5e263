//go:build goplugin

// Command noopplugin is test equipment for BenchmarkRealGateway: a Go plugin
// with the same three symbols as the product, doing nothing, so that the
// benchmark can tell what the gateway spends on running any Go plugin with
// these hooks from what upstreamcause itself adds. Build it like the product:
//
//	PLUGIN_PKG=./scripts/e2e/noopplugin PLUGIN_NAME=noopplugin TYK_SRC=… scripts/build-plugin.sh
package main

import (
	"net/http"

	"github.com/TykTechnologies/tyk-pump/analytics"
)

// UpstreamCausePre does nothing (a pre hook).
func UpstreamCausePre(http.ResponseWriter, *http.Request) {}

// UpstreamCauseResponse does nothing (a response hook).
func UpstreamCauseResponse(http.ResponseWriter, *http.Response, *http.Request) {}

// UpstreamCauseAnalytics does nothing (an analytics plugin).
func UpstreamCauseAnalytics(*analytics.AnalyticsRecord) {}

func main() {}
