package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// The API kinds: each case gets one API per kind, made from the example
// definition of that kind.
const (
	KindClassic = "classic"
	KindOAS     = "oas"
)

// exampleFiles names the example API definitions, relative to -examples.
var exampleFiles = map[string]string{
	KindClassic: "apps/upstreamcause-classic.json",
	KindOAS:     "apps/upstreamcause-oas.json",
}

// exampleSymbols must all appear in each example definition: the hook
// wiring the e2e run checks comes from the examples, never from here. The
// default wiring is the pre hook and the analytics plugin.
var exampleSymbols = []string{preSymbol, analyticsSymbol}

// The plugin's symbols. The response hook is optional and not in the
// examples; only the benchmark's all-three-hooks APIs wire it.
const (
	preSymbol       = "UpstreamCausePre"
	responseSymbol  = "UpstreamCauseResponse"
	analyticsSymbol = "UpstreamCauseAnalytics"
)

// listenPath is where the API of a case and kind listens on the gateway.
func listenPath(kind, c string) string {
	return "/" + kind + "/" + c + "/"
}

// apiID is the id of the API of a case and kind.
func apiID(kind, c string) string {
	return "e2e-" + kind + "-" + strings.ReplaceAll(c, "_", "-")
}

// config writes tyk.conf and the API definitions.
func config(args []string) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	var (
		examples   = fs.String("examples", "examples", "the repository's examples folder (tyk.conf, apps/)")
		dir        = fs.String("dir", "", "folder to write into: tyk.conf, apps/ (classic), oas/ (OAS, to be added through the gateway API), policies.json")
		envFile    = fs.String("env", "", "upstream URLs written by e2e serve")
		pluginPath = fs.String("plugin", "", "path the API definitions name for the plugin (…/middleware/upstreamcause.so)")
		templates  = fs.String("templates", "", "the gateway's templates folder")
		listenPort = fs.Int("port", 8080, "gateway port on 127.0.0.1")
		redisPort  = fs.Int("redis-port", 6379, "Redis port on 127.0.0.1")
		secret     = fs.String("secret", "", "gateway API secret")
		timeout    = fs.Float64("timeout", 1, "proxy_default_timeout in seconds: the gateway's connect and response-header timeout")
		noopSO     = fs.String("noop", "", "path of the no-op plugin (scripts/e2e/noopplugin) for the benchmark's no-op APIs; empty: none")
		soak       = fs.Bool("soak", false, "also write the soak's APIs: per case one without any plugin and one with do_not_track (see e2e soak)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || *envFile == "" || *pluginPath == "" || *templates == "" || *secret == "" {
		fmt.Fprintln(os.Stderr, "e2e config: -dir, -env, -plugin, -templates and -secret are required")
		return 2
	}
	if err := writeConfig(*examples, *dir, *envFile, *pluginPath, *noopSO, *templates, *secret, *listenPort, *redisPort, *timeout, *soak); err != nil {
		fmt.Fprintln(os.Stderr, "e2e config:", err)
		return 1
	}
	return 0
}

func writeConfig(examples, dir, envFile, pluginPath, noopSO, templates, secret string, port, redisPort int, timeout float64, soak bool) error {
	env, err := readEnv(envFile)
	if err != nil {
		return err
	}
	for _, sub := range []string{"apps", "oas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}

	// tyk.conf: the example's, with only what locates things on this
	// machine changed, and the proxy timeout shortened so that the timeout
	// cases take seconds, not half a minute (scripts/e2e.sh: 2 s, longer
	// than the enforced timeout of the gateway-produced answers, so that
	// the gateway's response-header timeout cannot fire first). Logging, access logs and analytics stay as the
	// example sets them: the run checks what they produce.
	var conf map[string]any
	if err := readJSON(filepath.Join(examples, "tyk.conf"), &conf); err != nil {
		return err
	}
	policies := filepath.Join(dir, "policies.json")
	if err := os.WriteFile(policies, []byte("{}\n"), 0o644); err != nil {
		return err
	}
	set := func(m map[string]any, key string, v any) error {
		if _, ok := m[key]; !ok {
			return fmt.Errorf("examples/tyk.conf has no %q: the e2e run expects to override it", key)
		}
		m[key] = v
		return nil
	}
	storage, _ := conf["storage"].(map[string]any)
	pol, _ := conf["policies"].(map[string]any)
	if storage == nil || pol == nil {
		return fmt.Errorf("examples/tyk.conf lacks storage or policies")
	}
	for _, err := range []error{
		set(conf, "listen_address", "127.0.0.1"),
		set(conf, "listen_port", port),
		set(conf, "secret", secret),
		set(conf, "template_path", templates),
		set(conf, "app_path", filepath.Join(dir, "apps")),
		set(conf, "middleware_path", filepath.Dir(pluginPath)),
		set(conf, "proxy_default_timeout", timeout),
		set(storage, "host", "127.0.0.1"),
		set(storage, "port", redisPort),
		set(pol, "policy_record_name", policies),
	} {
		if err != nil {
			return err
		}
	}
	// The uptime checker, for the NHU API of the gateway-produced answers
	// (gateway.go): not in the example, whose gateway runs it with its
	// defaults.
	conf["uptime_tests"] = gwUptimeConfig
	if err := writeJSON(filepath.Join(dir, "tyk.conf"), conf); err != nil {
		return err
	}

	cases := make([]string, 0)
	for k := range env {
		if c, ok := strings.CutPrefix(k, "URL_"); ok {
			cases = append(cases, c)
		}
	}
	sort.Strings(cases)
	if len(cases) == 0 {
		return fmt.Errorf("%s names no upstream", envFile)
	}
	if err := writeBenchAPIs(examples, dir, env["URL_"+benchCase], pluginPath, noopSO); err != nil {
		return err
	}
	if err := writeGatewayAPIs(examples, dir, env, pluginPath); err != nil {
		return err
	}
	if err := writeReceivedStatusAPIs(examples, dir, env, pluginPath); err != nil {
		return err
	}
	if soak {
		if err := writeSoakAPIs(examples, dir, env, cases, pluginPath); err != nil {
			return err
		}
	}
	for _, kind := range []string{KindClassic, KindOAS} {
		raw, err := os.ReadFile(filepath.Join(examples, exampleFiles[kind]))
		if err != nil {
			return err
		}
		for _, c := range cases {
			def, err := apiFromExample(kind, raw, c, env["URL_"+c], pluginPath)
			if err != nil {
				return fmt.Errorf("%s: %w", exampleFiles[kind], err)
			}
			out := filepath.Join(dir, "apps", apiID(kind, c)+".json")
			if kind == KindOAS {
				out = filepath.Join(dir, "oas", apiID(kind, c)+".json")
			}
			if err := writeJSON(out, def); err != nil {
				return err
			}
		}
	}
	return nil
}

// The APIs of the real-gateway benchmark (BenchmarkRealGateway), all made
// from the classic example in front of the upstream of benchCase. The
// default wiring ("full") is the case's own classic API: the example as it
// is, pre hook and analytics plugin. Besides it:
//
//   - baseline: the same API without any plugin; baseline2, a second copy
//     of it, whose difference from baseline is the measurement's noise;
//   - full3: upstreamcause on all three hooks (the example plus the optional
//     response hook);
//   - with the no-op plugin of scripts/e2e/noopplugin (only when it is
//     given), what the gateway itself charges for running Go plugin hooks:
//     noop-pre (the pre hook alone), noop (pre hook and analytics plugin,
//     the default wiring) and noop3 (all three hooks).
const (
	benchCase     = "ok"
	baselinePath  = "/bench-baseline/ok/"
	baseline2Path = "/bench-baseline2/ok/"
	full3Path     = "/bench-full3/ok/"
	noopPrePath   = "/bench-noop-pre/ok/"
	noopPath      = "/bench-noop/ok/"
	noop3Path     = "/bench-noop3/ok/"
)

// writeBenchAPIs writes the benchmark's APIs into dir/apps; the no-op ones
// only when noopSO names the no-op plugin.
func writeBenchAPIs(examples, dir, upstream, pluginPath, noopSO string) error {
	if upstream == "" {
		return fmt.Errorf("no upstream for the benchmark case %q", benchCase)
	}
	raw, err := os.ReadFile(filepath.Join(examples, exampleFiles[KindClassic]))
	if err != nil {
		return err
	}
	write := func(id, path, so string, edit func(def map[string]any) error) error {
		def, err := apiFromExample(KindClassic, raw, benchCase, upstream, so)
		if err != nil {
			return err
		}
		if err := edit(def); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		def["api_id"], def["name"] = id, "e2e "+id
		def["proxy"].(map[string]any)["listen_path"] = path
		return writeJSON(filepath.Join(dir, "apps", id+".json"), def)
	}
	noPlugin := func(def map[string]any) error {
		delete(def, "custom_middleware")
		delete(def, "analytics_plugin")
		return nil
	}
	asIs := func(map[string]any) error { return nil }
	if err := write("e2e-bench-baseline", baselinePath, pluginPath, noPlugin); err != nil {
		return err
	}
	if err := write("e2e-bench-baseline2", baseline2Path, pluginPath, noPlugin); err != nil {
		return err
	}
	if err := write("e2e-bench-full3", full3Path, pluginPath, func(def map[string]any) error {
		return addResponseHook(def, pluginPath)
	}); err != nil {
		return err
	}
	if noopSO == "" {
		return nil
	}
	if err := write("e2e-bench-noop-pre", noopPrePath, noopSO, func(def map[string]any) error {
		delete(def, "analytics_plugin")
		return nil
	}); err != nil {
		return err
	}
	if err := write("e2e-bench-noop", noopPath, noopSO, asIs); err != nil {
		return err
	}
	return write("e2e-bench-noop3", noop3Path, noopSO, func(def map[string]any) error {
		return addResponseHook(def, noopSO)
	})
}

// The APIs on which the client's Proxy-Status must carry received-status:
// the classic example plus the optional response hook (which alone sees
// an upstream's response before the gateway copies it to the client), in
// front of the upstreams that answer 503 (nginx) and 502 (an AWS ELB).
var receivedStatusAPIs = map[string]string{ // listen path -> upstream case
	"/e2e-received/status_503/":       cases.Status503,
	"/e2e-received/intermediary_502/": cases.Intermediary502,
}

// writeReceivedStatusAPIs writes the receivedStatusAPIs into dir/apps.
func writeReceivedStatusAPIs(examples, dir string, env map[string]string, pluginPath string) error {
	raw, err := os.ReadFile(filepath.Join(examples, exampleFiles[KindClassic]))
	if err != nil {
		return err
	}
	for path, c := range receivedStatusAPIs {
		def, err := apiFromExample(KindClassic, raw, c, env["URL_"+c], pluginPath)
		if err != nil {
			return err
		}
		if err := addResponseHook(def, pluginPath); err != nil {
			return err
		}
		id := "e2e-received-" + c
		def["api_id"], def["name"] = id, "e2e "+id
		def["proxy"].(map[string]any)["listen_path"] = path
		if err := writeJSON(filepath.Join(dir, "apps", id+".json"), def); err != nil {
			return err
		}
	}
	return nil
}

// addResponseHook adds the optional response hook to a classic definition
// made from the example (which wires it nowhere): custom_middleware.response
// naming responseSymbol in the .so at so.
func addResponseHook(def map[string]any, so string) error {
	cm, ok := def["custom_middleware"].(map[string]any)
	if !ok {
		return fmt.Errorf("has no custom_middleware object")
	}
	if _, ok := cm["response"]; ok {
		return fmt.Errorf("already wires a response hook")
	}
	cm["response"] = []any{map[string]any{"name": responseSymbol, "path": so}}
	return nil
}

// The APIs of the soak (e2e soak), per upstream case besides the case's own
// classic and OAS APIs (the examples' wiring): the classic example without
// any plugin, and the classic example with do_not_track (no analytics
// record, and no access-log entry when the request fails).
const (
	KindPlain = "soak-plain"
	KindDNT   = "soak-dnt"
)

// writeSoakAPIs writes the soak's APIs into dir/apps, for every case.
func writeSoakAPIs(examples, dir string, env map[string]string, cs []string, pluginPath string) error {
	raw, err := os.ReadFile(filepath.Join(examples, exampleFiles[KindClassic]))
	if err != nil {
		return err
	}
	for _, c := range cs {
		for _, kind := range []string{KindPlain, KindDNT} {
			def, err := apiFromExample(KindClassic, raw, c, env["URL_"+c], pluginPath)
			if err != nil {
				return err
			}
			switch kind {
			case KindPlain:
				delete(def, "custom_middleware")
				delete(def, "analytics_plugin")
			case KindDNT:
				def["do_not_track"] = true
			}
			id := apiID(kind, c)
			def["api_id"], def["name"] = id, "e2e "+kind+" "+c
			def["proxy"].(map[string]any)["listen_path"] = listenPath(kind, c)
			if err := writeJSON(filepath.Join(dir, "apps", id+".json"), def); err != nil {
				return err
			}
		}
	}
	return nil
}

// apiFromExample returns the example definition raw (of kind) made into the
// API of case c: its own id, name and listen path, target upstream, and the
// example's plugin path replaced by pluginPath. Everything else, the hook
// wiring included, is the example's.
func apiFromExample(kind string, raw []byte, c, upstream, pluginPath string) (map[string]any, error) {
	for _, sym := range exampleSymbols {
		if !bytes.Contains(raw, []byte(`"`+sym+`"`)) {
			return nil, fmt.Errorf("does not wire %s", sym)
		}
	}
	var def map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&def); err != nil {
		return nil, err
	}
	// at sets the string at a path of object keys; the key must exist.
	at := func(v string, path ...string) error {
		m := def
		for i, k := range path {
			if i == len(path)-1 {
				if _, ok := m[k].(string); !ok {
					return fmt.Errorf("has no string at %s", strings.Join(path, "."))
				}
				m[k] = v
				return nil
			}
			next, ok := m[k].(map[string]any)
			if !ok {
				return fmt.Errorf("has no object at %s", strings.Join(path[:i+1], "."))
			}
			m = next
		}
		return nil
	}
	id, name, lp := apiID(kind, c), "e2e "+kind+" "+c, listenPath(kind, c)
	var errs []error
	switch kind {
	case KindClassic:
		errs = []error{
			at(id, "api_id"),
			at(name, "name"),
			at(lp, "proxy", "listen_path"),
			at(upstream, "proxy", "target_url"),
		}
	case KindOAS:
		errs = []error{
			at(name, "info", "title"),
			at(id, "x-tyk-api-gateway", "info", "id"),
			at(name, "x-tyk-api-gateway", "info", "name"),
			at(lp, "x-tyk-api-gateway", "server", "listenPath", "value"),
			at(upstream, "x-tyk-api-gateway", "upstream", "url"),
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	n := replacePluginPath(def, pluginPath)
	if n < len(exampleSymbols) {
		return nil, fmt.Errorf("names the plugin .so %d times, want one per symbol (%d)", n, len(exampleSymbols))
	}
	return def, nil
}

// replacePluginPath replaces every string ending in "/upstreamcause.so" in
// v by path and returns how many it replaced.
func replacePluginPath(v any, path string) int {
	n := 0
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && strings.HasSuffix(s, "/upstreamcause.so") {
				t[k] = path
				n++
				continue
			}
			n += replacePluginPath(e, path)
		}
	case []any:
		for i, e := range t {
			if s, ok := e.(string); ok && strings.HasSuffix(s, "/upstreamcause.so") {
				t[i] = path
				n++
				continue
			}
			n += replacePluginPath(e, path)
		}
	}
	return n
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// readEnv reads KEY=value lines.
func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m, sc.Err()
}
