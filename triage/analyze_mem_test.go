package triage

import (
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// aggregateSize counts what the Analyzer holds: its keys, minute cells,
// samples and examples.
func aggregateSize(a *Analyzer) (keys, cells, samples, examples int) {
	keys = len(a.groups) + len(a.nodes)
	for _, n := range a.nodes {
		for _, k := range n.targets {
			keys += len(k.minutes)
		}
		for _, k := range n.apis {
			keys += len(k.minutes)
		}
	}
	for _, g := range a.groups {
		cells += len(g.minutes)
		samples += len(g.idleMs.s) + len(g.latMs.s)
		examples += len(g.examples)
	}
	for _, n := range a.nodes {
		cells += len(n.all.minutes) + len(n.marks)
	}
	return
}

// Many lines over few keys: the aggregates stop growing once every key is
// seen, and so does the heap.
func TestMemoryBoundedByKeys(t *testing.T) {
	a := NewAnalyzer(Config{})
	rng := rand.New(rand.NewSource(1))
	e := genBlank()
	nodes := []string{"gw-a", "gw-b", "gw-c"}
	targets := []string{"orders.internal:8080", "users.internal:8080"}
	fails := []func(*Entry, *rand.Rand){failConnectTimeout, failIdleClosed(5), failHeaderTimeout(30)}
	feed := func(n int) {
		for i := 0; i < n; i++ {
			*e = Entry{Kind: KindAccess, Node: nodes[i%3], Target: targets[(i/3)%2], APIID: "api", Path: "/p", Method: "GET", Status: 200}
			e.Total, e.IdleMs, e.HeadersMs = 12, nan, nan
			e.Time = genT0.Add(time.Duration(rng.Int63n(int64(10 * time.Minute)))) // 10 minutes: 10 minute keys
			if i%4 == 0 {
				e.Peer = "10.0.0.1:8080"
				fails[(i/12)%3](e, rng)
				e.Origin = OriginPlugin
			}
			a.Add(e)
		}
	}
	var ms runtime.MemStats
	feed(200_000)
	k1, c1, s1, x1 := aggregateSize(a)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	h1 := ms.HeapAlloc
	feed(1_000_000)
	k2, c2, s2, x2 := aggregateSize(a)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	h2 := ms.HeapAlloc
	if k1 != k2 || c1 != c2 || s1 != s2 || x1 != x2 {
		t.Errorf("aggregates grew with the input: keys %d→%d, cells %d→%d, samples %d→%d, examples %d→%d", k1, k2, c1, c2, s1, s2, x1, x2)
	}
	// (node, target, cause) groups + (node, target, minute) + (node, API,
	// minute) + nodes.
	if max := 3*2*3 + 3*2*10 + 3*1*10 + 3; k2 > max {
		t.Errorf("%d keys, more than the %d distinct keys of the input", k2, max)
	}
	if s2 > len(a.groups)*2*a.cfg.Samples {
		t.Errorf("%d samples kept, bound %d", s2, len(a.groups)*2*a.cfg.Samples)
	}
	if h2 > h1+512<<10 {
		t.Errorf("heap grew from %d to %d bytes over 1,000,000 more lines", h1, h2)
	}
	r := a.Report(Inputs{})
	if len(r.Findings) == 0 || r.Findings[0].Failures == 0 {
		t.Errorf("no findings from the bounded aggregates")
	}
	if got := r.Inputs.Used; got != 1_200_000 {
		t.Errorf("inputs.used %d, want 1200000", got)
	}
}

// Many minutes: the (node, target, cause, minute) keys are what grows, one
// cell each, and lifecycle marks are capped.
func TestMarksCapped(t *testing.T) {
	a := NewAnalyzer(Config{MaxMarks: 10})
	for i := 0; i < 100; i++ {
		e := genBlank()
		e.Time, e.Node, e.Kind = genT0.Add(time.Duration(i)*time.Minute), "gw-a", KindReload
		a.Add(e)
	}
	if n := len(a.nodes["gw-a"].marks); n != 10 {
		t.Errorf("%d marks kept, want 10", n)
	}
	r := a.Report(Inputs{})
	found := false
	for _, u := range r.Unknowable {
		found = found || containsAll(u, "90 lifecycle lines")
	}
	if !found {
		t.Errorf("dropped marks not reported: %q", r.Unknowable)
	}
}

// BenchmarkAdd is the Analyzer's cost per entry over a generated fleet's
// entries (successes and failures mixed as in TestFleetRanksIncidents):
// ns/op is ns per entry.
func BenchmarkAdd(b *testing.B) {
	rng := rand.New(rand.NewSource(8))
	entries := genFleet(8, 5*time.Hour, scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0)), scIdle(5, 0.15, rng),
		scResolver(genAt(2, 10, 0), genAt(2, 40, 0)), scDown(genAt(3, 0, 0), genAt(3, 4, 0)), scSlow(genAt(4, 0, 0), 30, 0.6, rng))
	a := NewAnalyzer(Config{})
	for _, e := range entries { // the keys exist: steady state
		a.Add(e)
	}
	// A window of consecutive lines, hot in the cache as a reader's
	// reused Entry is.
	win := entries[len(entries)/2 : len(entries)/2+4096]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Add(win[i%len(win)])
	}
}

// BenchmarkReport is the cost of the rules and tables over the same fleet.
func BenchmarkReport(b *testing.B) {
	rng := rand.New(rand.NewSource(8))
	entries := genFleet(8, 5*time.Hour, scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0)), scIdle(5, 0.15, rng),
		scResolver(genAt(2, 10, 0), genAt(2, 40, 0)), scDown(genAt(3, 0, 0), genAt(3, 4, 0)), scSlow(genAt(4, 0, 0), 30, 0.6, rng))
	a := NewAnalyzer(Config{})
	for _, e := range entries {
		a.Add(e)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Report(Inputs{})
	}
}

var nan = func() float64 { e := genBlank(); return e.Total }()

var _ = classify.FlagUCT
