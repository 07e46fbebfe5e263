package triage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture returns line n (1-based) of a testdata file.
func fixture(t testing.TB, file string, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if n < 1 || n > len(lines) {
		t.Fatalf("%s has no line %d", file, n)
	}
	return lines[n-1]
}

// fixtureWith returns the first line of a testdata file containing all of subs.
func fixtureWith(t testing.TB, file string, subs ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
next:
	for _, l := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		return l
	}
	t.Fatalf("%s has no line with %q", file, subs)
	return ""
}

// dockerLine wraps a line as Docker's json-file driver writes it.
func dockerLine(t testing.TB, line, at string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"log": line + "\n", "stream": "stderr", "time": at})
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal sorts keys: log, stream, time, as Docker writes them.
	return string(b)
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// want is what a table case expects of the Entry; zero fields are not
// checked, except Kind, Origin and the node, which always are.
type want struct {
	kind         Kind
	origin       Origin
	node         string
	nodeSource   NodeSource
	time         string // RFC 3339, "" not checked
	status       int
	apiID        string
	method, path string
	flag, detail string
	phase, src   string
	target, peer string
	reused       bool
	idle         float64 // NaN-checked when -1
	total        float64
	err          string
	version      string
	message      string
	certSubject  string
	certExpiry   string
}

func checkEntry(t *testing.T, e *Entry, w want) {
	t.Helper()
	if e.Kind != w.kind || e.Origin != w.origin {
		t.Errorf("kind %d origin %d, want kind %d origin %d", e.Kind, e.Origin, w.kind, w.origin)
	}
	if e.Node != w.node || e.NodeSource != w.nodeSource {
		t.Errorf("node %q (source %d), want %q (%d)", e.Node, e.NodeSource, w.node, w.nodeSource)
	}
	if w.time != "" && !e.Time.Equal(mustTime(w.time)) {
		t.Errorf("time %v, want %s", e.Time, w.time)
	}
	if e.Time.Location() != time.UTC {
		t.Errorf("time %v not in UTC", e.Time)
	}
	check := func(name, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if w.status != 0 && e.Status != w.status {
		t.Errorf("status %d, want %d", e.Status, w.status)
	}
	check("api_id", e.APIID, w.apiID)
	check("method", e.Method, w.method)
	check("path", e.Path, w.path)
	check("flag", e.Flag, w.flag)
	check("detail", e.Detail, w.detail)
	check("phase", e.Phase, w.phase)
	check("source", e.Source, w.src)
	check("target", e.Target, w.target)
	check("peer", e.Peer, w.peer)
	check("error", e.Error, w.err)
	check("version", e.Version, w.version)
	check("message", e.Message, w.message)
	check("cert subject", e.CertSubject, w.certSubject)
	check("cert expiry", e.CertExpiry, w.certExpiry)
	if e.Reused != w.reused {
		t.Errorf("reused %v, want %v", e.Reused, w.reused)
	}
	if w.idle != 0 && e.IdleMs != w.idle {
		t.Errorf("idle %v, want %v", e.IdleMs, w.idle)
	}
	if w.total != 0 && e.Total != w.total {
		t.Errorf("total %v, want %v", e.Total, w.total)
	}
}

// The demo's real text-format line (README "Every cause, one line each").
const textUCF = `time="2026-11-21T15:17:19Z" level=info api_key=-- client_ip=127.0.0.1 error="dial tcp 127.0.0.1:41899: connect: connection refused" error_source=ReverseProxy error_target="127.0.0.1:41899" gateway_node=vm host="127.0.0.1:40529" latency_total=0 method=GET path=/case/refused/demo-2 prefix=access-log protocol=HTTP/1.1 remote_addr="127.0.0.1:41942" response_code_details=connection_refused response_flag=UCF status=500 upstream_addr="http://127.0.0.1:41899/case/refused/demo-2" upstream_attempts=1 upstream_connect_ms=0.048 upstream_error_detail=connection_refused upstream_error_phase=connect upstream_error_source=upstream upstream_error_type=connection_refused upstream_flag=UCF upstream_latency=0 upstream_peer="127.0.0.1:41899" upstream_target="127.0.0.1:41899" user_agent=Go-http-client/1.1`

func TestParseLine(t *testing.T) {
	const f58, f514 = "tyk-5.8.15.jsonl", "tyk-5.14.0.jsonl"
	cases := []struct {
		name string
		line string
		year int
		want want
	}{
		{
			name: "5.8.15 JSON success",
			line: fixtureWith(t, f58, `"prefix":"access-log"`, `"status":200`),
			want: want{kind: KindAccess, origin: OriginNone, node: "gw-a", nodeSource: NodeFromFile, time: "2026-12-01T11:28:12Z",
				status: 200, apiID: "e2e-classic-ok", method: "GET", path: "/probe-1", target: "127.0.0.1:43653", total: 1},
		},
		{
			name: "5.8.15 JSON with the plugin: refused",
			line: fixtureWith(t, f58, `"upstream_flag":"UCF"`),
			want: want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, time: "2026-12-01T11:28:12Z",
				status: 500, method: "GET", path: "/e2e-classic-2", flag: "UCF", detail: "connection_refused", phase: "connect", src: "upstream",
				target: "127.0.0.1:55279", peer: "127.0.0.1:55279", err: "dial tcp 127.0.0.1:55279: connect: connection refused"},
		},
		{
			name: "5.8.15 JSON with the plugin: idle close on a reused connection",
			line: fixtureWith(t, f58, `"upstream_flag":"UCC"`),
			want: want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, status: 500, method: "POST",
				flag: "UCC", detail: "idle_connection_closed_by_upstream", reused: true, err: "EOF"},
		},
		{
			name: "5.8.15 proxy error: refused",
			line: fixtureWith(t, f58, `http: proxy error: dial tcp`),
			want: want{kind: KindProxyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, apiID: "e2e-classic-refused",
				flag: "UCF", detail: "connection_refused", phase: "connect", target: "127.0.0.1:55279", peer: "127.0.0.1:55279",
				err: "dial tcp 127.0.0.1:55279: connect: connection refused"},
		},
		{
			name: "5.8.15 proxy error: response-header timeout, target from server_name",
			line: fixtureWith(t, f58, `timeout awaiting response headers`),
			want: want{kind: KindProxyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, apiID: "e2e-classic-header-timeout",
				flag: "URT", phase: "response_headers", target: "127.0.0.1:42353", err: "net/http: timeout awaiting response headers"},
		},
		{
			name: "5.8.15 body copy error (JSON-escaped ->)",
			line: fixtureWith(t, f58, `proxy error during body copy`),
			want: want{kind: KindBodyCopyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, apiID: "e2e-classic-reset-mid-body",
				flag: "URR", phase: "response_body", target: "127.0.0.1:36319", peer: "127.0.0.1:36319"},
		},
		{
			name: "5.8.15 without the plugin: only the status",
			line: fixtureWith(t, f58, `"status":503`),
			want: want{kind: KindAccess, origin: OriginStatus, node: "gw-a", nodeSource: NodeFromFile, status: 503,
				apiID: "e2e-soak-plain-status-503", target: "127.0.0.1:38307", total: 22},
		},
		{
			name: "5.14.0 message key, gateway's own classification, error_target with path",
			line: fixtureWith(t, f514, `e2e-oas-reset-before-response`),
			want: want{kind: KindAccess, origin: OriginGateway, node: "gw-a", nodeSource: NodeFromFile, time: "2026-12-01T11:31:43Z",
				status: 500, apiID: "e2e-oas-reset-before-response", flag: "URR", detail: "connection_reset", target: "127.0.0.1:46419"},
		},
		{
			name: "5.14.0 gateway's URS",
			line: fixtureWith(t, f514, `"status":503`),
			want: want{kind: KindAccess, origin: OriginGateway, node: "gw-a", nodeSource: NodeFromFile, status: 503,
				flag: "URS", detail: "upstream_response_5xx", src: "upstream", target: "127.0.0.1:34161"},
		},
		{
			name: "5.14.0 proxy error, message key",
			line: fixtureWith(t, f514, `http: proxy error: dial tcp`),
			want: want{kind: KindProxyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, flag: "UCF",
				target: "127.0.0.1:34125", peer: "127.0.0.1:34125", time: "2026-12-01T11:31:00Z"},
		},
		{
			name: "text format, RFC 3339 time, with the plugin",
			line: textUCF,
			want: want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, time: "2026-11-21T15:17:19Z",
				status: 500, method: "GET", path: "/case/refused/demo-2", flag: "UCF", detail: "connection_refused",
				target: "127.0.0.1:41899", peer: "127.0.0.1:41899", err: "dial tcp 127.0.0.1:41899: connect: connection refused"},
		},
		{
			name: "text format, yearless time, year from the options, quoted escapes",
			line: `time="Dec 01 06:04:19" level=error msg="http: proxy error: Get \"http://orders.internal:8080/v1\": net/http: timeout awaiting response headers" api_id=orders prefix=proxy server_name="orders.internal:8080"`,
			year: 2025,
			want: want{kind: KindProxyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, time: "2025-12-01T06:04:19Z",
				apiID: "orders", flag: "URT", target: "orders.internal:8080", err: `Get "http://orders.internal:8080/v1": net/http: timeout awaiting response headers`},
		},
		{
			name: "text format 5.14: message key, level=warning, empty value",
			line: `time="2026-12-01T06:04:19Z" level=info message="Tyk API Gateway v5.14.0" prefix=main pid=`,
			want: want{kind: KindStart, node: "gw-a", nodeSource: NodeFromFile, version: "v5.14.0", message: "Tyk API Gateway v5.14.0"},
		},
		{
			name: "ECS names",
			line: `{"error.code":"UCT","error.message":"dial tcp 10.0.3.17:8080: i/o timeout","event.reason":"connection_timeout","host.name":"gw-eu-2","level":"info","method":"GET","msg":"","path":"/orders?id=1","prefix":"access-log","server.address":"orders.internal","server.port":8080,"server.ip":"10.0.3.17","status":500,"time":"2026-12-01T06:04:19+01:00","tyk.upstream.phase":"connect","tyk.upstream.source":"network","tyk.upstream.connection_reused":false,"tls.server.subject":"CN=orders","tls.server.not_after":"2026-11-20T15:17:19Z"}`,
			want: want{kind: KindAccess, origin: OriginPlugin, node: "gw-eu-2", nodeSource: NodeFromField, time: "2026-12-01T05:04:19Z",
				status: 500, path: "/orders", flag: "UCT", detail: "connection_timeout", phase: "connect", src: "network",
				target: "orders.internal:8080", peer: "10.0.3.17:8080", err: "dial tcp 10.0.3.17:8080: i/o timeout",
				certSubject: "CN=orders", certExpiry: "2026-11-20T15:17:19Z"},
		},
		{
			name: "OTel names",
			line: `{"tyk.upstream.flag":"UCT","error.type":"connection_timeout","error.message":"dial tcp 10.0.3.17:8080: i/o timeout","tyk.upstream.error_detail":"connection_timeout","host.name":"gw-eu-2","level":"info","method":"GET","msg":"","path":"/orders","prefix":"access-log","server.address":"orders.internal","server.port":8080,"network.peer.address":"10.0.3.17","network.peer.port":8080,"status":500,"time":"2026-12-01T06:04:19Z","tyk.upstream.phase":"connect","tyk.upstream.source":"network"}`,
			want: want{kind: KindAccess, origin: OriginPlugin, node: "gw-eu-2", nodeSource: NodeFromField, time: "2026-12-01T06:04:19Z",
				status: 500, path: "/orders", flag: "UCT", detail: "connection_timeout", phase: "connect", src: "network",
				target: "orders.internal:8080", peer: "10.0.3.17:8080", err: "dial tcp 10.0.3.17:8080: i/o timeout"},
		},
		{
			name: "kubectl --prefix",
			line: "[pod/tyk-gw-7d9f8-abcde/tyk-gateway] " + fixtureWith(t, f58, `"status":200`),
			want: want{kind: KindAccess, node: "tyk-gw-7d9f8-abcde", nodeSource: NodeFromPrefix, status: 200, time: "2026-12-01T11:28:12Z"},
		},
		{
			name: "kubectl --prefix --timestamps, yearless text: the year from the wrapper",
			line: `[pod/gw-b/tyk] 2027-01-01T00:00:01.123456789Z time="Dec 31 23:59:59" level=info prefix=access-log status=502 method=GET path=/x upstream_addr="https://api.example.com/x"`,
			want: want{kind: KindAccess, origin: OriginStatus, node: "gw-b", nodeSource: NodeFromPrefix, time: "2026-12-31T23:59:59Z",
				status: 502, target: "api.example.com:443"},
		},
		{
			name: "kubectl --timestamps only, line without a time of its own",
			line: `2026-12-01T06:04:19.5Z level=info prefix=access-log status=200`,
			want: want{kind: KindAccess, node: "gw-a", nodeSource: NodeFromFile, time: "2026-12-01T06:04:19.5Z", status: 200},
		},
		{
			name: "Docker json-file",
			line: dockerLine(t, fixtureWith(t, f514, `"upstream_flag":"UCF"`), "2026-12-01T11:31:00.123456789Z"),
			want: want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, time: "2026-12-01T11:31:00Z",
				flag: "UCF", status: 500, target: "127.0.0.1:34125"},
		},
		{
			name: "Docker json-file, text inside, yearless: the year from Docker's time",
			line: dockerLine(t, `time="Dec 01 06:04:19" level=info prefix=access-log status=504`, "2026-12-01T06:04:19.9Z"),
			want: want{kind: KindAccess, origin: OriginStatus, node: "gw-a", nodeSource: NodeFromFile, time: "2026-12-01T06:04:19Z", status: 504},
		},
		{
			name: "CRI, full line",
			line: "2026-12-01T11:28:12.000000001Z stderr F " + fixtureWith(t, f58, `http: proxy error: dial tcp`),
			want: want{kind: KindProxyError, origin: OriginMessage, node: "gw-a", nodeSource: NodeFromFile, flag: "UCF", time: "2026-12-01T11:28:12Z"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &Source{Name: "/var/log/gw-a.log", Year: c.year}
			var e Entry
			ok, reason := ParseLine([]byte(c.line+"\n"), src, &e)
			if !ok || reason != "" {
				t.Fatalf("ParseLine = %v, %q; want an entry", ok, reason)
			}
			checkEntry(t, &e, c.want)
		})
	}
}

func TestParseLineFloats(t *testing.T) {
	src := &Source{Name: "gw"}
	var e Entry
	line := fixtureWith(t, "tyk-5.8.15.jsonl", `"upstream_flag":"UCC"`)
	if ok, _ := ParseLine([]byte(line), src, &e); !ok {
		t.Fatal("no entry")
	}
	if math.IsNaN(e.IdleMs) || e.IdleMs <= 0 || math.IsNaN(e.HeadersMs) || e.HeadersMs <= 0 {
		t.Errorf("idle %v headers %v, want both > 0", e.IdleMs, e.HeadersMs)
	}
	ok, _ := ParseLine([]byte(fixtureWith(t, "tyk-5.8.15.jsonl", `"status":200`)), src, &e)
	if !ok || !math.IsNaN(e.IdleMs) || !math.IsNaN(e.HeadersMs) || e.Reused {
		t.Errorf("success line: idle %v headers %v reused %v, want NaN NaN false", e.IdleMs, e.HeadersMs, e.Reused)
	}
}

func TestParseLinePartials(t *testing.T) {
	full := fixtureWith(t, "tyk-5.14.0.jsonl", `"upstream_flag":"UCF"`)
	half := len(full) / 2
	t.Run("CRI P then F", func(t *testing.T) {
		src := &Source{Name: "gw-c.log"}
		var e Entry
		if ok, r := ParseLine([]byte("2026-12-01T11:31:00.1Z stderr P "+full[:half]+"\n"), src, &e); ok || r != "" {
			t.Fatalf("P line: %v %q, want nothing yet", ok, r)
		}
		ok, r := ParseLine([]byte("2026-12-01T11:31:00.2Z stderr F "+full[half:]+"\n"), src, &e)
		if !ok || r != "" {
			t.Fatalf("F line: %v %q, want the joined entry", ok, r)
		}
		checkEntry(t, &e, want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, flag: "UCF", target: "127.0.0.1:34125"})
	})
	t.Run("Docker split line", func(t *testing.T) {
		src := &Source{Name: "gw-c.log"}
		var e Entry
		b, _ := json.Marshal(map[string]string{"log": full[:half], "stream": "stdout", "time": "2026-12-01T11:31:00Z"})
		if ok, r := ParseLine(b, src, &e); ok || r != "" {
			t.Fatalf("first piece: %v %q, want nothing yet", ok, r)
		}
		ok, r := ParseLine([]byte(dockerLine(t, full[half:], "2026-12-01T11:31:00Z")), src, &e)
		if !ok || r != "" {
			t.Fatalf("last piece: %v %q", ok, r)
		}
		checkEntry(t, &e, want{kind: KindAccess, origin: OriginPlugin, node: "vm", nodeSource: NodeFromField, flag: "UCF"})
	})
	t.Run("CRI pieces over MaxLine", func(t *testing.T) {
		src := &Source{Name: "gw-c.log"}
		var e Entry
		piece := strings.Repeat("x", 600<<10)
		for i := 0; i < 2; i++ {
			if ok, r := ParseLine([]byte("2026-12-01T11:31:00.1Z stdout P "+piece), src, &e); ok || r != "" {
				t.Fatalf("P line %d: %v %q", i, ok, r)
			}
		}
		if ok, r := ParseLine([]byte("2026-12-01T11:31:00.1Z stdout F end"), src, &e); ok || r != ReasonTooLong {
			t.Fatalf("F line: %v %q, want %q", ok, r, ReasonTooLong)
		}
		if cap(src.pending) > MaxLine+len(piece) {
			t.Errorf("pending buffer grew to %d", cap(src.pending))
		}
		ok, r := ParseLine([]byte("2026-12-01T11:31:00.1Z stdout F "+full), src, &e)
		if !ok || r != "" {
			t.Fatalf("next line: %v %q", ok, r)
		}
	})
}

func TestParseLineBad(t *testing.T) {
	good := fixtureWith(t, "tyk-5.8.15.jsonl", `"status":200`)
	cases := []struct {
		name, line, reason string
	}{
		{"truncated JSON", good[:len(good)/2], ReasonTruncated},
		{"truncated in a string", `{"level":"info","msg":"http: proxy err`, ReasonTruncated},
		{"JSON syntax", `{"level":"info","msg" "x"}`, ReasonGarbage},
		{"JSON, trailing bytes", `{"level":"info"} x`, ReasonGarbage},
		{"JSON of another program", `{"ts":1733036659,"caller":"x.go:1","m":"hello"}`, ReasonUnknownFormat},
		{"not UTF-8", `{"level":"info","msg":"` + "\xff\xfe" + `"}`, ReasonNotUTF8},
		{"not UTF-8 inside Docker", "{\"log\":\"{\\\"level\\\":\\\"info\\\",\\\"msg\\\":\\\"\xc3\\\"}\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-01T00:00:00Z\"}", ReasonNotUTF8},
		{"unknown format", `panic: runtime error: invalid memory address or nil pointer dereference`, ReasonUnknownFormat},
		{"control bytes", "\x00\x00\x00\x00{\"level\":\"info\"}", ReasonGarbage},
		{"text, unterminated quote", `time="Dec 01 06:04:19" level=error msg="http: proxy error: dial tcp`, ReasonTruncated},
		{"text, field without =", `time="Dec 01 06:04:19" level=info prefix=access-log garbage`, ReasonGarbage},
		{"text without level", `time="Dec 01 06:04:19" foo=bar`, ReasonUnknownFormat},
		{"kubectl prefix without its end", `[pod/gw-a/tyk {"level":"info"}`, ReasonGarbage},
		{"too long", `{"level":"info","msg":"` + strings.Repeat("a", MaxLine) + `"}`, ReasonTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e Entry
			ok, reason := ParseLine([]byte(c.line), &Source{Name: "x"}, &e)
			if ok || reason != c.reason {
				t.Errorf("ParseLine = %v, %q; want false, %q", ok, reason, c.reason)
			}
		})
	}
	// Lines that are well formed and do not matter: no entry, no reason.
	for _, l := range []string{
		"", "   ",
		fixtureWith(t, "tyk-5.8.15.jsonl", "Loading API Specification"),
		fixtureWith(t, "tyk-5.8.15.jsonl", "[HOST CHECKER MANAGER]"),
		fixtureWith(t, "tyk-5.8.15.jsonl", "reload: initiating"),
		`time="Dec 01 06:04:19" level=info msg="Loading policies" prefix=main`,
	} {
		var e Entry
		if ok, reason := ParseLine([]byte(l), &Source{Name: "x"}, &e); ok || reason != "" {
			t.Errorf("%.60s: ParseLine = %v, %q; want false, \"\"", l, ok, reason)
		}
	}
}

func TestYear(t *testing.T) {
	line := []byte(`time="Dec 31 23:59:59" level=info prefix=access-log status=200`)
	for _, c := range []struct {
		name string
		src  Source
		want string
	}{
		{"options", Source{Name: "x", Year: 2024, ModTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, "2024-12-31T23:59:59Z"},
		{"file date, same year", Source{Name: "x", ModTime: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)}, "2026-12-31T23:59:59Z"},
		{"file date in the next January: the year before", Source{Name: "x", ModTime: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)}, "2026-12-31T23:59:59Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e Entry
			if ok, r := ParseLine(line, &c.src, &e); !ok {
				t.Fatalf("no entry: %q", r)
			}
			if !e.Time.Equal(mustTime(c.want)) {
				t.Errorf("time %v, want %s", e.Time, c.want)
			}
		})
	}
}

// The nodes of lines without gateway_node follow their stream's.
func TestNodeInference(t *testing.T) {
	ok200 := fixtureWith(t, "tyk-5.8.15.jsonl", `"status":200`)
	ucf := fixtureWith(t, "tyk-5.8.15.jsonl", `"upstream_flag":"UCF"`)
	other := strings.Replace(ucf, `"gateway_node":"vm"`, `"gateway_node":"vm2"`, 1)
	src := &Source{Name: "/logs/all.log"}
	var e Entry
	var got []string
	for _, l := range []string{ok200, ucf, ok200, other, ok200} {
		if ok, r := ParseLine([]byte(l), src, &e); !ok {
			t.Fatalf("no entry: %q", r)
		}
		got = append(got, e.Node)
	}
	// Before the first gateway_node: the file; after: vm; once a second
	// node shows, the file holds several: back to the file's name.
	want := []string{"all", "vm", "vm", "vm2", "all"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("nodes %v, want %v", got, want)
	}
}

func TestLifecycle(t *testing.T) {
	for _, file := range []string{"tyk-5.8.15.jsonl", "tyk-5.14.0.jsonl"} {
		t.Run(file, func(t *testing.T) {
			r, err := Open([]string{filepath.Join("testdata", file)}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var kinds []Kind
			var version string
			for {
				e, ok := r.Next()
				if !ok {
					break
				}
				switch e.Kind {
				case KindStart, KindReload, KindShutdown:
					kinds = append(kinds, e.Kind)
					if e.Kind == KindStart {
						version = e.Version
					}
				}
			}
			// Banner and "started" are one start; the first "API reload
			// complete" is the start's own load; the second is a reload.
			if len(kinds) != 2 || kinds[0] != KindStart || kinds[1] != KindReload {
				t.Errorf("lifecycle kinds %v, want [start reload]", kinds)
			}
			// Built from source, Tyk's version is internal/build's default.
			if version != "v5.5.0-dev" {
				t.Errorf("version %q", version)
			}
		})
	}
	t.Run("shutdown", func(t *testing.T) {
		src := &Source{Name: "gw"}
		var kinds []Kind
		for _, msg := range []string{"Tyk API Gateway v5.8.15", "Tyk Gateway started (v5.8.15)", "API reload complete", "API reload complete", "Stop signal received.", "Gracefully shutting down services...", "Terminating.", "Tyk API Gateway v5.8.16"} {
			var e Entry
			line := `{"level":"info","msg":"` + msg + `","prefix":"main","time":"2026-12-01T06:04:19Z"}`
			if ok, _ := ParseLine([]byte(line), src, &e); ok {
				kinds = append(kinds, e.Kind)
			}
		}
		want := []Kind{KindStart, KindReload, KindShutdown, KindStart}
		if len(kinds) != len(want) {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("kinds %v, want %v", kinds, want)
			}
		}
	})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readAll(t *testing.T, r *Reader) []Entry {
	t.Helper()
	var out []Entry
	for {
		e, ok := r.Next()
		if !ok {
			return out
		}
		out = append(out, *e)
	}
}

func TestReaderInputs(t *testing.T) {
	dir := t.TempDir()
	fixture58, err := os.ReadFile("testdata/tyk-5.8.15.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	fixture514, err := os.ReadFile("testdata/tyk-5.14.0.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// A directory: a plain file, a gzip file named .log (found by its
	// magic), a nested file, and bad lines.
	writeFile(t, filepath.Join(dir, "logs", "b-gw.log"), gz(t, fixture514))
	writeFile(t, filepath.Join(dir, "logs", "a-gw.log"), fixture58)
	bad := "not a log line\n" + `{"level":"info","msg":"trunc` + "\n" + "\xff\xfe\n"
	writeFile(t, filepath.Join(dir, "logs", "sub", "c-gw.log"), []byte(bad))

	var progress []int64
	r, err := Open([]string{filepath.Join(dir, "logs")}, ReadOptions{Progress: func(n int64) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	entries := readAll(t, r)
	st := r.Stats()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"a-gw.log", "b-gw.log", filepath.Join("sub", "c-gw.log")}
	if len(st.Files) != 3 {
		t.Fatalf("files %v", st.Files)
	}
	for i, f := range st.Files {
		if !strings.HasSuffix(f, wantFiles[i]) {
			t.Errorf("file %d %s, want …%s", i, f, wantFiles[i])
		}
	}
	lines58, lines514 := int64(bytes.Count(fixture58, []byte("\n"))), int64(bytes.Count(fixture514, []byte("\n")))
	if st.Lines != lines58+lines514+3 {
		t.Errorf("lines %d, want %d", st.Lines, lines58+lines514+3)
	}
	if st.Used != int64(len(entries)) {
		t.Errorf("used %d, entries %d", st.Used, len(entries))
	}
	// Each fixture: start, reload, 2 proxy errors, a body-copy error, 4
	// access lines (5.14.0: 5).
	if len(entries) != 9+10 {
		t.Errorf("%d entries, want 19", len(entries))
	}
	if st.Skipped != 3 || st.Reasons[ReasonUnknownFormat] != 1 || st.Reasons[ReasonTruncated] != 1 || st.Reasons[ReasonNotUTF8] != 1 {
		t.Errorf("skipped %d %v", st.Skipped, st.Reasons)
	}
	// Both files' lines carry gateway_node "vm" (the fixtures come from
	// one gateway): the nodes are as MergeNodes leaves them.
	if strings.Join(st.Nodes, ",") != "vm" {
		t.Errorf("nodes %v", st.Nodes)
	}
	if st.From == nil || !st.From.Equal(mustTime("2026-12-01T11:28:11Z")) || !st.To.Equal(mustTime("2026-12-01T11:31:43Z")) {
		t.Errorf("from %v to %v", st.From, st.To)
	}
	var total int64
	for _, f := range []string{"a-gw.log", "b-gw.log", filepath.Join("sub", "c-gw.log")} {
		fi, _ := os.Stat(filepath.Join(dir, "logs", f))
		total += fi.Size()
	}
	if len(progress) == 0 || progress[len(progress)-1] != total {
		t.Errorf("progress %v, want to end at %d", progress, total)
	}
	if a := r.NodeAliases(); a["a-gw"] != "vm" || a["b-gw"] != "vm" {
		t.Errorf("aliases %v", a)
	}
}

func TestReaderMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.log")
	_, err := Open([]string{"testdata/tyk-5.8.15.jsonl", missing}, ReadOptions{})
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open = %v; want a not-exist error naming %s", err, missing)
	}
}

func TestReaderStdin(t *testing.T) {
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader(fixtureWith(t, "tyk-5.8.15.jsonl", `"status":200`) + "\n" + textUCF) // no final newline
	r, err := Open([]string{"-"}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries := readAll(t, r)
	if len(entries) != 2 || entries[0].Node != "stdin" || entries[0].NodeSource != NodeFromFile || entries[1].Flag != "UCF" {
		t.Errorf("entries %+v", entries)
	}
	if st := r.Stats(); st.Files[0] != "stdin" || st.Lines != 2 {
		t.Errorf("stats %+v", st)
	}
}

// A line over MaxLine is skipped without reading it into memory, and the
// next line is read.
func TestReaderLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"level":"info","prefix":"access-log","status":200,"msg":"`)
	for i := 0; i < 3*MaxLine/1024; i++ {
		w.WriteString(strings.Repeat("y", 1024))
	}
	w.WriteString("\"}\n")
	w.WriteString(fixtureWith(t, "tyk-5.8.15.jsonl", `"upstream_flag":"UCF"`) + "\n")
	w.Flush()
	f.Close()

	r, err := Open([]string{path}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries := readAll(t, r)
	st := r.Stats()
	if len(entries) != 1 || entries[0].Flag != "UCF" {
		t.Errorf("entries %+v", entries)
	}
	if st.Lines != 2 || st.Skipped != 1 || st.Reasons[ReasonTooLong] != 1 {
		t.Errorf("stats %+v", st)
	}
	if n := r.cur; n != nil {
		t.Errorf("input still open")
	}
}

// The year of yearless lines comes from the file's modification date.
func TestReaderModTimeYear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.log")
	writeFile(t, path, []byte(`time="Dec 31 23:00:00" level=info prefix=access-log status=200`+"\n"+`time="Jan 01 00:10:00" level=info prefix=access-log status=200`+"\n"))
	mt := time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
	r, err := Open([]string{path}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries := readAll(t, r)
	if len(entries) != 2 || !entries[0].Time.Equal(mustTime("2026-12-31T23:00:00Z")) || !entries[1].Time.Equal(mustTime("2027-01-01T00:10:00Z")) {
		t.Errorf("times %v %v", entries[0].Time, entries[1].Time)
	}
}

// Strings of an Entry are copies: the next line does not change them.
func TestEntryStringsOutliveTheLine(t *testing.T) {
	src := &Source{Name: "gw"}
	var e Entry
	line := []byte(fixtureWith(t, "tyk-5.8.15.jsonl", `"upstream_flag":"UCF"`))
	ParseLine(line, src, &e)
	keep := e
	for i := range line {
		line[i] = 'x'
	}
	ParseLine([]byte(textUCF), src, &e)
	if keep.Error != "dial tcp 127.0.0.1:55279: connect: connection refused" || keep.Path != "/e2e-classic-2" || keep.Target != "127.0.0.1:55279" {
		t.Errorf("kept entry changed: %+v", keep)
	}
}

// TestLineAndStdinOption: Line gives the raw line of the last Entry, and
// ReadOptions.Stdin is what "-" reads.
func TestLineAndStdinOption(t *testing.T) {
	raw := `{"level":"info","msg":"","prefix":"access-log","status":502,"method":"GET","path":"/x","upstream_flag":"UCF","upstream_target":"orders.internal:8080","gateway_node":"gw-a","time":"2026-12-01T06:04:19Z"}`
	r, err := Open([]string{"-"}, ReadOptions{Stdin: strings.NewReader("garbage\n" + raw + "\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e, ok := r.Next()
	if !ok || e.Flag != "UCF" || e.Node != "gw-a" {
		t.Fatalf("entry %+v, %v", e, ok)
	}
	if got := string(r.Line()); got != raw {
		t.Fatalf("Line() = %q, want the line as read", got)
	}
}

// A 5.8 proxy-error line's target is the API's upstream as the gateway
// named it (server_name), the dialled address its peer; a resolver's
// address in "lookup NAME on SERVER:53" is neither (lines as real Tyk
// 5.8.15 wrote them in scripts/e2e fleet).
func TestProxyErrorTarget(t *testing.T) {
	for _, c := range []struct{ line, target, peer string }{
		{`{"api_id":"fleet-orders","level":"error","msg":"http: proxy error: dial tcp 127.0.1.1:8080: i/o timeout","prefix":"proxy","server_name":"orders.internal:8080","time":"2026-12-02T00:53:03Z"}`,
			"orders.internal:8080", "127.0.1.1:8080"},
		{`{"api_id":"fleet-inventory","level":"error","msg":"http: proxy error: dial tcp: lookup inventory.internal on 127.0.2.3:53: server misbehaving","prefix":"proxy","server_name":"inventory.internal:8080","time":"2026-12-02T00:53:13Z"}`,
			"inventory.internal:8080", ""},
		{`{"level":"error","msg":"http: proxy error: dial tcp: lookup inventory.internal on 127.0.2.3:53: server misbehaving","prefix":"proxy","time":"2026-12-02T00:53:13Z"}`,
			"inventory.internal", ""},
	} {
		var src Source
		var e Entry
		if ok, reason := ParseLine([]byte(c.line), &src, &e); !ok {
			t.Fatalf("ParseLine: not used (%q): %s", reason, c.line)
		}
		if e.Target != c.target || e.Peer != c.peer {
			t.Errorf("target %q peer %q, want %q %q: %s", e.Target, e.Peer, c.target, c.peer, c.line)
		}
	}
}
