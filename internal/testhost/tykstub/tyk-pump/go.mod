// Stand-in for github.com/TykTechnologies/tyk-pump, for the test host only.
//
// The real module cannot be fetched from the Go module proxy here, so the
// test workspace (../../go.work) resolves the import path to this module. It
// declares only package analytics' AnalyticsRecord, the type of the gateway's
// analytics-plugin hook. It is test equipment, never shipped.
module github.com/TykTechnologies/tyk-pump

go 1.23
