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

// withProbes adds the plugin's probe to a generated fleet as the plugin
// runs it: after a failure of node to target, one probe entry 1 s later
// (its connect timeout) saying what probe(t) says (nil: none), at most one
// per every (the rest are dropped and counted on the next entry,
// probe_dropped); with carry, the node's later failures to target carry
// the newest verdict and its age (upstream_probe, upstream_probe_age_s).
// With entries false, the probe entries are left out (only the access
// logs shipped) and only the carried verdicts remain.
func withProbes(fleet []*Entry, node, target string, every time.Duration, probe func(t time.Time) *Probe, carry, entries bool) []*Entry {
	var out []*Entry
	var last time.Time
	latest := ""
	dropped := 0
	for _, e := range fleet {
		out = append(out, e)
		if e.Node != node || e.Kind != KindAccess || e.Target != target || categorize(e) == catNone {
			continue
		}
		if carry && latest != "" {
			e.UpstreamProbe, e.ProbeAgeS = latest, math.Floor(e.Time.Sub(last).Seconds())
		}
		if !last.IsZero() && e.Time.Sub(last) < every {
			dropped++
			continue
		}
		p := probe(e.Time)
		if p == nil {
			continue
		}
		p.TriggerFlag, p.Dropped = e.Flag, dropped
		dropped = 0
		last, latest = e.Time.Add(time.Second), p.Verdict
		if entries {
			pe := genBlank()
			pe.Time, pe.Node, pe.Kind, pe.Target, pe.Probe, pe.ProbeAgeS = last, node, KindProbe, target, p, math.NaN()
			out = append(out, pe)
		}
	}
	return out
}

func probeUnreachable(time.Time) *Probe {
	return &Probe{Verdict: ProbeUnreachable, Addrs: "10.0.3.17", Connect: "10.0.3.17:8080 timeout 3000ms"}
}

func probeReachable(time.Time) *Probe {
	return &Probe{Verdict: ProbeReachable, Addrs: "10.0.3.17", Connect: "10.0.3.17:8080 ok 0.4ms"}
}

// scFlaky: from from to to, gw-b's connects to orders.internal time out
// now and then (share of them); gw-a and gw-c are fine.
func scFlaky(from, to time.Time, share float64, rng *rand.Rand) genScenario {
	return genScenario{got: &genGot{}, name: "flaky", fail: func(node string, up genUpstream, t time.Time) genFailure {
		if node == "gw-b" && up == upOrders && genWithin(t, from, to) && rng.Float64() < share {
			return failConnectTimeout
		}
		return nil
	}}
}

// The guide's first case with the probe on: gw-b's own probe cannot reach
// orders.internal either. The finding says so, with the probe's words, and
// it stays the node's network path (step 3), now confirmed.
func TestRuleProbeConfirmsTheNodesPath(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	sc := scBlackhole(restart, fixed)
	plain := analyzeAll(genFleet(41, 2*time.Hour, sc), Config{})
	sc = scBlackhole(restart, fixed)
	r := analyzeAll(withProbes(genFleet(41, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, probeUnreachable, true, true), Config{})

	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, scope: "single_node", nodes: []string{"gw-b"}, target: upOrders.target, flag: classify.FlagUCT,
		category: "connect", trigger: "node_restart", step: 3, inActions: []string{"On gw-b: `nc -vz orders.internal 8080`"}})
	if f.ProbeCheck != ProbeCheckFailed {
		t.Errorf("probe_check %q, want failed", f.ProbeCheck)
	}
	if len(f.Probes) != 1 {
		t.Fatalf("probes %+v, want one (gw-b, unreachable)", f.Probes)
	}
	p := f.Probes[0]
	if p.Node != "gw-b" || p.Verdict != ProbeUnreachable || p.Source != ProbeFromEntries || p.Sample.Connect != "10.0.3.17:8080 timeout 3000ms" ||
		p.Sample.TriggerFlag != "UCT" || p.First.Before(f.Onset) || p.Last.After(fixed.Add(time.Minute)) {
		t.Errorf("probe evidence %+v", p)
	}
	// One probe per 30 s over the 40 minutes of failures, the rest dropped
	// (but those after the last probe, which no entry counts: 30 s at 40
	// requests/min).
	if p.Count < 60 || p.Count > 81 || p.Dropped == 0 || p.Count+p.Dropped > sc.got.n || p.Count+p.Dropped < sc.got.n-60 {
		t.Errorf("%d probes, %d dropped, for %d failures", p.Count, p.Dropped, sc.got.n)
	}
	for _, s := range []string{"the plugin's probe from gw-b at", "unreachable_from_node: 10.0.3.17:8080 timeout 3000ms", "fails from the node itself", "container's networking environment", "not Tyk"} {
		if !strings.Contains(f.Summary, s) {
			t.Errorf("summary lacks %q: %s", s, f.Summary)
		}
	}
	if !containsAll(strings.Join(f.Evidence, "\n"), "Confirmed from the node") {
		t.Errorf("evidence %q", f.Evidence)
	}
	// Without the probe: the same conclusion, not confirmed.
	g := &plain.Findings[0]
	if g.GuideStep != 3 || g.ProbeCheck != ProbeCheckNone || len(g.Probes) != 0 || strings.Contains(g.Summary, "probe") {
		t.Errorf("without probes: step %d, probe_check %q, probes %v, summary %s", g.GuideStep, g.ProbeCheck, g.Probes, g.Summary)
	}
	// The other findings have no probe evidence of gw-b's.
	for _, o := range r.Findings[1:] {
		if len(o.Probes) != 0 || o.ProbeCheck != ProbeCheckNone {
			t.Errorf("finding #%d %s %s has probes %v", o.Rank, o.Flag, o.Target, o.Probes)
		}
	}
}

// gw-b's connects to orders.internal fail now and then, and its probe
// right after says the target is reachable while the failures go on: not a
// broken path. The finding says the check passes from the node and points
// at the gateway's timeouts and pooling (step 5) instead of step 3.
func TestRuleProbeReachableNowContradictsThePath(t *testing.T) {
	from, to := genAt(0, 20, 0), genAt(1, 20, 0)
	sc := scFlaky(from, to, 0.3, rand.New(rand.NewSource(42)))
	plain := analyzeAll(genFleet(42, 2*time.Hour, sc), Config{})
	sc = scFlaky(from, to, 0.3, rand.New(rand.NewSource(42)))
	r := analyzeAll(withProbes(genFleet(42, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, probeReachable, true, true), Config{})

	g := findingFor(plain, upOrders.target)
	checkFinding(t, g, fWant{scope: "single_node", nodes: []string{"gw-b"}, category: "connect", step: 3})

	f := findingFor(r, upOrders.target)
	checkFinding(t, f, fWant{got: sc.got, scope: "single_node", nodes: []string{"gw-b"}, flag: classify.FlagUCT, category: "connect", step: 5,
		inActions: []string{"nc -vz -w 3 orders.internal 8080", "max_idle_connections_per_host", "proxy_default_timeout", "hard_timeouts"}})
	if f.ProbeCheck != ProbeCheckPassed {
		t.Errorf("probe_check %q, want passed", f.ProbeCheck)
	}
	for _, s := range []string{"reachable_now: 10.0.3.17:8080 ok 0.4ms", "the connectivity check from the node passes at that moment", "intermittent", "timeouts and connection pooling", "step 5"} {
		if !strings.Contains(f.Summary, s) {
			t.Errorf("summary lacks %q: %s", s, f.Summary)
		}
	}
	if strings.Contains(f.Summary, "network path") {
		t.Errorf("summary still blames the path: %s", f.Summary)
	}
	// With the gateway's configuration, the settings in force are named.
	sc = scFlaky(from, to, 0.3, rand.New(rand.NewSource(42)))
	tyk := TykSettings{Known: true, ProxyDefaultTimeoutS: 5, MaxIdleConnsPerHost: 2, ProxyCloseConnections: true, MaxConnTimeS: 30}
	r = analyzeAll(withProbes(genFleet(42, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, probeReachable, true, true), Config{Tyk: tyk})
	checkFinding(t, findingFor(r, upOrders.target), fWant{step: 5,
		inActions: []string{"proxy_default_timeout (5 s in tyk.conf)", "tyk.conf here: max_idle_connections_per_host 2, proxy_close_connections true, max_conn_time 30 s"}})
}

// A probe that passes after the last failure is the recovery: the probes
// that failed during the failures still confirm the path.
func TestRuleProbeReachableAfterTheFixConfirms(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	sc := scBlackhole(restart, fixed)
	entries := withProbes(genFleet(43, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, probeUnreachable, false, true)
	// The operator fixed the rule at 01:40; the plugin's last probe ran 20 s after the last failure.
	pe := genBlank()
	pe.Time, pe.Node, pe.Kind, pe.Target, pe.Probe = sc.got.last.Add(20*time.Second), "gw-b", KindProbe, upOrders.target, probeReachable(time.Time{})
	r := analyzeAll(append(entries, pe), Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, nodes: []string{"gw-b"}, category: "connect", step: 3})
	if f.ProbeCheck != ProbeCheckFailed || len(f.Probes) != 2 || f.Probes[1].Verdict != ProbeReachable {
		t.Errorf("probe_check %q, probes %+v: want failed, the reachable one shown after", f.ProbeCheck, f.Probes)
	}
}

// Probes from the failing node that both fail and pass during its
// failures: shown and said, no conclusion drawn from them.
func TestRuleProbeMixed(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	sc := scBlackhole(restart, fixed)
	flip := func(t time.Time) *Probe {
		if t.Before(genAt(1, 20, 0)) {
			return probeUnreachable(t)
		}
		return probeReachable(t)
	}
	r := analyzeAll(withProbes(genFleet(44, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, flip, false, true), Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{nodes: []string{"gw-b"}, category: "connect", step: 3})
	if f.ProbeCheck != ProbeCheckMixed || len(f.Probes) != 2 || strings.Contains(f.Summary, "probe") ||
		!strings.Contains(strings.Join(f.Evidence, "\n"), "The plugin's probes of orders.internal:8080 disagree") {
		t.Errorf("probe_check %q, probes %d, summary %s, evidence %q", f.ProbeCheck, len(f.Probes), f.Summary, f.Evidence)
	}
}

// An expired certificate on every node, the requests' entries without the
// certificate's facts: the probes' tls_invalid confirms the finding, and
// their certificate facts fill it in.
func TestRuleProbeTLSInvalidConfirmsTheCertificate(t *testing.T) {
	sc := scCert(genAt(1, 0, 0))
	entries := genFleet(45, 2*time.Hour, sc)
	for _, e := range entries {
		e.CertSubject, e.CertExpiry = "", ""
	}
	tlsProbe := func(time.Time) *Probe {
		return &Probe{Verdict: ProbeTLSInvalid, Addrs: "10.0.5.9", Connect: "10.0.5.9:443 ok 0.5ms",
			TLSVerify:  "x509: certificate has expired or is not yet valid: current time 2026-12-01T07:00:01Z is after 2026-12-01T07:00:00Z",
			TLSSubject: "CN=payments.internal", TLSIssuer: "CN=Internal CA,O=Example", TLSNotAfter: "2026-12-01T07:00:00Z",
			TLSSANs: "payments.internal", TLSVersion: "TLS 1.3"}
	}
	for _, n := range genNodes {
		entries = withProbes(entries, n, upPayments.target, time.Minute, tlsProbe, true, true)
	}
	r := analyzeAll(entries, Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, scope: "all_nodes", target: upPayments.target, flag: classify.FlagTLE, category: "tls", step: 2})
	if f.ProbeCheck != ProbeCheckFailed || len(f.Probes) != 3 {
		t.Fatalf("probe_check %q, probes %+v", f.ProbeCheck, f.Probes)
	}
	if f.CertSubject != "CN=payments.internal" || f.CertExpiry != "2026-12-01T07:00:00Z" {
		t.Errorf("certificate %q %q, want the probe's", f.CertSubject, f.CertExpiry)
	}
	if !containsAll(f.Summary, "its certificate has expired", "CN=payments.internal", "confirmed by the plugin's probe from gw-a, gw-b and gw-c (tls_invalid)") {
		t.Errorf("summary %s", f.Summary)
	}
	if !containsAll(strings.Join(f.Evidence, "\n"), "saw the certificate: x509: certificate has expired", "issuer CN=Internal CA,O=Example", "SANs payments.internal", "TLS 1.3") {
		t.Errorf("evidence %q", f.Evidence)
	}
}

// gw-c's resolver fails, and so does its probe.
func TestRuleProbeDNSFailsConfirmsTheResolver(t *testing.T) {
	sc := scResolver(genAt(0, 30, 0), genAt(1, 0, 0))
	dns := func(time.Time) *Probe {
		return &Probe{Verdict: ProbeDNSFails, DNSError: "lookup payments.internal on 127.0.2.3:53: server misbehaving"}
	}
	r := analyzeAll(withProbes(genFleet(46, 2*time.Hour, sc), "gw-c", upPayments.target, 30*time.Second, dns, true, true), Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, scope: "single_node", nodes: []string{"gw-c"}, category: "dns", step: 3, inActions: []string{"dig payments.internal"}})
	if f.ProbeCheck != ProbeCheckFailed || !containsAll(f.Summary, "failed to resolve it too", "lookup payments.internal on 127.0.2.3:53: server misbehaving", "not Tyk") {
		t.Errorf("probe_check %q, summary %s", f.ProbeCheck, f.Summary)
	}
}

// Only the access logs shipped: the verdicts the failed requests carry
// stand in for the probe entries; with both, the probe entries are shown.
func TestRuleProbeCarriedVerdicts(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	for _, entries := range []bool{false, true} {
		sc := scBlackhole(restart, fixed)
		r := analyzeAll(withProbes(genFleet(47, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, probeUnreachable, true, entries), Config{})
		f := &r.Findings[0]
		checkFinding(t, f, fWant{got: sc.got, nodes: []string{"gw-b"}, category: "connect", step: 3})
		if f.ProbeCheck != ProbeCheckFailed || len(f.Probes) != 1 {
			t.Fatalf("entries %v: probe_check %q, probes %+v", entries, f.ProbeCheck, f.Probes)
		}
		p := f.Probes[0]
		if entries {
			if p.Source != ProbeFromEntries || p.Sample.Connect == "" {
				t.Errorf("with probe entries: %+v", p)
			}
			continue
		}
		// Every failure but the first carries the verdict.
		if p.Source != ProbeFromAccessLog || p.Count != sc.got.n-1 || p.Sample.Connect != "" || p.First.Before(sc.got.first) {
			t.Errorf("carried: %+v (failures %d from %s)", p, sc.got.n, sc.got.first)
		}
		if !containsAll(f.Summary, "the plugin's probe verdict gw-b's failed requests carried (unreachable_from_node, probed about") {
			t.Errorf("carried: summary %s", f.Summary)
		}
	}
}

// Probe entries are not requests: the findings, tables and timeline are
// the same with and without them.
func TestProbesAreNotRequests(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	plain := analyzeAll(genFleet(48, 2*time.Hour, scBlackhole(restart, fixed)), Config{})
	with := withProbes(genFleet(48, 2*time.Hour, scBlackhole(restart, fixed)), "gw-b", upOrders.target, 10*time.Second, probeReachable, false, true)
	// And probes of a target no request went to, from a node of their own.
	for i := 0; i < 50; i++ {
		pe := genBlank()
		pe.Time, pe.Node, pe.Kind, pe.Target, pe.Probe = genAt(0, i, 0), "gw-a", KindProbe, "elsewhere.internal:9", probeUnreachable(time.Time{})
		with = append(with, pe)
	}
	r := analyzeAll(with, Config{})
	if !reflect.DeepEqual(plain.Timeline, r.Timeline) || !reflect.DeepEqual(plain.NodeCause, r.NodeCause) || !reflect.DeepEqual(plain.TargetCause, r.TargetCause) {
		t.Errorf("probe entries changed the timeline or the tables")
	}
	if len(plain.Findings) != len(r.Findings) {
		t.Fatalf("%d findings, %d without probes", len(r.Findings), len(plain.Findings))
	}
	for i := range r.Findings {
		a, b := plain.Findings[i], r.Findings[i]
		if a.Target != b.Target || a.Failures != b.Failures || a.Scope != b.Scope || !reflect.DeepEqual(a.Nodes, b.Nodes) {
			t.Errorf("finding #%d: %s %d %s %v, without probes %s %d %s %v", i+1, b.Target, b.Failures, b.Scope, b.Nodes, a.Target, a.Failures, a.Scope, a.Nodes)
		}
	}
	if r.Findings[0].ProbeCheck != ProbeCheckPassed {
		t.Errorf("the probes were not read: %q", r.Findings[0].ProbeCheck)
	}
}

// MergeNodes takes a pod's probe evidence to the node it turned out to be.
func TestMergeNodesMovesProbes(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	entries := withProbes(genFleet(49, 2*time.Hour, scBlackhole(restart, fixed)), "gw-b", upOrders.target, 30*time.Second, probeUnreachable, false, true)
	a := NewAnalyzer(Config{})
	for _, e := range entries {
		if e.Kind == KindProbe && e.Time.Before(genAt(1, 20, 0)) {
			e.Node = "tyk-gw-b-7d9f" // written before the pod's first gateway_node
		}
		a.Add(e)
	}
	a.MergeNodes(map[string]string{"tyk-gw-b-7d9f": "gw-b"})
	f := &a.Report(Inputs{}).Findings[0]
	if len(f.Probes) != 1 || f.Probes[0].Node != "gw-b" || f.Probes[0].First.After(restart.Add(time.Minute)) {
		t.Errorf("probes %+v", f.Probes)
	}
}

// inventory.internal down for every node, and every node's probe refused:
// the upstream is down, as the nodes themselves see it (step 2).
func TestRuleProbeRefusedConfirmsTheUpstreamDown(t *testing.T) {
	sc := scDown(genAt(0, 30, 0), genAt(0, 40, 0))
	entries := genFleet(52, time.Hour, sc)
	refused := func(time.Time) *Probe {
		return &Probe{Verdict: ProbeRefused, Addrs: "10.0.6.3", Connect: "10.0.6.3:8080 refused"}
	}
	for _, n := range genNodes {
		entries = withProbes(entries, n, upInventory.target, 30*time.Second, refused, true, true)
	}
	r := analyzeAll(entries, Config{})
	f := findingFor(r, upInventory.target)
	checkFinding(t, f, fWant{got: sc.got, scope: "all_nodes", nodes: genNodes, category: "connect", step: 2})
	if f.ProbeCheck != ProbeCheckFailed || len(f.Probes) != 3 ||
		!containsAll(f.Summary, "is down or unreachable", "refused_from_node: 10.0.6.3:8080 refused", "and the same from gw-b and gw-c", "confirms from the nodes themselves") {
		t.Errorf("probe_check %q, probes %d, summary %s", f.ProbeCheck, len(f.Probes), f.Summary)
	}
}

// Tyk 5.12+'s URT for a connect that hangs, on one node (the path, step
// 3): a probe that fails too confirms it; one that passes while the
// timeouts go on sends it back to the gateway's timeouts (step 5).
func TestRuleProbeNodeOnlyTimeout(t *testing.T) {
	urt := func(inner genScenario) genScenario {
		f := inner.fail
		inner.fail = func(node string, up genUpstream, t time.Time) genFailure {
			if f(node, up, t) == nil {
				return nil
			}
			return func(e *Entry, rng *rand.Rand) {
				e.Status, e.Flag, e.Detail, e.Phase, e.Source = 504, classify.FlagURT, classify.DetailContextDeadlineExceeded, "", "gateway"
				e.Error, e.Total = "context deadline exceeded", 2000
			}
		}
		return inner
	}
	for _, c := range []struct {
		probe func(time.Time) *Probe
		step  int
		check ProbeCheck
		says  string
	}{
		{probeUnreachable, 3, ProbeCheckFailed, "the guide's step-2 check fails from the node itself"},
		{probeReachable, 5, ProbeCheckPassed, "time out on gw-b"},
	} {
		sc := urt(scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0)))
		r := analyzeAll(withProbes(genFleet(53, 2*time.Hour, sc), "gw-b", upOrders.target, 30*time.Second, c.probe, false, true), Config{})
		f := &r.Findings[0]
		checkFinding(t, f, fWant{got: sc.got, nodes: []string{"gw-b"}, flag: classify.FlagURT, category: "timeout", step: c.step})
		if f.ProbeCheck != c.check || !strings.Contains(f.Summary, c.says) {
			t.Errorf("%s: probe_check %q, summary %s", c.probe(time.Time{}).Verdict, f.ProbeCheck, f.Summary)
		}
		if c.check == ProbeCheckPassed && !strings.Contains(strings.Join(f.Evidence, "\n"), "The path is not the fault: the plugin's probe from gw-b") {
			t.Errorf("reachable_now: evidence %q", f.Evidence)
		}
	}
}
