package accesslog_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

// gateway plays Tyk's part around the hook, on the calling goroutine and in
// Tyk's order: pre hook, round trip, "http: proxy error" entry, response
// hook, access-log entry (gateway/reverse_proxy.go, handler_error.go,
// middleware.go RecordAccessLog).
type gateway struct {
	hook   *accesslog.Hook
	log    *logrus.Logger
	seen   *test.Hook
	tr     *http.Transport
	usePre bool
	noResp bool // the API has no response hook
	v512   bool // write the gateway's own response_flag like Tyk 5.12

	// last is the client-facing writer of the last request served: the
	// response the client got, headers included (lastW reads it).
	mu   sync.Mutex
	last *httptest.ResponseRecorder
}

// lastW returns the client-facing writer of the last request served.
func (g *gateway) lastW() *httptest.ResponseRecorder {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last
}

func newGateway(t *testing.T, cfg accesslog.Config) *gateway {
	t.Helper()
	l := logrus.New()
	l.SetOutput(io.Discard)
	h := accesslog.New(cfg)
	t.Cleanup(h.Close)
	l.AddHook(h)
	seen := test.NewLocal(l)
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
		ResponseHeaderTimeout: 300 * time.Millisecond,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &gateway{hook: h, log: l, seen: seen, tr: tr, usePre: true}
}

func testConfig() accesslog.Config {
	cfg := accesslog.DefaultConfig()
	cfg.Node = "gw-test-1"
	cfg.Grace = 50 * time.Millisecond
	return cfg
}

// serve proxies one request to target and returns its access-log entry.
func (g *gateway) serve(ctx context.Context, method, target string) logrus.Fields {
	in, _ := http.NewRequestWithContext(ctx, method, "http://gateway.local/api/x", nil)
	in.RemoteAddr = "127.0.0.1:5555"
	w := httptest.NewRecorder() // the client-facing writer
	if g.usePre {
		g.hook.Begin(w, in)
	}
	out, _ := http.NewRequestWithContext(in.Context(), method, target, nil)
	status := 200
	res, err := g.tr.RoundTrip(out)
	if err != nil {
		g.log.WithFields(logrus.Fields{
			"prefix": "proxy", "user_ip": "127.0.0.1", "server_name": out.Host, "api_id": "api1", "org_id": "org1",
		}).Error("http: proxy error: ", err)
		switch {
		case strings.Contains(err.Error(), "timeout awaiting response headers"):
			status = 504
		case strings.Contains(err.Error(), "context canceled"):
			status = 499
		default:
			status = 500
		}
		// The error handler's answer (handler_error.go HandleError).
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
	} else {
		if !g.noResp {
			g.hook.Response(res)
		}
		status = res.StatusCode
		for k, vs := range res.Header { // the proxy copies the upstream's headers
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		if _, cerr := io.Copy(io.Discard, res.Body); cerr != nil {
			g.log.WithFields(logrus.Fields{"prefix": "proxy", "api_id": "api1", "org_id": "org1"}).
				Error("http: proxy error during body copy: ", cerr)
		}
		res.Body.Close()
	}
	fields := logrus.Fields{
		"prefix": "access-log", "method": method, "path": "/x", "status": status,
		"client_ip": "127.0.0.1", "remote_addr": in.RemoteAddr,
	}
	if g.v512 {
		fields["api_id"] = "api1"
		if err != nil {
			fields["response_flag"] = "URT"
		}
	}
	g.log.WithFields(fields).Info()
	g.mu.Lock()
	g.last = w
	g.mu.Unlock()
	return g.seen.LastEntry().Data
}

func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				go func() { <-done; c.Close() }()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); close(done); wg.Wait() })
	return ln.Addr().String()
}

// okServer answers every request on c "200 OK", keep-alive; a path under
// /503 gets a 503, one under /502-envoy a 502 with the intermediary's own
// Proxy-Status member.
func okServer(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		status, extra := "200 OK", ""
		switch {
		case strings.HasPrefix(req.URL.Path, "/503"):
			status = "503 Service Unavailable"
		case strings.HasPrefix(req.URL.Path, "/502-envoy"): // an intermediary that says why itself
			status, extra = "502 Bad Gateway", "Proxy-Status: envoy; error=connection_refused\r\n"
		}
		io.WriteString(c, "HTTP/1.1 "+status+"\r\n"+extra+"Content-Length: 2\r\n\r\nok")
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

var errorKeys = []string{"error", "upstream_flag", "upstream_error_type", "upstream_error_detail", "upstream_error_phase",
	"upstream_error_source", "upstream_target", "upstream_peer", "response_flag", "response_code_details", "error_source",
	"error_target", "upstream_status", "gateway_node"}

func assertNoErrorFields(t *testing.T, d logrus.Fields) {
	t.Helper()
	for _, k := range errorKeys {
		if v, ok := d[k]; ok {
			t.Errorf("entry of a successful request has %s=%v", k, v)
		}
	}
}

func TestRefusedIsWrittenIntoTheAccessLogEntry(t *testing.T) {
	g := newGateway(t, testConfig())
	addr := closedPort(t)
	d := g.serve(context.Background(), "GET", "http://"+addr+"/")

	want := map[string]interface{}{
		"upstream_flag": "UCF", "upstream_error_type": "connection_refused", "upstream_error_phase": "connect",
		"upstream_error_source": "upstream", "upstream_target": addr, "upstream_peer": addr, "upstream_attempts": 1,
		"response_flag": "UCF", "error_source": "ReverseProxy", "error_target": addr, "gateway_node": "gw-test-1",
		"status": 500,
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v (%T), want %v", k, d[k], d[k], v)
		}
	}
	if e, _ := d["error"].(string); !strings.HasPrefix(e, "dial tcp "+addr) || !strings.HasSuffix(e, "connection refused") {
		t.Errorf("error = %q", d["error"])
	}
	if _, ok := d["upstream_connect_ms"].(float64); !ok {
		t.Errorf("upstream_connect_ms = %v (%T), want float64 milliseconds", d["upstream_connect_ms"], d["upstream_connect_ms"])
	}
	if g.hook.Pending() != 0 {
		t.Errorf("pending %d after the access-log entry", g.hook.Pending())
	}
}

func TestKeepAliveFailureThenSuccess(t *testing.T) {
	g := newGateway(t, testConfig())
	ok := listen(t, okServer)
	// Both requests on one goroutine, as on a keep-alive connection.
	d := g.serve(context.Background(), "GET", "http://"+closedPort(t)+"/")
	if d["upstream_flag"] != "UCF" {
		t.Fatalf("first request not classified: %v", d)
	}
	d = g.serve(context.Background(), "GET", "http://"+ok+"/")
	assertNoErrorFields(t, d)
}

func TestGateway512KeysAreNeverOverwritten(t *testing.T) {
	g := newGateway(t, testConfig())
	g.v512 = true
	d := g.serve(context.Background(), "GET", "http://"+closedPort(t)+"/")
	if d["response_flag"] != "URT" {
		t.Errorf("response_flag = %v, want the gateway's own URT kept", d["response_flag"])
	}
	if d["upstream_flag"] != "UCF" {
		t.Errorf("upstream_flag = %v, want UCF", d["upstream_flag"])
	}
}

func TestWithoutPreHookClassifiesFromTheLogLine(t *testing.T) {
	g := newGateway(t, testConfig())
	g.usePre = false
	d := g.serve(context.Background(), "GET", "http://"+closedPort(t)+"/")
	if d["upstream_flag"] != "UCF" || d["upstream_error_phase"] != "connect" {
		t.Fatalf("orphan failure not written: %v", d)
	}
	if _, ok := d["upstream_attempts"]; ok {
		t.Errorf("attempts written without a trace")
	}
	if g.hook.Pending() != 0 {
		t.Errorf("pending %d", g.hook.Pending())
	}
}

func TestUpstream5xx(t *testing.T) {
	g := newGateway(t, testConfig())
	ok := listen(t, okServer)
	d := g.serve(context.Background(), "GET", "http://"+ok+"/503")
	if d["upstream_flag"] != "URS" || d["upstream_status"] != 503 || d["error_source"] != "Upstream" {
		t.Fatalf("5xx not classified: %v", d)
	}
	if _, ok := d["error"]; ok {
		t.Errorf("error written for an answered request: %v", d["error"])
	}
}

func TestBodyCopyFailure(t *testing.T) {
	g := newGateway(t, testConfig())
	addr := listen(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 1000))
		time.Sleep(20 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	d := g.serve(context.Background(), "GET", "http://"+addr+"/")
	if d["status"] != 200 || d["upstream_error_phase"] != "response_body" || d["upstream_flag"] == nil {
		t.Fatalf("mid-body failure not written: %v", d)
	}
}

func TestBodyCopyFailureWithoutResponseHook(t *testing.T) {
	g := newGateway(t, testConfig())
	g.noResp = true
	addr := listen(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 1000))
		time.Sleep(20 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	d := g.serve(context.Background(), "GET", "http://"+addr+"/")
	if d["status"] != 200 || d["upstream_flag"] != "URR" || d["upstream_error_phase"] != "response_body" ||
		d["upstream_error_detail"] != "connection_reset_during_body" {
		t.Fatalf("mid-body failure without the response hook: %v", d)
	}
}

func TestClientGoneKeeps499(t *testing.T) {
	g := newGateway(t, testConfig())
	hang := listen(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(context.Background())
	defer time.AfterFunc(50*time.Millisecond, cancel).Stop()
	d := g.serve(ctx, "GET", "http://"+hang+"/")
	if d["status"] != 499 || d["upstream_flag"] != "CDC" || d["upstream_error_source"] != "client" {
		t.Fatalf("client disconnect not written: %v", d)
	}
}

func TestStateOfARequestWithoutEntryIsNotAttachedToTheNext(t *testing.T) {
	g := newGateway(t, testConfig())
	ok := listen(t, okServer)
	// Request A fails and its request ends without an access-log entry (as
	// with a plugin short-circuit or DoNotTrack).
	ctxA, endA := context.WithCancel(context.Background())
	in, _ := http.NewRequestWithContext(ctxA, "GET", "http://gateway.local/a", nil)
	g.hook.Begin(httptest.NewRecorder(), in)
	g.log.WithFields(logrus.Fields{"prefix": "proxy", "api_id": "api1"}).Error("http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused")
	endA()
	// Request B on the same goroutine, through an API without the pre hook.
	g.usePre = false
	d := g.serve(context.Background(), "GET", "http://"+ok+"/")
	assertNoErrorFields(t, d)
	// And A's state goes away after the grace period.
	waitPendingZero(t, g.hook)
}

// waitPendingZero waits up to 2s for the janitor to empty the hook's state.
func waitPendingZero(t *testing.T, h *accesslog.Hook) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for h.Pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.Pending(); n != 0 {
		t.Fatalf("pending %d after the grace period", n)
	}
}

func TestStateIsRemovedAfterTheRequestContextEnds(t *testing.T) {
	g := newGateway(t, testConfig())
	ctx, end := context.WithCancel(context.Background())
	in, _ := http.NewRequestWithContext(ctx, "GET", "http://gateway.local/a", nil)
	g.hook.Begin(httptest.NewRecorder(), in) // and no access-log entry ever comes
	if g.hook.Pending() != 1 {
		t.Fatalf("pending %d after Begin", g.hook.Pending())
	}
	end()
	time.Sleep(20 * time.Millisecond)
	if g.hook.Pending() != 1 {
		t.Fatalf("state removed before the grace period")
	}
	waitPendingZero(t, g.hook)
}

func TestMethodMismatchIsNotAttached(t *testing.T) {
	g := newGateway(t, testConfig())
	in, _ := http.NewRequest("POST", "http://gateway.local/a", nil)
	g.hook.Begin(httptest.NewRecorder(), in)
	g.log.WithFields(logrus.Fields{"prefix": "proxy"}).Error("http: proxy error: EOF")
	g.log.WithFields(logrus.Fields{"prefix": "access-log", "method": "GET", "status": 500}).Info()
	assertNoErrorFields(t, g.seen.LastEntry().Data)
}

func TestPendingIsCapped(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPending = 2
	g := newGateway(t, cfg)
	release := make(chan struct{})
	var wg sync.WaitGroup
	began := make(chan context.Context, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, _ := http.NewRequest("GET", "http://gateway.local/a", nil)
			before := in.Context()
			g.hook.Begin(httptest.NewRecorder(), in)
			if in.Context() == before {
				began <- nil
			} else {
				began <- in.Context()
			}
			<-release
			g.log.WithFields(logrus.Fields{"prefix": "access-log", "method": "GET", "status": 200}).Info()
		}()
	}
	captured := 0
	for i := 0; i < 3; i++ {
		if <-began != nil {
			captured++
		}
	}
	if captured != 2 || g.hook.Pending() != 2 {
		t.Fatalf("captured %d, pending %d; want 2 and 2", captured, g.hook.Pending())
	}
	close(release)
	wg.Wait()
	if g.hook.Pending() != 0 {
		t.Fatalf("pending %d after all entries", g.hook.Pending())
	}
}

func TestConcurrentRequestsNeverMixUp(t *testing.T) {
	g := newGateway(t, testConfig())
	ok := listen(t, okServer)
	refused := closedPort(t)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				fail := (w+i)%3 == 0
				target := "http://" + ok + "/"
				if fail {
					target = "http://" + refused + "/"
				}
				g.serve(context.Background(), "GET", target)
			}
		}(w)
	}
	wg.Wait()
	for _, e := range g.seen.AllEntries() {
		if e.Data["prefix"] != "access-log" {
			continue
		}
		failed := e.Data["status"] != 200
		_, has := e.Data["upstream_flag"]
		if failed != has {
			t.Fatalf("entry status %v has upstream_flag %v", e.Data["status"], e.Data["upstream_flag"])
		}
		if has && e.Data["upstream_target"] != refused {
			t.Fatalf("failure attached to the wrong request: %v", e.Data)
		}
	}
	if g.hook.Pending() != 0 {
		t.Fatalf("pending %d", g.hook.Pending())
	}
}

func TestUnrelatedEntriesAreUntouched(t *testing.T) {
	g := newGateway(t, testConfig())
	g.log.WithFields(logrus.Fields{"prefix": "main", "x": 1}).Error("http: proxy error: EOF")
	g.log.WithFields(logrus.Fields{"prefix": "access-log", "method": "GET", "status": 200}).Info()
	d := g.seen.LastEntry().Data
	if len(d) != 3 {
		t.Fatalf("unrelated entries changed the access log: %v", d)
	}
}

// TestECSNames: ECS's keys for a real refused connect, the target split as
// ECS wants it (server.address the host, server.port an int, server.ip the
// IP connected to), nothing under a Tyk name the plugin owns.
func TestECSNames(t *testing.T) {
	cfg := testConfig()
	cfg.Names = &accesslog.ECSNames
	g := newGateway(t, cfg)
	addr := closedPort(t)
	host, port := splitPort(t, addr)
	d := g.serve(context.Background(), "GET", "http://"+addr+"/")
	want := map[string]any{
		"error.code": "UCF", "error.type": "connection_refused", "event.reason": "connection_refused",
		"server.address": host, "server.port": port, "server.ip": host, "host.name": "gw-test-1",
		"tyk.upstream.phase": "connect", "tyk.upstream.attempts": 1,
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v (%T), want %v (%T)", k, d[k], d[k], v, v)
		}
	}
	for _, k := range []string{"upstream_flag", "upstream_target", "upstream_peer", "server.socket.address"} {
		if _, ok := d[k]; ok {
			t.Errorf("ECS entry has %s", k)
		}
	}
}

// TestOTelNames: OpenTelemetry's attributes for a real refused connect:
// error.type the RFC 9209 type, server.address / server.port and
// network.peer.address / network.peer.port split, the flag under
// tyk.upstream.flag; the mode is read from UPSTREAMCAUSE_FIELD_NAMES=otel.
func TestOTelNames(t *testing.T) {
	cfg, problems := accesslog.ConfigFromEnv(func(k string) string {
		if k == accesslog.EnvFieldNames {
			return "otel"
		}
		return ""
	})
	if len(problems) != 0 || cfg.Names != &accesslog.OTelNames {
		t.Fatalf("otel mode not read: %q", problems)
	}
	cfg.Node, cfg.Grace = "gw-test-1", 50*time.Millisecond
	g := newGateway(t, cfg)
	addr := closedPort(t)
	host, port := splitPort(t, addr)
	d := g.serve(context.Background(), "GET", "http://"+addr+"/")
	want := map[string]any{
		"tyk.upstream.flag": "UCF", "error.type": "connection_refused", "tyk.upstream.error_detail": "connection_refused",
		"server.address": host, "server.port": port, "network.peer.address": host, "network.peer.port": port,
		"host.name": "gw-test-1", "tyk.upstream.phase": "connect",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v (%T), want %v (%T)", k, d[k], d[k], v, v)
		}
	}
	if e, _ := d["error.message"].(string); !strings.HasSuffix(e, "connection refused") {
		t.Errorf("error.message = %q", d["error.message"])
	}
}

// splitPort splits "ip:port" into the IP and the port as an int.
func splitPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

func BenchmarkUnrelatedEntry(b *testing.B) {
	h := accesslog.New(testConfig())
	defer h.Close()
	e := &logrus.Entry{Data: logrus.Fields{"prefix": "main"}, Level: logrus.InfoLevel, Message: "API reloaded"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.Fire(e)
	}
}

// BenchmarkSuccessPath measures what the plugin adds to a successful request
// beside the round trip, against a baseline in the same run: "gateway" is
// what the gateway does anyway here (a request, a writer, an access-log
// entry's fields); "plugin" adds Begin on the pre hook, the trace callbacks
// of a round trip on a kept-alive connection, the analytics plugin and the
// access-log entry through the hook. The plugin's own cost per request is
// the difference of the two, in ns and allocations.
func BenchmarkSuccessPath(b *testing.B) {
	cfg := testConfig()
	// A gateway serves in minutes the requests this loop makes in a second:
	// scale the quarantine down alike, so that captures are reused as in a
	// gateway at a few thousand requests a second.
	cfg.Quarantine = time.Microsecond
	h := accesslog.New(cfg)
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in0, _ := http.NewRequestWithContext(ctx, "GET", "http://gateway.local/a", nil)
	conn := &net.TCPConn{}
	for _, side := range []string{"gateway", "plugin"} {
		b.Run(side, func(b *testing.B) {
			e := &logrus.Entry{Level: logrus.InfoLevel}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if side == "plugin" {
					successRequest(h, in0, conn, e)
				} else {
					successRequest(nil, in0, conn, e)
				}
			}
		})
	}
}

// successRequest plays one successful request as the gateway does, beside
// the round trip itself: a request, a writer and the access-log entry e's
// fields; then, when h is not nil, through h: the pre hook, the trace
// callbacks of a round trip on a kept-alive connection, the analytics
// plugin and the access-log entry.
func successRequest(h *accesslog.Hook, in0 *http.Request, conn net.Conn, e *logrus.Entry) {
	in := new(http.Request)
	*in = *in0
	w := httptest.NewRecorder()
	e.Data = logrus.Fields{"prefix": "access-log", "method": "GET", "status": 200, "api_id": "api1"}
	if h == nil {
		return
	}
	h.Begin(w, in)
	if ct := httptrace.ContextClientTrace(in.Context()); ct != nil {
		ct.GetConn("upstream.local:80")
		ct.GotConn(httptrace.GotConnInfo{Conn: conn, Reused: true})
		ct.WroteRequest(httptrace.WroteRequestInfo{})
		ct.GotFirstResponseByte()
	}
	_ = h.AppendTags(nil, "GET", "api1", 200)
	h.Fire(e)
}

// TestGatewayAnswersItself: requests the gateway answers without a round
// trip get Tyk 5.14's flags on any version: from the entry the rejecting
// middleware writes on the request goroutine (Tyk 5.8 gateway/mw_auth_key.go
// "Attempted access with non-existent key.", mw=AuthKey, level Info), and,
// with no such entry, from the access-log entry's status with the reverse
// proxy's own error handler (an open circuit breaker answers 503 "Service
// temporarily unavailable." without a round trip).
func TestGatewayAnswersItself(t *testing.T) {
	g := newGateway(t, testConfig())
	reject := func(mwEntry logrus.Fields, msg string, status int) logrus.Fields {
		in, _ := http.NewRequest("GET", "http://gateway.local/api/x", nil)
		g.hook.Begin(httptest.NewRecorder(), in)
		if mwEntry != nil {
			g.log.WithFields(mwEntry).Info(msg)
		}
		g.log.WithFields(logrus.Fields{"prefix": "access-log", "method": "GET", "path": "/x", "status": status}).Info()
		return g.seen.LastEntry().Data
	}
	d := reject(logrus.Fields{"mw": "AuthKey", "api_id": "api1", "origin": "127.0.0.1", "key": "****abcd"},
		"Attempted access with non-existent key.", 403)
	if d["upstream_flag"] != "AKI" || d["response_flag"] != "AKI" || d["error_source"] != "AuthKey" || d["upstream_error_source"] != "gateway" {
		t.Errorf("non-existent key: %v", d)
	}
	d = reject(nil, "", 503)
	if d["upstream_flag"] != "CBO" || d["circuit_breaker_state"] != "OPEN" || d["error_source"] != "ReverseProxy" {
		t.Errorf("open circuit breaker: %v", d)
	}
	d = reject(nil, "", 404) // e.g. a mock response: nothing to say
	if _, ok := d["upstream_flag"]; ok {
		t.Errorf("404 without evidence classified: %v", d)
	}
	if n := g.hook.Pending(); n != 0 {
		t.Errorf("%d pending", n)
	}
}
