package schema

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// TestFilesAreGenerated: the checked-in documents (and the embedded ones
// Validate uses) are exactly what the tables give.
func TestFilesAreGenerated(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(FileNames()) {
		t.Fatalf("%d documents, %d file names", len(docs), len(FileNames()))
	}
	for _, name := range FileNames() {
		disk, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := File(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, docs[name]) || !bytes.Equal(embedded, docs[name]) {
			t.Errorf("%s differs from what the tables give: run `go generate ./schema`", name)
		}
	}
}

// TestDocuments: every document compiles (the compiler checks it against
// the 2020-12 metaschema), and says its version and mode.
func TestDocuments(t *testing.T) {
	if _, err := document(ProbeFile); err != nil {
		t.Fatal(err)
	}
	for _, name := range FileNames() {
		raw, _ := File(name)
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc["$id"] != IDBase+name || !strings.HasPrefix(IDBase, "https://github.com/upstreamcause/tyk-upstream-cause/schema/v1/") {
			t.Errorf("%s: $id %v", name, doc["$id"])
		}
		if doc["x-upstreamcause-version"] != Version || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: version %v, $schema %v", name, doc["x-upstreamcause-version"], doc["$schema"])
		}
		props := doc["properties"].(map[string]any)
		for k, v := range props {
			p := v.(map[string]any)
			if d, _ := p["description"].(string); d == "" {
				t.Errorf("%s: %s has no description", name, k)
			}
			if ex, _ := p["examples"].([]any); len(ex) != 1 {
				t.Errorf("%s: %s has %d examples, want 1", name, k, len(ex))
			}
		}
	}
	for _, m := range Modes {
		raw, _ := File(AccessLogFile(m))
		var doc struct {
			Mode string `json:"x-upstreamcause-field-names"`
		}
		_ = json.Unmarshal(raw, &doc)
		if doc.Mode != m {
			t.Errorf("%s: x-upstreamcause-field-names %q", AccessLogFile(m), doc.Mode)
		}
	}
}

// TestNamesFor: the modes are the ones the plugin reads from
// UPSTREAMCAUSE_FIELD_NAMES.
func TestNamesFor(t *testing.T) {
	for mode, want := range map[string]*accesslog.Names{"tyk": &accesslog.TykNames, "ecs": &accesslog.ECSNames, "otel": &accesslog.OTelNames} {
		if got, err := NamesFor(mode); err != nil || got != want {
			t.Errorf("NamesFor(%q) = %p, %v; want %p", mode, got, err, want)
		}
	}
	for _, bad := range []string{"", "TYK ", "elastic"} {
		if _, err := NamesFor(bad); err == nil {
			t.Errorf("NamesFor(%q) did not fail", bad)
		}
	}
	if err := Validate("elastic", map[string]any{"prefix": "access-log"}); err == nil {
		t.Error("Validate with an unknown mode did not fail")
	}
}

// TestEveryNamesFieldHasAProperty: every key accesslog.Names gives in a
// mode is a property of that mode's document, marked with its Names field,
// and no two fields share a key.
func TestEveryNamesFieldHasAProperty(t *testing.T) {
	for _, m := range Modes {
		n, _ := NamesFor(m)
		fields := AccessLogFields(n)
		byKey := map[string]Field{}
		for _, f := range fields {
			if _, dup := byKey[f.Key]; dup {
				t.Errorf("%s: key %s listed twice", m, f.Key)
			}
			byKey[f.Key] = f
		}
		v := reflect.ValueOf(*n)
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if sf.Type.Kind() != reflect.String {
				continue
			}
			key := v.Field(i).String()
			if key == "" {
				continue
			}
			f, ok := byKey[key]
			switch {
			case !ok:
				t.Errorf("%s: Names.%s = %q is not in the document", m, sf.Name, key)
			case f.NamesField != sf.Name:
				t.Errorf("%s: %s is marked as Names.%s, it is Names.%s", m, key, f.NamesField, sf.Name)
			}
		}
		for _, k := range []string{accesslog.KeyResponseFlag, accesslog.KeyResponseDetail, accesslog.KeyErrorSource,
			accesslog.KeyErrorTarget, accesslog.KeyUpstreamStatus, accesslog.KeyCircuitBreakerState, "prefix", "status"} {
			if _, ok := byKey[k]; !ok {
				t.Errorf("%s: %s is not in the document", m, k)
			}
		}
	}
	probeKeys := map[string]bool{}
	for _, f := range ProbeFields() {
		probeKeys[f.Key] = true
	}
	for _, k := range constStrings(t, "../probe/fields.go", "Field") {
		if !probeKeys[k] {
			t.Errorf("probe: %s is not in the document", k)
		}
	}
}

// constStrings returns the values of the string constants declared in the
// non-test Go files matching glob whose names are prefix followed by an
// upper-case letter or digit.
func constStrings(t *testing.T, glob, prefix string) []string {
	t.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no files %s", glob)
	}
	name := regexp.MustCompile("^" + prefix + "[A-Z0-9]")
	var out []string
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !name.MatchString(id.Name) || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out = append(out, strings.Trim(lit.Value, "\"`"))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func sorted(l []string) []string {
	c := append([]string(nil), l...)
	sort.Strings(c)
	return c
}

// TestEnumsAreComplete: the enums are every constant of their kind in
// classify and probe, so that a new flag, type, intermediary or verdict
// cannot be written before the schema allows it.
func TestEnumsAreComplete(t *testing.T) {
	for _, tc := range []struct {
		name, glob, prefix string
		have               []string
	}{
		{"flags", "../classify/*.go", "Flag", Flags},
		{"RFC 9209 types", "../classify/*.go", "Type", ErrorTypes},
		{"intermediaries", "../classify/*.go", "Intermediary", Intermediaries},
		{"verdicts", "../probe/*.go", "Verdict", Verdicts},
	} {
		want := constStrings(t, tc.glob, tc.prefix)
		if got := sorted(tc.have); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: schema has %q, the constants are %q", tc.name, got, want)
		}
	}
	if want := []string{"unknown", "dns", "connect", "tls", "request_write", "response_headers", "response_body"}; !reflect.DeepEqual(Phases, want) {
		t.Errorf("phases %q, want %q", Phases, want)
	}
	if want := []string{"unknown", "upstream", "intermediary", "network", "dns", "gateway", "client"}; !reflect.DeepEqual(Sources, want) {
		t.Errorf("sources %q, want %q", Sources, want)
	}
}

// readmeJSON returns the JSON objects of the README's ```json blocks whose
// prefix is prefix: real entries of real gateways.
func readmeJSON(t *testing.T, prefix string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(readmePath())
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, block := range strings.Split(string(raw), "```json\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		for _, line := range strings.Split(body, "\n") {
			var e map[string]any
			if json.Unmarshal([]byte(line), &e) == nil && e["prefix"] == prefix {
				out = append(out, e)
			}
		}
	}
	return out
}

// modeOf returns the naming mode an entry was written in, told by the key
// of its flag; "tyk" for an entry without one.
func modeOf(e map[string]any) string {
	for _, m := range Modes {
		n, _ := NamesFor(m)
		if _, ok := e[n.Flag]; ok {
			return m
		}
	}
	return "tyk"
}

// TestREADMEEntriesValidate: the entries real gateways wrote, quoted in the
// README, validate against the schema of the mode they were written in.
func TestREADMEEntriesValidate(t *testing.T) {
	access := readmeJSON(t, PrefixAccessLog)
	probes := readmeJSON(t, probe.Prefix)
	if len(access) < 5 || len(probes) < 1 {
		t.Fatalf("README: %d access-log entries, %d probe entries", len(access), len(probes))
	}
	for _, e := range access {
		mode := modeOf(e)
		if err := Validate(mode, e); err != nil {
			t.Errorf("%v (%s names): %v", e["path"], mode, err)
		}
	}
	for _, e := range probes {
		if err := ValidateProbe(e); err != nil {
			t.Errorf("probe entry: %v", err)
		}
	}
}

// rename returns the tyk-mode entry e with the plugin's keys in mode m, the
// target and peer split as m splits them.
func rename(t *testing.T, e map[string]any, m string) map[string]any {
	t.Helper()
	n, _ := NamesFor(m)
	tn := &accesslog.TykNames
	out := map[string]any{}
	for k, v := range e {
		out[k] = v
	}
	tv, nv := reflect.ValueOf(*tn), reflect.ValueOf(*n)
	for i := 0; i < tv.NumField(); i++ {
		if tv.Field(i).Kind() != reflect.String {
			continue
		}
		from, to := tv.Field(i).String(), nv.Field(i).String()
		v, ok := e[from]
		if from == "" || !ok {
			continue
		}
		delete(out, from)
		out[to] = v
	}
	split := func(key, portKey string, hostOnly bool) {
		addr, ok := out[key].(string)
		if !ok || (portKey == "" && !hostOnly) {
			return
		}
		host, port, _ := strings.Cut(addr, ":")
		out[key] = host
		if portKey != "" {
			var p json.Number = json.Number(port)
			out[portKey] = p
		}
	}
	split(n.Target, n.TargetPort, false)
	split(n.Peer, n.PeerPort, n.PeerIPOnly)
	return out
}

// TestValidate: what passes and what does not, in every mode.
func TestValidate(t *testing.T) {
	// The certificate failure of the README, as a real Tyk 5.8.15 wrote it
	// (upstream_probe added, as the next failure after a probe carries it).
	line := `{"api_key":"--","client_ip":"127.0.0.1","error":"tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs","error_source":"ReverseProxy","error_target":"127.0.0.1:43735","gateway_node":"vm","host":"127.0.0.1:8080","latency_total":0,"level":"info","logrus_error":"tls: failed to verify certificate","method":"GET","msg":"","path":"/e2e-classic-9","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:46096","response_code_details":"tls_hostname_mismatch","response_flag":"TLM","status":500,"time":"2026-12-01T10:31:18Z","tls_cert_expiry":"2026-12-01T11:31:15Z","tls_cert_subject":"CN=wrong-host.example","upstream_addr":"https://127.0.0.1:43735/e2e-classic-9","upstream_attempts":1,"upstream_connect_ms":0.098,"upstream_error_detail":"tls_hostname_mismatch","upstream_error_phase":"tls","upstream_error_source":"upstream","upstream_error_type":"tls_certificate_error","upstream_flag":"TLM","upstream_latency":0,"upstream_peer":"127.0.0.1:43735","upstream_target":"127.0.0.1:43735","upstream_tls_cert_issuer":"CN=upstreams test CA","upstream_tls_cert_not_before":"2026-12-01T09:31:15Z","upstream_tls_cert_sans":"wrong-host.example","upstream_tls_ms":1.087,"upstream_probe":"tls_invalid","upstream_probe_age_s":3,"upstream_conn_reused":false,"user_agent":"Go-http-client/1.1"}`
	if err := ValidateLine("tyk", []byte(line)); err != nil {
		t.Fatalf("the README's entry: %v", err)
	}
	var base map[string]any
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&base); err != nil {
		t.Fatal(err)
	}
	for _, m := range Modes {
		n, _ := NamesFor(m)
		good := rename(t, base, m)
		if err := Validate(m, good); err != nil {
			t.Fatalf("%s: %v (entry %v)", m, err, good)
		}
		if m != "tyk" {
			// The keys of another mode are not checked, and pass.
			if err := Validate(m, base); err != nil {
				t.Errorf("%s: the tyk-mode entry: %v", m, err)
			}
		}
		for _, tc := range []struct {
			what   string
			change func(e map[string]any)
			want   string // in the error
		}{
			{"attempts as a string", func(e map[string]any) { e[n.Attempts] = "1" }, "want integer"},
			{"attempts as a fraction", func(e map[string]any) { e[n.Attempts] = 1.5 }, "want integer"},
			{"a duration as a string", func(e map[string]any) { e[n.ConnectMs] = "0.098" }, "want number"},
			{"a negative duration", func(e map[string]any) { e[n.TLSMs] = -1.0 }, "minimum"},
			{"reused as a string", func(e map[string]any) { e[n.Reused] = "false" }, "want boolean"},
			{"an unknown flag", func(e map[string]any) { e[n.Flag] = "XYZ" }, "must be one of"},
			{"an unknown RFC 9209 type", func(e map[string]any) { e[n.Type] = "timeout" }, "must be one of"},
			{"an unknown phase", func(e map[string]any) { e[n.Phase] = "handshake" }, "must be one of"},
			{"an unknown source", func(e map[string]any) { e[n.Source] = "cloud" }, "must be one of"},
			{"an unknown verdict", func(e map[string]any) { e[n.Probe] = "maybe" }, "must be one of"},
			{"a detail that is not snake_case", func(e map[string]any) { e[n.Detail] = "TLS mismatch" }, "pattern"},
			{"a time that is not RFC 3339", func(e map[string]any) { e[n.CertNotBefore] = "Dec 1 09:31:15 2026" }, "date-time"},
			{"status as a string", func(e map[string]any) { e["status"] = "500" }, "want integer"},
			{"another prefix", func(e map[string]any) { e["prefix"] = "proxy" }, "access-log"},
			{"no prefix", func(e map[string]any) { delete(e, "prefix") }, "prefix"},
			{"the flag without its detail", func(e map[string]any) { delete(e, n.Detail) }, "required"},
			{"a plugin field without the flag", func(e map[string]any) { delete(e, n.Flag) }, "required"},
			{"a verdict without its age", func(e map[string]any) { delete(e, n.ProbeAgeS) }, "required"},
			{"upstream_status as a string", func(e map[string]any) { e[accesslog.KeyUpstreamStatus] = "503" }, "want integer"},
		} {
			e := map[string]any{}
			for k, v := range good {
				e[k] = v
			}
			tc.change(e)
			err := Validate(m, e)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %s: err %v, want one naming %q", m, tc.what, err, tc.want)
			}
		}
		// A port where the mode has one.
		if n.TargetPort != "" {
			e := rename(t, base, m)
			e[n.TargetPort] = "43735"
			if err := Validate(m, e); err == nil || !strings.Contains(err.Error(), "want integer") {
				t.Errorf("%s: a port as a string: %v", m, err)
			}
			e[n.TargetPort] = 70000
			if err := Validate(m, e); err == nil {
				t.Errorf("%s: port 70000 passes", m)
			}
		}
	}
	// Go values as logrus holds them: an error is written as its text.
	e := map[string]any{"prefix": "access-log", "status": 500, "upstream_flag": "UCF", "upstream_error_detail": "connection_refused",
		"upstream_error_phase": "connect", "upstream_error_source": "upstream", "upstream_attempts": 1, "upstream_connect_ms": 0.048,
		"error": os.ErrDeadlineExceeded, "upstream_conn_reused": false, "upstream_probe_age_s": int64(3), "upstream_probe": "refused_from_node"}
	if err := Validate("tyk", e); err != nil {
		t.Errorf("Go values: %v", err)
	}
	if err := ValidateGo("tyk", e); err != nil {
		t.Errorf("ValidateGo: %v", err)
	}
	e["upstream_attempts"] = 1.0
	if err := ValidateGo("tyk", e); err == nil || !strings.Contains(err.Error(), "upstream_attempts") {
		t.Errorf("ValidateGo: a float64 attempts: %v", err)
	}
	e["upstream_attempts"] = 1
	e["upstream_connect_ms"] = 1
	if err := ValidateGo("tyk", e); err == nil || !strings.Contains(err.Error(), "upstream_connect_ms") {
		t.Errorf("ValidateGo: an int duration: %v", err)
	}
	if err := ValidateLine("tyk", []byte(`{"prefix":"access-log"} {}`)); err == nil {
		t.Error("two values on a line pass")
	}
	for _, l := range []string{`{"prefix":"access-log","status":500.0}`, `{"prefix":"access-log","status":5e2}`} {
		if err := ValidateLine("tyk", []byte(l)); err == nil || !strings.Contains(err.Error(), "not as an integer") {
			t.Errorf("%s: %v", l, err)
		}
	}
	if err := ValidateLine("tyk", []byte(`[1]`)); err == nil {
		t.Error("an array passes")
	}
}

// TestValidateProbe: the probe entry of the README passes; broken ones do
// not.
func TestValidateProbe(t *testing.T) {
	line := `{"gateway_node":"vm","level":"warning","msg":"upstream probe: 127.0.0.1:49051 unreachable from node vm","prefix":"upstreamcause-probe","probe_addrs":"127.0.0.1","probe_connect":"127.0.0.1:49051 timeout 2006.512ms","probe_ms":2006.6,"probe_target":"127.0.0.1:49051","probe_trigger_flag":"UCT","probe_verdict":"unreachable_from_node","time":"2026-12-02T02:02:28Z"}`
	if err := ValidateLine("ecs", []byte(line)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, from, to string }{
		{"an unknown verdict", `"unreachable_from_node"`, `"unreachable"`},
		{"probe_ms as a string", `2006.6`, `"2006.6"`},
		{"an unknown level", `"warning"`, `"error"`},
		{"an unknown trigger flag", `"UCT"`, `"XXX"`},
		{"no target", `"probe_target"`, `"probe_targets"`},
	} {
		if err := ValidateLine("tyk", []byte(strings.Replace(line, tc.from, tc.to, 1))); err == nil {
			t.Errorf("%s passes", tc.what)
		}
	}
	if err := ValidateProbe(map[string]any{"prefix": probe.Prefix, "probe_target": "a:1", "probe_verdict": "reachable_now", "probe_ms": 0.2, "probe_dropped": int64(3)}); err != nil {
		t.Error(err)
	}
	if err := ValidateProbe(map[string]any{"prefix": probe.Prefix, "probe_target": "a:1", "probe_verdict": "reachable_now", "probe_ms": 0.2, "probe_dropped": 0}); err == nil {
		t.Error("probe_dropped 0 passes")
	}
}

// TestRuntimeDoesNotImportSchema: the plugin's packages never link this
// package nor its JSON Schema library.
func TestRuntimeDoesNotImportSchema(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	for _, tags := range []string{"", "goplugin"} {
		cmd := exec.Command(gotool, "list", "-e", "-deps", "-tags", tags, "-f", "{{.ImportPath}}",
			"../accesslog", "../capture", "../classify", "../probe", "../plugin")
		cmd.Env = append(os.Environ(), "GOWORK=off")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		for _, p := range strings.Fields(string(out)) {
			if strings.HasSuffix(p, "/schema") || strings.Contains(p, "jsonschema") {
				t.Errorf("tags %q: the plugin's packages depend on %s", tags, p)
			}
		}
		if !strings.Contains(string(out), "github.com/upstreamcause/tyk-upstream-cause/accesslog") {
			t.Fatalf("go list lists no accesslog: %s", out)
		}
	}
}
