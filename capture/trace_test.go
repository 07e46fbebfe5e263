package capture_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/capture"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// rawServer accepts connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// answer reads requests off c and answers each with 200 "ok", keeping the
// connection alive, until limit requests (0: no limit); then it reads one
// more request and closes without answering.
func answer(limit int) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		for n := 1; ; n++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			if limit > 0 && n > limit {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	}
}

func roundTrip(t *testing.T, tr http.RoundTripper, method, url string) (*capture.Trace, *http.Response, error) {
	t.Helper()
	tc := capture.New()
	ctx := httptrace.WithClientTrace(context.Background(), tc.ClientTrace())
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	return tc, res, err
}

func newTransport(headerTimeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
		ResponseHeaderTimeout: headerTimeout,
		MaxIdleConnsPerHost:   4,
	}
}

func TestSuccessThenReuse(t *testing.T) {
	addr := rawServer(t, answer(0))
	tr := newTransport(time.Second)
	defer tr.CloseIdleConnections()

	tc, res, err := roundTrip(t, tr, "GET", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	s := tc.Summary()
	if s.Attempts != 1 || s.Last.Target != addr || s.Last.Peer != addr {
		t.Fatalf("attempts %d target %q peer %q, want 1 and %q", s.Attempts, s.Last.Target, s.Last.Peer, addr)
	}
	if s.Last.Reused || s.Connect <= 0 || s.Last.GotConn == 0 || s.Last.WroteRequest == 0 || s.Last.FirstByte == 0 {
		t.Fatalf("first request: %+v", s.Last)
	}
	if s.Phase != classify.PhaseResponseHeaders || s.Err != nil {
		t.Fatalf("phase %v err %v", s.Phase, s.Err)
	}

	time.Sleep(5 * time.Millisecond)
	tc, res, err = roundTrip(t, tr, "GET", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	s = tc.Summary()
	if !s.Last.Reused || !s.Last.WasIdle || s.Last.IdleTime <= 0 {
		t.Fatalf("second request did not reuse the idle connection: %+v", s.Last)
	}
	if s.Last.ConnectStart != 0 || s.Connect != 0 {
		t.Fatalf("reused connection reported a connect: %+v", s.Last)
	}
	if got := s.Last.PeerAddr.String(); got != addr {
		t.Fatalf("peer of reused conn %q, want %q", got, addr)
	}
}

func TestRefusedIsConnectPhaseWithRealError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	tc, _, err := roundTrip(t, newTransport(time.Second), "GET", "http://"+addr+"/")
	if err == nil {
		t.Fatal("round trip to a closed port succeeded")
	}
	s := tc.Summary()
	if s.Phase != classify.PhaseConnect {
		t.Fatalf("phase %v, want connect", s.Phase)
	}
	if !errors.Is(s.Err, syscall.ECONNREFUSED) {
		t.Fatalf("recorded error %v, want ECONNREFUSED", s.Err)
	}
	if s.Last.Peer != addr || s.Connect <= 0 {
		t.Fatalf("peer %q connect %v", s.Last.Peer, s.Connect)
	}
}

func TestHeaderTimeoutIsResponseHeadersPhase(t *testing.T) {
	addr := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.Copy(io.Discard, c) // hold until the client gives up
	})
	tc, _, err := roundTrip(t, newTransport(100*time.Millisecond), "GET", "http://"+addr+"/")
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err %v", err)
	}
	tc.Fail()
	s := tc.Summary()
	if s.Phase != classify.PhaseResponseHeaders || s.Err != nil {
		t.Fatalf("phase %v err %v", s.Phase, s.Err)
	}
	if s.ResponseHeaders < 90*time.Millisecond || s.ResponseHeaders > 2*time.Second {
		t.Fatalf("response headers phase lasted %v, want about 100ms", s.ResponseHeaders)
	}
	if s.Total < s.ResponseHeaders {
		t.Fatalf("total %v shorter than a phase %v", s.Total, s.ResponseHeaders)
	}
}

func TestDNSFailureIsDNSPhase(t *testing.T) {
	// A resolver whose every query goes to a closed loopback UDP port: the
	// lookup fails for real, without the machine's resolver.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dead)
	}}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: time.Second, Resolver: resolver}).DialContext}

	tc, _, err := roundTrip(t, tr, "GET", "http://upstream.invalid:8080/")
	if err == nil {
		t.Fatal("round trip succeeded")
	}
	s := tc.Summary()
	var dnsErr *net.DNSError
	if s.Phase != classify.PhaseDNS || !errors.As(s.Err, &dnsErr) {
		t.Fatalf("phase %v err %T %v", s.Phase, s.Err, s.Err)
	}
	if s.Last.Target != "upstream.invalid:8080" || s.Last.ConnectStart != 0 {
		t.Fatalf("%+v", s.Last)
	}
}

func TestRetryCountsAttempts(t *testing.T) {
	// The server answers one request per connection and then closes the
	// connection while the next request is read: the transport retries a
	// GET on a new connection.
	addr := rawServer(t, answer(1))
	tr := newTransport(time.Second)
	defer tr.CloseIdleConnections()
	_, res, err := roundTrip(t, tr, "GET", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	time.Sleep(5 * time.Millisecond)

	tc, res, err := roundTrip(t, tr, "GET", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	s := tc.Summary()
	if s.Attempts != 2 || s.Last.Reused {
		t.Fatalf("attempts %d reused %v, want 2 attempts ending on a new connection", s.Attempts, s.Last.Reused)
	}
}

func TestBodyReadErrorIsResponseBodyPhase(t *testing.T) {
	addr := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 1000))
		time.Sleep(20 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	tc, res, err := roundTrip(t, newTransport(time.Second), "GET", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	body := tc.WrapBody(res.Body)
	_, err = io.Copy(io.Discard, body)
	body.Close()
	if err == nil {
		t.Fatal("body read succeeded")
	}
	s := tc.Summary()
	if s.Phase != classify.PhaseResponseBody || s.Err == nil || tc.BodyErr() == nil {
		t.Fatalf("phase %v err %v", s.Phase, s.Err)
	}
}

func TestFinishIgnoresLateCallbacks(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	ct.GetConn("a:1")
	ct.ConnectStart("tcp", "1.2.3.4:1")
	tc.Finish()
	ct.ConnectDone("tcp", "1.2.3.4:1", errors.New("late"))
	ct.GetConn("b:2")
	s := tc.Summary()
	if s.Attempts != 1 || s.Last.ConnectDone != 0 || s.Last.ConnectErr != nil {
		t.Fatalf("late callbacks changed the trace: %+v", s)
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	for i := 0; i < 1000; i++ {
		ct.ConnectStart("tcp", "127.0.0.1:1")
		ct.ConnectDone("tcp", "127.0.0.1:1", errors.New("refused"))
		ct.GetConn("h:1")
	}
	ct.GetConn("last:1")
	s := tc.Summary()
	if s.Attempts != 1001 || s.Last.Target != "last:1" || s.Last.ConnectStart != 0 {
		t.Fatalf("attempts %d last %q", s.Attempts, s.Last.Target)
	}
}

func TestCallbacksFromManyGoroutines(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	ct.GetConn("h:1")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ct.DNSStart(httptrace.DNSStartInfo{Host: "h"})
				ct.ConnectStart("tcp", "127.0.0.1:1")
				ct.ConnectDone("tcp", "127.0.0.1:1", nil)
				ct.WroteRequest(httptrace.WroteRequestInfo{})
				_ = tc.Summary()
			}
		}()
	}
	wg.Wait()
	tc.Finish()
}

func TestCallbacksDoNotAllocate(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	errRefused := errors.New("refused")
	allocs := testing.AllocsPerRun(200, func() {
		ct.GetConn("127.0.0.1:80")
		ct.DNSStart(httptrace.DNSStartInfo{Host: "h"})
		ct.DNSDone(httptrace.DNSDoneInfo{})
		ct.ConnectStart("tcp", "127.0.0.1:80")
		ct.ConnectDone("tcp", "127.0.0.1:80", errRefused)
		ct.TLSHandshakeStart()
		ct.GotConn(httptrace.GotConnInfo{})
		ct.WroteRequest(httptrace.WroteRequestInfo{})
		ct.GotFirstResponseByte()
	})
	if allocs != 0 {
		t.Fatalf("trace callbacks allocate %v times per round trip, want 0", allocs)
	}
}

func BenchmarkTraceCallbacks(b *testing.B) {
	tc := capture.New()
	ct := tc.ClientTrace()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ct.GetConn("127.0.0.1:80")
		ct.ConnectStart("tcp", "127.0.0.1:80")
		ct.ConnectDone("tcp", "127.0.0.1:80", nil)
		ct.GotConn(httptrace.GotConnInfo{})
		ct.WroteRequest(httptrace.WroteRequestInfo{})
		ct.GotFirstResponseByte()
	}
}

// TestQuietOnlyWhenNoCallbackCanArrive checks Finish's answer, which decides
// whether a Trace may be reused: only when every DNS lookup, connect and
// TLS handshake that began has ended, and the attempt got its connection
// and wrote its request (or never began).
func TestQuietOnlyWhenNoCallbackCanArrive(t *testing.T) {
	for _, tt := range []struct {
		name  string
		run   func(ct *httptrace.ClientTrace)
		quiet bool
	}{
		{"no attempt", func(*httptrace.ClientTrace) {}, true},
		{"reused connection, written", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.GotConn(httptrace.GotConnInfo{Reused: true})
			ct.WroteRequest(httptrace.WroteRequestInfo{})
		}, true},
		{"new connection, written", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.DNSStart(httptrace.DNSStartInfo{Host: "a"})
			ct.DNSDone(httptrace.DNSDoneInfo{})
			ct.ConnectStart("tcp", "1.2.3.4:1")
			ct.ConnectDone("tcp", "1.2.3.4:1", nil)
			ct.TLSHandshakeStart()
			ct.TLSHandshakeDone(tls.ConnectionState{}, nil)
			ct.GotConn(httptrace.GotConnInfo{})
			ct.WroteRequest(httptrace.WroteRequestInfo{})
		}, true},
		{"pooled connection won while its own dial runs", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.ConnectStart("tcp", "1.2.3.4:1")
			ct.GotConn(httptrace.GotConnInfo{Reused: true})
			ct.WroteRequest(httptrace.WroteRequestInfo{})
		}, false},
		{"abandoned while connecting", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.ConnectStart("tcp", "1.2.3.4:1")
		}, false},
		{"connect failed", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.ConnectStart("tcp", "1.2.3.4:1")
			ct.ConnectDone("tcp", "1.2.3.4:1", errors.New("refused"))
		}, false},
		{"abandoned in the TLS handshake", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.ConnectStart("tcp", "1.2.3.4:1")
			ct.ConnectDone("tcp", "1.2.3.4:1", nil)
			ct.TLSHandshakeStart()
		}, false},
		{"abandoned in the lookup", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.DNSStart(httptrace.DNSStartInfo{Host: "a"})
		}, false},
		{"connection but request not written", func(ct *httptrace.ClientTrace) {
			ct.GetConn("a:1")
			ct.GotConn(httptrace.GotConnInfo{Reused: true})
		}, false},
	} {
		tc := capture.New()
		tt.run(tc.ClientTrace())
		if got := tc.Finish(); got != tt.quiet {
			t.Errorf("%s: Finish() = %v, want %v", tt.name, got, tt.quiet)
		}
	}
}

// TestResetStartsAfresh: a quiet Trace, Reset, records a new request as a
// new Trace would, with the same ClientTrace.
func TestResetStartsAfresh(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	ct.GetConn("a:1")
	ct.GotConn(httptrace.GotConnInfo{Reused: true})
	ct.WroteRequest(httptrace.WroteRequestInfo{})
	tc.Fail()
	if !tc.Finish() {
		t.Fatal("not quiet")
	}
	tc.Reset()
	if tc.ClientTrace() != ct {
		t.Fatal("Reset changed the ClientTrace")
	}
	if s := tc.Summary(); s.Attempts != 0 || s.Last.GotConn != 0 || s.Phase != 0 {
		t.Fatalf("Reset kept the previous request: %+v", s)
	}
	ct.GetConn("b:2")
	ct.ConnectStart("tcp", "5.6.7.8:2")
	ct.ConnectDone("tcp", "5.6.7.8:2", errors.New("refused"))
	if s := tc.Summary(); s.Attempts != 1 || s.Last.Target != "b:2" || s.Err == nil || s.Phase != classify.PhaseConnect {
		t.Fatalf("after Reset: %+v", s)
	}
}

// TestReusedConnectionForgetsTheLosingDial: the transport may start a dial
// for a request and then hand it a pooled connection; the dial's callbacks
// before GotConn must not make a failure on the pooled connection look like
// a connect failure (seen on real gateways: an idle-closed POST reported in
// phase connect with a connect time).
func TestReusedConnectionForgetsTheLosingDial(t *testing.T) {
	tc := capture.New()
	ct := tc.ClientTrace()
	ct.GetConn("a:1")
	ct.DNSStart(httptrace.DNSStartInfo{Host: "a"})
	ct.DNSDone(httptrace.DNSDoneInfo{})
	ct.ConnectStart("tcp", "1.2.3.4:1")
	ct.GotConn(httptrace.GotConnInfo{Reused: true, WasIdle: true})
	ct.ConnectDone("tcp", "1.2.3.4:1", errors.New("late"))
	ct.WroteRequest(httptrace.WroteRequestInfo{})
	s := tc.Summary()
	if s.Phase != classify.PhaseResponseHeaders || s.Err != nil || s.Connect != 0 || s.DNS != 0 || s.Last.Peer != "" {
		t.Fatalf("the losing dial shows: phase %v err %v connect %v dns %v peer %q", s.Phase, s.Err, s.Connect, s.DNS, s.Last.Peer)
	}
}
