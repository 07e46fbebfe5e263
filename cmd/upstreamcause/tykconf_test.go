package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/triage"
)

const testConf = `{
  "listen_port": 8080,
  "proxy_default_timeout": 5,
  "max_idle_connections_per_host": 500,
  "proxy_close_connections": false,
  "http_server_options": {"write_timeout": 60},
  "app_path": "/nonexistent/apps"
}`

const testClassic = `{
  "name": "orders", "api_id": "orders",
  "proxy": {"listen_path": "/orders/", "target_url": "http://orders.internal:8080/"},
  "version_data": {"not_versioned": true, "versions": {"Default": {"name": "Default",
    "extended_paths": {"hard_timeouts": [
      {"path": "/slow", "method": "GET", "timeout": 3},
      {"path": "/off", "method": "GET", "timeout": 9, "disabled": true}
    ]}}}}
}`

const testOAS = `{
  "openapi": "3.0.3", "info": {"title": "payments", "version": "1.0.0"},
  "paths": {"/charge": {"post": {"operationId": "chargepost"}}},
  "x-tyk-api-gateway": {
    "info": {"id": "payments", "name": "payments", "state": {"active": true}},
    "upstream": {"url": "https://payments.internal/"},
    "server": {"listenPath": {"value": "/payments/"}},
    "middleware": {"operations": {"chargepost": {"enforcedTimeout": {"enabled": true, "value": 7}}}}
  }
}`

func writeConf(t *testing.T) (conf, apps string) {
	t.Helper()
	dir := t.TempDir()
	conf = filepath.Join(dir, "tyk.conf")
	apps = filepath.Join(dir, "apps")
	os.Mkdir(apps, 0o755)
	for name, s := range map[string]string{conf: testConf, filepath.Join(apps, "orders.json"): testClassic,
		filepath.Join(apps, "payments.json"): testOAS, filepath.Join(apps, "policies.json"): `{"p1": {"rate": 10}}`} {
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return conf, apps
}

func TestReadTykConfig(t *testing.T) {
	conf, apps := writeConf(t)
	c, err := readTykConfig(conf, apps)
	if err != nil {
		t.Fatal(err)
	}
	if c.proxyTimeout() != 5 || *c.MaxIdleConnsPerHost != 500 || *c.ProxyCloseConnections || *c.HTTPServerOptions.WriteTimeout != 60 {
		t.Errorf("config %+v", c)
	}
	want := []tykAPI{
		{ID: "orders", Name: "orders", File: filepath.Join(apps, "orders.json"), Targets: []string{"orders.internal:8080"},
			Hard: []triage.HardTimeout{{APIID: "orders", Method: "GET", Path: "/slow", TimeoutS: 3}}},
		{ID: "payments", Name: "payments", File: filepath.Join(apps, "payments.json"), Targets: []string{"payments.internal:443"},
			Hard: []triage.HardTimeout{{APIID: "payments", Method: "POST", Path: "/charge", TimeoutS: 7}}},
	}
	if !reflect.DeepEqual(c.APIs, want) {
		t.Errorf("APIs\n got %+v\nwant %+v", c.APIs, want)
	}
	s := c.settings()
	if !s.Known || s.ProxyDefaultTimeoutS != 5 || s.MaxIdleConnsPerHost != 500 || len(s.HardTimeouts) != 2 {
		t.Errorf("settings %+v", s)
	}

	// The repository's own examples.
	c, err = readTykConfig("../../examples/tyk.conf", "../../examples/apps")
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, a := range c.APIs {
		targets = append(targets, a.ID+"="+strings.Join(a.Targets, ","))
	}
	if got := strings.Join(targets, " "); got != "orders-classic=orders.internal:8080 payments-oas=payments.internal:8443" {
		t.Errorf("examples: %s", got)
	}

	if _, err := readTykConfig("", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no API definitions") {
		t.Errorf("empty apps dir: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "tyk.conf")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := readTykConfig(bad, ""); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad config: %v", err)
	}
}

func TestTykNotes(t *testing.T) {
	conf, apps := writeConf(t)
	c, err := readTykConfig(conf, apps)
	if err != nil {
		t.Fatal(err)
	}
	f64 := func(v float64) *float64 { return &v }
	rep := &triage.Report{Findings: []triage.Finding{
		{Rank: 1, Flag: "UCC", Target: "orders.internal:8080", IdleTimeoutS: f64(60)},
		{Rank: 2, Flag: "URT", Target: "orders.internal:8080", TimeoutS: f64(5.01)},
		{Rank: 3, Flag: "UCT", Target: "orders.internal:8080", APIIDs: []string{"orders"}, TimeoutS: f64(3)},
		{Rank: 4, Flag: "URT", Target: "legacy.internal:80", TimeoutS: f64(60)},
	}}
	notes := strings.Join(c.notes(rep), "\n")
	for _, s := range []string{
		"finding #1 (UCC to orders.internal:8080): reused connections were closed after about 60 s idle, shorter than the 90 s",
		"finding #2 (URT to orders.internal:8080): latencies cluster near 5 s, the proxy_default_timeout in force (5 s)",
		"finding #3 (UCT to orders.internal:8080): latencies cluster near 3 s, the enforced timeout of API orders on GET /slow",
		"finding #4 (URT to legacy.internal:80): latencies cluster near 60 s, which matches no timeout",
		"legacy.internal:80 is no API definition's target",
	} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
}

func TestTriageWithConfig(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, true)
	conf, apps := writeConf(t)

	r := runArgs(t, "", "triage", "--config", conf, "--apps", apps, dir)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, s := range []string{"TYK CONFIGURATION", "proxy_default_timeout", "max_idle_connections_per_host", "API orders → orders.internal:8080",
		"enforced timeout 3 s on GET /slow"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("text lacks %q:\n%s", s, r.stdout)
		}
	}

	r = runArgs(t, "", "triage", "--format", "json", "--config", conf, "--apps", apps, dir)
	rep := decodeReport(t, r.stdout)
	if r.code != 1 || rep.TykConfig == nil || len(rep.TykConfig.APIs) != 2 || len(rep.TykConfig.Settings) == 0 || len(rep.Findings) == 0 {
		t.Errorf("json: exit %d, tyk_config %+v", r.code, rep.TykConfig)
	}

	r = runArgs(t, "", "triage", "--format", "markdown", "--apps", apps, dir)
	if r.code != 1 || !strings.Contains(r.stdout, "## Tyk configuration") || !strings.Contains(r.stdout, "| `payments` | payments.internal:443 | 7 s on POST /charge |") {
		t.Errorf("markdown: exit %d:\n%s", r.code, r.stdout)
	}
}

func TestHostPorts(t *testing.T) {
	for in, want := range map[string]string{
		"http://orders.internal:8080/": "orders.internal:8080",
		"https://payments.internal/":   "payments.internal:443",
		"http://10.0.0.5":              "10.0.0.5:80",
		"http://[::1]:9000/x":          "[::1]:9000",
		"":                             "",
		"orders":                       "",
	} {
		if got := strings.Join(hostPorts(in), ","); got != want {
			t.Errorf("hostPorts(%q) = %q, want %q", in, got, want)
		}
	}
}

// The HTML report has the configuration section with the values read and
// the notes, escaped; without --config and --apps it has none.
func TestTriageHTMLWithConfig(t *testing.T) {
	dir := t.TempDir()
	fleet(t, dir, true)
	conf, apps := writeConf(t)
	// A timeout above the write timeout (a note), and an API whose id is
	// markup.
	b, _ := os.ReadFile(conf)
	os.WriteFile(conf, bytes.Replace(b, []byte(`"proxy_default_timeout": 5`), []byte(`"proxy_default_timeout": 150`), 1), 0o644)
	os.WriteFile(filepath.Join(apps, "hostile.json"), []byte(`{"api_id": "<b>x</b>", "name": "a&b", "proxy": {"target_url": "http://legacy.internal:81/"}}`), 0o644)

	html := filepath.Join(t.TempDir(), "report.html")
	r := runArgs(t, "", "triage", "--config", conf, "--apps", apps, "--html", html, dir)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	out, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out)
	page := string(out)
	for _, s := range []string{
		`<h2 id="tyk-config">Tyk configuration</h2>`,
		"<p>Read: " + conf + ", 3 API definitions in " + apps + ". Environment variables <code>TYK_GW_…</code>",
		"<tr><td><code>proxy_default_timeout</code></td><td>150</td><td>seconds: the upstream dial timeout and response-header timeout (TYK_GW_PROXYDEFAULTTIMEOUT)</td></tr>",
		"<tr><td><code>max_idle_connections_per_host</code></td><td>500</td>",
		"<tr><td><code>http_server_options.write_timeout</code></td><td>60</td>",
		"<tr><td><code>max_conn_time</code></td><td>0 (default)</td>",
		"<tr><td><code>(fixed) IdleConnTimeout</code></td><td>90 (default)</td>",
		"<tr><td><code>orders</code></td><td>orders</td><td><code>orders.internal:8080</code></td><td>3 s on GET /slow</td></tr>",
		"<tr><td><code>payments</code></td><td>payments</td><td><code>payments.internal:443</code></td><td>7 s on POST /charge</td></tr>",
		"<tr><td><code>&lt;b&gt;x&lt;/b&gt;</code></td><td>a&amp;b</td><td><code>legacy.internal:81</code></td><td></td></tr>",
		"<div>Compared with the logs:</div>",
		"<li>proxy_default_timeout is 150 s but http_server_options.write_timeout is not above it",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	if strings.Contains(page, "<b>x</b>") || strings.Contains(page, "<script") {
		t.Errorf("markup from the configuration not escaped, or a script")
	}
	// The same notes as the JSON's tyk_config.
	r = runArgs(t, "", "triage", "--format", "json", "--config", conf, "--apps", apps, dir)
	rep := decodeReport(t, r.stdout)
	if rep.TykConfig == nil || len(rep.TykConfig.Notes) == 0 {
		t.Fatalf("json: no notes: %+v", rep.TykConfig)
	}
	for _, n := range rep.TykConfig.Notes {
		if !strings.Contains(page, "<li>"+escapeHTML(n)+"</li>") {
			t.Errorf("HTML lacks the note %q", n)
		}
	}

	// Without --config and --apps: no section.
	r = runArgs(t, "", "triage", "--html", html, dir)
	if r.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	out, _ = os.ReadFile(html)
	wellFormed(t, out)
	if bytes.Contains(out, []byte("tyk-config")) || bytes.Contains(out, []byte("Tyk configuration")) {
		t.Errorf("a configuration section without --config")
	}
}

// wellFormed checks that the HTML report is well-formed XML (it is
// polyglot markup).
func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("HTML report not well-formed: %v", err)
		}
	}
}

func escapeHTML(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
