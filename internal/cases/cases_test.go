package cases

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// TestDemoRequestsHaveWants checks that every demo request has an
// expectation and that every request key of Tyk512Says is one a demo
// request produces.
func TestDemoRequestsHaveWants(t *testing.T) {
	keys := map[string]bool{}
	for i, dc := range Demo {
		if _, ok := WantByCase[dc.Case]; !ok {
			t.Errorf("demo case %d: no WantByCase[%q]", i+1, dc.Case)
		}
		if WantFor(dc).Status == 0 {
			t.Errorf("demo case %d (%s): no status wanted", i+1, dc.Case)
		}
		keys[RequestKey(dc)] = true
	}
	for k := range Tyk512Says {
		if !keys[k] {
			t.Errorf("Tyk512Says[%q]: no demo request has that key", k)
		}
	}
	for key, w := range map[string]Want{KeyPostIdleClose: WantPostIdleClose, KeyClientGone: WantClientGone} {
		if !keys[key] {
			t.Errorf("no demo request has the key %q", key)
		}
		for _, dc := range Demo {
			if RequestKey(dc) == key && WantFor(dc) != w {
				t.Errorf("%s: WantFor = %+v, want %+v", key, WantFor(dc), w)
			}
		}
	}
}

func TestURLs(t *testing.T) {
	got := URLs(&upstreams.Set{OK: "http://127.0.0.1:1/", DNSOK: "http://ok.upstream.test:1/"})
	want := map[string]string{OK: "http://127.0.0.1:1/", DNSOK: "http://ok.upstream.test:1/"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("URLs = %v, want %v", got, want)
	}
}

func TestCheck(t *testing.T) {
	const host = "127.0.0.1:9"
	refused := WantByCase[Refused]
	entry := map[string]any{
		"status": 500, "error": "dial tcp 127.0.0.1:9: connect: connection refused",
		"upstream_flag": "UCF", "upstream_error_type": "connection_refused",
		"upstream_error_detail": "connection_refused", "upstream_error_phase": "connect",
		"upstream_error_source": "upstream", "upstream_target": host, "upstream_peer": host,
		"response_flag": "UCF", "response_code_details": "connection_refused",
		"error_source": "ReverseProxy", "error_target": host,
	}
	tags := []string{"upstream_error_phase:connect", "upstream_error_source:upstream", "upstream_error_type:connection_refused", "upstream_flag:UCF"}
	if bad := refused.Check(entry, host, tags, true, nil); len(bad) > 0 {
		t.Errorf("a matching entry: %q", bad)
	}
	if bad := refused.Check(entry, host, tags[1:], true, nil); len(bad) != 1 || !strings.Contains(bad[0], "lack") {
		t.Errorf("a record without the phase tag: %q", bad)
	}
	if bad := refused.Check(entry, host, nil, false, nil); len(bad) > 0 {
		t.Errorf("no record: %q", bad)
	}

	// Tyk 5.12 writes its own keys; the plugin must keep them.
	says := Tyk512Says[ConnectTimeout]
	timeout := WantByCase[ConnectTimeout]
	e512 := map[string]any{
		"status": 500, "error": "dial tcp 127.0.0.1:9: i/o timeout",
		"upstream_flag": "UCT", "upstream_error_type": "connection_timeout",
		"upstream_error_detail": "connection_timeout", "upstream_error_phase": "connect",
		"upstream_error_source": "network", "upstream_target": host, "upstream_peer": host,
		"response_flag": "URT", "response_code_details": "request_timeout",
		"error_source": "ReverseProxy", "error_target": host + "/case/connect_timeout/x",
	}
	if bad := timeout.Check(e512, host, nil, false, &says); len(bad) > 0 {
		t.Errorf("a 5.12 entry: %q", bad)
	}
	if bad := timeout.Check(e512, host, nil, false, nil); len(bad) == 0 {
		t.Error("a 5.12 entry passes as one with the plugin's compat keys")
	}

	ok := map[string]any{"status": 200, "upstream_flag": "UCF"}
	if bad := WantByCase[OK].Check(ok, host, []string{"upstream_flag:UCF"}, true, nil); len(bad) != 2 {
		t.Errorf("a success carrying an error key and tag: %q", bad)
	}
}

// TestCheckNames: the same failure written in each naming mode passes
// when read with that mode's names, and what is wrong with it is named
// under them.
func TestCheckNames(t *testing.T) {
	const host = "127.0.0.1:9"
	refused := WantByCase[Refused]
	tags := []string{"upstream_error_phase:connect", "upstream_error_source:upstream", "upstream_error_type:connection_refused", "upstream_flag:UCF"}
	compat := map[string]any{"status": 500, "response_flag": "UCF", "response_code_details": "connection_refused", "error_source": "ReverseProxy", "error_target": host}
	with := func(m map[string]any) map[string]any {
		for k, v := range compat {
			m[k] = v
		}
		return m
	}
	ecs := with(map[string]any{
		"error.message": "dial tcp 127.0.0.1:9: connect: connection refused", "error.code": "UCF", "error.type": "connection_refused",
		"event.reason": "connection_refused", "tyk.upstream.phase": "connect", "tyk.upstream.source": "upstream",
		"server.address": "127.0.0.1", "server.port": 9, "server.ip": "127.0.0.1",
	})
	otel := with(map[string]any{
		"error.message": "dial tcp 127.0.0.1:9: connect: connection refused", "tyk.upstream.flag": "UCF", "error.type": "connection_refused",
		"tyk.upstream.error_detail": "connection_refused", "tyk.upstream.phase": "connect", "tyk.upstream.source": "upstream",
		"server.address": "127.0.0.1", "server.port": float64(9), "network.peer.address": "127.0.0.1", "network.peer.port": json.Number("9"),
	})
	for _, tc := range []struct {
		n *accesslog.Names
		e map[string]any
	}{{&accesslog.ECSNames, ecs}, {&accesslog.OTelNames, otel}} {
		if bad := refused.CheckNames(tc.n, tc.e, host, tags, true, nil); len(bad) > 0 {
			t.Errorf("%s: %q", tc.n.Flag, bad)
		}
		if bad := refused.Check(tc.e, host, tags, true, nil); len(bad) == 0 {
			t.Errorf("%s: passes when read with Tyk's names", tc.n.Flag)
		}
	}
	for _, tc := range []struct {
		what   string
		n      *accesslog.Names
		e      map[string]any
		change func(e map[string]any)
		want   string
	}{
		{"port as a string", &accesslog.ECSNames, ecs, func(e map[string]any) { e["server.port"] = "9" }, `server.port = "9", want the integer 9`},
		{"another port", &accesslog.ECSNames, ecs, func(e map[string]any) { e["server.port"] = 10 }, `server.port = "10", want "9"`},
		{"host:port where the host alone goes", &accesslog.ECSNames, ecs, func(e map[string]any) { e["server.address"] = host }, `server.address = "127.0.0.1:9", want "127.0.0.1"`},
		{"no peer", &accesslog.ECSNames, ecs, func(e map[string]any) { delete(e, "server.ip") }, `server.ip absent`},
		{"a peer port as a fraction", &accesslog.OTelNames, otel, func(e map[string]any) { e["network.peer.port"] = 9.5 }, `network.peer.port = "9.5", want "9"`},
		{"no flag", &accesslog.OTelNames, otel, func(e map[string]any) { delete(e, "tyk.upstream.flag") }, `tyk.upstream.flag absent, want "UCF"`},
		{"no error text", &accesslog.OTelNames, otel, func(e map[string]any) { e["error.message"] = "" }, `error.message absent or empty`},
	} {
		e := map[string]any{}
		for k, v := range tc.e {
			e[k] = v
		}
		tc.change(e)
		bad := refused.CheckNames(tc.n, e, host, tags, true, nil)
		if !strings.Contains(strings.Join(bad, "\n"), tc.want) {
			t.Errorf("%s: %q, want %q", tc.what, bad, tc.want)
		}
	}

	// A DNS failure has no peer; a target that is a name has some peer.
	dns := WantByCase[DNSNXDomain]
	e := map[string]any{"status": 500, "error": "lookup x: no such host", "upstream_flag": "DNS", "upstream_error_type": "dns_error",
		"upstream_error_detail": "dns_not_found", "upstream_error_phase": "dns", "upstream_error_source": "dns",
		"upstream_target": "x.test:80", "response_flag": "DNS", "response_code_details": "dns_not_found", "error_source": "ReverseProxy", "error_target": "x.test:80"}
	if bad := dns.Check(e, "x.test:80", nil, false, nil); len(bad) > 0 {
		t.Errorf("DNS: %q", bad)
	}
	e["upstream_peer"] = "127.0.0.1:80"
	if bad := dns.Check(e, "x.test:80", nil, false, nil); len(bad) != 1 || !strings.Contains(bad[0], "want absent") {
		t.Errorf("DNS with a peer: %q", bad)
	}
	e["upstream_error_detail"], e["response_code_details"] = "connection_refused", "connection_refused"
	byName := WantByCase[Refused]
	for k, v := range map[string]any{"upstream_flag": "UCF", "response_flag": "UCF", "upstream_error_type": "connection_refused", "upstream_error_phase": "connect", "upstream_error_source": "upstream"} {
		e[k] = v
	}
	if bad := byName.Check(e, "x.test:80", nil, false, nil); len(bad) > 0 {
		t.Errorf("a name's peer: %q", bad)
	}
	delete(e, "upstream_peer")
	if bad := byName.Check(e, "x.test:80", nil, false, nil); len(bad) != 1 || !strings.Contains(bad[0], "upstream_peer absent") {
		t.Errorf("a name without a peer: %q", bad)
	}

	// The success check reads the mode's keys.
	ok := map[string]any{"status": 200, "server.ip": "127.0.0.1"}
	if bad := WantByCase[OK].CheckNames(&accesslog.ECSNames, ok, host, nil, false, nil); len(bad) != 1 || !strings.Contains(bad[0], "server.ip") {
		t.Errorf("a success carrying server.ip: %q", bad)
	}
	if got := ErrorKeysOf(&accesslog.OTelNames); !contains(got, "network.peer.port") || !contains(got, "server.port") || contains(got, "upstream_flag") || !contains(got, "response_flag") {
		t.Errorf("ErrorKeysOf(OTelNames) = %q", got)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:80": true, "10.0.0.1:80": false,
		"example.com:80": false, "127.0.0.1": false,
	} {
		if err := LoopbackOnly(addr); (err == nil) != ok {
			t.Errorf("LoopbackOnly(%q) = %v", addr, err)
		}
	}
	c := NewClient()
	defer c.CloseIdleConnections()
	if _, err := Send(c, "http://192.0.2.1:80/", http.MethodGet, 0); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("Send to a non-loopback address: %v", err)
	}
}

func TestSend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && (string(body) != `{"order":42}` || r.Header.Get("Content-Type") != "application/json") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	c := NewClient()
	defer c.CloseIdleConnections()
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if status, err := Send(c, srv.URL+"/", m, 0); err != nil || status != http.StatusTeapot {
			t.Errorf("%s: status %d, err %v", m, status, err)
		}
	}
	if status, err := Send(c, srv.URL+"/slow", http.MethodGet, 50*time.Millisecond); err == nil || status != 0 {
		t.Errorf("abandoned: status %d, err %v", status, err)
	}
}
