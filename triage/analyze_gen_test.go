package triage

import (
	"math"
	"math/rand"
	"sort"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// The generator: a simulated fleet of gateway nodes (gw-a, gw-b, gw-c)
// proxying to a few upstreams with Poisson traffic, into which a scenario
// injects the failures of one of the troubleshooting guide's cases. It
// builds Entries the way the reader does from the plugin's access-log
// entries (Origin plugin for failures, status only for successes, floats
// NaN where a line has no value). Expected results are never written by
// hand: the tests assert properties of the Report against the scenario's
// own parameters.

var genT0 = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

type genUpstream struct {
	target, api, path, peer string
	perMin                  float64 // requests per minute per node
}

var (
	upOrders    = genUpstream{"orders.internal:8080", "orders", "/orders", "10.0.3.17:8080", 40}
	upUsers     = genUpstream{"users.internal:8080", "users", "/users/me", "10.0.4.21:8080", 3} // low traffic
	upPayments  = genUpstream{"payments.internal:443", "payments", "/pay", "10.0.5.9:443", 20}
	upInventory = genUpstream{"inventory.internal:8080", "inventory", "/stock", "10.0.6.3:8080", 15}
	upReports   = genUpstream{"reports.internal:8080", "reports", "/reports/daily", "10.0.7.40:8080", 5}
	genUps      = []genUpstream{upOrders, upUsers, upPayments, upInventory, upReports}
	genNodes    = []string{"gw-a", "gw-b", "gw-c"}
)

// failure is what a scenario makes of one request: nil leaves it a
// success.
type genFailure func(e *Entry, rng *rand.Rand)

// scenario decides, per request, whether it fails and how; and may add
// lifecycle lines and gaps in a node's traffic.
type genScenario struct {
	name  string
	fail  func(node string, up genUpstream, t time.Time) genFailure
	marks func(add func(node string, kind Kind, t time.Time, text string))
	// down says a node serves nothing at t (it is restarting).
	down func(node string, t time.Time) bool
	// got records the failures the scenario injected: what the tests
	// compare the findings with.
	got *genGot
}

// genGot is what a scenario injected.
type genGot struct {
	n           int
	first, last time.Time
}

func (g *genGot) add(t time.Time) {
	if g.n == 0 || t.Before(g.first) {
		g.first = t
	}
	if t.After(g.last) {
		g.last = t
	}
	g.n++
}

type genFleetState struct {
	rng     *rand.Rand
	from    time.Time
	dur     time.Duration
	entries []*Entry
}

// genFleet runs the fleet for dur from genT0 with the scenarios and the
// background noise (a few client disconnects, an upstream's occasional 503,
// a two-request failRefused blip), and returns the Entries in the order a
// reader of one file per node gives them: node by node, in time order.
func genFleet(seed int64, dur time.Duration, scs ...genScenario) []*Entry {
	f := &genFleetState{rng: rand.New(rand.NewSource(seed)), from: genT0, dur: dur}
	for _, node := range genNodes {
		f.lifecycle(node, KindStart, genT0, "v5.8.15")
		f.lifecycle(node, KindReload, genT0.Add(time.Second), "API reload complete")
	}
	for _, sc := range scs {
		if sc.marks != nil {
			sc.marks(f.lifecycle)
		}
	}
	for _, node := range genNodes {
		for _, up := range genUps {
			t := genT0.Add(2 * time.Second)
			for {
				t = t.Add(time.Duration(f.rng.ExpFloat64() / up.perMin * float64(time.Minute)))
				if t.Sub(genT0) >= dur {
					break
				}
				if anyDown(scs, node, t) {
					continue
				}
				f.request(node, up, t, scs)
			}
		}
	}
	sort.SliceStable(f.entries, func(i, j int) bool {
		a, b := f.entries[i], f.entries[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		return a.Time.Before(b.Time)
	})
	return f.entries
}

func anyDown(scs []genScenario, node string, t time.Time) bool {
	for _, sc := range scs {
		if sc.down != nil && sc.down(node, t) {
			return true
		}
	}
	return false
}

func (f *genFleetState) lifecycle(node string, kind Kind, t time.Time, text string) {
	e := genBlank()
	e.Time, e.Node, e.Kind, e.Message = t, node, kind, text
	if kind == KindStart {
		e.Version = text
	}
	f.entries = append(f.entries, e)
}

func genBlank() *Entry {
	return &Entry{Total: math.NaN(), IdleMs: math.NaN(), HeadersMs: math.NaN()}
}

func (f *genFleetState) request(node string, up genUpstream, t time.Time, scs []genScenario) {
	e := genBlank()
	e.Time, e.Node, e.Kind = t, node, KindAccess
	e.APIID, e.Method, e.Path, e.Status = up.api, "GET", up.path, 200
	e.Target = up.target // the reader takes it from upstream_addr on a success
	e.Total = 5 + f.rng.ExpFloat64()*20
	e.Origin = OriginStatus
	var fl genFailure
	for _, sc := range scs {
		if fl = sc.fail(node, up, t); fl != nil {
			if sc.got != nil {
				sc.got.add(t)
			}
			break
		}
	}
	if fl == nil {
		fl = f.noise(node, up, t)
	}
	if fl != nil {
		e.Origin = OriginPlugin
		e.Peer = up.peer
		fl(e, f.rng)
	}
	f.entries = append(f.entries, e)
}

// noise: unrelated failures of every run.
func (f *genFleetState) noise(node string, up genUpstream, t time.Time) genFailure {
	switch {
	case up == upOrders && f.rng.Float64() < 0.0005:
		return failClientGone
	case up == upPayments && f.rng.Float64() < 0.0006:
		return failUpstream503
	case up == upInventory && node == "gw-a" && t.Sub(genT0) >= 30*time.Minute && t.Sub(genT0) < 30*time.Minute+8*time.Second:
		return failRefused
	}
	return nil
}

// —— the failures, as the plugin writes them ——

func failConnectTimeout(e *Entry, rng *rand.Rand) {
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagUCT, classify.DetailConnectionTimeout, "connect", "network"
	e.Error = "dial tcp " + e.Peer + ": i/o timeout"
	e.Total = 30000 + rng.Float64()*20
}

func failRefused(e *Entry, rng *rand.Rand) {
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagUCF, classify.DetailConnectionRefused, "connect", "upstream"
	e.Error = "dial tcp " + e.Peer + ": connect: connection refused"
	e.Total = 0.5 + rng.Float64()
}

func failResetInFlight(e *Entry, rng *rand.Rand) {
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagURR, classify.DetailConnectionResetBeforeResponse, "response_headers", "upstream"
	e.Error = "read tcp 10.0.1.5:53422->" + e.Peer + ": read: connection reset by peer"
	e.HeadersMs = 3 + rng.Float64()*50
}

func failDNSServFail(e *Entry, rng *rand.Rand) {
	host, _ := splitHostPort(e.Target, "")
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagDNS, classify.DetailDNSServerFailure, "dns", "dns"
	e.Error = "dial tcp: lookup " + host + " on 10.0.0.2:53: server misbehaving"
	e.Peer = ""
	e.Total = 2 + rng.Float64()*10
}

// failIdleClosed returns the failure of a request sent on a pooled connection
// the upstream closed after idleS seconds: the race is lost when the
// request goes out just as the close arrives, so the idle times sit just
// above idleS.
func failIdleClosed(idleS float64) genFailure {
	return func(e *Entry, rng *rand.Rand) {
		e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagUCC, classify.DetailIdleConnectionClosedByUpstream, "response_headers", "upstream"
		e.Error = "http: server closed idle connection"
		e.Reused = true
		e.IdleMs = idleS*1000 + rng.Float64()*250
		e.HeadersMs = 0.3 + rng.Float64()
	}
}

// failHeaderTimeout returns the failure of an upstream slower than the
// gateway's response-header timeout of timeoutS seconds.
func failHeaderTimeout(timeoutS float64) genFailure {
	return func(e *Entry, rng *rand.Rand) {
		e.Status, e.Flag, e.Detail, e.Phase, e.Source = 504, classify.FlagURT, classify.DetailResponseHeadersTimeout, "response_headers", "gateway"
		e.Error = "net/http: timeout awaiting response headers"
		e.HeadersMs = timeoutS*1000 + rng.Float64()*5
		e.Total = e.HeadersMs + 1
	}
}

func failClientGone(e *Entry, rng *rand.Rand) {
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 499, classify.FlagCDC, classify.DetailClientDisconnected, "response_headers", "client"
	e.Error = "context canceled"
	e.HeadersMs = 200 + rng.Float64()*3000
}

func failUpstream503(e *Entry, rng *rand.Rand) {
	e.Status, e.Flag, e.Detail, e.Phase, e.Source = 503, classify.FlagURS, classify.DetailUpstreamResponse5xx, "response_headers", "upstream"
	e.Error = ""
}

// —— the guide's cases ——

func genWithin(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// scBlackhole: gw-b restarts at restart and from then on cannot reach
// orders.internal (its new placement's security group drops the SYNs):
// every connect times out, until fixed; gw-a and gw-c are fine.
func scBlackhole(restart, fixed time.Time) genScenario {
	return genScenario{
		got:  &genGot{},
		name: "blackhole",
		marks: func(add func(string, Kind, time.Time, string)) {
			add("gw-b", KindShutdown, restart.Add(-3*time.Second), "Stop signal received.")
			add("gw-b", KindStart, restart, "v5.8.15")
			add("gw-b", KindReload, restart.Add(time.Second), "API reload complete")
		},
		down: func(node string, t time.Time) bool {
			return node == "gw-b" && genWithin(t, restart.Add(-3*time.Second), restart.Add(2*time.Second))
		},
		fail: func(node string, up genUpstream, t time.Time) genFailure {
			if node == "gw-b" && up == upOrders && genWithin(t, restart, fixed) {
				return failConnectTimeout
			}
			return nil
		},
	}
}

// scIdle: users.internal (low traffic) closes keep-alive connections idle
// for idleS seconds, on every node, for the whole run; a share of the
// requests loses the race.
func scIdle(idleS, share float64, rng *rand.Rand) genScenario {
	return genScenario{
		got:  &genGot{},
		name: "idle",
		fail: func(node string, up genUpstream, t time.Time) genFailure {
			if up == upUsers && rng.Float64() < share {
				return failIdleClosed(idleS)
			}
			return nil
		},
	}
}

// scResolver: gw-c's resolver answers SERVFAIL for payments.internal from
// from to to; the other nodes resolve it.
func scResolver(from, to time.Time) genScenario {
	return genScenario{
		got:  &genGot{},
		name: "resolver",
		fail: func(node string, up genUpstream, t time.Time) genFailure {
			if node == "gw-c" && up == upPayments && genWithin(t, from, to) {
				return failDNSServFail
			}
			return nil
		},
	}
}

// scDown: inventory.internal goes down at from (the requests in flight are
// reset during its first 2 s) and refuses connections until to, on every
// node.
func scDown(from, to time.Time) genScenario {
	return genScenario{
		got:  &genGot{},
		name: "down",
		fail: func(node string, up genUpstream, t time.Time) genFailure {
			if up != upInventory || !genWithin(t, from, to) {
				return nil
			}
			if t.Sub(from) < 2*time.Second {
				return failResetInFlight
			}
			return failRefused
		},
	}
}

// scSlow: reports.internal becomes slower than the gateway's timeoutS
// response-header timeout from from on, for a share of the requests, on
// every node.
func scSlow(from time.Time, timeoutS, share float64, rng *rand.Rand) genScenario {
	return genScenario{
		got:  &genGot{},
		name: "slow",
		fail: func(node string, up genUpstream, t time.Time) genFailure {
			if up == upReports && !t.Before(from) && rng.Float64() < share {
				return failHeaderTimeout(timeoutS)
			}
			return nil
		},
	}
}
