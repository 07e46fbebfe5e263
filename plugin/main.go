// Command plugin is the Tyk Go plugin: build it with -buildmode=plugin (Tyk's
// plugin compiler does, with -tags goplugin) and load its symbols from an API
// definition:
//
//   - UpstreamCausePre as a pre hook: starts the capture of the request's
//     upstream round trips and keeps the client-facing writer, from whose
//     headers an upstream or intermediary 5xx is classified at the end of
//     the request; with it alone every access-log field is written;
//   - UpstreamCauseAnalytics as the analytics plugin (tyk.go, goplugin
//     build): tags the analytics record of a failed request;
//   - UpstreamCauseResponse, optional, as a response hook: classifies an
//     upstream 5xx from the upstream's response itself and watches the body
//     copy. Older wirings have it; it is harmless and changes nothing the
//     pre hook would not also learn.
//
// Loading the plugin installs, once, a hook on the gateway's logger that
// writes the classified failure into each failed request's access-log entry
// (package accesslog). Configuration is read once from the environment
// (accesslog.ConfigFromEnv, probe.ConfigFromEnv). With UPSTREAMCAUSE_PROBE=on
// a DNS, connect or TLS failure also starts a connectivity probe of its
// target from the gateway's node (package probe), whose verdict is logged
// through the gateway's logger on the probe's own goroutine.
package main

import (
	"net/http"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// hook is the plugin's one Hook, shared by the symbols below and installed on
// the gateway's logger by the goplugin glue.
var hook, configProblems = newHook()

func newHook() (*accesslog.Hook, []string) {
	cfg, problems := accesslog.ConfigFromEnv(os.Getenv)
	cfg.APIIDOf = apiIDOf
	pcfg, on, more := probe.ConfigFromEnv(os.Getenv)
	problems = append(problems, more...)
	if on {
		pcfg.Node = cfg.Node
		cfg.Probe = prober{probe.New(pcfg, logProbe)}
	}
	return accesslog.New(cfg), problems
}

// prober hands the hook's failures to the probe (accesslog.Prober).
type prober struct{ p *probe.Prober }

func (a prober) Failed(target string, tls bool, r classify.Result) {
	if probe.Wants(r) {
		a.p.Trigger(probe.Request{Target: target, TLS: tls, Flag: r.Flag})
	}
}

func (a prober) Latest(target string, now time.Time) (string, time.Duration, bool) {
	return a.p.Latest(target, now)
}

// logProbe writes a finished probe's entry through the gateway's logger, on
// the probe's worker goroutine: prefix upstreamcause-probe, level warning
// when the target is not reachable from the node, info when it is.
func logProbe(r *probe.Result) {
	e := gatewayLogger().WithFields(logrus.Fields(r.Fields()))
	if r.Reachable() {
		e.Info(r.Message())
	} else {
		e.Warn(r.Message())
	}
}

// UpstreamCausePre is the pre hook (Tyk type func(http.ResponseWriter,
// *http.Request)). It never writes to w: it attaches the capture to r's
// context, keeps w to read the response headers at the end of the request,
// and registers the request for correlation.
func UpstreamCausePre(w http.ResponseWriter, r *http.Request) {
	hook.Begin(w, r)
}

// UpstreamCauseResponse is the response hook (Tyk type
// func(http.ResponseWriter, *http.Response, *http.Request)). It classifies an
// upstream 5xx and wraps res.Body to catch a failure while the gateway copies
// it. It does not change the response otherwise.
func UpstreamCauseResponse(_ http.ResponseWriter, res *http.Response, _ *http.Request) {
	hook.Response(res)
}

// UpstreamCausePending returns the number of requests whose correlation state
// is held (see accesslog.Hook.Pending). It is for tests and diagnostics; no
// Tyk hook type matches it.
func UpstreamCausePending() int {
	return hook.Pending()
}

func main() {}
