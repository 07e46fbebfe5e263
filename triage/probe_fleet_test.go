package triage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testdata/probe-fleet.log is `kubectl logs --prefix --timestamps` of
// three gateway pods (Tyk 5.8.15 with the plugin and its probe on; gw-a
// and gw-c in Tyk's JSON log format, gw-b in its text format) over twelve
// minutes, in which each conclusion the probe changes happens once:
//
//   - gw-a restarts at 10:03 and cannot connect to orders.internal:8080
//     until 10:09 while gw-b and gw-c can; its probe cannot either
//     (unreachable_from_node): the node's own network path, confirmed;
//   - gw-b's connects to billing.internal:8080 time out now and then from
//     10:01 to 10:11, and its probe right after passes (reachable_now):
//     intermittent, the gateway's side (step 5);
//   - payments.internal:8443's certificate expires at 10:07: every node
//     fails the handshake, and their probes say tls_invalid, with the
//     certificate's facts;
//   - gw-c's resolver fails for inventory.internal from 10:05 to 10:08,
//     and so does its probe (dns_fails_from_node).
//
// The plugin's probe runs after a connect, DNS or TLS failure, at most
// once per 30 s per node and target (the failures in between are counted
// as probe_dropped on the next), and the node's failed requests carry its
// newest verdict (upstream_probe, upstream_probe_age_s). probeFleet writes
// it; TestProbeFleetFixture keeps the file equal to it (UPDATE_FIXTURE=1
// rewrites the file).

var pfT0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

type pfNode struct {
	name, pod string
	text      bool // Tyk's text log format (logrus TextFormatter)
}

var pfNodes = []pfNode{{"gw-a", "tyk-gw-a-5d8f9", false}, {"gw-b", "tyk-gw-b-5d8f9", true}, {"gw-c", "tyk-gw-c-5d8f9", false}}

type pfAPI struct {
	id, target, ip, path string
	every                time.Duration
	offset               time.Duration
	tls                  bool
}

var pfAPIs = []pfAPI{
	{"orders", "orders.internal:8080", "127.0.1.1", "/orders", 15 * time.Second, time.Second, false},
	{"billing", "billing.internal:8080", "127.0.1.2", "/invoices", 20 * time.Second, 2 * time.Second, false},
	{"inventory", "inventory.internal:8080", "127.0.1.5", "/stock", 30 * time.Second, 3 * time.Second, false},
	{"payments", "payments.internal:8443", "127.0.1.4", "/pay", 30 * time.Second, 5 * time.Second, true},
}

func pfAt(m, s int) time.Time {
	return pfT0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// pfFailure is how a request fails: its fields, and the probe that
// follows (nil: none).
type pfFailure struct {
	status                        int
	flag, detail, phase, source   string
	errText, errType              string
	latencyMs                     int
	certSubject, certExpiry       string
	probe                         []pfKV // the probe entry's fields after prefix and msg
	verdict, probeMsg, probeLevel string
	probeAfter                    time.Duration
}

type pfKV struct {
	k string
	v any
}

// pfFail decides whether node's request to api at t fails, and how.
func pfFail(node string, api pfAPI, t time.Time, n int) *pfFailure {
	port := api.target[strings.LastIndexByte(api.target, ':')+1:]
	host := api.target[:strings.LastIndexByte(api.target, ':')]
	peer := api.ip + ":" + port
	switch {
	case node == "gw-a" && api.id == "orders" && genWithin(t, pfAt(3, 0), pfAt(9, 0)):
		return &pfFailure{status: 504, flag: "UCT", detail: "connection_timeout", phase: "connect", source: "network",
			errText: "dial tcp " + peer + ": i/o timeout", errType: "connection_timeout", latencyMs: 30001,
			verdict: ProbeUnreachable, probeLevel: "warning", probeMsg: "unreachable from node", probeAfter: 3001 * time.Millisecond,
			probe: []pfKV{{"probe_dns_ms", 0.41}, {"probe_addrs", api.ip}, {"probe_connect", peer + " timeout 3000ms"}, {"probe_ms", 3001.2}}}
	case node == "gw-b" && api.id == "billing" && genWithin(t, pfAt(1, 0), pfAt(11, 0)) && n%3 == 0:
		return &pfFailure{status: 504, flag: "UCT", detail: "connection_timeout", phase: "connect", source: "network",
			errText: "dial tcp " + peer + ": i/o timeout", errType: "connection_timeout", latencyMs: 30001,
			verdict: ProbeReachable, probeLevel: "info", probeMsg: "reachable now from node", probeAfter: time.Millisecond,
			probe: []pfKV{{"probe_dns_ms", 0.38}, {"probe_addrs", api.ip}, {"probe_connect", peer + " ok 0.4ms"}, {"probe_ms", 0.9}}}
	case node == "gw-c" && api.id == "inventory" && genWithin(t, pfAt(5, 0), pfAt(8, 0)):
		lookup := "lookup " + host + " on 127.0.2.3:53: server misbehaving"
		return &pfFailure{status: 502, flag: "DNS", detail: "dns_server_failure", phase: "dns", source: "dns",
			errText: "dial tcp: " + lookup, errType: "dns_error", latencyMs: 2,
			verdict: ProbeDNSFails, probeLevel: "warning", probeMsg: "dns fails from node", probeAfter: 3 * time.Millisecond,
			probe: []pfKV{{"probe_dns_ms", 2.1}, {"probe_dns_error", lookup}, {"probe_ms", 2.2}}}
	case api.id == "payments" && !t.Before(pfAt(7, 0)):
		verify := fmt.Sprintf("x509: certificate has expired or is not yet valid: current time %s is after 2026-12-02T10:07:00Z", t.Format(time.RFC3339))
		return &pfFailure{status: 502, flag: "TLE", detail: "tls_certificate_expired", phase: "tls", source: "upstream",
			errText: "tls: failed to verify certificate: " + verify, errType: "tls_certificate_error", latencyMs: 4,
			certSubject: "CN=" + host, certExpiry: "2026-12-02T10:07:00Z",
			verdict: ProbeTLSInvalid, probeLevel: "warning", probeMsg: "tls invalid from node", probeAfter: 5 * time.Millisecond,
			probe: []pfKV{{"probe_dns_ms", 0.3}, {"probe_addrs", api.ip}, {"probe_connect", peer + " ok 0.3ms"},
				{"probe_tls_verify", verify}, {"probe_tls_subject", "CN=" + host}, {"probe_tls_issuer", "CN=upstreamcause test CA"},
				{"probe_tls_not_after", "2026-12-02T10:07:00Z"}, {"probe_tls_sans", host}, {"probe_tls_version", "TLS 1.3"}, {"probe_ms", 4.8}}}
	}
	return nil
}

// pfLine is one line of a pod's log, before its wrapper.
type pfLine struct {
	at  time.Time
	kvs []pfKV
}

// probeFleet returns the fixture's text.
func probeFleet() string {
	var b strings.Builder
	for ni, node := range pfNodes {
		var lines []pfLine
		add := func(at time.Time, kvs ...pfKV) { lines = append(lines, pfLine{at, kvs}) }
		start := func(at time.Time) {
			add(at, pfKV{"level", "info"}, pfKV{"msg", "Tyk API Gateway v5.8.15"}, pfKV{"prefix", "main"})
			add(at, pfKV{"level", "info"}, pfKV{"msg", "Tyk Gateway started (v5.8.15)"}, pfKV{"prefix", "main"})
			add(at.Add(time.Second), pfKV{"level", "info"}, pfKV{"msg", "API reload complete"}, pfKV{"prefix", "main"})
		}
		start(pfT0)
		if node.name == "gw-a" {
			add(pfAt(2, 57), pfKV{"level", "info"}, pfKV{"msg", "Stop signal received."}, pfKV{"prefix", "main"})
			start(pfAt(3, 0))
		}
		type state struct {
			last    time.Time
			verdict string
			dropped int
		}
		probes := map[string]*state{}
		for _, api := range pfAPIs {
			st := &state{}
			probes[api.id] = st
			n := 0
			for t := pfT0.Add(api.offset + time.Duration(ni)*3*time.Second); t.Before(pfAt(12, 0)); t = t.Add(api.every) {
				n++
				if node.name == "gw-a" && genWithin(t, pfAt(2, 57), pfAt(3, 2)) {
					continue // restarting
				}
				path := fmt.Sprintf("%s/%d", api.path, n)
				scheme := "http"
				if api.tls {
					scheme = "https"
				}
				kvs := []pfKV{{"api_id", api.id}, {"api_key", "--"}, {"api_name", api.id}, {"client_ip", "10.1.0.7"}, {"host", "api.example.com"},
					{"level", "info"}, {"method", "GET"}, {"msg", ""}, {"org_id", "default"}, {"path", path}, {"prefix", "access-log"},
					{"protocol", "HTTP/1.1"}, {"remote_addr", "10.1.0.7:51234"}, {"upstream_addr", scheme + "://" + api.target + path}, {"user_agent", "curl/8.5.0"}}
				f := pfFail(node.name, api, t, n)
				if f == nil {
					add(t, append(kvs, pfKV{"latency_total", 3}, pfKV{"status", 200}, pfKV{"upstream_latency", 2})...)
					continue
				}
				peer := api.ip + api.target[strings.LastIndexByte(api.target, ':'):]
				add(t, pfKV{"api_id", api.id}, pfKV{"api_name", api.id}, pfKV{"level", "error"}, pfKV{"msg", "http: proxy error: " + f.errText},
					pfKV{"mw", "ReverseProxy"}, pfKV{"org_id", "default"}, pfKV{"prefix", "proxy"}, pfKV{"server_name", api.target},
					pfKV{"type", "request"}, pfKV{"user_id", "--"}, pfKV{"user_ip", "10.1.0.7"}, pfKV{"user_name", ""})
				kvs = append(kvs, pfKV{"error", f.errText}, pfKV{"error_source", "ReverseProxy"}, pfKV{"error_target", api.target},
					pfKV{"gateway_node", node.name}, pfKV{"latency_total", f.latencyMs}, pfKV{"response_code_details", f.detail},
					pfKV{"response_flag", f.flag}, pfKV{"status", f.status}, pfKV{"upstream_attempts", 1},
					pfKV{"upstream_error_detail", f.detail}, pfKV{"upstream_error_phase", f.phase}, pfKV{"upstream_error_source", f.source},
					pfKV{"upstream_error_type", f.errType}, pfKV{"upstream_flag", f.flag}, pfKV{"upstream_latency", 0}, pfKV{"upstream_target", api.target})
				if f.phase != "dns" {
					kvs = append(kvs, pfKV{"upstream_peer", peer})
				}
				if f.certSubject != "" {
					kvs = append(kvs, pfKV{"tls_cert_subject", f.certSubject}, pfKV{"tls_cert_expiry", f.certExpiry})
				}
				if st.verdict != "" {
					kvs = append(kvs, pfKV{"upstream_probe", st.verdict}, pfKV{"upstream_probe_age_s", int(t.Sub(st.last) / time.Second)})
				}
				add(t, kvs...)
				if !st.last.IsZero() && t.Sub(st.last) < 30*time.Second {
					st.dropped++
					continue
				}
				at := t.Add(f.probeAfter)
				pkv := []pfKV{{"level", f.probeLevel}, {"time", nil}, {"prefix", probePrefix},
					{"msg", fmt.Sprintf("upstream probe: %s %s %s", api.target, f.probeMsg, node.name)},
					{"probe_target", api.target}, {"probe_trigger_flag", f.flag}, {"probe_verdict", f.verdict}}
				pkv = append(pkv, f.probe...)
				if st.dropped > 0 {
					pkv = append(pkv, pfKV{"probe_dropped", st.dropped})
				}
				add(at, append(pkv, pfKV{"gateway_node", node.name})...)
				st.last, st.verdict, st.dropped = at, f.verdict, 0
			}
		}
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })
		for i, l := range lines {
			// The container runtime's time, a little after the line's own.
			ts := l.at.Add(time.Duration(1000+i%7*137) * time.Microsecond).Format(time.RFC3339Nano)
			text := pfJSON(l)
			if node.text {
				text = pfText(l)
			}
			fmt.Fprintf(&b, "[pod/%s/tyk-gateway] %s %s\n", node.pod, ts, text)
		}
	}
	return b.String()
}

// pfJSON writes a line as Tyk's JSON formatter does: keys sorted, the time
// in RFC 3339 seconds; a probe entry (its "time" placeholder) in the
// plugin's order.
func pfJSON(l pfLine) string {
	kvs := append([]pfKV(nil), l.kvs...)
	hasTime := false
	for i := range kvs {
		if kvs[i].k == "time" {
			kvs[i].v, hasTime = l.at.Format(time.RFC3339), true
		}
	}
	if !hasTime {
		kvs = append(kvs, pfKV{"time", l.at.Format(time.RFC3339)})
		sort.SliceStable(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		v, _ := json.Marshal(kv.v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// pfText writes a line as logrus's TextFormatter does (Tyk's text format):
// time, level, msg (when not empty), then the other keys sorted; a value
// with a character outside [A-Za-z0-9-._/@^+] quoted, an empty one
// written as nothing.
func pfText(l pfLine) string {
	vals := map[string]string{"time": l.at.Format(time.RFC3339)}
	var keys []string
	for _, kv := range l.kvs {
		if kv.k == "time" {
			continue
		}
		vals[kv.k] = fmt.Sprint(kv.v)
		if kv.k != "level" && kv.k != "msg" {
			keys = append(keys, kv.k)
		}
	}
	sort.Strings(keys)
	quote := func(s string) string {
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._/@^+", c)) {
				return strconv.Quote(s)
			}
		}
		return s
	}
	parts := []string{"time=" + quote(vals["time"]), "level=" + quote(vals["level"])}
	if vals["msg"] != "" {
		parts = append(parts, "msg="+quote(vals["msg"]))
	}
	for _, k := range keys {
		parts = append(parts, k+"="+quote(vals[k]))
	}
	return strings.Join(parts, " ")
}

const probeFleetFile = "testdata/probe-fleet.log"

func TestProbeFleetFixture(t *testing.T) {
	want := probeFleet()
	if os.Getenv("UPDATE_FIXTURE") != "" {
		if err := os.WriteFile(probeFleetFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(probeFleetFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not probeFleet's output; run UPDATE_FIXTURE=1 go test -run TestProbeFleetFixture", probeFleetFile)
	}
}

// triageFile reads one file through the Reader and the Analyzer, as the
// command does.
func triageFile(t *testing.T, path string) *Report {
	t.Helper()
	r, err := Open([]string{path}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(Config{})
	for {
		e, ok := r.Next()
		if !ok {
			break
		}
		a.AddLine(e, r.Line())
	}
	a.MergeNodes(r.NodeAliases())
	st := r.Stats()
	r.Close()
	return a.Report(st)
}

// The fixture's four incidents, each concluded as the probe says; and
// with only the access logs shipped (no probe entries), the same from the
// verdicts the failed requests carry.
func TestProbeFleet(t *testing.T) {
	raw, err := os.ReadFile(probeFleetFile)
	if err != nil {
		t.Fatal(err)
	}
	var noProbes bytes.Buffer
	accessLines := 0
	for _, l := range strings.SplitAfter(string(raw), "\n") {
		if strings.Contains(l, "prefix=access-log") || strings.Contains(l, `"prefix":"access-log"`) {
			accessLines++
		}
		if !strings.Contains(l, probePrefix) {
			noProbes.WriteString(l)
		}
	}
	stripped := filepath.Join(t.TempDir(), "access-only.log")
	if err := os.WriteFile(stripped, noProbes.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		source string
	}{{probeFleetFile, ProbeFromEntries}, {stripped, ProbeFromAccessLog}} {
		t.Run(c.source, func(t *testing.T) {
			r := triageFile(t, c.path)
			if r.Inputs.Skipped != 0 || strings.Join(r.Inputs.Nodes, ",") != "gw-a,gw-b,gw-c" {
				t.Fatalf("inputs %+v", r.Inputs)
			}
			requests := 0
			for _, n := range r.Timeline {
				for _, m := range n.Minutes {
					requests += m.Requests
				}
			}
			if requests != accessLines {
				t.Errorf("%d requests in the timeline, %d access-log lines", requests, accessLines)
			}
			for _, w := range []struct {
				target, category string
				nodes            []string
				step             int
				check            ProbeCheck
				verdict          string
				says             []string
			}{
				{"orders.internal:8080", "connect", []string{"gw-a"}, 3, ProbeCheckFailed, ProbeUnreachable, []string{"fails from the node itself", "gw-a's own network path", "not Tyk"}},
				{"billing.internal:8080", "connect", []string{"gw-b"}, 5, ProbeCheckPassed, ProbeReachable, []string{"the connectivity check from the node passes at that moment", "intermittent", "connection pooling"}},
				{"payments.internal:8443", "tls", []string{"gw-a", "gw-b", "gw-c"}, 2, ProbeCheckFailed, ProbeTLSInvalid, []string{"confirmed by the plugin's probe from gw-a, gw-b and gw-c (tls_invalid)"}},
				{"inventory.internal:8080", "dns", []string{"gw-c"}, 3, ProbeCheckFailed, ProbeDNSFails, []string{"failed to resolve it too", "not Tyk"}},
			} {
				f := findingFor(r, w.target)
				if f == nil {
					t.Errorf("no finding for %s", w.target)
					continue
				}
				checkFinding(t, f, fWant{category: w.category, nodes: w.nodes, step: w.step})
				if f.Minor || f.ProbeCheck != w.check || len(f.Probes) != len(w.nodes) {
					t.Errorf("%s: minor %v, probe_check %q, probes %+v", w.target, f.Minor, f.ProbeCheck, f.Probes)
					continue
				}
				for i, p := range f.Probes {
					if p.Node != w.nodes[i] || p.Verdict != w.verdict || p.Source != c.source {
						t.Errorf("%s: probe %+v", w.target, p)
					}
				}
				for _, s := range w.says {
					if !strings.Contains(f.Summary, s) {
						t.Errorf("%s: summary lacks %q: %s", w.target, s, f.Summary)
					}
				}
			}
		})
	}
}
