package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain runs the command itself when the test binary is started by
// runMain: the way to give it a real stdin.
func TestMain(m *testing.M) {
	if os.Getenv("UPSTREAMCAUSE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

func ts(min, sec int) string {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second).Format(time.RFC3339)
}

// Lines as a real Tyk 5.8.15 gateway with the plugin writes them (JSON log
// format; see README).
func startLines(min int) string {
	return fmt.Sprintf(`{"level":"info","msg":"Tyk API Gateway v5.8.15","prefix":"main","time":%q}
{"level":"info","msg":"Tyk Gateway started (v5.8.15)","prefix":"main","time":%q}
{"level":"info","msg":"API reload complete","prefix":"main","time":%q}
`, ts(min, 0), ts(min, 0), ts(min, 1))
}

func okLine(min, sec int, path string) string {
	return fmt.Sprintf(`{"api_id":"orders","api_key":"--","api_name":"orders","client_ip":"10.1.0.7","host":"api.example.com","latency_total":3,"level":"info","method":"GET","msg":"","org_id":"default","path":%q,"prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.0.7:51234","status":200,"time":%q,"upstream_addr":"http://orders.internal:8080%s","upstream_latency":2,"user_agent":"curl/8.5.0"}`+"\n",
		path, ts(min, sec), path)
}

func uctLines(node string, min, sec int, path string) string {
	return fmt.Sprintf(`{"api_id":"orders","api_name":"orders","level":"error","msg":"http: proxy error: dial tcp 10.0.3.17:8080: i/o timeout","mw":"ReverseProxy","org_id":"default","prefix":"proxy","server_name":"orders.internal:8080","time":%[2]q,"type":"request","user_id":"--","user_ip":"10.1.0.7","user_name":""}
{"api_id":"orders","api_key":"--","api_name":"orders","client_ip":"10.1.0.7","error":"dial tcp 10.0.3.17:8080: i/o timeout","error_source":"ReverseProxy","error_target":"orders.internal:8080","gateway_node":%[1]q,"host":"api.example.com","latency_total":30001,"level":"info","method":"GET","msg":"","org_id":"default","path":%[3]q,"prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.0.7:51234","response_code_details":"connection_timeout","response_flag":"UCT","status":504,"time":%[2]q,"upstream_addr":"http://orders.internal:8080%[3]s","upstream_attempts":1,"upstream_connect_ms":30000.512,"upstream_error_detail":"connection_timeout","upstream_error_phase":"connect","upstream_error_source":"network","upstream_error_type":"connection_timeout","upstream_flag":"UCT","upstream_latency":0,"upstream_peer":"10.0.3.17:8080","upstream_target":"orders.internal:8080","user_agent":"curl/8.5.0"}
`, node, ts(min, sec), path)
}

// fleet writes the logs of three nodes over 20 minutes into dir: gw-a
// restarts at minute 8 and from then on cannot connect to
// orders.internal:8080, which gw-b and gw-c keep serving. With failing
// false, no node fails.
func fleet(t *testing.T, dir string, failing bool) []string {
	t.Helper()
	var files []string
	for _, node := range []string{"gw-a", "gw-b", "gw-c"} {
		var b strings.Builder
		b.WriteString(startLines(0))
		for m := 0; m < 20; m++ {
			if node == "gw-a" && m == 8 {
				b.WriteString(`{"level":"info","msg":"Stop signal received.","prefix":"main","time":"` + ts(m, 0) + `"}` + "\n")
				b.WriteString(startLines(m))
			}
			for s := 5; s < 60; s += 10 {
				if failing && node == "gw-a" && m >= 8 {
					b.WriteString(uctLines(node, m, s, fmt.Sprintf("/orders/%d", s)))
				} else {
					b.WriteString(okLine(m, s, fmt.Sprintf("/orders/%d", s)))
				}
			}
		}
		name := filepath.Join(dir, node+".log")
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	return files
}

type result struct {
	code           int
	stdout, stderr string
}

func runArgs(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// runMain runs the test binary as the command, with stdin.
func runMain(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "UPSTREAMCAUSE_RUN_MAIN=1")
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// jsonReport is the part of the JSON report the tests read.
type jsonReport struct {
	Findings []struct {
		Rank      int      `json:"rank"`
		Scope     string   `json:"scope"`
		Nodes     []string `json:"nodes"`
		APIIDs    []string `json:"api_ids"`
		Target    string   `json:"target"`
		Flag      string   `json:"flag"`
		Failures  int      `json:"failures"`
		Onset     string   `json:"onset"`
		GuideStep int      `json:"guide_step"`
		Trigger   struct {
			Kind string `json:"kind"`
			Node string `json:"node"`
		} `json:"trigger"`
		Summary    string   `json:"summary"`
		Actions    []string `json:"actions"`
		ProbeCheck *string  `json:"probe_check"`
		Probes     []struct {
			Node    string `json:"node"`
			Verdict string `json:"verdict"`
			Source  string `json:"source"`
			Count   int    `json:"count"`
			Sample  struct {
				Connect   string `json:"connect"`
				DNSError  string `json:"dns_error"`
				TLSVerify string `json:"tls_verify"`
			} `json:"sample"`
		} `json:"probes"`
	} `json:"findings"`
	Inputs struct {
		Lines   int      `json:"lines"`
		Skipped int      `json:"skipped"`
		Nodes   []string `json:"nodes"`
	} `json:"inputs"`
	TykConfig *tykReport `json:"tyk_config"`
}

func decodeReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return r
}

func TestTriageText(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, true)
	r := runArgs(t, "", "triage", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\nstderr: %s", r.code, r.stderr)
	}
	for _, s := range []string{"gw-a", "UCT", "orders.internal:8080"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("text report lacks %q:\n%s", s, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestTriageJSON(t *testing.T) {
	dir := t.TempDir()
	files := fleet(t, dir, true)
	// Flags after the inputs, both spellings.
	r := runArgs(t, "", append(append([]string{"triage"}, files...), "--format", "json", "-year", "2026")...)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if len(rep.Findings) == 0 {
		t.Fatalf("no findings:\n%s", r.stdout)
	}
	f := rep.Findings[0]
	if f.Rank != 1 || f.Scope != "single_node" || len(f.Nodes) != 1 || f.Nodes[0] != "gw-a" ||
		f.Target != "orders.internal:8080" || f.Flag != "UCT" || f.Summary == "" || len(f.Actions) == 0 {
		t.Errorf("first finding %+v", f)
	}
	if f.Trigger.Kind != "node_restart" || !strings.HasPrefix(f.Onset, "2026-12-01T06:08") {
		t.Errorf("onset %s, trigger %+v", f.Onset, f.Trigger)
	}
	if rep.Inputs.Lines == 0 || len(rep.Inputs.Nodes) != 3 {
		t.Errorf("inputs %+v", rep.Inputs)
	}
	if rep.TykConfig != nil {
		t.Errorf("tyk_config without --config")
	}
}

func TestTriageMarkdownAndHTML(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, true)
	html := filepath.Join(t.TempDir(), "report.html")
	r := runArgs(t, "", "triage", "--format", "markdown", "--html", html, dir)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "|") || !strings.Contains(r.stdout, "UCT") || !strings.Contains(r.stdout, "gw-a") {
		t.Errorf("markdown report:\n%s", r.stdout)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<!DOCTYPE html>", "<svg", "gw-a", "gw-b", "gw-c", "orders.internal:8080"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("HTML report lacks %q", s)
		}
	}
	if bytes.Contains(b, []byte("<script")) {
		t.Errorf("HTML report has a script")
	}
}

func TestTriageNoFailures(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, false)
	r := runArgs(t, "", "triage", "--format", "json", dir)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); len(rep.Findings) != 0 {
		t.Errorf("findings: %+v", rep.Findings)
	}
}

func TestTriageBadInputIsCounted(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, false)
	bad := "garbage line\n{\"level\":\"info\",\"msg\":\"trunc\n\xff\xfe not utf-8\n"
	if err := os.WriteFile(filepath.Join(dir, "zz-bad.log"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runArgs(t, "", "triage", "--format", "json", dir)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); rep.Inputs.Skipped == 0 {
		t.Errorf("bad lines not counted: %+v", rep.Inputs)
	}
}

func TestTriageGzip(t *testing.T) {
	dir := t.TempDir()
	files := fleet(t, dir, true)
	plain, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	name := filepath.Join(t.TempDir(), "gw-a.log.gz")
	if err := os.WriteFile(name, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runArgs(t, "", "triage", "--format", "json", name)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if rep := decodeReport(t, r.stdout); rep.Findings[0].Flag != "UCT" {
		t.Errorf("gzip input: %+v", rep.Findings[0])
	}
}

func TestTriageStdin(t *testing.T) {
	dir := t.TempDir()
	files := fleet(t, dir, true)
	// kubectl logs --prefix of the three pods, through stdin.
	var in bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pod := strings.TrimSuffix(filepath.Base(f), ".log")
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if line != "" {
				fmt.Fprintf(&in, "[pod/%s-7d9f/tyk-gateway] %s", pod, line)
			}
		}
	}
	for _, args := range [][]string{{"triage", "--format", "json", "-"}, {"triage", "--format=json"}} {
		r := runMain(t, in.Bytes(), args...)
		if r.code != 1 {
			t.Fatalf("%v: exit %d\nstderr: %s", args, r.code, r.stderr)
		}
		rep := decodeReport(t, r.stdout)
		if len(rep.Findings) == 0 || rep.Findings[0].Flag != "UCT" || rep.Findings[0].Scope != "single_node" {
			t.Errorf("%v: %+v", args, rep.Findings)
			continue
		}
		// The pod's lines before its first failure carry no gateway_node:
		// they are named after the pod, then merged into the node, its
		// restart included.
		if f := rep.Findings[0]; f.Trigger.Kind != "node_restart" || len(f.Nodes) != 1 || f.Nodes[0] != "gw-a" {
			t.Errorf("%v: nodes %v trigger %+v, want gw-a's restart", args, f.Nodes, f.Trigger)
		}
	}
}

func TestTriageMissingFile(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, true)
	missing := filepath.Join(dir, "no-such-gw.log")
	r := runArgs(t, "", "triage", dir, missing)
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, missing) {
		t.Errorf("stderr does not name %s: %q", missing, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a report despite the error:\n%s", r.stdout)
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, false)
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{nil, 2, "usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help"}, 0, "upstreamcause triage"},
		{[]string{"triage", "-h"}, 0, "-format"},
		{[]string{"triage", "--format", "yaml", dir}, 2, "--format must be"},
		{[]string{"triage", "--progress", "sometimes", dir}, 2, "--progress must be"},
		{[]string{"triage", "--year", "26", dir}, 2, "not a year"},
		{[]string{"triage", "--nope", dir}, 2, "flag provided but not defined"},
		{[]string{"triage", "--config", filepath.Join(dir, "missing.conf"), dir}, 2, "missing.conf"},
		{[]string{"classify"}, 2, "usage: upstreamcause classify"},
	} {
		r := runArgs(t, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.out) {
			t.Errorf("%q: exit %d, want %d; want %q in\n%s%s", tc.args, r.code, tc.code, tc.out, r.stdout, r.stderr)
		}
	}
}

func TestTriageProgress(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, false)
	// stderr is no terminal here: auto and never show nothing, always shows
	// the bar.
	for _, mode := range []string{"auto", "never"} {
		if r := runArgs(t, "", "triage", "--progress", mode, dir); r.code != 0 || r.stderr != "" {
			t.Errorf("--progress %s: exit %d, stderr %q", mode, r.code, r.stderr)
		}
	}
	r := runArgs(t, "", "triage", "--progress", "always", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "reading logs") {
		t.Errorf("--progress always: exit %d, stderr %q", r.code, r.stderr)
	}
	if inputSize([]string{dir}) == 0 || inputSize([]string{dir, "-"}) != -1 {
		t.Errorf("inputSize")
	}
}

func TestClassify(t *testing.T) {
	r := runArgs(t, "", "classify", "http: proxy error: dial tcp 10.0.3.17:8080: connect: connection refused")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, s := range []string{"flag:    UCF", "detail:  connection_refused", "phase:   connect", "source:  upstream", "type:    connection_refused"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("lacks %q:\n%s", s, r.stdout)
		}
	}

	// The words of TEXT are joined; -json.
	r = runArgs(t, "", "classify", "-json", "net/http:", "timeout", "awaiting", "response", "headers")
	var res classifyResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	if res.Flag != "URT" || res.Phase != "response_headers" || res.Source != "gateway" || !res.Timeout {
		t.Errorf("%+v", res)
	}

	if r := runArgs(t, "", "classify", "   "); r.code != 1 || !strings.Contains(r.stdout, "not classified") {
		t.Errorf("blank: exit %d, %q", r.code, r.stdout)
	}

	// One text per line of stdin.
	in := "http: proxy error: EOF\n\nlevel=error msg=\"http: proxy error: dial tcp: lookup orders.internal on 10.96.0.10:53: no such host\"\n"
	r = runArgs(t, in, "classify", "-")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "DNS\tdns_not_found\tdns\tdns\t") {
		t.Errorf("stdin: exit %d:\n%s", r.code, r.stdout)
	}
}

func TestAddJSONKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1}`, "{\"a\":1,\"k\":{\"x\":[1]}}\n"},
		{"{}\n", "{\"k\":{\"x\":[1]}}\n"},
		{"{\n  \"a\": 1\n}\n", "{\n  \"a\": 1,\n  \"k\": {\n    \"x\": [\n      1\n    ]\n  }\n}\n"},
	} {
		got, err := addJSONKey([]byte(tc.in), "k", map[string][]int{"x": {1}})
		if err != nil || string(got) != tc.want {
			t.Errorf("addJSONKey(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("invalid JSON %q", got)
		}
	}
	if _, err := addJSONKey([]byte("[1]"), "k", 1); err == nil {
		t.Errorf("no error for an array")
	}
}

// The plugin's probe evidence, in triage/testdata/probe-fleet.log (a
// kubectl --prefix stream of three pods with the probe on; see
// probe_fleet_test.go there): every format shows it, and the conclusions
// follow it, from a file and from stdin.
func TestTriageProbeEvidence(t *testing.T) {
	fixture := filepath.Join("..", "..", "triage", "testdata", "probe-fleet.log")
	r := runArgs(t, "", "triage", fixture)
	if r.code != 1 || r.stderr != "" {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, s := range []string{
		"#2  UCT connection_timeout  orders.internal:8080  single_node: gw-a  23 failures\n    guide step 3 (the node's network and DNS)",
		"\n    probe from gw-a at 2026-12-02T10:03:19Z after a UCT: unreachable_from_node (127.0.1.1:8080 timeout 3000ms); 8 probes ",
		"so gw-a's own network path (the container's networking environment: routes, security group, firewall, DNS) is at fault, not Tyk",
		"#3  UCT connection_timeout  billing.internal:8080  single_node: gw-b  10 failures\n    guide step 5 (Tyk's own timeouts)",
		"\n    probe from gw-b at 2026-12-02T10:01:45Z after a UCT: reachable_now (127.0.1.2:8080 ok 0.4ms); 10 probes ",
		"the connectivity check from the node passes at that moment",
		"\n    probe from gw-c at 2026-12-02T10:05:09Z after a DNS: dns_fails_from_node (lookup inventory.internal on 127.0.2.3:53: server misbehaving)",
		"issuer CN=upstreamcause test CA, not after 2026-12-02T10:07:00Z, SANs payments.internal, TLS 1.3",
		"The plugin dropped 28 probes (probe_dropped, its rate limit)",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("text report lacks %q:\n%s", s, r.stdout)
		}
	}

	in, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	r = runMain(t, in, "triage", "--format", "json", "-")
	if r.code != 1 {
		t.Fatalf("json: exit %d\nstderr: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	want := map[string]struct {
		check, verdict string
		step           int
		nodes          int
	}{
		"orders.internal:8080":    {"failed", "unreachable_from_node", 3, 1},
		"billing.internal:8080":   {"passed", "reachable_now", 5, 1},
		"payments.internal:8443":  {"failed", "tls_invalid", 2, 3},
		"inventory.internal:8080": {"failed", "dns_fails_from_node", 3, 1},
	}
	if len(rep.Findings) != len(want) {
		t.Fatalf("%d findings, want %d", len(rep.Findings), len(want))
	}
	for _, f := range rep.Findings {
		w, ok := want[f.Target]
		if !ok || f.ProbeCheck == nil || *f.ProbeCheck != w.check || f.GuideStep != w.step || len(f.Probes) != w.nodes {
			t.Errorf("%s: probe_check %v, step %d, probes %+v", f.Target, f.ProbeCheck, f.GuideStep, f.Probes)
			continue
		}
		for _, p := range f.Probes {
			if p.Verdict != w.verdict || p.Source != "probe" || p.Count == 0 || p.Sample.Connect+p.Sample.DNSError+p.Sample.TLSVerify == "" {
				t.Errorf("%s: probe %+v", f.Target, p)
			}
		}
	}

	html := filepath.Join(t.TempDir(), "report.html")
	r = runArgs(t, "", "triage", "--format", "markdown", "--html", html, fixture)
	if r.code != 1 || !strings.Contains(r.stdout, "\n- Probe from `gw-a` at 2026-12-02T10:03:19Z after a `UCT`: `unreachable_from_node` (`127.0.1.1:8080 timeout 3000ms`); 8 probes") {
		t.Errorf("markdown: exit %d:\n%s", r.code, r.stdout)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<dt>probe</dt><dd>probe from gw-b at 2026-12-02T10:01:45Z after a UCT: reachable_now (127.0.1.2:8080 ok 0.4ms)")) {
		t.Errorf("HTML report lacks gw-b's probe line")
	}
}
