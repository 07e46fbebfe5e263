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
	if err := os.WriteFile(env, []byte("URL_ok=http://127.0.0.1:1234/\nURL_dns_nxdomain=http://nxdomain.upstream.test:1234/\nDNS_ADDR=127.0.0.1:53\n"+gatewayEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "middleware", "upstreamcause.so")
	if err := writeConfig("../../examples", dir, env, so, "", "/templates", "s3cret", 8080, 6379, 1, false); err != nil {
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
		if n := strings.Count(s, `"`+so+`"`); n != len(exampleSymbols) {
			t.Errorf("%s names the plugin %d times, want %d (pre hook, analytics plugin)", f, n, len(exampleSymbols))
		}
		if strings.Contains(s, responseSymbol) {
			t.Errorf("%s wires the optional response hook; the default wiring is the pre hook and the analytics plugin", f)
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

// TestExamplesDefaultWiring: the examples wire the pre hook and the
// analytics plugin, and not the optional response hook, in both kinds.
func TestExamplesDefaultWiring(t *testing.T) {
	for kind, f := range exampleFiles {
		raw, err := os.ReadFile(filepath.Join("../../examples", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, sym := range exampleSymbols {
			if !strings.Contains(string(raw), `"`+sym+`"`) {
				t.Errorf("%s (%s) does not wire %s", f, kind, sym)
			}
		}
		if strings.Contains(string(raw), responseSymbol) {
			t.Errorf("%s (%s) wires %s", f, kind, responseSymbol)
		}
	}
}

// TestBenchAndSoakAPIs: the benchmark's variants differ from the example
// only in their hooks, and the soak's APIs are written on request.
func TestBenchAndSoakAPIs(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "upstreams.env")
	if err := os.WriteFile(env, []byte("URL_ok=http://127.0.0.1:1234/\nURL_refused=http://127.0.0.1:1235/\nURL_connect_timeout=http://127.0.0.1:1236/\nURL_header_timeout=http://127.0.0.1:1237/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "middleware", "upstreamcause.so")
	noop := filepath.Join(dir, "middleware", "noopplugin.so")
	if err := writeConfig("../../examples", dir, env, so, noop, "/templates", "s3cret", 8080, 6379, 1, true); err != nil {
		t.Fatal(err)
	}
	type hooks struct {
		pre, response, analytics bool
		so                       string
	}
	read := func(id string) (map[string]any, hooks) {
		t.Helper()
		var def map[string]any
		if err := readJSON(filepath.Join(dir, "apps", id+".json"), &def); err != nil {
			t.Fatal(err)
		}
		var h hooks
		if cm, ok := def["custom_middleware"].(map[string]any); ok {
			for key, p := range map[string]*bool{"pre": &h.pre, "response": &h.response} {
				if l, _ := cm[key].([]any); len(l) > 0 {
					*p = true
					h.so, _ = l[0].(map[string]any)["path"].(string)
				}
			}
		}
		if ap, ok := def["analytics_plugin"].(map[string]any); ok && ap["enable"] == true {
			h.analytics = true
			h.so, _ = ap["plugin_path"].(string)
		}
		return def, h
	}
	for _, tc := range []struct {
		id   string
		want hooks
	}{
		{"e2e-bench-baseline", hooks{}},
		{"e2e-bench-baseline2", hooks{}},
		{"e2e-classic-ok", hooks{pre: true, analytics: true, so: so}},
		{"e2e-bench-full3", hooks{pre: true, response: true, analytics: true, so: so}},
		{"e2e-bench-noop-pre", hooks{pre: true, so: noop}},
		{"e2e-bench-noop", hooks{pre: true, analytics: true, so: noop}},
		{"e2e-bench-noop3", hooks{pre: true, response: true, analytics: true, so: noop}},
		{"e2e-soak-plain-refused", hooks{}},
		{"e2e-soak-dnt-refused", hooks{pre: true, analytics: true, so: so}},
	} {
		def, got := read(tc.id)
		if got != tc.want {
			t.Errorf("%s: hooks %+v, want %+v", tc.id, got, tc.want)
		}
		if def["api_id"] != tc.id {
			t.Errorf("%s: api_id %v", tc.id, def["api_id"])
		}
	}
	def, _ := read("e2e-soak-dnt-refused")
	if def["do_not_track"] != true || def["proxy"].(map[string]any)["target_url"] != "http://127.0.0.1:1235/" ||
		def["proxy"].(map[string]any)["listen_path"] != listenPath(KindDNT, cases.Refused) {
		t.Errorf("soak do_not_track API: %v", def)
	}
	if def, _ := read("e2e-soak-plain-refused"); def["do_not_track"] == true {
		t.Error("the soak's plugin-less API has do_not_track")
	}
}
