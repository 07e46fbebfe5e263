// Package genlog writes realistic Tyk gateway logs in Tyk's JSON format, of
// a chosen size, for the triage benchmarks: a fleet's access-log lines
// (mostly successes; failures of several causes enriched by the plugin,
// with the gateway's proxy-error lines), the gateway's lifecycle and other
// lines, and a few damaged lines. The output depends only on the Options.
package genlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"time"
)

// Options say what Write writes.
type Options struct {
	// Bytes is the size to write: Write stops at the first line end at or
	// after it.
	Bytes int64
	// Seed seeds the random choices; the same Options write the same bytes.
	Seed int64
	// Nodes is the number of gateway nodes (gateway_node gw-1 … gw-N);
	// default 4.
	Nodes int
	// Start is the time of the first line; default 2026-12-01T06:00:00Z.
	Start time.Time
	// Step is the time between two lines; default 20 ms (a 1 GB log then
	// spans about ten hours).
	Step time.Duration
}

// A failure cause: the plugin's fields, the error text, and the status.
type cause struct {
	flag, detail, phase, source, errType, err string
	status                                    int
	proxyError                                bool // the gateway also writes its "http: proxy error" line
}

var causes = []cause{
	{"UCT", "connection_timeout", "connect", "network", "connection_timeout", "dial tcp %s: i/o timeout", 502, true},
	{"UCF", "connection_refused", "connect", "upstream", "connection_refused", "dial tcp %s: connect: connection refused", 502, true},
	{"UCC", "idle_connection_closed_by_upstream", "response_headers", "upstream", "connection_terminated", "EOF", 502, true},
	{"URR", "connection_reset_before_response", "response_headers", "upstream", "connection_reset", "read tcp 10.0.0.4:41872->%s: read: connection reset by peer", 502, true},
	{"URT", "response_headers_timeout", "response_headers", "gateway", "http_response_timeout", "net/http: timeout awaiting response headers", 504, true},
	{"DNS", "dns_not_found", "dns", "network", "dns", "dial tcp: lookup %s on 10.96.0.10:53: no such host", 502, true},
	{"URS", "upstream_response_5xx", "response_headers", "upstream", "upstream_response", "", 503, false},
}

type api struct{ id, name, host, peer string }

var apis = []api{
	{"orders", "Orders", "orders.internal:8080", "10.0.3.17:8080"},
	{"payments", "Payments", "payments.internal:8443", "10.0.4.21:8443"},
	{"catalogue", "Catalogue", "catalogue.internal:8080", "10.0.5.9:8080"},
	{"users", "Users", "users.internal:9000", "10.0.6.33:9000"},
	{"search", "Search", "search.internal:8080", "10.0.7.2:8080"},
}

var (
	methods   = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	agents    = []string{"okhttp/4.12.0", "Go-http-client/1.1", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "curl/8.5.0"}
	successes = []int{200, 200, 200, 200, 200, 201, 204, 304, 404, 401}
)

// Write writes the log to w and returns the bytes written.
//
// Per 10 000 lines, about: 9 500 successful access-log lines (some 4xx),
// 250 failed requests (7 causes, each with its own node and upstream,
// plugin-enriched: flag, detail, phase, target, peer, gateway_node, idle
// and latency figures), 150 of them with the gateway's proxy-error line,
// 80 other gateway lines (host checker, policies), 2 damaged lines
// (truncated JSON, a Go panic, control bytes); each node starts at its
// first line and restarts or reloads its APIs now and then.
func Write(w io.Writer, o Options) (int64, error) {
	if o.Nodes <= 0 {
		o.Nodes = 4
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	}
	if o.Step <= 0 {
		o.Step = 20 * time.Millisecond
	}
	rnd := rand.New(rand.NewSource(o.Seed))
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	var line []byte
	emit := func() {
		line = append(line, '\n')
		m, _ := bw.Write(line)
		n += int64(m)
		line = line[:0]
	}
	nodes := make([]string, o.Nodes)
	for i := range nodes {
		nodes[i] = "gw-" + strconv.Itoa(i+1)
	}
	at := o.Start
	for i := range nodes {
		line = mainLine(line, at, "Tyk API Gateway v5.14.0")
		emit()
		line = mainLine(line, at.Add(time.Duration(i)*time.Millisecond), "API reload complete")
		emit()
	}
	for seq := 0; n < o.Bytes; seq++ {
		at = at.Add(o.Step)
		ts := at.Format(time.RFC3339)
		node := nodes[rnd.Intn(len(nodes))]
		a := apis[rnd.Intn(len(apis))]
		switch r := rnd.Intn(10000); {
		case r < 9500:
			line = access(line, rnd, ts, a, successes[rnd.Intn(len(successes))])
		case r < 9750:
			// Each cause fails on its own node and upstream, as incidents do.
			ci := rnd.Intn(len(causes))
			c := causes[ci]
			node = nodes[ci%len(nodes)]
			a = apis[ci%len(apis)]
			if c.proxyError && rnd.Intn(5) < 3 {
				line = proxyError(line, ts, a, c)
				emit()
			}
			line = failure(line, rnd, ts, node, a, c)
		case r < 9830:
			line = fmt.Appendf(line, `{"level":"warning","message":"[HOST CHECKER MANAGER] Host is DOWN: http://%s/health","prefix":"host-check-mgr","time":"%s"}`, a.host, ts)
		case r < 9998:
			line = fmt.Appendf(line, `{"level":"info","message":"Policies found (%d total):","prefix":"main","time":"%s"}`, rnd.Intn(40), ts)
		default:
			switch rnd.Intn(3) {
			case 0: // cut by a full disk or a rotation
				full := access(nil, rnd, ts, a, 200)
				line = append(line, full[:len(full)/2]...)
			case 1:
				line = append(line, "panic: runtime error: invalid memory address or nil pointer dereference"...)
			default:
				line = append(line, "\x00\x00\x00\x00\x00\x00"...)
			}
		}
		emit()
		if seq%400_000 == 399_999 { // a node restarts, another reloads
			line = mainLine(line, at, "Tyk API Gateway v5.14.0")
			emit()
			line = mainLine(line, at, "API reload complete")
			emit()
		}
	}
	return n, bw.Flush()
}

func mainLine(b []byte, at time.Time, msg string) []byte {
	return fmt.Appendf(b, `{"level":"info","message":%s,"prefix":"main","time":"%s"}`, jsonString(msg), at.Format(time.RFC3339))
}

// access is a successful (or 4xx) access-log line: no plugin fields, no
// gateway_node (the plugin writes it on failures only).
func access(b []byte, rnd *rand.Rand, ts string, a api, status int) []byte {
	id := rnd.Intn(1_000_000)
	lat := rnd.Intn(80)
	return fmt.Appendf(b, `{"api_id":"%s","api_key":"--","api_name":"%s","api_type":"classic","client_ip":"10.1.%d.%d","host":"api.example.com","latency_gateway":%d,"latency_total":%d,"level":"info","message":"","method":"%s","org_id":"default","original_path":"/%s/v1/items/%d","path":"/v1/items/%d","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.%d.%d:%d","status":%d,"time":"%s","type":"request","upstream_addr":"http://%s/v1/items/%d","upstream_latency":%d,"user_agent":"%s"}`,
		a.id, a.name, rnd.Intn(16), rnd.Intn(250), rnd.Intn(3), lat, methods[rnd.Intn(len(methods))], a.id, id, id,
		rnd.Intn(16), rnd.Intn(250), 30000+rnd.Intn(30000), status, ts, a.host, id, lat, agents[rnd.Intn(len(agents))])
}

// failure is a failed request's access-log line as the plugin enriches it.
func failure(b []byte, rnd *rand.Rand, ts, node string, a api, c cause) []byte {
	id := rnd.Intn(1_000_000)
	errText := c.text(a)
	var lat float64
	extra := ""
	switch c.flag {
	case "UCT":
		lat = 30000 + rnd.Float64()*5
	case "URT":
		lat = 30000 + rnd.Float64()*20
		extra = fmt.Sprintf(`"upstream_conn_reused":false,"upstream_request_write_ms":0.041,"upstream_response_headers_ms":%.3f,`, lat)
	case "UCC":
		lat = rnd.Float64() * 3
		extra = fmt.Sprintf(`"upstream_conn_idle_ms":%.3f,"upstream_conn_reused":true,"upstream_request_write_ms":0.015,`, 60000+rnd.Float64()*900)
	case "URS":
		lat = 5 + rnd.Float64()*50
		extra = `"upstream_status":503,`
	default:
		lat = rnd.Float64() * 5
	}
	errField := ""
	if errText != "" {
		q := jsonString(errText)
		errField = `"error":` + q + `,"logrus_error":` + q + `,`
	}
	return fmt.Appendf(b, `{"api_id":"%s","api_key":"--","api_name":"%s","api_type":"classic","client_ip":"10.1.0.9",%s"error_source":"ReverseProxy","error_target":"%s/v1/items/%d","gateway_node":"%s","host":"api.example.com","latency_gateway":0,"latency_total":%.0f,"level":"info","message":"","method":"GET","org_id":"default","path":"/v1/items/%d","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.0.9:41942","response_code_details":"%s","response_flag":"%s","status":%d,"time":"%s","upstream_addr":"http://%s/v1/items/%d","upstream_attempts":1,%s"upstream_error_detail":"%s","upstream_error_phase":"%s","upstream_error_source":"%s","upstream_error_type":"%s","upstream_flag":"%s","upstream_latency":%.0f,"upstream_peer":"%s","upstream_target":"%s","user_agent":"okhttp/4.12.0"}`,
		a.id, a.name, errField, a.host, id, node, lat, id, c.detail, c.flag, c.status, ts, a.host, id, extra,
		c.detail, c.phase, c.source, c.errType, c.flag, lat, a.peer, a.host)
}

// proxyError is the gateway's own "http: proxy error" line of a failure.
func proxyError(b []byte, ts string, a api, c cause) []byte {
	return fmt.Appendf(b, `{"api_id":"%s","api_name":"%s","level":"error","message":%s,"mw":"ReverseProxy","org_id":"default","prefix":"proxy","server_name":"%s","time":"%s","type":"request","user_id":"--","user_ip":"10.1.0.9","user_name":""}`,
		a.id, a.name, jsonString("http: proxy error: "+c.text(a)), a.host, ts)
}

// text is the error text of c toward a: its peer, or its host for DNS.
func (c cause) text(a api) string {
	if !strings.Contains(c.err, "%s") {
		return c.err
	}
	arg := a.peer
	if c.flag == "DNS" {
		arg, _, _ = net.SplitHostPort(a.host)
	}
	return fmt.Sprintf(c.err, arg)
}

// jsonString quotes s as logrus's JSONFormatter does (encoding/json, with
// its HTML escapes: "->" is written "-\u003e").
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
