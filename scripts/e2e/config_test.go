package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// TestConfigFromExamples generates the configuration from the repository's
// examples: every override finds its key, and the plugin path replaces the
// example's in every hook.
func TestConfigFromExamples(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "upstreams.env")
	if err := os.WriteFile(env, []byte("URL_ok=http://127.0.0.1:1234/\nURL_dns_nxdomain=http://nxdomain.upstream.test:1234/\nDNS_ADDR=127.0.0.1:53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "middleware", "upstreamcause.so")
	if err := writeConfig("../../examples", dir, env, so, "", "/templates", "s3cret", 8080, 6379, 1); err != nil {
		t.Fatal(err)
	}

	var conf map[string]any
	if err := readJSON(filepath.Join(dir, "tyk.conf"), &conf); err != nil {
		t.Fatal(err)
	}
	if conf["listen_address"] != "127.0.0.1" || conf["middleware_path"] != filepath.Dir(so) {
		t.Errorf("tyk.conf: %v", conf)
	}
	if al, _ := conf["access_logs"].(map[string]any); al["enabled"] != true {
		t.Errorf("tyk.conf: access logs not enabled as in the example: %v", conf["access_logs"])
	}

	for _, f := range []string{
		"apps/e2e-classic-ok.json", "apps/e2e-classic-dns-nxdomain.json",
		"oas/e2e-oas-ok.json", "oas/e2e-oas-dns-nxdomain.json",
	} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(raw)
		if n := strings.Count(s, `"`+so+`"`); n != 3 {
			t.Errorf("%s names the plugin %d times, want 3", f, n)
		}
		if strings.Contains(s, "/opt/tyk-gateway") {
			t.Errorf("%s keeps the example's path", f)
		}
		var def map[string]any
		if err := json.Unmarshal(raw, &def); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "oas/e2e-oas-dns-nxdomain.json"))
	for _, s := range []string{`"/oas/dns_nxdomain/"`, `"http://nxdomain.upstream.test:1234/"`, `"e2e-oas-dns-nxdomain"`, `"prePlugins"`, `"trafficLogs"`} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("OAS definition lacks %s:\n%s", s, raw)
		}
	}
	raw, _ = os.ReadFile(filepath.Join(dir, "apps/e2e-classic-ok.json"))
	for _, s := range []string{`"/classic/ok/"`, `"http://127.0.0.1:1234/"`, `"e2e-classic-ok"`, `"analytics_plugin"`} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("classic definition lacks %s:\n%s", s, raw)
		}
	}
}

// TestExampleWithoutHookFails: an example that lost a hook is refused.
func TestExampleWithoutHookFails(t *testing.T) {
	raw, err := os.ReadFile("../../examples/apps/upstreamcause-classic.json")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(raw), "UpstreamCauseAnalytics", "Other", 1)
	if _, err := apiFromExample(KindClassic, []byte(broken), cases.OK, "http://127.0.0.1:1/", "/x/upstreamcause.so"); err == nil {
		t.Error("an example without the analytics hook was accepted")
	}
}
