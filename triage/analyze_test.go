package triage

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

func analyzeAll(entries []*Entry, cfg Config) *Report {
	a := NewAnalyzer(cfg)
	for _, e := range entries {
		a.Add(e)
	}
	return a.Report(Inputs{})
}

// want is what a test expects of a finding; zero fields are not checked.
type fWant struct {
	scope     string
	nodes     []string
	target    string
	flag      string
	category  string
	got       *genGot    // the scenario's failures: count, first and last must match
	near      time.Time  // the scenario's start: onset within onsetSlack after it
	end       *time.Time // End within onsetSlack before it
	ongoing   bool       // End must be nil
	trigger   string
	trigNode  string
	step      int
	healthy   *bool
	load      *bool
	idleS     float64 // IdleTimeoutS within 10 %
	timeoutS  float64 // TimeoutS within 5 %
	hasCauses []string
	inActions []string // substrings every one of which some action contains
}

const onsetSlack = 30 * time.Second

func ptrTo[T any](v T) *T { return &v }

func checkFinding(t *testing.T, f *Finding, w fWant) {
	t.Helper()
	if f == nil {
		t.Fatalf("no finding")
	}
	errf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("finding #%d (%s %s): "+format, append([]any{f.Rank, f.Flag, f.Target}, args...)...)
	}
	if w.scope != "" && f.Scope != w.scope {
		errf("scope %q, want %q", f.Scope, w.scope)
	}
	if w.nodes != nil && !reflect.DeepEqual(f.Nodes, w.nodes) {
		errf("nodes %v, want %v", f.Nodes, w.nodes)
	}
	if w.target != "" && f.Target != w.target {
		errf("target %q, want %q", f.Target, w.target)
	}
	if w.flag != "" && f.Flag != w.flag {
		errf("flag %q, want %q", f.Flag, w.flag)
	}
	if w.category != "" && f.Category != w.category {
		errf("category %q, want %q", f.Category, w.category)
	}
	if g := w.got; g != nil {
		if d := f.Onset.Sub(g.first); d < -time.Millisecond || d > time.Millisecond {
			errf("onset %s, want the first injected failure %s", f.Onset, g.first)
		}
		if f.Failures != g.n {
			errf("%d failures, want the %d injected", f.Failures, g.n)
		}
		if f.End != nil && (f.End.Sub(g.last) < -time.Millisecond || f.End.Sub(g.last) > time.Millisecond) {
			errf("end %s, want the last injected failure %s", *f.End, g.last)
		}
	}
	if !w.near.IsZero() {
		if d := f.Onset.Sub(w.near); d < 0 || d > onsetSlack {
			errf("onset %s, want within %s after %s", f.Onset, onsetSlack, w.near)
		}
	}
	if w.end != nil {
		if f.End == nil {
			errf("end null, want near %s", *w.end)
		} else if d := w.end.Sub(*f.End); d < 0 || d > onsetSlack {
			errf("end %s, want within %s before %s", *f.End, onsetSlack, *w.end)
		}
	}
	if w.ongoing && f.End != nil {
		errf("end %s, want null (still failing)", *f.End)
	}
	if w.trigger != "" {
		if f.Trigger.Kind != w.trigger {
			errf("trigger %q, want %q", f.Trigger.Kind, w.trigger)
		}
		if w.trigNode != "" && f.Trigger.Node != w.trigNode {
			errf("trigger node %q, want %q", f.Trigger.Node, w.trigNode)
		}
	}
	if w.step != 0 && f.GuideStep != w.step {
		errf("guide step %d, want %d", f.GuideStep, w.step)
	}
	if w.healthy != nil && (f.HealthyElsewhere == nil || *f.HealthyElsewhere != *w.healthy) {
		errf("healthy_elsewhere %v, want %v", fmtBool(f.HealthyElsewhere), *w.healthy)
	}
	if w.load != nil && (f.LoadDependent == nil || *f.LoadDependent != *w.load) {
		errf("load_dependent %v, want %v", fmtBool(f.LoadDependent), *w.load)
	}
	if w.idleS != 0 {
		if f.IdleTimeoutS == nil || math.Abs(*f.IdleTimeoutS-w.idleS) > 0.1*w.idleS {
			errf("idle_timeout_s %v, want ≈ %v", fmtF(f.IdleTimeoutS), w.idleS)
		}
	} else if f.IdleTimeoutS != nil {
		errf("idle_timeout_s %v, want null", *f.IdleTimeoutS)
	}
	if w.timeoutS != 0 && (f.TimeoutS == nil || math.Abs(*f.TimeoutS-w.timeoutS) > 0.05*w.timeoutS) {
		errf("timeout_s %v, want ≈ %v", fmtF(f.TimeoutS), w.timeoutS)
	}
	for _, c := range w.hasCauses {
		found := false
		for _, fc := range f.Causes {
			found = found || fc.Flag == c
		}
		if !found {
			errf("causes %v lack %s", f.Causes, c)
		}
	}
	for _, s := range w.inActions {
		found := false
		for _, a := range f.Actions {
			found = found || strings.Contains(a, s)
		}
		if !found {
			errf("no action contains %q: %q", s, f.Actions)
		}
	}
	if f.Summary == "" || !strings.HasSuffix(f.Summary, ".") || strings.Count(f.Summary, ". ") > 0 {
		errf("summary is not one sentence: %q", f.Summary)
	}
	if f.Example == "" {
		errf("no example")
	}
}

func fmtBool(b *bool) any {
	if b == nil {
		return "null"
	}
	return *b
}

func fmtF(f *float64) any {
	if f == nil {
		return "null"
	}
	return *f
}

func findingFor(r *Report, target string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Target == target {
			return &r.Findings[i]
		}
	}
	return nil
}

func genAt(h, m, s int) time.Time {
	return genT0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// The guide's first case: one node cannot reach one upstream right after
// its restart, while the others can.
func TestBlackholeAfterRestart(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	sc := scBlackhole(restart, fixed)
	r := analyzeAll(genFleet(1, 3*time.Hour, sc), Config{})
	checkFinding(t, &r.Findings[0], fWant{
		got: sc.got, scope: "single_node", nodes: []string{"gw-b"}, target: upOrders.target, flag: classify.FlagUCT, category: "connect",
		near: restart, end: &fixed, trigger: "node_restart", trigNode: "gw-b", step: 3,
		healthy: ptrTo(true), load: ptrTo(false),
		inActions: []string{"On gw-b: `nc -vz orders.internal 8080`", "`curl -v http://orders.internal:8080/`", "`ip route get 10.0.3.17`", "security group"},
	})
	if tr := r.Findings[0].Trigger.Time; tr == nil || !tr.Equal(restart) {
		t.Errorf("trigger time %v, want %s", tr, restart)
	}
}

// The same node failing without a restart before: no trigger.
func TestBlackholeWithoutRestartHasNoTrigger(t *testing.T) {
	sc := scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0))
	sc.marks, sc.down = nil, nil
	r := analyzeAll(genFleet(2, 3*time.Hour, sc), Config{})
	checkFinding(t, &r.Findings[0], fWant{scope: "single_node", nodes: []string{"gw-b"}, flag: classify.FlagUCT, trigger: "none", step: 3})
}

// An upstream that closes idle keep-alive connections after a few seconds,
// on every node, at low traffic.
func TestIdleCloseClusters(t *testing.T) {
	for _, idle := range []float64{4, 5, 60} {
		rng := rand.New(rand.NewSource(int64(idle)))
		sc := scIdle(idle, 0.15, rng)
		r := analyzeAll(genFleet(3, 4*time.Hour, sc), Config{})
		checkFinding(t, &r.Findings[0], fWant{
			got: sc.got, scope: "all_nodes", nodes: genNodes, target: upUsers.target, flag: classify.FlagUCC, category: "idle_close",
			trigger: "none", step: 4, idleS: idle, load: ptrTo(false), ongoing: true,
			inActions: []string{"proxy_close_connections", "max_idle_connections_per_host", "max_conn_time", "nc -v users.internal 8080"},
		})
		if !strings.Contains(r.Findings[0].Summary, "low volume") {
			t.Errorf("idle %v: summary does not say low volume: %s", idle, r.Findings[0].Summary)
		}
	}
}

// Idle closes whose idle times are spread evenly: no idle timeout claimed.
func TestIdleCloseWithoutClusterClaimsNoValue(t *testing.T) {
	a := NewAnalyzer(Config{})
	rng := rand.New(rand.NewSource(4))
	for _, e := range genFleet(4, time.Hour) {
		a.Add(e)
	}
	for i := 0; i < 200; i++ {
		e := genBlank()
		e.Time, e.Node, e.Kind, e.Target, e.APIID = genT0.Add(time.Duration(i)*15*time.Second), genNodes[i%3], KindAccess, upUsers.target, upUsers.api
		failIdleClosed(0)(e, rng)
		e.IdleMs = 1000 + rng.Float64()*80000
		a.Add(e)
	}
	r := a.Report(Inputs{})
	checkFinding(t, &r.Findings[0], fWant{category: "idle_close", step: 4, idleS: 0})
}

// One node whose resolver fails.
func TestResolverFailsOnOneNode(t *testing.T) {
	from, to := genAt(2, 10, 0), genAt(2, 40, 0)
	sc := scResolver(from, to)
	r := analyzeAll(genFleet(5, 3*time.Hour, sc), Config{})
	checkFinding(t, &r.Findings[0], fWant{
		got: sc.got, scope: "single_node", nodes: []string{"gw-c"}, target: upPayments.target, flag: classify.FlagDNS, category: "dns",
		near: from, end: &to, trigger: "none", step: 3, healthy: ptrTo(true),
		inActions: []string{"On gw-c: `dig payments.internal`", "resolv.conf"},
	})
}

// An upstream that goes down and comes back: the resets of the requests
// in flight and the failRefused connects are one incident.
func TestUpstreamDownAndBack(t *testing.T) {
	from, to := genAt(3, 0, 0), genAt(3, 4, 0)
	sc := scDown(from, to)
	r := analyzeAll(genFleet(6, 4*time.Hour, sc), Config{})
	checkFinding(t, &r.Findings[0], fWant{
		got: sc.got, scope: "all_nodes", nodes: genNodes, target: upInventory.target, flag: classify.FlagUCF, category: "connect",
		near: from, end: &to, trigger: "none", step: 2, hasCauses: []string{classify.FlagURR},
		inActions: []string{"`nc -vz inventory.internal 8080`", "`dig +short inventory.internal`"},
	})
	for _, f := range r.Findings[1:] {
		if f.Target == upInventory.target && f.Onset.After(from.Add(-time.Minute)) && f.Onset.Before(to) {
			t.Errorf("the outage is split: another finding %s %s at %s", f.Flag, f.Detail, f.Onset)
		}
	}
}

// An upstream slower than the gateway's timeout, with Tyk's default and
// with a configured proxy_default_timeout.
func TestSlowerThanGatewayTimeout(t *testing.T) {
	for _, tc := range []struct {
		timeoutS float64
		tyk      TykSettings
		says     string
	}{
		{30, TykSettings{}, "Tyk's default proxy_default_timeout (30 s)"},
		{10, TykSettings{Known: true, ProxyDefaultTimeoutS: 10}, "proxy_default_timeout (10 s in tyk.conf)"},
		{10, TykSettings{}, "not Tyk's default"},
	} {
		rng := rand.New(rand.NewSource(7))
		sc := scSlow(genAt(4, 0, 0), tc.timeoutS, 0.6, rng)
		r := analyzeAll(genFleet(7, 5*time.Hour, sc), Config{Tyk: tc.tyk})
		checkFinding(t, &r.Findings[0], fWant{
			got: sc.got, scope: "all_nodes", nodes: genNodes, target: upReports.target, flag: classify.FlagURT, category: "timeout",
			near: genAt(4, 0, 0), ongoing: true, trigger: "none", step: 5, timeoutS: tc.timeoutS,
			inActions: []string{"TYK_GW_PROXYDEFAULTTIMEOUT", "hard_timeouts", "time_starttransfer"},
		})
		if !strings.Contains(r.Findings[0].Summary, tc.says) {
			t.Errorf("timeout %v: summary does not say %q: %s", tc.timeoutS, tc.says, r.Findings[0].Summary)
		}
	}
}

// All the cases in one fleet: each is its own finding, with the right
// facts, ranked by failed requests; client disconnects come last.
func TestFleetRanksIncidents(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	bh, idle, res, down, slow := scBlackhole(restart, fixed), scIdle(5, 0.15, rng), scResolver(genAt(2, 10, 0), genAt(2, 40, 0)),
		scDown(genAt(3, 0, 0), genAt(3, 4, 0)), scSlow(genAt(4, 0, 0), 30, 0.6, rng)
	r := analyzeAll(genFleet(8, 5*time.Hour, bh, idle, res, down, slow), Config{})
	checkFinding(t, findingFor(r, upOrders.target), fWant{got: bh.got, scope: "single_node", nodes: []string{"gw-b"}, flag: classify.FlagUCT, near: restart, trigger: "node_restart", step: 3, healthy: ptrTo(true)})
	checkFinding(t, findingFor(r, upUsers.target), fWant{got: idle.got, scope: "all_nodes", flag: classify.FlagUCC, trigger: "none", step: 4, idleS: 5})
	checkFinding(t, findingFor(r, upPayments.target), fWant{got: res.got, scope: "single_node", nodes: []string{"gw-c"}, flag: classify.FlagDNS, near: genAt(2, 10, 0), step: 3})
	checkFinding(t, findingFor(r, upInventory.target), fWant{got: down.got, scope: "all_nodes", flag: classify.FlagUCF, near: genAt(3, 0, 0), step: 2})
	checkFinding(t, findingFor(r, upReports.target), fWant{got: slow.got, scope: "all_nodes", flag: classify.FlagURT, near: genAt(4, 0, 0), step: 5, timeoutS: 30})
	if r.Findings[0].Target != upOrders.target {
		t.Errorf("rank 1 is %s %s, want the blackhole (most failures)", r.Findings[0].Flag, r.Findings[0].Target)
	}
	seenClient := false
	for i, f := range r.Findings {
		if f.Rank != i+1 {
			t.Errorf("finding %d has rank %d", i, f.Rank)
		}
		if f.Category == "client_disconnect" {
			seenClient = true
		} else if seenClient {
			t.Errorf("finding #%d (%s) ranks after client disconnects", f.Rank, f.Flag)
		}
		if i > 0 && f.Category != "client_disconnect" && r.Findings[i-1].Category != "client_disconnect" && f.Failures > r.Findings[i-1].Failures {
			t.Errorf("#%d has more failures (%d) than #%d (%d)", f.Rank, f.Failures, f.Rank-1, r.Findings[i-1].Failures)
		}
	}
	// The tables add up to the findings.
	sum := func(cells []Cell) (n int) {
		for _, c := range cells {
			n += c.Failures
		}
		return
	}
	total := 0
	for _, f := range r.Findings {
		total += f.Failures
	}
	if sum(r.NodeCause) != total || sum(r.TargetCause) != total {
		t.Errorf("tables count %d and %d failures, findings %d", sum(r.NodeCause), sum(r.TargetCause), total)
	}
	// The timeline has every node, its marks, and the same failures.
	tl := 0
	for _, n := range r.Timeline {
		for _, m := range n.Minutes {
			for _, v := range m.Failures {
				tl += v
			}
		}
		if len(n.Marks) == 0 {
			t.Errorf("timeline of %s has no marks", n.Node)
		}
	}
	if len(r.Timeline) != 3 || tl != total {
		t.Errorf("timeline: %d nodes, %d failures; want 3, %d", len(r.Timeline), tl, total)
	}
}

// Tyk 5.8 without the plugin: the access-log entries carry only a status,
// the proxy-error lines the cause (classify.Message). Each failure must be
// counted once, and the report must say what it could not know.
func TestTyk58WithoutPluginCountsOnce(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	var entries []*Entry
	failures := 0
	for _, e := range genFleet(9, 2*time.Hour, scBlackhole(restart, fixed)) {
		if e.Kind == KindAccess && e.Flag != "" {
			failures++
			pe := genBlank()
			res := classify.Message(e.Error)
			pe.Time, pe.Node, pe.Kind, pe.APIID = e.Time, e.Node, KindProxyError, e.APIID
			pe.Flag, pe.Detail, pe.Phase, pe.Source = res.Flag, res.Detail, res.Phase.String(), res.Source.String()
			pe.Error, pe.Origin, pe.Target = e.Error, OriginMessage, e.Target
			pe.Message = "http: proxy error: " + e.Error
			// 5.8's access-log entry: the status; its target from upstream_addr.
			*e = Entry{Time: e.Time, Node: e.Node, Kind: KindAccess, APIID: e.APIID, Method: e.Method, Path: e.Path,
				Status: e.Status, Target: e.Target, Origin: OriginStatus, Total: math.NaN(), IdleMs: math.NaN(), HeadersMs: math.NaN()}
			if e.Status == 499 {
				e.Status = 200 // the gateway logs the client's disconnect as a success on 5.8
			}
			entries = append(entries, pe)
		}
		entries = append(entries, e)
	}
	r := analyzeAll(entries, Config{})
	checkFinding(t, &r.Findings[0], fWant{scope: "single_node", nodes: []string{"gw-b"}, target: upOrders.target, flag: classify.FlagUCT, near: restart, trigger: "node_restart", step: 3, healthy: ptrTo(true)})
	total := 0
	for _, f := range r.Findings {
		total += f.Failures
	}
	if total > failures {
		t.Errorf("%d failures counted, %d happened: proxy errors and access-log entries counted twice", total, failures)
	}
	u := strings.Join(r.Unknowable, "\n")
	for _, s := range []string{"5.8–5.11", "peer", "idle times"} {
		if !strings.Contains(u, s) {
			t.Errorf("unknowable does not mention %q:\n%s", s, u)
		}
	}
}

// With the plugin, Tyk's own proxy-error lines repeat the access-log
// entries: they must not be counted again.
func TestProxyErrorsBesidePluginAreNotCountedTwice(t *testing.T) {
	entries := genFleet(10, time.Hour, scDown(genAt(0, 30, 0), genAt(0, 33, 0)))
	var plus []*Entry
	n := 0
	for _, e := range entries {
		plus = append(plus, e)
		if e.Kind == KindAccess && e.Flag != "" {
			n++
			pe := *e
			pe.Kind, pe.Origin, pe.Status = KindProxyError, OriginMessage, 0
			plus = append(plus, &pe)
		}
	}
	a, b := analyzeAll(entries, Config{}), analyzeAll(plus, Config{})
	if a.Findings[0].Failures != b.Findings[0].Failures {
		t.Errorf("with proxy-error lines: %d failures, without: %d", b.Findings[0].Failures, a.Findings[0].Failures)
	}
}

// Nodes named from file names, and one node only, are said.
func TestUnknowableNodeSourceAndSingleNode(t *testing.T) {
	a := NewAnalyzer(Config{})
	for _, e := range genFleet(11, 30*time.Minute, scDown(genAt(0, 10, 0), genAt(0, 12, 0))) {
		if e.Node != "gw-a" {
			continue
		}
		e.NodeSource = NodeFromFile
		a.Add(e)
	}
	r := a.Report(Inputs{})
	u := strings.Join(r.Unknowable, "\n")
	for _, s := range []string{"file names", "One node only", "begin with the gateway's start"} {
		if !strings.Contains(u, s) {
			t.Errorf("unknowable does not mention %q:\n%s", s, u)
		}
	}
	checkFinding(t, &r.Findings[0], fWant{scope: "single_node", nodes: []string{"gw-a"}, flag: classify.FlagUCF, step: 2})
	if r.Findings[0].HealthyElsewhere != nil {
		t.Errorf("healthy_elsewhere %v with one node", *r.Findings[0].HealthyElsewhere)
	}
}

// A fleet-wide API reload followed by failures on every node is the
// trigger; a reload on one node only is not, for an all-node incident.
func TestReloadTrigger(t *testing.T) {
	reload := genAt(1, 0, 0)
	down := scDown(reload.Add(20*time.Second), genAt(1, 10, 0))
	for _, tc := range []struct {
		nodes []string
		want  string
	}{{genNodes, "api_reload"}, {[]string{"gw-a"}, "none"}} {
		sc := down
		sc.marks = func(add func(string, Kind, time.Time, string)) {
			for _, n := range tc.nodes {
				add(n, KindReload, reload, "API reload complete")
			}
		}
		r := analyzeAll(genFleet(12, 2*time.Hour, sc), Config{})
		checkFinding(t, &r.Findings[0], fWant{target: upInventory.target, trigger: tc.want})
	}
}

// Report does not change the Analyzer: two calls give the same report.
func TestReportIsRepeatable(t *testing.T) {
	a := NewAnalyzer(Config{})
	for _, e := range genFleet(13, time.Hour, scDown(genAt(0, 20, 0), genAt(0, 22, 0))) {
		a.Add(e)
	}
	r1, r2 := a.Report(Inputs{}), a.Report(Inputs{})
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("two reports differ")
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
