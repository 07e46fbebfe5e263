package upstreams

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	dialTimeout   = 300 * time.Millisecond
	headerTimeout = 500 * time.Millisecond
)

// shared is the Set most tests use; TestMain starts and closes it.
var shared *Set

func TestMain(m *testing.M) {
	var err error
	shared, err = Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Start:", err)
		os.Exit(1)
	}
	code := m.Run()
	shared.Close()
	if code == 0 {
		if leaked := waitNoLeaks(3 * time.Second); leaked != "" {
			fmt.Fprintln(os.Stderr, "goroutines left after Close:\n"+leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks waits until no goroutine runs code of this package's servers,
// of the DNS server or of an HTTP client connection, and returns the stacks
// of those still running when the wait runs out.
func waitNoLeaks(wait time.Duration) string {
	return WaitNoLeaks(wait, "internal/upstreams.(*rawServer)", "internal/upstreams.handle",
		"github.com/miekg/dns", "net/http.(*persistConn)")
}

// transport returns s.Transports(300ms, 500ms, s.Transport) (only the two
// timeout cases have short timeouts) and closes its idle connections when
// the test ends.
func transport(t *testing.T, s *Set) *ByHost {
	tr := s.Transports(dialTimeout, headerTimeout, s.Transport)
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// roundTrip sends one request with tr.RoundTrip, so that errors are raw.
func roundTrip(t *testing.T, tr http.RoundTripper, method, url string, body io.Reader) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return tr.RoundTrip(req)
}

// mustFail asserts that a round trip failed and logs the error.
func mustFail(t *testing.T, resp *http.Response, err error) {
	t.Helper()
	if err == nil {
		resp.Body.Close()
		t.Fatalf("round trip succeeded with %s, want an error", resp.Status)
	}
	t.Logf("error %T: %q", err, err.Error())
}

// readAll reads and closes a response body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

func TestOK(t *testing.T) {
	t.Parallel()
	tr := transport(t, shared)
	for i, wantReused := range []bool{false, true} {
		var reused bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		})
		req, _ := http.NewRequestWithContext(ctx, "GET", shared.OK, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.ContentLength != 2 || resp.Close {
			t.Fatalf("request %d: status %d, Content-Length %d, Close %v", i, resp.StatusCode, resp.ContentLength, resp.Close)
		}
		if body := readAll(t, resp); body != "ok" {
			t.Fatalf("body %q", body)
		}
		if reused != wantReused {
			t.Fatalf("request %d: connection reused %v, want %v", i, reused, wantReused)
		}
	}
	if !strings.HasPrefix(shared.OK, "http://127.0.0.1:") || !strings.HasSuffix(shared.OK, "/") {
		t.Fatalf("OK URL %q", shared.OK)
	}
}

func TestRefused(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.Refused, nil)
	mustFail(t, resp, err)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("want *net.OpError with Op dial, got %#v", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("want ECONNREFUSED, got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "connect: connection refused") {
		t.Fatalf("text %q", err)
	}
	// The port stays reserved: nothing else can listen on it.
	if ln, err := net.Listen("tcp4", op.Addr.String()); err == nil {
		ln.Close()
		t.Fatalf("could listen on the Refused port %s", op.Addr)
	}
}

// assertConnectTimeout asserts a dial timeout produced after about
// dialTimeout.
func assertConnectTimeout(t *testing.T, err error, elapsed time.Duration) {
	t.Helper()
	if err == nil {
		t.Fatal("round trip to ConnectTimeout succeeded")
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("want *net.OpError with Op dial, got %T %v", err, err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a net.Error with Timeout() true, got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "i/o timeout") {
		t.Fatalf("text %q", err)
	}
	if elapsed < dialTimeout-20*time.Millisecond {
		t.Fatalf("failed after %v, before the dial timeout %v", elapsed, dialTimeout)
	}
}

// TestConnectTimeout starts its own Set so that -count=N checks that Start
// fills the accept queue reliably, then dials it many times concurrently.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := transport(t, s)

	start := time.Now()
	resp, err := roundTrip(t, tr, "GET", s.ConnectTimeout, nil)
	mustFail(t, resp, err)
	assertConnectTimeout(t, err, time.Since(start))

	// Many concurrent dials, through the transport and directly: none may
	// connect.
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			var err error
			if i%2 == 0 {
				var resp *http.Response
				req, _ := http.NewRequest("POST", s.ConnectTimeout, strings.NewReader("x"))
				if resp, err = tr.RoundTrip(req); err == nil {
					resp.Body.Close()
				}
			} else {
				var c net.Conn
				if c, err = s.Dialer(dialTimeout).Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(s.ConnectTimeout, "http://"), "/")); err == nil {
					c.Close()
				}
			}
			if err == nil {
				errs <- fmt.Errorf("dial %d connected", i)
				return
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) < dialTimeout-20*time.Millisecond {
				errs <- fmt.Errorf("dial %d: %v after %v", i, err, time.Since(start))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestHeaderTimeout(t *testing.T) {
	t.Parallel()
	start := time.Now()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.HeaderTimeout, nil)
	mustFail(t, resp, err)
	if err.Error() != "net/http: timeout awaiting response headers" {
		t.Fatalf("text %q", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a net.Error with Timeout() true, got %T", err)
	}
	if d := time.Since(start); d < headerTimeout {
		t.Fatalf("failed after %v, before the header timeout", d)
	}
}

// assertReset asserts a *net.OpError with Op "read" wrapping ECONNRESET.
func assertReset(t *testing.T, err error) {
	t.Helper()
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "read" {
		t.Fatalf("want *net.OpError with Op read, got %T %v", err, err)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("want ECONNRESET, got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "read: connection reset by peer") {
		t.Fatalf("text %q", err)
	}
}

func TestResetBeforeResponse(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.ResetBeforeResponse, nil)
	mustFail(t, resp, err)
	assertReset(t, err)
}

// connTrace records, for one request, whether each connection it got was
// reused.
type connTrace struct {
	mu     sync.Mutex
	reused []bool
}

func (c *connTrace) ctx() context.Context {
	return httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			c.mu.Lock()
			c.reused = append(c.reused, info.Reused)
			c.mu.Unlock()
		},
	})
}

func (c *connTrace) get() []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bool(nil), c.reused...)
}

// firstOnIdleClose sends the first request of a connection to IdleClose.
func firstOnIdleClose(t *testing.T, tr http.RoundTripper) {
	t.Helper()
	resp, err := roundTrip(t, tr, "GET", shared.IdleClose, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("first request: status %d, Close %v", resp.StatusCode, resp.Close)
	}
	if body := readAll(t, resp); body != "ok" {
		t.Fatalf("first request: body %q", body)
	}
}

func TestIdleClosePOSTOnReusedConnection(t *testing.T) {
	t.Parallel()
	tr := transport(t, shared)
	firstOnIdleClose(t, tr)

	var trace connTrace
	req, _ := http.NewRequestWithContext(trace.ctx(), "POST", shared.IdleClose, strings.NewReader(`{"a":1}`))
	resp, err := tr.RoundTrip(req)
	mustFail(t, resp, err)
	if got := trace.get(); len(got) != 1 || !got[0] {
		t.Fatalf("connections (reused?) %v, want exactly one reused", got)
	}
	// The server took the request and closed: Go's transport reports the
	// read of the status line hitting EOF and does not retry a POST.
	if err != io.EOF {
		t.Fatalf("want io.EOF, got %T %q", err, err)
	}
}

func TestIdleCloseGETRetried(t *testing.T) {
	t.Parallel()
	tr := transport(t, shared)
	firstOnIdleClose(t, tr)

	var trace connTrace
	req, _ := http.NewRequestWithContext(trace.ctx(), "GET", shared.IdleClose, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET was not retried: %v", err)
	}
	if body := readAll(t, resp); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if got := trace.get(); len(got) != 2 || !got[0] || got[1] {
		t.Fatalf("connections (reused?) %v, want [true false]: a reused one, then a retry on a new one", got)
	}
	t.Logf("GET on the reused connection: retried on a new connection, %s", resp.Status)
}

func TestTLSUnknownAuthority(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.TLSUnknownAuthority, nil)
	mustFail(t, resp, err)
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Fatalf("want x509.UnknownAuthorityError, got %T", err)
	}
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) {
		t.Fatalf("want *tls.CertificateVerificationError, got %T", err)
	}
}

func TestTLSExpired(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.TLSExpired, nil)
	mustFail(t, resp, err)
	var ci x509.CertificateInvalidError
	if !errors.As(err, &ci) || ci.Reason != x509.Expired {
		t.Fatalf("want x509.CertificateInvalidError{Reason: Expired}, got %T %v", err, err)
	}
}

func TestTLSWrongHost(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.TLSWrongHost, nil)
	mustFail(t, resp, err)
	var he x509.HostnameError
	if !errors.As(err, &he) || he.Host != "127.0.0.1" {
		t.Fatalf("want x509.HostnameError for 127.0.0.1, got %T %v", err, err)
	}
	if len(he.Certificate.DNSNames) != 1 || he.Certificate.DNSNames[0] != "wrong-host.example" || len(he.Certificate.IPAddresses) != 0 {
		t.Fatalf("certificate names %v %v", he.Certificate.DNSNames, he.Certificate.IPAddresses)
	}
	// Go words a HostnameError for an IP host by the certificate's IP SANs.
	if !strings.HasSuffix(err.Error(), "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs") {
		t.Fatalf("text %q", err)
	}
}

func TestTLSToPlain(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.TLSToPlain, nil)
	mustFail(t, resp, err)
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		t.Fatalf("want tls.RecordHeaderError, got %T", err)
	}
	if err.Error() != "tls: first record does not look like a TLS handshake" {
		t.Fatalf("text %q", err)
	}
	if !strings.HasPrefix(shared.TLSToPlain, "https://127.0.0.1:") {
		t.Fatalf("URL %q", shared.TLSToPlain)
	}
}

func TestDNSNXDomain(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.DNSNXDomain, nil)
	mustFail(t, resp, err)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("want *net.OpError with Op dial, got %T", err)
	}
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || de.Name != "nxdomain.upstream.test" {
		t.Fatalf("want *net.DNSError IsNotFound for nxdomain.upstream.test, got %#v", de)
	}
}

func TestDNSServFail(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.DNSServFail, nil)
	mustFail(t, resp, err)
	var de *net.DNSError
	if !errors.As(err, &de) || de.IsNotFound || de.Err != "server misbehaving" || de.Name != "servfail.upstream.test" {
		t.Fatalf("want *net.DNSError \"server misbehaving\" for servfail.upstream.test, got %#v", de)
	}
	t.Logf("IsTemporary %v, IsTimeout %v", de.IsTemporary, de.IsTimeout)
}

func TestDNSOK(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.DNSOK, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	addrs, err := shared.Resolver.LookupHost(context.Background(), "ok.upstream.test")
	if err != nil || len(addrs) != 1 || addrs[0] != "127.0.0.1" {
		t.Fatalf("LookupHost: %v %v", addrs, err)
	}
}

// TestDNSServerTCPAndUDP queries the DNS server directly over both
// transports.
func TestDNSServerTCPAndUDP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		qtype uint16
		rcode int
		nAns  int
	}{
		{"ok.upstream.test.", dns.TypeA, dns.RcodeSuccess, 1},
		{"ok.upstream.test.", dns.TypeAAAA, dns.RcodeSuccess, 0},
		{"nxdomain.upstream.test.", dns.TypeA, dns.RcodeNameError, 0},
		{"servfail.upstream.test.", dns.TypeA, dns.RcodeServerFailure, 0},
		{"elsewhere.example.", dns.TypeA, dns.RcodeNameError, 0},
	}
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		for _, tc := range cases {
			m := new(dns.Msg)
			m.SetQuestion(tc.name, tc.qtype)
			r, _, err := c.Exchange(m, shared.DNSAddr)
			if err != nil {
				t.Fatalf("%s %s: %v", network, tc.name, err)
			}
			if r.Rcode != tc.rcode || len(r.Answer) != tc.nAns {
				t.Fatalf("%s %s %s: rcode %s, %d answers", network, tc.name, dns.TypeToString[tc.qtype], dns.RcodeToString[r.Rcode], len(r.Answer))
			}
			if tc.nAns == 1 {
				if a, ok := r.Answer[0].(*dns.A); !ok || !a.A.Equal(net.IPv4(127, 0, 0, 1)) {
					t.Fatalf("%s: answer %v", network, r.Answer[0])
				}
			}
		}
	}
}

func TestStatus503(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.Status503, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 503 || resp.Header.Get("Server") != "nginx" || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("status %q, headers %v", resp.Status, resp.Header)
	}
	if !strings.Contains(body, "<center><h1>503 Service Temporarily Unavailable</h1></center>") {
		t.Fatalf("body %q", body)
	}
	t.Logf("%s, Server: %s", resp.Status, resp.Header.Get("Server"))
}

func TestIntermediary502(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.Intermediary502, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	const want = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
	if resp.StatusCode != 502 || resp.Status != "502 Bad Gateway" {
		t.Fatalf("status %q", resp.Status)
	}
	if resp.Header.Get("Server") != "awselb/2.0" || resp.Header.Get("Content-Type") != "text/html" || resp.Header.Get("Date") == "" {
		t.Fatalf("headers %v", resp.Header)
	}
	if body != want || resp.ContentLength != int64(len(want)) {
		t.Fatalf("body %q (Content-Length %d)", body, resp.ContentLength)
	}
	t.Logf("%s, Server: %s, Content-Length %d", resp.Status, resp.Header.Get("Server"), resp.ContentLength)
}

func TestResetMidBody(t *testing.T) {
	t.Parallel()
	resp, err := roundTrip(t, transport(t, shared), "GET", shared.ResetMidBody, nil)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != 65536 {
		t.Fatalf("status %d, Content-Length %d", resp.StatusCode, resp.ContentLength)
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("body read %d bytes without error", len(b))
	}
	t.Logf("body read %d bytes, then error %T: %q", len(b), err, err.Error())
	if len(b) != 1024 {
		t.Fatalf("read %d bytes, want 1024", len(b))
	}
	assertReset(t, err)
}

// TestCloseReleasesHeldConnections checks that Close returns promptly while
// HeaderTimeout holds a connection, releases it (the client sees the
// connection end), and is idempotent.
func TestCloseReleasesHeldConnections(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Transport(dialTimeout, time.Minute)
	defer tr.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.HeaderTimeout, nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Wait until the server holds the connection.
	held := s.servers[1]
	for deadline := time.Now().Add(5 * time.Second); ; {
		held.mu.Lock()
		n := len(held.conns)
		held.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("HeaderTimeout never got the connection")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	s.Close()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("round trip succeeded")
		}
		t.Logf("client of a held connection after Close: %T %q", err, err.Error())
	case <-time.After(5 * time.Second):
		t.Fatal("client still waiting after Close")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(s.OK, "http://"), "/"), time.Second); err == nil {
		t.Fatal("OK still accepts after Close")
	}
}

// TestConcurrentSets starts several Sets at once and uses each.
func TestConcurrentSets(t *testing.T) {
	t.Parallel()
	const n = 3
	sets := make([]*Set, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range sets {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sets[i], errs[i] = Start()
		}(i)
	}
	wg.Wait()
	for i := range sets {
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		defer sets[i].Close()
	}
	seen := map[string]bool{}
	for i, s := range sets {
		for _, u := range []string{s.OK, s.ConnectTimeout, s.HeaderTimeout, s.DNSAddr} {
			if seen[u] {
				t.Fatalf("set %d reuses %s", i, u)
			}
			seen[u] = true
		}
		tr := transport(t, s)
		resp, err := roundTrip(t, tr, "GET", s.DNSOK, nil)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		readAll(t, resp)
		start := time.Now()
		resp, err = roundTrip(t, tr, "GET", s.ConnectTimeout, nil)
		if err == nil {
			resp.Body.Close()
		}
		assertConnectTimeout(t, err, time.Since(start))
	}
	var cwg sync.WaitGroup
	for _, s := range sets {
		cwg.Add(1)
		go func(s *Set) {
			defer cwg.Done()
			s.Close()
		}(s)
	}
	cwg.Wait()
}

func TestURLsAndFields(t *testing.T) {
	t.Parallel()
	s := shared
	for name, u := range map[string]string{
		"OK": s.OK, "Refused": s.Refused, "ConnectTimeout": s.ConnectTimeout, "HeaderTimeout": s.HeaderTimeout,
		"ResetBeforeResponse": s.ResetBeforeResponse, "IdleClose": s.IdleClose, "Status503": s.Status503,
		"Intermediary502": s.Intermediary502, "ResetMidBody": s.ResetMidBody,
		"TLSUnknownAuthority": s.TLSUnknownAuthority, "TLSExpired": s.TLSExpired, "TLSWrongHost": s.TLSWrongHost,
		"TLSToPlain": s.TLSToPlain,
	} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "https://127.0.0.1:") || !strings.HasSuffix(u, "/") {
			t.Errorf("%s: %q", name, u)
		}
	}
	okPort := strings.TrimSuffix(strings.TrimPrefix(s.OK, "http://127.0.0.1:"), "/")
	for _, u := range []string{s.DNSOK, s.DNSNXDomain, s.DNSServFail} {
		if !strings.HasSuffix(u, ".upstream.test:"+okPort+"/") {
			t.Errorf("%q does not use OK's port %s", u, okPort)
		}
	}
	if !strings.HasPrefix(s.DNSAddr, "127.0.0.1:") || s.RootCAs == nil || s.Resolver == nil || !s.Resolver.PreferGo {
		t.Errorf("DNSAddr %q RootCAs %v Resolver %v", s.DNSAddr, s.RootCAs, s.Resolver)
	}
	if s.H2COK != "" {
		t.Errorf("H2COK %q", s.H2COK)
	}
}

// TestLeakDetectorSeesServers checks that the goroutine check in TestMain
// would see a running Set.
func TestLeakDetectorSeesServers(t *testing.T) {
	t.Parallel()
	stacks := waitNoLeaks(0)
	for _, want := range []string{"internal/upstreams.(*rawServer).acceptLoop", "github.com/miekg/dns.(*Server).serveUDP", "github.com/miekg/dns.(*Server).serveTCP"} {
		if !strings.Contains(stacks, want) {
			t.Errorf("no goroutine running %s while the shared Set runs", want)
		}
	}
}
