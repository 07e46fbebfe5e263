package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

const exampleConfig = "../../examples/shipping/otelcol.yaml"

// Real access-log and probe entries (scripts/e2e.sh, JSON log format):
// Tyk 5.8.15 writes msg, 5.14.0 message and its own response_flag & co.
var (
	entry58ConnectTimeout = `{"api_key":"--","client_ip":"127.0.0.1","error":"dial tcp 127.0.0.1:49051: i/o timeout","error_source":"ReverseProxy","error_target":"127.0.0.1:49051","gateway_node":"vm","host":"127.0.0.1:8080","latency_total":0,"level":"info","logrus_error":"dial tcp 127.0.0.1:49051: i/o timeout","method":"GET","msg":"","path":"/e2e-classic-3","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:53950","response_code_details":"connection_timeout","response_flag":"UCT","status":500,"time":"2026-12-02T02:02:26Z","upstream_addr":"http://127.0.0.1:49051/e2e-classic-3","upstream_attempts":1,"upstream_connect_ms":2000.719,"upstream_error_detail":"connection_timeout","upstream_error_phase":"connect","upstream_error_source":"network","upstream_error_type":"connection_timeout","upstream_flag":"UCT","upstream_latency":0,"upstream_peer":"127.0.0.1:49051","upstream_target":"127.0.0.1:49051","user_agent":"Go-http-client/1.1"}`
	entry514IdleClose     = `{"api_id":"e2e-oas-idle-close","api_key":"--","api_name":"e2e oas idle_close","api_type":"oas","client_ip":"127.0.0.1","error":"EOF","error_source":"ReverseProxy","error_target":"127.0.0.1:40483/e2e-oas-6","gateway_node":"vm","host":"127.0.0.1:8080","latency_gateway":0,"latency_total":0,"level":"info","logrus_error":"EOF","message":"","method":"POST","original_path":"/oas/idle_close/e2e-oas-6","path":"/e2e-oas-6","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:60236","response_code_details":"upstream_error","response_flag":"UPE","status":500,"time":"2026-12-02T02:11:51Z","upstream_addr":"http://127.0.0.1:40483/e2e-oas-6","upstream_attempts":1,"upstream_conn_idle_ms":0.554,"upstream_conn_reused":true,"upstream_error_detail":"idle_connection_closed_by_upstream","upstream_error_phase":"response_headers","upstream_error_source":"upstream","upstream_error_type":"connection_terminated","upstream_flag":"UCC","upstream_latency":0,"upstream_peer":"127.0.0.1:40483","upstream_request_write_ms":0.05,"upstream_response_headers_ms":0.296,"upstream_target":"127.0.0.1:40483","user_agent":"Go-http-client/1.1"}`
	entry58TLS            = `{"api_key":"--","client_ip":"127.0.0.1","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority","error_source":"ReverseProxy","error_target":"127.0.0.1:41619","gateway_node":"vm","host":"127.0.0.1:8080","latency_total":0,"level":"info","logrus_error":"tls: failed to verify certificate: x509: certificate signed by unknown authority","method":"GET","msg":"","path":"/e2e-oas-7","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:40818","response_code_details":"tls_unknown_authority","response_flag":"TLN","status":500,"time":"2026-12-02T02:02:33Z","tls_cert_expiry":"2026-12-02T03:02:22Z","tls_cert_subject":"CN=127.0.0.1","upstream_addr":"https://127.0.0.1:41619/e2e-oas-7","upstream_attempts":1,"upstream_connect_ms":0.063,"upstream_error_detail":"tls_unknown_authority","upstream_error_phase":"tls","upstream_error_source":"upstream","upstream_error_type":"tls_certificate_error","upstream_flag":"TLN","upstream_latency":0,"upstream_peer":"127.0.0.1:41619","upstream_probe":"tls_invalid","upstream_probe_age_s":4,"upstream_target":"127.0.0.1:41619","upstream_tls_cert_issuer":"CN=127.0.0.1","upstream_tls_cert_not_before":"2026-12-02T01:02:22Z","upstream_tls_cert_sans":"127.0.0.1","upstream_tls_ms":0.989,"user_agent":"Go-http-client/1.1"}`
	entry58OK             = `{"api_key":"--","client_ip":"127.0.0.1","host":"127.0.0.1:8080","latency_total":0,"level":"info","method":"GET","msg":"","path":"/e2e-classic-1","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:53950","status":200,"time":"2026-12-02T02:02:24Z","upstream_addr":"http://127.0.0.1:46139/e2e-classic-1","upstream_latency":0,"user_agent":"Go-http-client/1.1"}`
	entry514Probe         = `{"gateway_node":"vm","level":"warning","message":"upstream probe: 127.0.0.1:37003 unreachable from node vm","prefix":"upstreamcause-probe","probe_addrs":"127.0.0.1","probe_connect":"127.0.0.1:37003 timeout 2001.308ms","probe_ms":2001.413,"probe_target":"127.0.0.1:37003","probe_trigger_flag":"UCT","probe_verdict":"unreachable_from_node","time":"2026-12-02T02:11:47Z"}`
)

func mustEntry(t *testing.T, line string) map[string]any {
	t.Helper()
	e, err := decodeEntry([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestShippedAttrsConnectTimeout(t *testing.T) {
	s := shippedAttrs(mustEntry(t, entry58ConnectTimeout), entry58ConnectTimeout, "gateway.log")
	want := map[string]otlpValue{
		"error.type":                strValue("connection_timeout"),
		"error.message":             strValue("dial tcp 127.0.0.1:49051: i/o timeout"),
		"tyk.upstream.flag":         strValue("UCT"),
		"tyk.upstream.error_detail": strValue("connection_timeout"),
		"tyk.upstream.phase":        strValue("connect"),
		"tyk.upstream.source":       strValue("network"),
		"server.address":            strValue("127.0.0.1"),
		"server.port":               intValue(49051),
		"network.peer.address":      strValue("127.0.0.1"),
		"network.peer.port":         intValue(49051),
		"tyk.upstream.attempts":     intValue(1),
		"tyk.upstream.connect_ms":   doubleValue(2000.719),
		"host.name":                 strValue("vm"),
		"http.response.status_code": intValue(500),
		"http.request.method":       strValue("GET"),
		"url.path":                  strValue("/e2e-classic-3"),
		"user_agent.original":       strValue("Go-http-client/1.1"),
		"client.address":            strValue("127.0.0.1"),
		"latency_total":             intValue(0),
		"upstream_latency":          intValue(0),
		// Tyk's (here the plugin's compat) keys keep their names.
		"response_flag":         strValue("UCT"),
		"response_code_details": strValue("connection_timeout"),
		"error_source":          strValue("ReverseProxy"),
		"error_target":          strValue("127.0.0.1:49051"),
		"api_key":               strValue("--"),
		"host":                  strValue("127.0.0.1:8080"),
		"prefix":                strValue("access-log"),
		"protocol":              strValue("HTTP/1.1"),
		"remote_addr":           strValue("127.0.0.1:53950"),
		"upstream_addr":         strValue("http://127.0.0.1:49051/e2e-classic-3"),
		"log.file.name":         strValue("gateway.log"),
		// logrus_error repeated the error: dropped. msg, time, level: the
		// record's body, time and severity.
	}
	if d := diffAttrs(s.Attrs, want); len(d) > 0 {
		t.Errorf("attributes:\n%s", strings.Join(d, "\n"))
	}
	if !s.Body.equal(strValue("")) || s.Severity != "info" || !s.Time.Equal(time.Date(2026, 12, 2, 2, 2, 26, 0, time.UTC)) {
		t.Errorf("body %s, severity %q, time %v", s.Body, s.Severity, s.Time)
	}
}

func TestShippedAttrsTypes514(t *testing.T) {
	s := shippedAttrs(mustEntry(t, entry514IdleClose), entry514IdleClose, "gateway.log")
	for k, want := range map[string]otlpValue{
		"tyk.upstream.connection_reused":   boolValue(true),
		"tyk.upstream.connection_idle_ms":  doubleValue(0.554),
		"tyk.upstream.request_write_ms":    doubleValue(0.05),
		"tyk.upstream.response_headers_ms": doubleValue(0.296),
		"latency_gateway":                  intValue(0),
		"error.type":                       strValue("connection_terminated"),
		"response_flag":                    strValue("UPE"), // the gateway's own, kept
		"original_path":                    strValue("/oas/idle_close/e2e-oas-6"),
	} {
		if got := s.Attrs[k]; !got.equal(want) {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if !s.Body.equal(strValue("")) {
		t.Errorf("body = %s, want the empty message (5.14's message key)", s.Body)
	}
	for _, k := range []string{"message", "msg", "time", "level", "logrus_error", "upstream_conn_reused", "upstream_target"} {
		if v, ok := s.Attrs[k]; ok {
			t.Errorf("%s = %s left", k, v)
		}
	}
}

func TestShippedAttrsProbe(t *testing.T) {
	s := shippedAttrs(mustEntry(t, entry514Probe), entry514Probe, "gateway.log")
	for k, want := range map[string]otlpValue{
		"host.name":     strValue("vm"),
		"probe_ms":      doubleValue(2001.413),
		"probe_target":  strValue("127.0.0.1:37003"),
		"probe_verdict": strValue("unreachable_from_node"),
	} {
		if got := s.Attrs[k]; !got.equal(want) {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if s.Severity != "warning" || !s.Body.equal(strValue("upstream probe: 127.0.0.1:37003 unreachable from node vm")) {
		t.Errorf("severity %q body %s", s.Severity, s.Body)
	}
}

// The plugin's two modes, through the example, give the same record.
func TestOtelTwinShipsTheSame(t *testing.T) {
	ipv6 := strings.NewReplacer(`"upstream_target":"127.0.0.1:49051"`, `"upstream_target":"[::1]:49051"`,
		`"upstream_peer":"127.0.0.1:49051"`, `"upstream_peer":"[::1]:49051"`).Replace(entry58ConnectTimeout)
	noPort := strings.Replace(entry58ConnectTimeout, `"upstream_target":"127.0.0.1:49051"`, `"upstream_target":"orders.internal"`, 1)
	for name, line := range map[string]string{
		"5.8 connect timeout": entry58ConnectTimeout, "5.14 idle close": entry514IdleClose, "5.8 TLS": entry58TLS,
		"success": entry58OK, "probe": entry514Probe, "IPv6": ipv6, "target without port": noPort,
	} {
		e := mustEntry(t, line)
		twin := otelTwin(e)
		a := shippedAttrs(e, line, "f")
		b := shippedAttrs(twin, "", "f")
		if d := diffAttrs(b.Attrs, a.Attrs); len(d) > 0 {
			t.Errorf("%s: otel mode differs:\n%s", name, strings.Join(d, "\n"))
		}
		if !a.Body.equal(b.Body) {
			t.Errorf("%s: body %s vs %s", name, a.Body, b.Body)
		}
	}
	// The twin is what the otel mode writes: OTelNames, ports as numbers.
	twin := otelTwin(mustEntry(t, entry58TLS))
	o := accesslog.OTelNames
	for k, want := range map[string]any{
		o.Target: "127.0.0.1", o.Peer: "127.0.0.1", o.Type: "tls_certificate_error", o.Flag: "TLN",
		o.CertSubject: "CN=127.0.0.1", o.CertSANs: "127.0.0.1", o.Node: "vm",
	} {
		if twin[k] != want {
			t.Errorf("twin %s = %v, want %v", k, twin[k], want)
		}
	}
	if fmt.Sprint(twin[o.TargetPort]) != "41619" || fmt.Sprint(twin[o.PeerPort]) != "41619" {
		t.Errorf("twin ports %v %v", twin[o.TargetPort], twin[o.PeerPort])
	}
	for _, k := range []string{"upstream_target", "upstream_flag", "error", "logrus_error", "gateway_node", "tls_cert_subject"} {
		if _, ok := twin[k]; ok {
			t.Errorf("twin keeps %s", k)
		}
	}
	s := shippedAttrs(mustEntry(t, ipv6), ipv6, "f")
	if !s.Attrs["server.address"].equal(strValue("::1")) || !s.Attrs["network.peer.port"].equal(intValue(49051)) {
		t.Errorf("IPv6: server.address %s network.peer.port %s", s.Attrs["server.address"], s.Attrs["network.peer.port"])
	}
	s = shippedAttrs(mustEntry(t, noPort), noPort, "f")
	if _, ok := s.Attrs["server.port"]; !s.Attrs["server.address"].equal(strValue("orders.internal")) || ok {
		t.Errorf("no port: server.address %s server.port %s", s.Attrs["server.address"], s.Attrs["server.port"])
	}
}

// The example's pattern splits as net.SplitHostPort, which the otel mode
// uses; the Go mirror splits the same way.
func TestHostPortPattern(t *testing.T) {
	re := regexp.MustCompile(hostPortPattern)
	for _, s := range []string{"127.0.0.1:80", "[::1]:8080", "orders.internal:8080", "host", "a:b:c", "::1:80",
		":80", "[fe80::1%eth0]:443", "h:", "h:123456", "h:x1", "[::1]", "[a]b:1", "a[b:1"} {
		h, p, ok := splitHostPortLikeTheExample(s)
		m := re.FindStringSubmatch(s)
		if (m != nil) != ok {
			t.Errorf("%q: pattern matches %v, Go split ok %v", s, m != nil, ok)
			continue
		}
		if !ok {
			continue
		}
		host := m[re.SubexpIndex("host")] + m[re.SubexpIndex("host6")]
		if host != h || m[re.SubexpIndex("port")] != p {
			t.Errorf("%q: pattern %q %q, Go %q %q", s, host, m[re.SubexpIndex("port")], h, p)
		}
	}
}

// exampleDoc is the parsed example: what the test checks of it.
type exampleDoc struct {
	Receivers map[string]struct {
		Include   []string         `yaml:"include"`
		StartAt   string           `yaml:"start_at"`
		Operators []map[string]any `yaml:"operators"`
	} `yaml:"receivers"`
	Processors map[string]struct {
		ErrorMode     string `yaml:"error_mode"`
		LogStatements []struct {
			Context    string   `yaml:"context"`
			Conditions []string `yaml:"conditions"`
			Statements []string `yaml:"statements"`
		} `yaml:"log_statements"`
	} `yaml:"processors"`
	Exporters map[string]map[string]any `yaml:"exporters"`
	Service   struct {
		Pipelines map[string]struct {
			Receivers  []string `yaml:"receivers"`
			Processors []string `yaml:"processors"`
			Exporters  []string `yaml:"exporters"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

func readExample(t *testing.T) exampleDoc {
	t.Helper()
	b, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	var doc exampleDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s is not valid YAML: %v", exampleConfig, err)
	}
	return doc
}

// The example parses, wires its pipeline, and says in OTTL what
// shippedAttrs mirrors: every rename of accesslog.TykNames to
// accesslog.OTelNames, every type, the split pattern.
func TestExampleConfig(t *testing.T) {
	doc := readExample(t)
	p, ok := doc.Service.Pipelines["logs/tyk"]
	if !ok || strings.Join(p.Receivers, ",") != "filelog/tyk" || strings.Join(p.Processors, ",") != "transform/upstreamcause" || strings.Join(p.Exporters, ",") != "otlp_grpc" {
		t.Fatalf("pipeline logs/tyk = %+v, want filelog/tyk -> transform/upstreamcause -> otlp_grpc", p)
	}
	if _, ok := doc.Exporters["otlp_grpc"]; !ok {
		t.Error("no otlp_grpc exporter")
	}
	r := doc.Receivers["filelog/tyk"]
	if len(r.Operators) < 2 || r.Operators[0]["type"] != "json_parser" || r.Operators[1]["type"] != "filter" {
		t.Fatalf("operators %v, want json_parser then filter", r.Operators)
	}
	jp := r.Operators[0]
	ts, _ := jp["timestamp"].(map[string]any)
	sev, _ := jp["severity"].(map[string]any)
	if ts["parse_from"] != "attributes.time" || sev["parse_from"] != "attributes.level" {
		t.Errorf("json_parser timestamp %v severity %v", ts, sev)
	}
	tp := doc.Processors["transform/upstreamcause"]
	if tp.ErrorMode != "ignore" {
		t.Errorf("error_mode %q", tp.ErrorMode)
	}
	var stmts []string
	for _, g := range tp.LogStatements {
		stmts = append(stmts, g.Statements...)
	}
	all := strings.Join(stmts, "\n")
	has := func(s string) {
		t.Helper()
		if !strings.Contains(all, s) {
			t.Errorf("no statement with %s", s)
		}
	}
	for _, r := range append(pluginRenames(), tykSemconv...) {
		has(fmt.Sprintf(`set(log.attributes[%q], log.attributes[%q]) where log.attributes[%q] != nil`, r[1], r[0], r[0]))
		has(fmt.Sprintf(`delete_key(log.attributes, %q)`, r[0]))
	}
	fn := map[string]string{kindInt: "Int", kindDouble: "Double", kindBool: "Bool"}
	for k, kind := range shippedKinds() {
		has(fmt.Sprintf(`set(log.attributes[%q], %s(log.attributes[%q])) where log.attributes[%q] != nil`, k, fn[kind], k, k))
	}
	tn, on := accesslog.TykNames, accesslog.OTelNames
	for _, a := range [][4]string{{tn.Target, on.Target, on.TargetPort, "target_"}, {tn.Peer, on.Peer, on.PeerPort, "peer_"}} {
		pat := strings.NewReplacer("<host6>", "<"+a[3]+"host6>", "<host>", "<"+a[3]+"host>", "<port>", "<"+a[3]+"port>").Replace(hostPortPattern)
		has(fmt.Sprintf(`ExtractPatterns(log.attributes[%q], %q)`, a[0], pat))
		has(fmt.Sprintf(`set(log.attributes[%q], log.cache[%q])`, a[1], a[3]+"host"))
		has(fmt.Sprintf(`set(log.attributes[%q], log.cache[%q])`, a[2], a[3]+"port"))
		has(fmt.Sprintf(`delete_key(log.attributes, %q)`, a[0]))
	}
	has(`delete_key(log.attributes, "logrus_error") where log.attributes["logrus_error"] == log.attributes["error.message"]`)
}

// A file exporter line (a real one, shortened): kinds and values.
const otlpLine = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"tyk-gateway"}}]},"scopeLogs":[{"scope":{},"logRecords":[{"timeUnixNano":"1796176946000000000","observedTimeUnixNano":"1796178194472248965","severityNumber":9,"severityText":"info","body":{"stringValue":""},"attributes":[{"key":"server.port","value":{"intValue":"49051"}},{"key":"tyk.upstream.connect_ms","value":{"doubleValue":2000.719}},{"key":"tyk.upstream.connection_reused","value":{"boolValue":false}},{"key":"error.type","value":{"stringValue":"connection_timeout"}},{"key":"n","value":{"intValue":7}},{"key":"nan","value":{"doubleValue":"NaN"}},{"key":"e","value":{}},{"key":"l","value":{"arrayValue":{"values":[]}}}],"traceId":"","spanId":""}]}]}]}`

func TestReadOTLPLogs(t *testing.T) {
	data := []byte(otlpLine + "\n" + otlpLine + "\n" + otlpLine[:40]) // the last line still being written
	recs, err := readOTLPLogs(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	r := recs[0]
	if !r.Time.Equal(time.Date(2026, 12, 2, 2, 2, 26, 0, time.UTC)) || r.SevNumber != 9 || r.SevText != "info" || !r.Body.equal(strValue("")) {
		t.Errorf("record %+v", r)
	}
	for k, want := range map[string]otlpValue{
		"server.port": intValue(49051), "tyk.upstream.connect_ms": doubleValue(2000.719),
		"tyk.upstream.connection_reused": boolValue(false), "error.type": strValue("connection_timeout"),
		"n": intValue(7), "e": {Kind: kindEmpty},
	} {
		if got := r.Attrs[k]; !got.equal(want) {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if v := r.Attrs["nan"]; v.Kind != kindDouble || !math.IsNaN(v.Float) {
		t.Errorf("nan = %s", v)
	}
	if v := r.Attrs["l"]; v.Kind != kindOther {
		t.Errorf("array = %s", v)
	}
	if !r.Resource["service.name"].equal(strValue("tyk-gateway")) {
		t.Errorf("resource %v", r.Resource)
	}
	if recs, err := readOTLPLogs([]byte(otlpLine)); err != nil || len(recs) != 0 {
		t.Errorf("a line without its newline: %d records, %v", len(recs), err)
	}
	if _, err := readOTLPLogs([]byte("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"p\",\"value\":{\"intValue\":\"x\"}}]}]}]}]}\n")); err == nil {
		t.Error("a bad intValue was taken")
	}
}

// record makes the record the example would export for a line.
func record(t *testing.T, line, file string) otlpRecord {
	s := shippedAttrs(mustEntry(t, line), line, file)
	return otlpRecord{Time: s.Time, SevText: s.Severity, SevNumber: severityNumbers[s.Severity], Body: s.Body, Attrs: s.Attrs,
		Resource: map[string]otlpValue{"service.name": strValue("tyk-gateway")}}
}

func TestCheckCaseRecord(t *testing.T) {
	ct := cases.Demo[2] // connect timeout
	if ct.Case != cases.ConnectTimeout {
		t.Fatalf("cases.Demo[2] is %s", ct.Case)
	}
	r := record(t, entry58ConnectTimeout, "gateway.log")
	if bad := checkCaseRecord(&r, ct, "e2e-classic-3", "127.0.0.1:49051", nil); len(bad) > 0 {
		t.Errorf("a right record: %q", bad)
	}
	for name, mutate := range map[string]func(a map[string]otlpValue){
		"port as a string":   func(a map[string]otlpValue) { a["server.port"] = strValue("49051") },
		"status as a double": func(a map[string]otlpValue) { a["http.response.status_code"] = doubleValue(500) },
		"wrong type":         func(a map[string]otlpValue) { a["error.type"] = strValue("connection_refused") },
		"Tyk name left":      func(a map[string]otlpValue) { a["upstream_target"] = strValue("127.0.0.1:49051") },
		"timing as an int":   func(a map[string]otlpValue) { a["tyk.upstream.connect_ms"] = intValue(2000) },
		"no node":            func(a map[string]otlpValue) { delete(a, "host.name") },
		"other upstream":     func(a map[string]otlpValue) { a["server.port"] = intValue(1) },
	} {
		r := record(t, entry58ConnectTimeout, "gateway.log")
		mutate(r.Attrs)
		if bad := checkCaseRecord(&r, ct, "e2e-classic-3", "127.0.0.1:49051", nil); len(bad) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	ok := record(t, entry58OK, "gateway.log")
	if bad := checkCaseRecord(&ok, cases.Demo[0], "e2e-classic-1", "127.0.0.1:46139", nil); len(bad) > 0 {
		t.Errorf("success: %q", bad)
	}
	ok.Attrs["error.type"] = strValue("x")
	if bad := checkCaseRecord(&ok, cases.Demo[0], "e2e-classic-1", "127.0.0.1:46139", nil); len(bad) == 0 {
		t.Error("a success record with error.type passed")
	}
}

// entry58OtelConnectTimeout is a connect timeout's entry from Tyk 5.8.15
// with UPSTREAMCAUSE_FIELD_NAMES=otel (e2e run -names otel), its upstream's
// port made that of entry58ConnectTimeout.
const entry58OtelConnectTimeout = `{"api_key":"--","client_ip":"127.0.0.1","error.message":"dial tcp 127.0.0.1:49051: i/o timeout","error.type":"connection_timeout","error_source":"ReverseProxy","error_target":"127.0.0.1:49051","host":"127.0.0.1:8080","host.name":"vm","latency_total":0,"level":"info","method":"GET","msg":"","network.peer.address":"127.0.0.1","network.peer.port":49051,"path":"/e2e-otel-classic-3","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"127.0.0.1:60988","response_code_details":"connection_timeout","response_flag":"UCT","server.address":"127.0.0.1","server.port":49051,"status":500,"time":"2026-12-02T02:38:57Z","tyk.upstream.attempts":1,"tyk.upstream.connect_ms":2004.041,"tyk.upstream.error_detail":"connection_timeout","tyk.upstream.flag":"UCT","tyk.upstream.phase":"connect","tyk.upstream.source":"network","upstream_addr":"http://127.0.0.1:49051/e2e-otel-classic-3","upstream_latency":0,"user_agent":"Go-http-client/1.1"}`

// shippedRecords are the records the example would export for in.
func shippedRecords(in *logInput) []otlpRecord {
	var out []otlpRecord
	for _, f := range in.files {
		for n, e := range f.entries {
			s := shippedAttrs(e, f.raw[n], f.name)
			out = append(out, otlpRecord{Time: s.Time, SevText: s.Severity, SevNumber: severityNumbers[s.Severity], Body: s.Body, Attrs: s.Attrs,
				Resource: map[string]otlpValue{"service.name": strValue("tyk-gateway")}})
		}
	}
	return out
}

func TestCheckAllEntries(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "gateway.log")
	content := "plain line at shutdown\n" + entry58OK + "\n" + entry58ConnectTimeout + "\n" + entry514Probe + "\n" +
		`{"level":"info","msg":"other","prefix":"main","time":"2026-12-02T02:02:23Z"}` + "\n" + entry58TLS[:50] // partial
	otelLog := filepath.Join(dir, "gateway-otel.log")
	if err := os.WriteFile(log, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otelLog, []byte(entry58OtelConnectTimeout+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := snapshotLogs(log, otelLog, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(in.files) != 3 || in.files[0].access != 2 || in.files[0].probes != 1 || len(in.files[1].entries) != 3 || in.files[2].access != 1 {
		t.Fatalf("snapshot: %d files", len(in.files))
	}
	first := map[string]bool{}
	for _, f := range in.files {
		b, _ := os.ReadFile(f.path)
		line := strings.SplitN(string(b), "\n", 2)[0]
		if first[line] || strings.HasPrefix(line, "{") {
			t.Errorf("%s starts with %q: not a line of its own", f.name, line)
		}
		first[line] = true
	}
	twin, _ := os.ReadFile(in.files[1].path)
	if strings.Contains(string(twin), `"upstream_flag"`) || !strings.Contains(string(twin), `"tyk.upstream.flag":"UCT"`) {
		t.Errorf("twin:\n%s", twin)
	}
	out := shippedRecords(in)
	if bad := checkAllEntries(in, out); len(bad) > 0 {
		t.Errorf("the right records: %q", bad)
	}
	if bad := checkAllEntries(in, out[1:]); len(bad) < 2 {
		t.Errorf("a missing record: %q", bad)
	}
	if bad := checkAllEntries(in, append(out[:len(out):len(out)], out[0])); len(bad) != 1 {
		t.Errorf("a duplicate: %q", bad)
	}
	wrong := append([]otlpRecord(nil), out...)
	wrong[1].Attrs = map[string]otlpValue{}
	for k, v := range out[1].Attrs {
		wrong[1].Attrs[k] = v
	}
	wrong[1].Attrs["tyk.upstream.attempts"] = doubleValue(1)
	if bad := checkAllEntries(in, wrong); len(bad) != 1 || !strings.Contains(bad[0], "tyk.upstream.attempts = doubleValue 1, want intValue 1") {
		t.Errorf("a wrong type: %q", bad)
	}
	wrong[1] = out[1]
	wrong[1].SevText = "error"
	if bad := checkAllEntries(in, wrong); len(bad) != 1 {
		t.Errorf("a wrong severity: %q", bad)
	}
}

// The otel-mode gateway's record of a case against the default one's.
func TestRouteDiff(t *testing.T) {
	a := record(t, entry58ConnectTimeout, "gateway.log")
	b := record(t, entry58OtelConnectTimeout, "gateway-otel.log")
	if d := routeDiff(&a, &b, false); len(d) > 0 {
		t.Errorf("the real pair differs: %q", d)
	}
	if bad := checkCaseRecord(&b, cases.Demo[2], "e2e-otel-classic-3", "127.0.0.1:49051", nil); len(bad) > 0 {
		t.Errorf("the otel-mode record: %q", bad)
	}
	for name, mutate := range map[string]func(a map[string]otlpValue){
		"port as a double": func(a map[string]otlpValue) { a["server.port"] = doubleValue(49051) },
		"other flag":       func(a map[string]otlpValue) { a["tyk.upstream.flag"] = strValue("URT") },
		"extra attribute":  func(a map[string]otlpValue) { a["upstream_target"] = strValue("127.0.0.1:49051") },
		"missing":          func(a map[string]otlpValue) { delete(a, "network.peer.port") },
	} {
		b := record(t, entry58OtelConnectTimeout, "gateway-otel.log")
		mutate(b.Attrs)
		if d := routeDiff(&a, &b, false); len(d) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	b.Attrs["tyk.upstream.probe"] = strValue("unreachable_from_node") // rides on the next failure: not compared
	if d := routeDiff(&a, &b, false); len(d) > 0 {
		t.Errorf("probe verdict: %q", d)
	}
	// Tyk 5.12's keys: the plugin's on 5.8 (compared), the gateway's own
	// on 5.12+ (its wording of one case varies from request to request).
	b.Attrs["response_code_details"] = strValue("request_timeout")
	if d := routeDiff(&a, &b, false); len(d) == 0 {
		t.Error("5.8: another response_code_details not caught")
	}
	if d := routeDiff(&a, &b, true); len(d) > 0 {
		t.Errorf("5.12+: the gateway's own response_code_details compared: %q", d)
	}
}

func TestOverrideConfig(t *testing.T) {
	in := &logInput{files: []*logFile{{path: "/tmp/a b/gateway.log"}, {path: `/tmp/"q"/twin.log`}}}
	c := overrideConfig(in, "/tmp/out.json")
	var doc struct {
		Receivers map[string]struct {
			Include []string `yaml:"include"`
			StartAt string   `yaml:"start_at"`
		} `yaml:"receivers"`
		Exporters map[string]map[string]any `yaml:"exporters"`
		Service   struct {
			Pipelines map[string]struct {
				Exporters []string `yaml:"exporters"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal([]byte(c), &doc); err != nil {
		t.Fatalf("%v\n%s", err, c)
	}
	r := doc.Receivers["filelog/tyk"]
	if len(r.Include) != 2 || r.Include[0] != in.files[0].path || r.Include[1] != in.files[1].path || r.StartAt != "beginning" {
		t.Errorf("receiver %+v", r)
	}
	if doc.Exporters["file/e2e"]["path"] != "/tmp/out.json" || doc.Exporters["file/e2e"]["format"] != "json" {
		t.Errorf("exporter %v", doc.Exporters)
	}
	if e := doc.Service.Pipelines["logs/tyk"].Exporters; len(e) != 1 || e[0] != "file/e2e" {
		t.Errorf("pipeline exporters %v", e)
	}
	// The example names the same receiver and pipeline.
	ex := readExample(t)
	if _, ok := ex.Receivers["filelog/tyk"]; !ok {
		t.Error("the example has no receiver filelog/tyk")
	}
	if _, ok := ex.Service.Pipelines["logs/tyk"]; !ok {
		t.Error("the example has no pipeline logs/tyk")
	}
}
