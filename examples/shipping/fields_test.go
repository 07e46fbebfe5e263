// Package shipping_test checks the shipping examples (agent configurations,
// saved searches, alerts, dashboards) against the plugin's field schema:
// every file parses in its own format, and every field name it references
// is one the plugin, its probe or Tyk itself writes. A renamed field in
// accesslog.Names breaks this test until the examples follow.
package shipping_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// ---- the schema ------------------------------------------------------------

// fieldSchema is every field name an entry can carry, with its JSON type
// ("string", "integer", "number", "boolean").
type fieldSchema struct {
	types  map[string]string
	source string
}

func (s *fieldSchema) has(name string) bool { _, ok := s.types[name]; return ok }

// schemaFiles are the plugin's JSON Schemas (schema/), one per naming mode
// and the probe entry's; each has top-level "properties".
var schemaFiles = []string{"access-log.tyk.json", "access-log.ecs.json", "access-log.otel.json", "probe-entry.json"}

// schemaDir holds schemaFiles; TestWithoutSchemaFiles points it elsewhere.
var schemaDir = filepath.Join("..", "..", "schema")

// loadSchema reads schema/*.json when they are there, else builds the same
// set from the code: accesslog.TykNames, ECSNames and OTelNames, Tyk 5.12's
// keys the plugin writes, the probe entry's keys (probe.Field*) and Tyk's
// own access-log keys.
func loadSchema(t testing.TB) *fieldSchema {
	t.Helper()
	dir := schemaDir
	s := &fieldSchema{types: map[string]string{}}
	found := 0
	for _, f := range schemaFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Properties map[string]struct {
				Type any `json:"type"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(doc.Properties) == 0 {
			t.Fatalf("%s: no properties", f)
		}
		for name, p := range doc.Properties {
			typ := "string"
			switch v := p.Type.(type) {
			case string:
				typ = v
			case []any: // ["integer", "null"]
				for _, x := range v {
					if x != "null" {
						typ = fmt.Sprint(x)
					}
				}
			}
			if old, ok := s.types[name]; ok && old != typ {
				t.Fatalf("%s: %s is %s here, %s in another schema file", f, name, typ, old)
			}
			s.types[name] = typ
		}
		found++
	}
	if found == len(schemaFiles) {
		s.source = "schema/*.json"
		return s
	}
	if found > 0 {
		t.Fatalf("schema/ has %d of the %d schema files", found, len(schemaFiles))
	}
	s.source = "accesslog.Names, probe.Field*, Tyk's own keys"
	for name, typ := range codeFields() {
		s.types[name] = typ
	}
	return s
}

// codeFields is the schema without schema/: the names in the code, typed
// as accesslog.Names and probe/fields.go document them.
func codeFields() map[string]string {
	out := map[string]string{}
	typeOf := map[string]string{
		"TargetPort": "integer", "PeerPort": "integer", "Attempts": "integer", "ProbeAgeS": "integer",
		"Reused": "boolean",
		"IdleMs": "number", "DNSMs": "number", "ConnectMs": "number", "TLSMs": "number", "WriteMs": "number", "HeadersMs": "number",
	}
	for _, n := range []accesslog.Names{accesslog.TykNames, accesslog.ECSNames, accesslog.OTelNames} {
		v := reflect.ValueOf(n)
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Type.Kind() != reflect.String || v.Field(i).String() == "" {
				continue
			}
			typ := typeOf[f.Name]
			if typ == "" {
				typ = "string"
			}
			out[v.Field(i).String()] = typ
		}
	}
	for _, k := range []string{accesslog.KeyResponseFlag, accesslog.KeyResponseDetail, accesslog.KeyErrorSource,
		accesslog.KeyErrorTarget, accesslog.KeyCircuitBreakerState} {
		out[k] = "string"
	}
	out[accesslog.KeyUpstreamStatus] = "integer"
	for k, typ := range map[string]string{
		probe.FieldPrefix: "string", probe.FieldTarget: "string", probe.FieldTriggerFlag: "string",
		probe.FieldVerdict: "string", probe.FieldDNSMs: "number", probe.FieldDNSError: "string",
		probe.FieldAddrs: "string", probe.FieldConnect: "string", probe.FieldConnectError: "string",
		probe.FieldTLSVerify: "string", probe.FieldTLSVersion: "string", probe.FieldTLSSubject: "string",
		probe.FieldTLSIssuer: "string", probe.FieldTLSSANs: "string", probe.FieldTLSNotBefore: "string",
		probe.FieldTLSNotAfter: "string", probe.FieldTLSError: "string", probe.FieldMs: "number",
		probe.FieldDropped: "integer", probe.FieldNode: "string",
	} {
		out[k] = typ
	}
	// Tyk's own access-log keys (5.8–5.14) and the logrus entry's own.
	for _, k := range []string{"method", "path", "api_id", "prefix", "level", "time", "msg", "message", "host",
		"client_ip", "remote_addr", "upstream_addr", "org_id", "api_name", "api_key", "user_agent", "protocol",
		"api_type", "original_path", "type", "mw", "origin", "key", "trace_id", "logrus_error"} {
		out[k] = "string"
	}
	for _, k := range []string{"status", "upstream_latency", "latency_total", "latency_gateway"} {
		out[k] = "integer"
	}
	return out
}

// agentFields are names the shipping examples introduce themselves, not the
// plugin's or Tyk's: each is written by an agent or a SIEM, never read from
// a gateway's entry.
var agentFields = map[string]string{
	"@timestamp":          "the event time Elasticsearch indexes (set from `time`)",
	"timestamp":           "Vector's event time (set from `time`)",
	"event.original":      "ECS: the raw line (filebeat.yml)",
	"url.domain":          "ECS: Tyk's own `host` key, renamed (filebeat.yml)",
	"url.port":            "ECS: its port",
	"user_agent.original": "ECS: Tyk's own `user_agent` key, renamed (filebeat.yml)",
	"job":                 "the Loki stream label the agents set",
	"_entry":              "the original line in a line Alloy's stage.pack wrote",
	"tyk_request_host":    "Tyk's own `host` key as Splunk extracts it (props.conf), not to shadow Splunk's host",
	"__error__":           "LogQL's parse-error label",
	// After `| json`, Loki renames a parsed key that clashes with a stream
	// label; rules.yaml says so in a comment.
	"gateway_node_extracted":  "LogQL: the line's gateway_node beside the label",
	"upstream_flag_extracted": "LogQL: the line's upstream_flag beside the label",
}

// splunkFields are Splunk's own default fields.
var splunkFields = map[string]bool{"_time": true, "host": true, "index": true, "sourcetype": true, "source": true}

// ---- the check ---------------------------------------------------------------

// checker collects unknown field names per file.
type checker struct {
	schema  *fieldSchema
	unknown map[string]map[string]bool // file -> name
	refs    map[string]int             // file -> names checked
}

func newChecker(s *fieldSchema) *checker {
	return &checker{schema: s, unknown: map[string]map[string]bool{}, refs: map[string]int{}}
}

// field checks one referenced name; aliases are names the query defines.
func (c *checker) field(file, name string, aliases map[string]bool) {
	c.refs[file]++
	if c.schema.has(name) || aliases[name] {
		return
	}
	if _, ok := agentFields[name]; ok {
		return
	}
	if c.unknown[file] == nil {
		c.unknown[file] = map[string]bool{}
	}
	c.unknown[file][name] = true
}

func (c *checker) report(t *testing.T) {
	t.Helper()
	var files []string
	for f := range c.unknown {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		var names []string
		for n := range c.unknown[f] {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Errorf("%s: field names not in the plugin's schema (%s): %s", f, c.schema.source, strings.Join(names, ", "))
	}
}

// familyRE matches the names of the plugin's families anywhere in a file,
// comments included: every such token must be a field. The examples' own
// aliases avoid these prefixes.
var familyRE = regexp.MustCompile(`\b(?:upstream_[a-z0-9_]*[a-z0-9]|probe_[a-z0-9_]*[a-z0-9]|tls_cert_[a-z0-9_]*[a-z0-9]|gateway_node[a-z0-9_]*|response_flag|response_code_details|error_source|error_target|circuit_breaker_state|tyk\.upstream\.[a-z0-9_]*[a-z0-9]|tls\.server\.[a-z0-9_.]*[a-z0-9]|server\.(?:address|port|ip|socket\.address)|network\.peer\.(?:address|port)|error\.(?:message|code|type)|event\.reason|host\.name)\b`)

func (c *checker) families(file, text string) {
	for _, m := range familyRE.FindAllString(text, -1) {
		c.field(file, m, nil)
	}
}

// ---- the query languages -------------------------------------------------------

var (
	identRE       = regexp.MustCompile(`@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*`)
	dqStringRE    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	anyStringRE   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`")
	templateRefRE = regexp.MustCompile(`\.([A-Za-z_][A-Za-z0-9_]*)`)
	namedGroupRE  = regexp.MustCompile(`\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>`)
)

// logqlRefs returns the field names a LogQL expression reads (stream
// selector matchers, label filters, by/on/without lists, unwrap, template
// references) and the labels it defines (label_format, regexp groups).
func logqlRefs(expr string) (refs []string, aliases map[string]bool) {
	aliases = map[string]bool{}
	for _, s := range anyStringRE.FindAllString(expr, -1) {
		if strings.Contains(s, "{{") {
			for _, tmpl := range regexp.MustCompile(`\{\{(.*?)\}\}`).FindAllStringSubmatch(s, -1) {
				body := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(tmpl[1], `""`)
				for _, m := range templateRefRE.FindAllStringSubmatch(body, -1) {
					refs = append(refs, m[1])
				}
			}
		}
		for _, m := range namedGroupRE.FindAllStringSubmatch(s, -1) {
			aliases[m[1]] = true
		}
	}
	x := anyStringRE.ReplaceAllString(expr, `""`)
	for _, m := range regexp.MustCompile(`label_format\s+([A-Za-z_]\w*)\s*=`).FindAllStringSubmatch(x, -1) {
		aliases[m[1]] = true
	}
	// Matchers inside stream selectors.
	for _, sel := range regexp.MustCompile(`\{[^{}]*\}`).FindAllString(x, -1) {
		for _, m := range regexp.MustCompile(`([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)`).FindAllStringSubmatch(sel, -1) {
			refs = append(refs, m[1])
		}
	}
	stages := map[string]bool{"json": true, "logfmt": true, "label_format": true, "line_format": true, "unwrap": true,
		"regexp": true, "pattern": true, "drop": true, "keep": true, "unpack": true, "decolorize": true}
	for _, m := range regexp.MustCompile(`\|\s*([A-Za-z_]\w*)\s*(?:=~|!~|!=|==|>=|<=|=|>|<)`).FindAllStringSubmatch(x, -1) {
		if !stages[m[1]] {
			refs = append(refs, m[1])
		}
	}
	for _, m := range regexp.MustCompile(`\bunwrap\s+([A-Za-z_]\w*)`).FindAllStringSubmatch(x, -1) {
		refs = append(refs, m[1])
	}
	for _, m := range regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`).FindAllStringSubmatch(x, -1) {
		for _, n := range strings.Split(m[1], ",") {
			if n = strings.TrimSpace(n); n != "" {
				refs = append(refs, n)
			}
		}
	}
	return refs, aliases
}

var esqlKeywords = toSet(`from where stats by eval sort limit keep drop rename dissect grok mv_expand enrich row
	and or not is null in like rlike desc asc nulls first last true false
	second seconds minute minutes hour hours day days week weeks month months year years`)

// esqlRefs returns the field names an ES|QL query reads and the columns it
// defines (EVAL/STATS assignments, DISSECT keys).
func esqlRefs(query string) (refs []string, aliases map[string]bool) {
	aliases = map[string]bool{}
	var lines []string
	for _, l := range strings.Split(query, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	q := strings.Join(lines, "\n")
	for _, s := range dqStringRE.FindAllString(q, -1) {
		for _, m := range regexp.MustCompile(`%\{([A-Za-z_][\w.]*)\}`).FindAllStringSubmatch(s, -1) {
			aliases[m[1]] = true
		}
	}
	q = dqStringRE.ReplaceAllString(q, `""`)
	q = regexp.MustCompile(`(?i)\bFROM\s+[^\s|]+`).ReplaceAllString(q, "")
	for _, m := range regexp.MustCompile(`(@?[A-Za-z_][\w.]*)\s*=[^=]`).FindAllStringSubmatch(q, -1) {
		aliases[m[1]] = true
	}
	for _, loc := range identRE.FindAllStringIndex(q, -1) {
		w := q[loc[0]:loc[1]]
		if esqlKeywords[strings.ToLower(w)] || regexp.MustCompile(`^\s*\(`).MatchString(q[loc[1]:]) {
			continue
		}
		if loc[0] > 0 && (q[loc[0]-1] >= '0' && q[loc[0]-1] <= '9') {
			continue // 1.0e3 and the like
		}
		refs = append(refs, w)
	}
	return refs, aliases
}

var splKeywords = toSet(`search eval where stats eventstats streamstats chart timechart table sort convert rex bin
	fields rename dedup head tail top rare lookup spath fillnull mvexpand
	and or not as by over in like count span limit useother usenull field mode max_match true false null`)

// splRefs returns the field names an SPL search reads and the fields it
// defines (eval assignments, AS names, rex groups).
func splRefs(search string) (refs []string, aliases map[string]bool) {
	aliases = map[string]bool{}
	for _, s := range dqStringRE.FindAllString(search, -1) {
		for _, m := range namedGroupRE.FindAllStringSubmatch(s, -1) {
			aliases[m[1]] = true
		}
	}
	x := dqStringRE.ReplaceAllString(search, `""`)
	segments := strings.Split(x, "|")
	for i, seg := range segments {
		seg = strings.TrimSpace(seg)
		cmd := strings.ToLower(identRE.FindString(seg))
		if i == 0 {
			cmd = "search"
		}
		for _, m := range regexp.MustCompile(`(?i)\bAS\s+([A-Za-z_]\w*)`).FindAllStringSubmatch(seg, -1) {
			aliases[m[1]] = true
		}
		if cmd == "eval" {
			for _, m := range regexp.MustCompile(`(?:^eval|,)\s*([A-Za-z_]\w*)\s*=[^=]`).FindAllStringSubmatch(seg, -1) {
				aliases[m[1]] = true
			}
		}
		if cmd == "search" {
			// field=value: the value is not a field.
			seg = regexp.MustCompile(`(!=|<=|>=|=|<|>)\s*[^\s()=]+`).ReplaceAllString(seg, "$1")
		}
		args := map[string]bool{}
		if cmd != "eval" && cmd != "where" && cmd != "search" {
			for _, m := range regexp.MustCompile(`\b([A-Za-z_]\w*)=`).FindAllStringSubmatch(seg, -1) {
				args[m[1]] = true // span=, limit=, field= ...
			}
		}
		for _, loc := range identRE.FindAllStringIndex(seg, -1) {
			w := seg[loc[0]:loc[1]]
			if splKeywords[strings.ToLower(w)] || args[w] || regexp.MustCompile(`^\s*\(`).MatchString(seg[loc[1]:]) {
				continue
			}
			if loc[0] > 0 && (seg[loc[0]-1] >= '0' && seg[loc[0]-1] <= '9' || seg[loc[0]-1] == '-' && cmd == "sort") {
				if seg[loc[0]-1] != '-' {
					continue
				}
			}
			if i == 0 && (w == "earliest" || w == "latest") {
				continue
			}
			refs = append(refs, w)
		}
	}
	return refs, aliases
}

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func (c *checker) logql(file, expr string) {
	refs, aliases := logqlRefs(expr)
	for _, r := range refs {
		c.field(file, r, aliases)
	}
	c.families(file, expr)
}

func (c *checker) esql(file, query string) {
	refs, aliases := esqlRefs(query)
	for _, r := range refs {
		c.field(file, r, aliases)
	}
	c.families(file, query)
}

func (c *checker) spl(file, search string) {
	refs, aliases := splRefs(search)
	for _, r := range refs {
		if !splunkFields[r] {
			c.field(file, r, aliases)
		}
	}
	c.families(file, search)
}

// ---- file formats -----------------------------------------------------------------

// iniSection is one [name] of an INI-style file, its entries in order.
type iniSection struct {
	name    string
	entries [][2]string
}

func (s iniSection) get(key string) []string {
	var out []string
	for _, e := range s.entries {
		if strings.EqualFold(e[0], key) {
			out = append(out, e[1])
		}
	}
	return out
}

// parseINI reads Splunk's .conf (key = value, a trailing backslash
// continues the value) or Fluent Bit's classic format (Key Value).
func parseINI(text string, splunk bool) ([]iniSection, error) {
	var out []iniSection
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "[") {
			if !strings.HasSuffix(l, "]") || len(l) < 3 {
				return nil, fmt.Errorf("line %d: bad section %q", i+1, l)
			}
			out = append(out, iniSection{name: l[1 : len(l)-1]})
			continue
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("line %d: entry outside a section", i+1)
		}
		var k, v string
		if splunk {
			j := strings.Index(l, "=")
			if j <= 0 {
				return nil, fmt.Errorf("line %d: not key = value: %q", i+1, l)
			}
			k, v = strings.TrimSpace(l[:j]), strings.TrimSpace(l[j+1:])
			for strings.HasSuffix(v, `\`) && i+1 < len(lines) {
				i++
				v = strings.TrimSuffix(v, `\`) + "\n" + strings.TrimSpace(lines[i])
			}
		} else {
			f := strings.Fields(l)
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: not Key Value: %q", i+1, l)
			}
			k, v = f[0], strings.TrimSpace(l[len(f[0]):])
		}
		out[len(out)-1].entries = append(out[len(out)-1].entries, [2]string{k, v})
	}
	return out, nil
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// quotedList returns the quoted names of the list assigned to name in a
// script (Lua `local NAME = { ... }`, JS `var NAME = [ ... ]`, VRL
// `name = [ ... ]`).
func quotedList(t *testing.T, file, src, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)\b` + regexp.QuoteMeta(name) + `\s*=\s*[\[{](.*?)[\]}]`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("%s: no list %s", file, name)
	}
	var out []string
	for _, q := range dqStringRE.FindAllString(regexp.MustCompile(`--[^\n]*|//[^\n]*`).ReplaceAllString(m[1], ""), -1) {
		out = append(out, q[1:len(q)-1])
	}
	return out
}

// errorer is the part of *testing.T checkTypes uses.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

// checkTypes checks that an agent's type lists are exactly the schema's
// non-string fields, each in the list of its type.
func checkTypes(t errorer, s *fieldSchema, file string, lists map[string][]string) {
	t.Helper()
	for typ, names := range lists {
		want := map[string]bool{}
		for n, ty := range s.types {
			if ty == typ {
				want[n] = true
			}
		}
		got := map[string]bool{}
		for _, n := range names {
			if got[n] {
				t.Errorf("%s: %s twice in the %s list", file, n, typ)
			}
			got[n] = true
			if !want[n] {
				t.Errorf("%s: %s is in the %s list but the schema (%s) says %q", file, n, typ, s.source, s.types[n])
			}
		}
		for n := range want {
			if !got[n] {
				t.Errorf("%s: %s (%s in the schema) is missing from the %s list: the text format would leave it a string", file, n, typ, typ)
			}
		}
	}
}

// ---- the tests ----------------------------------------------------------------------

func TestFluentBit(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	conf := readFile(t, "fluent-bit/fluent-bit.conf")
	secs, err := parseINI(conf, false)
	if err != nil {
		t.Fatalf("fluent-bit.conf: %v", err)
	}
	psecs, err := parseINI(readFile(t, "fluent-bit/parsers.conf"), false)
	if err != nil {
		t.Fatalf("parsers.conf: %v", err)
	}
	parsers := map[string]bool{}
	for _, p := range psecs {
		if p.name != "PARSER" {
			t.Errorf("parsers.conf: section [%s]", p.name)
		}
		parsers[p.get("Name")[0]] = true
		for _, k := range p.get("Time_Key") {
			c.field("parsers.conf", k, nil)
		}
	}
	lua := readFile(t, "fluent-bit/tyk.lua")
	var intKeys []string
	for _, sec := range secs {
		switch sec.name {
		case "SERVICE", "INPUT", "FILTER", "OUTPUT":
		default:
			t.Errorf("fluent-bit.conf: unknown section [%s]", sec.name)
		}
		for _, p := range sec.get("Parser") {
			if !parsers[p] {
				t.Errorf("fluent-bit.conf: parser %s is not in parsers.conf", p)
			}
		}
		for _, call := range sec.get("call") {
			if !strings.Contains(lua, "function "+call+"(") {
				t.Errorf("fluent-bit.conf: tyk.lua has no function %s", call)
			}
		}
		for _, v := range sec.get("type_int_key") {
			intKeys = append(intKeys, strings.Fields(v)...)
		}
		for _, v := range sec.get("Add") {
			c.field("fluent-bit.conf", strings.Fields(v)[0], nil)
		}
		for _, v := range sec.get("Label_Keys") {
			for _, k := range strings.Split(v, ",") {
				c.field("fluent-bit.conf", strings.TrimPrefix(strings.TrimSpace(k), "$"), nil)
			}
		}
	}
	lists := map[string][]string{
		"integer": quotedList(t, "tyk.lua", lua, "INTEGER"),
		"number":  quotedList(t, "tyk.lua", lua, "NUMBER"),
		"boolean": quotedList(t, "tyk.lua", lua, "BOOLEAN"),
	}
	checkTypes(t, s, "tyk.lua", lists)
	checkTypes(t, s, "fluent-bit.conf type_int_key", map[string][]string{"integer": intKeys})
	c.families("fluent-bit.conf", conf)
	c.families("tyk.lua", lua)
	c.report(t)
}

func TestVector(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "vector/vector.yaml")
	doc, err := parseYAML(text)
	if err != nil {
		t.Fatalf("vector.yaml: %v", err)
	}
	ids := map[string]bool{}
	for _, kind := range []string{"sources", "transforms", "sinks"} {
		m, err := yget(doc, kind)
		if err != nil {
			t.Fatalf("vector.yaml: %v", err)
		}
		for id := range m.(map[string]any) {
			ids[id] = true
		}
	}
	for _, kind := range []string{"transforms", "sinks"} {
		m, _ := yget(doc, kind)
		for id, comp := range m.(map[string]any) {
			in, err := yget(comp, "inputs")
			if err != nil {
				t.Errorf("vector.yaml: %s has no inputs", id)
				continue
			}
			for _, i := range in.([]any) {
				if !ids[i.(string)] {
					t.Errorf("vector.yaml: %s reads %s, which is not a component", id, i)
				}
			}
		}
	}
	src, err := yget(doc, "transforms", "tyk_parse", "source")
	if err != nil {
		t.Fatalf("vector.yaml: %v", err)
	}
	vrl := src.(string)
	checkTypes(t, s, "vector.yaml (VRL)", map[string][]string{
		"integer": quotedList(t, "vector.yaml", vrl, "integer_fields"),
		"number":  quotedList(t, "vector.yaml", vrl, "number_fields"),
		"boolean": quotedList(t, "vector.yaml", vrl, "boolean_fields"),
	})
	// VRL paths (.name, .a.b) outside strings, in every remap.
	transforms, _ := yget(doc, "transforms")
	for id, tr := range transforms.(map[string]any) {
		src, err := yget(tr, "source")
		if err != nil {
			t.Errorf("vector.yaml: %s has no source", id)
			continue
		}
		code := regexp.MustCompile(`r'[^']*'`).ReplaceAllString(dqStringRE.ReplaceAllString(src.(string), `""`), `""`)
		for _, m := range regexp.MustCompile(`(?m)(?:^|[\s(!,])\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)`).FindAllStringSubmatch(code, -1) {
			c.field("vector.yaml "+id, m[1], nil)
		}
	}
	labels, err := yget(doc, "sinks", "loki", "labels")
	if err != nil {
		t.Fatalf("vector.yaml: %v", err)
	}
	for k, v := range labels.(map[string]any) {
		c.field("vector.yaml", k, nil)
		for _, m := range regexp.MustCompile(`\{\{\s*([\w.]+)\s*\}\}`).FindAllStringSubmatch(v.(string), -1) {
			c.field("vector.yaml", m[1], nil)
		}
	}
	c.families("vector.yaml", text)
	c.report(t)
}

func TestFilebeat(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "filebeat/filebeat.yml")
	doc, err := parseYAML(text)
	if err != nil {
		t.Fatalf("filebeat.yml: %v", err)
	}
	src, err := yget(doc, "filebeat.inputs", 0, "processors", 0, "script", "source")
	if err != nil {
		t.Fatalf("filebeat.yml: %v", err)
	}
	js := src.(string)
	checkTypes(t, s, "filebeat.yml (script)", map[string][]string{
		"integer": quotedList(t, "filebeat.yml", js, "INTEGER"),
		"number":  quotedList(t, "filebeat.yml", js, "NUMBER"),
		"boolean": quotedList(t, "filebeat.yml", js, "BOOLEAN"),
	})
	// The script's ECS table must be accesslog.TykNames -> ECSNames, field
	// for field (the target and peer are split in code, not by the table).
	m := regexp.MustCompile(`(?s)var ECS = \{(.*?)\};`).FindStringSubmatch(js)
	if m == nil {
		t.Fatal("filebeat.yml: no ECS table")
	}
	table := map[string]string{}
	for _, p := range regexp.MustCompile(`"([^"]+)":\s*"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
		table[p[1]] = p[2]
	}
	tyk, ecs := reflect.ValueOf(accesslog.TykNames), reflect.ValueOf(accesslog.ECSNames)
	for i := 0; i < tyk.NumField(); i++ {
		f := tyk.Type().Field(i)
		if f.Type.Kind() != reflect.String || tyk.Field(i).String() == "" {
			continue
		}
		from, to := tyk.Field(i).String(), ecs.Field(i).String()
		if f.Name == "Target" || f.Name == "Peer" {
			if _, ok := table[from]; ok {
				t.Errorf("filebeat.yml: ECS table maps %s, which the script splits itself", from)
			}
			continue
		}
		if table[from] != to {
			t.Errorf("filebeat.yml: ECS table maps %s to %q, accesslog.ECSNames.%s is %q", from, table[from], f.Name, to)
		}
		delete(table, from)
	}
	for from := range table {
		t.Errorf("filebeat.yml: ECS table maps %s, which accesslog.TykNames does not name", from)
	}
	for _, m := range regexp.MustCompile(`\bo\["([^"]+)"\]|event\.(?:Put|Get)\("([^"]+)"`).FindAllStringSubmatch(js, -1) {
		c.field("filebeat.yml", m[1]+m[2], nil)
	}
	field, err := yget(doc, "filebeat.inputs", 0, "processors", 1, "timestamp", "field")
	if err != nil {
		t.Fatalf("filebeat.yml: %v", err)
	}
	c.field("filebeat.yml", field.(string), nil)
	c.families("filebeat.yml", text)
	c.report(t)
}

func TestAlloy(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "alloy/config.alloy")
	code := regexp.MustCompile(`(?m)//.*$`).ReplaceAllString(dqStringRE.ReplaceAllString(text, `""`), "")
	if n := strings.Count(code, "{") - strings.Count(code, "}"); n != 0 {
		t.Fatalf("config.alloy: braces do not balance (%+d)", n)
	}
	block := func(name string) string {
		i := strings.Index(text, name+" {")
		if i < 0 {
			t.Fatalf("config.alloy: no %s block", name)
		}
		depth := 0
		for j := i; j < len(text); j++ {
			switch text[j] {
			case '{':
				depth++
			case '}':
				if depth--; depth == 0 {
					return text[i : j+1]
				}
			}
		}
		t.Fatalf("config.alloy: %s block not closed", name)
		return ""
	}
	keys := func(b string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?m)(?:^\s*|[{,]\s*)([A-Za-z_]\w*)\s*=\s*""`).FindAllStringSubmatch(b, -1) {
			out = append(out, m[1])
		}
		return out
	}
	logfmt := keys(block("stage.logfmt"))
	for _, k := range logfmt {
		c.field("config.alloy stage.logfmt", k, nil)
	}
	for _, k := range keys(block("stage.json")) {
		c.field("config.alloy stage.json", k, nil)
	}
	labels := keys(block("stage.labels"))
	for _, k := range labels {
		c.field("config.alloy stage.labels", k, nil)
	}
	if strings.Join(labels, ",") != "gateway_node,upstream_flag,level" {
		t.Errorf("config.alloy: labels %v, want only gateway_node, upstream_flag, level (low cardinality)", labels)
	}
	var packed []string
	for _, q := range dqStringRE.FindAllString(block("stage.pack"), -1) {
		packed = append(packed, q[1:len(q)-1])
	}
	// Every field of the text format must reach Loki: the logfmt mapping
	// has every field of the default-names entry and of the probe entry
	// (but `message`, 5.14's JSON-only key), and the pack keeps each but
	// gateway_node (a label, and the node of successful requests).
	inMapping, inPack := toSet(strings.Join(logfmt, " ")), toSet(strings.Join(packed, " "))
	var tykNames []string
	if s.source == "schema/*.json" {
		for _, f := range []string{"access-log.tyk.json", "probe-entry.json"} {
			var doc struct {
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(schemaDir, f))), &doc); err != nil {
				t.Fatal(err)
			}
			for k := range doc.Properties {
				tykNames = append(tykNames, k)
			}
		}
	} else {
		for k := range codeFields() {
			if !strings.Contains(k, ".") {
				tykNames = append(tykNames, k)
			}
		}
	}
	for _, k := range tykNames {
		if k == "message" {
			continue
		}
		if !inMapping[k] {
			t.Errorf("config.alloy: stage.logfmt does not extract %s: a text-format line would lose it", k)
		}
		if k != "gateway_node" && !inPack[k] {
			t.Errorf("config.alloy: stage.pack does not keep %s", k)
		}
	}
	for k := range inPack {
		c.field("config.alloy stage.pack", k, nil)
		if !inMapping[k] {
			t.Errorf("config.alloy: stage.pack keeps %s, which stage.logfmt does not extract", k)
		}
	}
	if inPack["gateway_node"] {
		t.Error("config.alloy: stage.pack must not pack gateway_node (it would drop the label)")
	}
	for _, m := range regexp.MustCompile(`selector\s*=\s*("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(text, -1) {
		sel, err := strconv.Unquote(m[1]) // an Alloy string: Go's quoting
		if err != nil {
			t.Fatalf("config.alloy: %v", err)
		}
		c.logql("config.alloy selector", sel)
	}
	c.families("config.alloy", text)
	c.report(t)
}

func TestSplunk(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	props, err := parseINI(readFile(t, "splunk/props.conf"), true)
	if err != nil {
		t.Fatalf("props.conf: %v", err)
	}
	transforms, err := parseINI(readFile(t, "splunk/transforms.conf"), true)
	if err != nil {
		t.Fatalf("transforms.conf: %v", err)
	}
	if _, err := parseINI(readFile(t, "splunk/inputs.conf"), true); err != nil {
		t.Fatalf("inputs.conf: %v", err)
	}
	tnames := map[string]bool{}
	for _, tr := range transforms {
		tnames[tr.name] = true
		for _, r := range tr.get("REGEX") {
			// RE2 has no lookaround, which Splunk's PCRE has: drop it to
			// check the rest.
			if _, err := regexp.Compile(regexp.MustCompile(`\(\?[=!][^()]*\)`).ReplaceAllString(r, "")); err != nil {
				t.Errorf("transforms.conf [%s]: REGEX: %v", tr.name, err)
			}
		}
		for _, f := range tr.get("FORMAT") {
			for _, m := range regexp.MustCompile(`([A-Za-z_]\w*)::`).FindAllStringSubmatch(f, -1) {
				c.field("transforms.conf", m[1], nil)
			}
		}
	}
	sourcetypes := map[string]bool{}
	for _, p := range props {
		sourcetypes[p.name] = true
		for _, e := range p.entries {
			if strings.HasPrefix(e[0], "REPORT-") {
				for _, n := range strings.Split(e[1], ",") {
					if !tnames[strings.TrimSpace(n)] {
						t.Errorf("props.conf [%s]: %s names transform %q, which transforms.conf lacks", p.name, e[0], n)
					}
				}
			}
			if strings.HasPrefix(e[0], "EXTRACT-") {
				for _, m := range namedGroupRE.FindAllStringSubmatch(e[1], -1) {
					c.field("props.conf", m[1], nil)
				}
			}
		}
		if p.get("TIME_PREFIX") == nil || p.get("TIME_FORMAT") == nil {
			t.Errorf("props.conf [%s]: no TIME_PREFIX / TIME_FORMAT", p.name)
		}
	}
	for _, st := range []string{"tyk:gateway:json", "tyk:gateway:text"} {
		if !sourcetypes[st] {
			t.Errorf("props.conf: no [%s]", st)
		}
	}
	saved, err := parseINI(readFile(t, "splunk/savedsearches.conf"), true)
	if err != nil {
		t.Fatalf("savedsearches.conf: %v", err)
	}
	if len(saved) < 5 {
		t.Errorf("savedsearches.conf: %d searches", len(saved))
	}
	for _, ss := range saved {
		q := ss.get("search")
		if len(q) != 1 {
			t.Errorf("savedsearches.conf [%s]: %d search entries", ss.name, len(q))
			continue
		}
		c.spl("savedsearches.conf ["+ss.name+"]", q[0])
	}
	for _, f := range []string{"props.conf", "transforms.conf", "inputs.conf", "savedsearches.conf"} {
		c.families(f, readFile(t, "splunk/"+f))
	}
	c.report(t)
}

// esqlQueries splits upstreamcause.esql into its named queries.
func esqlQueries(t *testing.T) map[string]string {
	t.Helper()
	text := readFile(t, "elastic/upstreamcause.esql")
	out := map[string]string{}
	var name string
	var body []string
	flush := func() {
		if name != "" {
			out[name] = strings.TrimSpace(strings.Join(body, "\n"))
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "// name: ") {
			flush()
			name, body = strings.TrimPrefix(l, "// name: "), nil
			if _, dup := out[name]; dup {
				t.Errorf("upstreamcause.esql: query %s twice", name)
			}
			continue
		}
		body = append(body, l)
	}
	flush()
	return out
}

func TestElasticESQL(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	qs := esqlQueries(t)
	if len(qs) < 5 {
		t.Fatalf("upstreamcause.esql: %d queries", len(qs))
	}
	for name, q := range qs {
		var cmds []string
		for _, l := range strings.Split(q, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "//") {
				cmds = append(cmds, l)
			}
		}
		if len(cmds) == 0 || !strings.HasPrefix(cmds[0], "FROM ") {
			t.Errorf("%s: does not start with FROM", name)
		}
		for _, l := range cmds[1:] {
			if !strings.HasPrefix(l, "| ") {
				t.Errorf("%s: a line that is not a | command: %q", name, l)
			}
		}
		if strings.Count(q, "(") != strings.Count(q, ")") {
			t.Errorf("%s: parentheses do not balance", name)
		}
		c.esql("upstreamcause.esql "+name, q)
	}
	c.families("upstreamcause.esql", readFile(t, "elastic/upstreamcause.esql"))
	c.report(t)
}

func TestLokiRules(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "loki/rules.yaml")
	doc, err := parseYAML(text)
	if err != nil {
		t.Fatalf("rules.yaml: %v", err)
	}
	groups, err := yget(doc, "groups")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	n := 0
	for _, g := range groups.([]any) {
		rules, err := yget(g, "rules")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules.([]any) {
			rm := r.(map[string]any)
			name, _ := rm["alert"].(string)
			if name == "" {
				name, _ = rm["record"].(string)
			}
			if name == "" || names[name] {
				t.Errorf("rules.yaml: a rule without a name, or %q twice", name)
			}
			names[name] = true
			expr, _ := rm["expr"].(string)
			if strings.TrimSpace(expr) == "" {
				t.Errorf("rules.yaml %s: no expr", name)
				continue
			}
			if strings.Count(expr, "(") != strings.Count(expr, ")") {
				t.Errorf("rules.yaml %s: parentheses do not balance", name)
			}
			c.logql("rules.yaml "+name, expr)
			n++
		}
	}
	if n < 5 {
		t.Errorf("rules.yaml: %d rules", n)
	}
	c.families("rules.yaml", text)
	c.report(t)
}

func TestGrafanaDashboard(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "grafana/upstreamcause-loki.json")
	var d struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int    `json:"id"`
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource *struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		t.Fatalf("upstreamcause-loki.json: %v", err)
	}
	lokiVar := false
	for _, v := range d.Templating.List {
		if v.Type == "datasource" && v.Query == "loki" && v.Name == "loki" {
			lokiVar = true
		}
	}
	if !lokiVar {
		t.Error("upstreamcause-loki.json: no Loki datasource variable $loki")
	}
	ids := map[int]bool{}
	queries := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "loki" || p.Datasource.UID != "${loki}" {
			t.Errorf("panel %q: datasource is not the $loki variable", p.Title)
		}
		for _, tg := range p.Targets {
			c.logql("upstreamcause-loki.json "+p.Title, tg.Expr)
			queries++
		}
	}
	if queries < 10 {
		t.Errorf("upstreamcause-loki.json: %d queries", queries)
	}
	c.families("upstreamcause-loki.json", text)
	c.report(t)
}

func TestKibanaSavedObjects(t *testing.T) {
	s := loadSchema(t)
	c := newChecker(s)
	text := readFile(t, "kibana/upstreamcause.ndjson")
	ids := map[string]string{}
	type ref struct{ Type, ID, Name string }
	var refs []ref
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var o struct {
			Type       string          `json:"type"`
			ID         string          `json:"id"`
			Attributes json.RawMessage `json:"attributes"`
			References []struct {
				Type string `json:"type"`
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"references"`
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("upstreamcause.ndjson line %d: %v", line, err)
		}
		ids[o.ID] = o.Type
		for _, r := range o.References {
			refs = append(refs, ref{r.Type, r.ID, o.ID})
		}
		var attrs map[string]any
		if err := json.Unmarshal(o.Attributes, &attrs); err != nil {
			t.Fatalf("line %d: attributes: %v", line, err)
		}
		file := "upstreamcause.ndjson " + o.ID
		switch o.Type {
		case "index-pattern":
			if attrs["timeFieldName"] != "@timestamp" {
				t.Errorf("%s: time field %v", file, attrs["timeFieldName"])
			}
			for _, key := range []string{"fieldAttrs", "fieldFormatMap"} {
				var m map[string]any
				if err := json.Unmarshal([]byte(attrs[key].(string)), &m); err != nil {
					t.Fatalf("%s: %s: %v", file, key, err)
				}
				for f := range m {
					c.field(file, f, nil)
				}
			}
		case "lens":
			var st struct {
				State struct {
					DatasourceStates struct {
						FormBased struct {
							Layers map[string]struct {
								Columns map[string]struct {
									SourceField string `json:"sourceField"`
									Params      struct {
										SecondaryFields []string `json:"secondaryFields"`
									} `json:"params"`
								} `json:"columns"`
							} `json:"layers"`
						} `json:"formBased"`
					} `json:"datasourceStates"`
					Query struct {
						Query string `json:"query"`
					} `json:"query"`
				} `json:"state"`
			}
			if err := json.Unmarshal(o.Attributes, &st); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, l := range st.State.DatasourceStates.FormBased.Layers {
				for _, col := range l.Columns {
					if col.SourceField != "___records___" {
						c.field(file, col.SourceField, nil)
					}
					for _, f := range col.Params.SecondaryFields {
						c.field(file, f, nil)
					}
				}
			}
			// KQL: field : value
			for _, m := range regexp.MustCompile(`([A-Za-z_@][\w.]*)\s*(?::|<|>)`).FindAllStringSubmatch(dqStringRE.ReplaceAllString(st.State.Query.Query, `""`), -1) {
				c.field(file, m[1], nil)
			}
		case "search":
			meta, _ := attrs["kibanaSavedObjectMeta"].(map[string]any)
			var src struct {
				Query struct {
					ESQL string `json:"esql"`
				} `json:"query"`
			}
			if err := json.Unmarshal([]byte(meta["searchSourceJSON"].(string)), &src); err != nil {
				t.Fatalf("%s: searchSourceJSON: %v", file, err)
			}
			if src.Query.ESQL == "" {
				t.Errorf("%s: no ES|QL query", file)
			}
			c.esql(file, src.Query.ESQL)
		case "dashboard":
			var panels []map[string]any
			if err := json.Unmarshal([]byte(attrs["panelsJSON"].(string)), &panels); err != nil {
				t.Fatalf("%s: panelsJSON: %v", file, err)
			}
			names := map[string]bool{}
			for _, r := range o.References {
				names[r.Name] = true
			}
			for _, p := range panels {
				if !names[fmt.Sprint(p["panelRefName"])] {
					t.Errorf("%s: panel %v has no reference", file, p["panelRefName"])
				}
			}
		default:
			t.Errorf("%s: unexpected type %s", file, o.Type)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if ids[r.ID] != r.Type {
			t.Errorf("upstreamcause.ndjson: %s refers to %s %s, which the file does not hold", r.Name, r.Type, r.ID)
		}
	}
	// The ES|QL Discover sessions are the queries of upstreamcause.esql.
	qs := esqlQueries(t)
	for id, typ := range ids {
		if typ == "search" {
			if _, ok := qs[strings.TrimPrefix(id, "upstreamcause-")]; !ok {
				t.Errorf("upstreamcause.ndjson: search %s is not a query of upstreamcause.esql", id)
			}
		}
	}
	c.families("upstreamcause.ndjson", text)
	c.report(t)
}

func TestAnalyticsDoc(t *testing.T) {
	c := newChecker(loadSchema(t))
	text := readFile(t, "analytics.md")
	c.families("analytics.md", text)
	// The tags the plugin appends (accesslog.Hook.AppendTags).
	for _, tag := range []string{"upstream_flag:", "upstream_error_type:", "upstream_error_phase:", "upstream_error_source:"} {
		if !strings.Contains(text, tag) {
			t.Errorf("analytics.md does not mention the tag %s", tag)
		}
	}
	c.report(t)
}

// TestEveryFileChecked: every file of examples/shipping is read by one of
// the tests above (but this package's own and otelcol.yaml, which has a
// test of its own, and any file of its).
func TestEveryFileChecked(t *testing.T) {
	checked := toSet(`fluent-bit/fluent-bit.conf fluent-bit/parsers.conf fluent-bit/tyk.lua vector/vector.yaml
		filebeat/filebeat.yml alloy/config.alloy splunk/inputs.conf splunk/props.conf splunk/transforms.conf
		splunk/savedsearches.conf elastic/upstreamcause.esql loki/rules.yaml grafana/upstreamcause-loki.json
		kibana/upstreamcause.ndjson analytics.md README.md`)
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, "_test.go") || strings.HasPrefix(filepath.Base(p), "otelcol") {
			return nil
		}
		if !checked[filepath.ToSlash(p)] {
			t.Errorf("%s is checked by no test", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadme(t *testing.T) {
	c := newChecker(loadSchema(t))
	c.families("README.md", readFile(t, "README.md"))
	c.report(t)
}

// TestWithoutSchemaFiles runs the file tests against the names in the code
// (accesslog.Names, probe.Field*, Tyk's keys), as they ran before schema/
// existed, and checks that those names and types agree with schema/.
func TestWithoutSchemaFiles(t *testing.T) {
	withSchema := loadSchema(t)
	if withSchema.source != "schema/*.json" {
		t.Skip("no schema/*.json: the other tests ran against the code's names already")
	}
	saved := schemaDir
	schemaDir = t.TempDir()
	defer func() { schemaDir = saved }()
	code := loadSchema(t)
	if code.source == withSchema.source {
		t.Fatalf("schema source %q both times", code.source)
	}
	for name, f := range map[string]func(*testing.T){
		"FluentBit": TestFluentBit, "Vector": TestVector, "Filebeat": TestFilebeat, "Alloy": TestAlloy,
		"Splunk": TestSplunk, "ElasticESQL": TestElasticESQL, "LokiRules": TestLokiRules,
		"GrafanaDashboard": TestGrafanaDashboard, "KibanaSavedObjects": TestKibanaSavedObjects,
		"AnalyticsDoc": TestAnalyticsDoc, "Readme": TestReadme, "CheckCatchesUnknownFields": TestCheckCatchesUnknownFields,
	} {
		t.Run(name, f)
	}
	for name, typ := range code.types {
		if st, ok := withSchema.types[name]; !ok {
			t.Errorf("%s (from the code) is not in schema/*.json", name)
		} else if st != typ {
			t.Errorf("%s: %s in the code, %s in schema/*.json", name, typ, st)
		}
	}
	for name := range withSchema.types {
		if !code.has(name) {
			t.Errorf("%s (schema/*.json) is not among the code's names", name)
		}
	}
}

// ---- the check can fail ------------------------------------------------------------

// TestCheckCatchesUnknownFields feeds each language's checker a query with a
// misspelt field, and the type check a list with a wrong entry: each must
// be reported.
func TestCheckCatchesUnknownFields(t *testing.T) {
	s := loadSchema(t)
	cases := []struct {
		lang, text, want string
	}{
		{"esql", `FROM logs-tyk.gateway-*
| WHERE prefix == "access-log" AND upstream_flagg == "UCT"
| STATS failures = COUNT(*) BY gateway_node`, "upstream_flagg"},
		{"esql", `FROM logs-*
| WHERE statuss >= 500
| STATS n = COUNT(*) BY gateway_node`, "statuss"},
		{"esql", `FROM logs-*
| EVAL idle_s = upstream_conn_idle / 1000.0
| STATS n = COUNT(*) BY idle_s`, "upstream_conn_idle"},
		{"logql", `sum by (gateway_node) (count_over_time({job="tyk-gateway"} | json | upstream_conn_idle > 5 [5m]))`, "upstream_conn_idle"},
		{"logql", `sum by (gateway_node, targett) (count_over_time({job="tyk-gateway"} | json [5m]))`, "targett"},
		{"logql", `count_over_time({job="tyk-gateway"} | json | label_format t="{{ .upstream_tgt }}" [5m])`, "upstream_tgt"},
		{"spl", `index=tyk prefix="access-log" upstrem_target=* | stats count BY gateway_node`, "upstrem_target"},
		{"spl", `index=tyk prefix="access-log" | eval x=coalesce(gateway_nod, host) | stats count BY x`, "gateway_nod"},
		{"spl", `index=tyk | stats count BY node_name`, "node_name"},
		{"text", `# ECS: tyk.upstream.connection_idle (a comment names a field that is not one)`, "tyk.upstream.connection_idle"},
	}
	for _, tc := range cases {
		c := newChecker(s)
		switch tc.lang {
		case "esql":
			c.esql("case", tc.text)
		case "logql":
			c.logql("case", tc.text)
		case "spl":
			c.spl("case", tc.text)
		case "text":
			c.families("case", tc.text)
		}
		if !c.unknown["case"][tc.want] {
			t.Errorf("%s: %q not caught in %q (unknown: %v)", tc.lang, tc.want, tc.text, c.unknown["case"])
		}
		if n := len(c.unknown["case"]); n != 1 {
			t.Errorf("%s: %d unknown names in %q, want only %s: %v", tc.lang, n, tc.text, tc.want, c.unknown["case"])
		}
	}

	// The same queries spelt right pass.
	for _, q := range []string{
		"FROM logs-*\n| WHERE prefix == \"access-log\" AND upstream_flag == \"UCT\"\n| STATS failures = COUNT(*) BY gateway_node",
	} {
		c := newChecker(s)
		c.esql("case", q)
		if len(c.unknown) != 0 {
			t.Errorf("a correct query reported: %v", c.unknown)
		}
	}

	// A type list with a string field in it, and without a number.
	var numbers []string
	for n, typ := range s.types {
		if typ == "number" && n != "upstream_conn_idle_ms" {
			numbers = append(numbers, n)
		}
	}
	numbers = append(numbers, "upstream_target")
	rec := &recorder{}
	checkTypes(rec, s, "case", map[string][]string{"number": numbers})
	got := strings.Join(rec.errs, "\n")
	for _, want := range []string{"upstream_target is in the number list", "upstream_conn_idle_ms (number in the schema) is missing"} {
		if !strings.Contains(got, want) {
			t.Errorf("type check did not say %q; it said:\n%s", want, got)
		}
	}

	// The YAML reader refuses what is not YAML, and duplicate keys.
	for _, bad := range []string{"a:\n\tb: 1", "a: 1\na: 2", "a: b: c", "- a\nb: c"} {
		if _, err := parseYAML(bad); err == nil {
			t.Errorf("parseYAML(%q): no error", bad)
		}
	}
	v, err := parseYAML("a:\n  - x: 1\n    y: \"q\\\"\"\n  - [b, 'c''d']\nt: |\n  one\n  two\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(v); got != `map[a:[map[x:1 y:q"] [b c'd]] t:one
two
]` {
		t.Errorf("parseYAML: %s", got)
	}
}

// recorder stands in for *testing.T in checkTypes.
type recorder struct{ errs []string }

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
