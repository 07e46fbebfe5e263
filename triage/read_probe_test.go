package triage

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The plugin's probe entries and the verdicts access-log entries carry,
// in Tyk's JSON and text formats (testdata/probe.jsonl and probe.log hold
// the same lines, the text one as logrus's TextFormatter writes them).
func TestParseProbeLines(t *testing.T) {
	type wantProbe struct {
		node, target string
		p            Probe
	}
	probes := []wantProbe{
		{"gw-a", "orders.internal:8080", Probe{Verdict: ProbeUnreachable, TriggerFlag: "UCT", Addrs: "127.0.1.1", Connect: "127.0.1.1:8080 timeout 3000ms"}},
		{"gw-b", "billing.internal:8080", Probe{Verdict: ProbeReachable, TriggerFlag: "UCT", Addrs: "127.0.1.2", Connect: "127.0.1.2:8080 ok 0.4ms"}},
		{"gw-b", "payments.internal:8080", Probe{Verdict: ProbeRefused, TriggerFlag: "UCF", Addrs: "127.0.1.3", Connect: "127.0.1.3:8080 refused", Dropped: 4}},
		{"gw-c", "inventory.internal:8080", Probe{Verdict: ProbeDNSFails, TriggerFlag: "DNS", DNSError: "lookup inventory.internal on 127.0.2.3:53: server misbehaving"}},
		{"gw-a", "secure.internal:8443", Probe{Verdict: ProbeTLSInvalid, TriggerFlag: "TLE", Addrs: "127.0.1.4", Connect: "127.0.1.4:8443 ok 0.3ms",
			TLSVerify:  "x509: certificate has expired or is not yet valid: current time 2026-12-02T10:17:05Z is after 2026-12-01T00:00:00Z",
			TLSSubject: "CN=secure.internal", TLSIssuer: "CN=upstreamcause test CA", TLSNotAfter: "2026-12-01T00:00:00Z", TLSSANs: "secure.internal", TLSVersion: "TLS 1.3"}},
	}
	times := []string{"2026-12-02T10:15:03Z", "2026-12-02T10:15:41Z", "2026-12-02T10:16:12Z", "2026-12-02T10:16:30Z", "2026-12-02T10:17:05Z"}
	for _, file := range []string{"probe.jsonl", "probe.log"} {
		t.Run(file, func(t *testing.T) {
			src := &Source{Name: "/var/log/gw.log"}
			for i, w := range probes {
				var e Entry
				ok, reason := ParseLine([]byte(fixture(t, file, i+1)), src, &e)
				if !ok || reason != "" {
					t.Fatalf("line %d: ParseLine = %v, %q", i+1, ok, reason)
				}
				if e.Kind != KindProbe || e.Node != w.node || e.NodeSource != NodeFromField || e.Target != w.target || !e.Time.Equal(mustTime(times[i])) {
					t.Errorf("line %d: kind %d node %q (%d) target %q time %s", i+1, e.Kind, e.Node, e.NodeSource, e.Target, e.Time)
				}
				if e.Probe == nil || *e.Probe != w.p {
					t.Errorf("line %d: probe %+v\nwant %+v", i+1, e.Probe, w.p)
				}
				// Not a request: no status, no classification.
				if e.Status != 0 || e.Flag != "" || e.Origin != OriginNone || e.UpstreamProbe != "" {
					t.Errorf("line %d: status %d flag %q origin %d", i+1, e.Status, e.Flag, e.Origin)
				}
			}
			for i, age := range []float64{12, 17} {
				var e Entry
				n := len(probes) + 1 + i
				if ok, reason := ParseLine([]byte(fixture(t, file, n)), src, &e); !ok {
					t.Fatalf("line %d: %q", n, reason)
				}
				if e.Kind != KindAccess || e.Origin != OriginPlugin || e.Flag != "UCT" || e.Target != "orders.internal:8080" || e.Probe != nil ||
					e.UpstreamProbe != ProbeUnreachable || e.ProbeAgeS != age {
					t.Errorf("line %d: kind %d origin %d flag %q target %q probe %v upstream_probe %q age %v", n, e.Kind, e.Origin, e.Flag, e.Target, e.Probe, e.UpstreamProbe, e.ProbeAgeS)
				}
			}
		})
	}
	// An access-log entry without the verdict: none, age NaN.
	var e Entry
	if ok, _ := ParseLine([]byte(textUCF), &Source{Name: "gw"}, &e); !ok || e.UpstreamProbe != "" || !math.IsNaN(e.ProbeAgeS) || e.Probe != nil {
		t.Errorf("textUCF: upstream_probe %q age %v probe %v", e.UpstreamProbe, e.ProbeAgeS, e.Probe)
	}
}

// Under kubectl --prefix, a probe entry without gateway_node is its pod's,
// as any other line; with it, the node's, and the pod learns its node.
func TestParseProbeNode(t *testing.T) {
	line := fixture(t, "probe.jsonl", 1)
	without := strings.Replace(line, `,"gateway_node":"gw-a"`, "", 1)
	src := &Source{Name: "stdin"}
	var e Entry
	if ok, r := ParseLine([]byte("[pod/tyk-gw-a-5d8f/tyk-gateway] 2026-12-02T10:15:03.5Z "+without), src, &e); !ok {
		t.Fatalf("%q", r)
	}
	if e.Kind != KindProbe || e.Node != "tyk-gw-a-5d8f" || e.NodeSource != NodeFromPrefix {
		t.Errorf("without gateway_node: kind %d node %q (%d)", e.Kind, e.Node, e.NodeSource)
	}
	if ok, r := ParseLine([]byte("[pod/tyk-gw-a-5d8f/tyk-gateway] 2026-12-02T10:15:04Z "+line), src, &e); !ok || e.Node != "gw-a" || e.NodeSource != NodeFromField {
		t.Errorf("with gateway_node: %v %q node %q", ok, r, e.Node)
	}
	m := map[string]string{}
	src.aliases(m)
	if m["tyk-gw-a-5d8f"] != "gw-a" {
		t.Errorf("aliases %v", m)
	}
}

// Probe entries that are not what the plugin writes are bad lines,
// counted by reason; a verdict an access-log entry carries that is not one
// is left out, the entry kept.
func TestParseProbeBad(t *testing.T) {
	good := fixture(t, "probe.jsonl", 1)
	text := fixture(t, "probe.log", 1)
	for _, c := range []struct{ name, line, reason string }{
		{"no target", strings.Replace(good, `"probe_target":"orders.internal:8080",`, "", 1), ReasonBadProbe},
		{"no verdict", strings.Replace(good, `"probe_verdict":"unreachable_from_node",`, "", 1), ReasonBadProbe},
		{"target without port", strings.Replace(good, `"probe_target":"orders.internal:8080"`, `"probe_target":"orders.internal"`, 1), ReasonBadProbe},
		{"target with a path", strings.Replace(good, `"probe_target":"orders.internal:8080"`, `"probe_target":"orders.internal:8080/x"`, 1), ReasonBadProbe},
		{"verdict not snake_case", strings.Replace(good, `"probe_verdict":"unreachable_from_node"`, `"probe_verdict":"Unreachable from node"`, 1), ReasonBadProbe},
		{"verdict a number", strings.Replace(good, `"probe_verdict":"unreachable_from_node"`, `"probe_verdict":7`, 1), ReasonBadProbe},
		{"text, no target", strings.Replace(text, `probe_target="orders.internal:8080" `, "", 1), ReasonBadProbe},
		{"text, empty verdict", strings.Replace(text, `probe_verdict=unreachable_from_node`, `probe_verdict=`, 1), ReasonBadProbe},
		{"truncated", good[:len(good)-40], ReasonTruncated},
		{"text, truncated", text[:strings.Index(text, "timeout 3000ms")], ReasonTruncated},
	} {
		var e Entry
		if ok, reason := ParseLine([]byte(c.line), &Source{Name: "gw"}, &e); ok || reason != c.reason {
			t.Errorf("%s: ParseLine = %v, %q; want false, %q", c.name, ok, reason, c.reason)
		}
	}
	access := fixture(t, "probe.jsonl", 6)
	for _, bad := range []string{`"upstream_probe":"not a verdict"`, `"upstream_probe":""`, `"upstream_probe":12`} {
		var e Entry
		line := strings.Replace(access, `"upstream_probe":"unreachable_from_node"`, bad, 1)
		if ok, reason := ParseLine([]byte(line), &Source{Name: "gw"}, &e); !ok || e.Flag != "UCT" || e.UpstreamProbe != "" {
			t.Errorf("%s: ok %v %q, flag %q, upstream_probe %q; want the entry without the verdict", bad, ok, reason, e.Flag, e.UpstreamProbe)
		}
	}
}

// Through the Reader and the Analyzer: probe entries are used lines but
// not requests; bad probe lines are counted, and the lines after them
// read.
func TestReaderProbeLines(t *testing.T) {
	dir := t.TempDir()
	jsonl, err := os.ReadFile(filepath.Join("testdata", "probe.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	logfmt, err := os.ReadFile(filepath.Join("testdata", "probe.log"))
	if err != nil {
		t.Fatal(err)
	}
	good := fixture(t, "probe.jsonl", 1)
	bad := strings.Join([]string{
		strings.Replace(good, `"probe_verdict":"unreachable_from_node",`, "", 1),
		good[:len(good)/2],
		strings.Replace(good, `"probe_target":"orders.internal:8080"`, `"probe_target":"orders internal"`, 1),
	}, "\n") + "\n"
	writeFile(t, filepath.Join(dir, "a.log"), append([]byte(bad), jsonl...))
	writeFile(t, filepath.Join(dir, "b.log"), logfmt)
	r, err := Open([]string{dir}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(Config{})
	kinds := map[Kind]int{}
	for {
		e, ok := r.Next()
		if !ok {
			break
		}
		kinds[e.Kind]++
		a.AddLine(e, r.Line())
	}
	a.MergeNodes(r.NodeAliases())
	st := r.Stats()
	if st.Lines != 3+7+7 || st.Used != 14 || st.Skipped != 3 || st.Reasons[ReasonBadProbe] != 2 || st.Reasons[ReasonTruncated] != 1 {
		t.Errorf("lines %d used %d skipped %d %v", st.Lines, st.Used, st.Skipped, st.Reasons)
	}
	if kinds[KindProbe] != 10 || kinds[KindAccess] != 4 {
		t.Errorf("kinds %v", kinds)
	}
	rep := a.Report(st)
	requests := 0
	for _, n := range rep.Timeline {
		for _, m := range n.Minutes {
			requests += m.Requests
		}
	}
	failures := 0
	for _, f := range rep.Findings {
		failures += f.Failures
	}
	if requests != 4 || failures != 4 {
		t.Errorf("%d requests, %d failures: want the 4 access-log entries only", requests, failures)
	}
	// The 4 failures on gw-a to orders.internal, with gw-a's probe: a
	// probe entry from a minute before them.
	f := &rep.Findings[0]
	if f.Target != "orders.internal:8080" || len(f.Probes) != 1 || f.Probes[0].Count != 2 || f.Probes[0].Source != ProbeFromEntries || f.ProbeCheck != ProbeCheckFailed {
		t.Errorf("finding %s %v: probes %+v, check %q", f.Target, f.Nodes, f.Probes, f.ProbeCheck)
	}
	if !strings.Contains(strings.Join(rep.Unknowable, "\n"), "The plugin dropped 8 probes") {
		t.Errorf("unknowable: %q", rep.Unknowable)
	}
}
