package classify_test

// Fixtures that make real upstream failures happen on loopback, so that the
// tests classify the very error values (and the very error strings) that
// net/http, net, crypto/tls and crypto/x509 produce, not hand-made lookalikes.
// Every address used is on 127.0.0.1; the DNS fixtures talk to a tiny UDP
// responder on 127.0.0.1 through a net.Resolver whose Dial is overridden, never
// to the machine's resolver.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// Seconds, not hundreds of ms: on a loaded machine a loopback connect or
	// handshake can take a few hundred ms, and must not turn a fixture into
	// a timeout; the timeout fixtures only get slower.
	fixDialTimeout   = 2 * time.Second
	fixHeaderTimeout = 3 * time.Second
	fixTLSTimeout    = 2 * time.Second
)

// ---------------------------------------------------------------------------
// Raw TCP servers.

// rawServer accepts connections on 127.0.0.1 and hands each to handle in its
// own goroutine. It returns "127.0.0.1:port". Everything is closed at cleanup.
func rawServer(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
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

// readRequest reads one request (headers and body) from br.
func readRequest(br *bufio.Reader) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err == nil
}

// reset closes c with SO_LINGER 0, which makes the kernel send an RST.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// ---------------------------------------------------------------------------
// Round trips.

func transport() *http.Transport {
	d := &net.Dialer{Timeout: fixDialTimeout}
	return &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   fixTLSTimeout,
		ResponseHeaderTimeout: fixHeaderTimeout,
		DisableCompression:    true,
	}
}

// roundTrip sends GET url through tr and returns the round-trip error (the
// response, if any, is closed).
func roundTrip(t testing.TB, tr *http.Transport, url string) error {
	t.Helper()
	return roundTripCtx(t, context.Background(), tr, http.MethodGet, url)
}

func roundTripCtx(t testing.TB, ctx context.Context, tr *http.Transport, method, url string) error {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("payload")
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("%s %s: expected an error, got %s", method, url, res.Status)
	}
	tr.CloseIdleConnections()
	return err
}

// bodyErr sends GET url through tr, expects a response and returns the error
// reading its body.
func bodyErr(t testing.TB, tr *http.Transport, url string) error {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	if err == nil {
		t.Fatalf("GET %s: body read without error", url)
	}
	tr.CloseIdleConnections()
	return err
}

// ---------------------------------------------------------------------------
// Connection-level failures.

func errRefused(t testing.TB) error {
	return roundTrip(t, transport(), "http://"+closedPort(t)+"/")
}

func errConnectTimeout(t testing.TB) error {
	addr := fullBacklog(t)
	return roundTrip(t, transport(), "http://"+addr+"/")
}

func errHeaderTimeout(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readRequest(br)
		io.Copy(io.Discard, br) // hold the connection, never answer
	})
	return roundTrip(t, transport(), "http://"+addr+"/")
}

func errResetBeforeResponse(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		readRequest(bufio.NewReader(c))
		reset(c)
	})
	return roundTrip(t, transport(), "http://"+addr+"/")
}

func errClosedBeforeResponse(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		readRequest(bufio.NewReader(c))
		c.Close()
	})
	return roundTrip(t, transport(), "http://"+addr+"/")
}

// errIdleClosed makes net/http return "http: server closed idle connection":
// the upstream closes (FIN) a kept-alive connection just as the gateway takes
// it from its pool for a request it may not retry (a POST).
func errIdleClosed(t testing.TB) error {
	closeNow := make(chan struct{}, 1)
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if !readRequest(br) {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		<-closeNow
		c.Close()
	})
	tr := transport()
	res, err := tr.RoundTrip(mustRequest(t, context.Background(), http.MethodGet, "http://"+addr+"/"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if info.Reused {
			closeNow <- struct{}{}
			time.Sleep(200 * time.Millisecond) // let the read loop see the FIN
		}
	}}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	return roundTripCtx(t, ctx, tr, http.MethodPost, "http://"+addr+"/")
}

func mustRequest(t testing.TB, ctx context.Context, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// respond returns a server that answers every request with raw, then closes.
func respond(t testing.TB, raw string) string {
	return rawServer(t, func(c net.Conn) {
		readRequest(bufio.NewReader(c))
		io.WriteString(c, raw)
		c.Close()
	})
}

func errMalformedResponse(t testing.TB) error {
	return roundTrip(t, transport(), "http://"+respond(t, "SSH-2.0-OpenSSH_9.6\r\n\r\n")+"/")
}

func errMalformedStatus(t testing.TB) error {
	return roundTrip(t, transport(), "http://"+respond(t, "HTTP/1.1 2x0 OK\r\n\r\n")+"/")
}

func errHeadersIncomplete(t testing.TB) error {
	return roundTrip(t, transport(), "http://"+respond(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")+"/")
}

func errHeadersTooLarge(t testing.TB) error {
	tr := transport()
	tr.MaxResponseHeaderBytes = 1 << 10
	return roundTrip(t, tr, "http://"+respond(t, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("a", 4<<10)+"\r\n\r\n")+"/")
}

func errBodyTruncated(t testing.TB) error {
	return bodyErr(t, transport(), "http://"+respond(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")+"/")
}

func errResetMidBody(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		readRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial")
		time.Sleep(50 * time.Millisecond)
		reset(c)
	})
	return bodyErr(t, transport(), "http://"+addr+"/")
}

// errBrokenPipe writes on a connection the peer has reset, as the request
// writer does when the upstream drops the connection while the request body
// is still being sent.
func errBrokenPipe(t testing.TB) error {
	t.Helper()
	addr := rawServer(t, func(c net.Conn) {
		time.Sleep(50 * time.Millisecond)
		reset(c)
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err = c.Write(buf); err != nil && strings.Contains(err.Error(), "broken pipe") {
			return err
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatalf("no broken pipe, last error %v", err)
	return nil
}

func errCanceled(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readRequest(br)
		io.Copy(io.Discard, br) // hold the connection, never answer
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	return roundTripCtx(t, ctx, transport(), http.MethodGet, "http://"+addr+"/")
}

func errDeadline(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readRequest(br)
		io.Copy(io.Discard, br) // hold the connection, never answer
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	return roundTripCtx(t, ctx, transport(), http.MethodGet, "http://"+addr+"/")
}

// ---------------------------------------------------------------------------
// TLS.

type pki struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	serial int64
}

var (
	pkiOnce sync.Once
	thePKI  *pki
)

func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "classify test CA"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		ca, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		thePKI = &pki{ca: ca, caKey: key, pool: pool, serial: 1}
	})
	return thePKI
}

var leafMu sync.Mutex

// leaf issues a certificate signed by the test CA.
func (p *pki) leaf(t testing.TB, notBefore, notAfter time.Time, dnsNames []string, ips []net.IP) tls.Certificate {
	t.Helper()
	leafMu.Lock()
	p.serial++
	serial := p.serial
	leafMu.Unlock()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "upstream"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		DNSNames:     dnsNames,
		IPAddresses:  ips,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

var loopbackIP = []net.IP{net.IPv4(127, 0, 0, 1)}

// tlsServer serves HTTP over TLS with cfg on 127.0.0.1 and returns its address.
func tlsServer(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// tlsTransport trusts the test CA.
func tlsTransport(t testing.TB) *http.Transport {
	tr := transport()
	tr.TLSClientConfig = &tls.Config{RootCAs: testPKI(t).pool}
	return tr
}

func errTLSExpired(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), nil, loopbackIP)
	return roundTrip(t, tlsTransport(t), "https://"+tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})+"/")
}

func errTLSNotYetValid(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour), nil, loopbackIP)
	return roundTrip(t, tlsTransport(t), "https://"+tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})+"/")
}

func errTLSWrongHost(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), []string{"wrong-host.example"}, nil)
	return roundTrip(t, tlsTransport(t), "https://"+tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})+"/")
}

func errTLSUnknownAuthority(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, loopbackIP)
	tr := transport()
	tr.TLSClientConfig = &tls.Config{RootCAs: x509.NewCertPool()}
	return roundTrip(t, tr, "https://"+tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})+"/")
}

func errTLSToPlain(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		// What a plain HTTP server answers to a ClientHello.
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
		c.Close()
	})
	return roundTrip(t, tlsTransport(t), "https://"+addr+"/")
}

func errTLSHandshakeTimeout(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		io.Copy(io.Discard, c) // accept the ClientHello, never answer
	})
	return roundTrip(t, tlsTransport(t), "https://"+addr+"/")
}

func errTLSClosedDuringHandshake(t testing.TB) error {
	addr := rawServer(t, func(c net.Conn) {
		// Read the whole ClientHello record (its size differs between Go
		// versions), so that closing sends a FIN, not a reset for unread data.
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(c, hdr); err == nil {
			io.ReadFull(c, make([]byte, int(hdr[3])<<8|int(hdr[4])))
		}
		c.Close()
	})
	return roundTrip(t, tlsTransport(t), "https://"+addr+"/")
}

func errTLSProtocolVersion(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, loopbackIP)
	addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
	tr := tlsTransport(t)
	tr.TLSClientConfig.MaxVersion = tls.VersionTLS12
	return roundTrip(t, tr, "https://"+addr+"/")
}

func errTLSHandshakeFailure(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, loopbackIP)
	addr := tlsServer(t, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
	})
	tr := tlsTransport(t)
	tr.TLSClientConfig.MaxVersion = tls.VersionTLS12
	tr.TLSClientConfig.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	return roundTrip(t, tr, "https://"+addr+"/")
}

func errTLSClientCertRequired(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, loopbackIP)
	addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert})
	return roundTrip(t, tlsTransport(t), "https://"+addr+"/")
}

// ---------------------------------------------------------------------------
// DNS.

// dnsResponder answers every query on 127.0.0.1 with rcode (3 NXDOMAIN,
// 2 SERVFAIL) and no records; rcode < 0 means never answer.
func dnsResponder(t testing.TB, rcode int) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if rcode < 0 || n < 12 {
				continue
			}
			// Header + the question, copied as is.
			end := 12
			for end < n && buf[end] != 0 {
				end += int(buf[end]) + 1
			}
			end += 1 + 4
			if end > n {
				continue
			}
			out := make([]byte, end)
			copy(out, buf[:end])
			out[2] = 0x80 | buf[2]&0x01 // QR, RD copied
			out[3] = 0x80 | byte(rcode) // RA, rcode
			out[4], out[5] = 0, 1       // QDCOUNT
			for i := 6; i < 12; i++ {   // AN, NS, AR
				out[i] = 0
			}
			pc.WriteTo(out, from)
		}
	}()
	return pc.LocalAddr().String()
}

// resolverFor returns a pure-Go resolver that only ever talks to server.
func resolverFor(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}

func dnsTransport(server string) *http.Transport {
	d := &net.Dialer{Timeout: fixDialTimeout, Resolver: resolverFor(server)}
	tr := transport()
	tr.DialContext = d.DialContext
	return tr
}

func errDNSNXDomain(t testing.TB) error {
	return roundTrip(t, dnsTransport(dnsResponder(t, 3)), "http://nxdomain.upstream.test/")
}

func errDNSServFail(t testing.TB) error {
	return roundTrip(t, dnsTransport(dnsResponder(t, 2)), "http://servfail.upstream.test/")
}

func errDNSTimeout(t testing.TB) error {
	r := resolverFor(dnsResponder(t, -1))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.LookupHost(ctx, "slow.upstream.test")
	if err == nil {
		t.Fatal("lookup succeeded")
	}
	return err
}

// errDNSTimeoutDial is a resolver timeout seen through the dialer.
func errDNSTimeoutDial(t testing.TB) error {
	tr := dnsTransport(dnsResponder(t, -1))
	return roundTrip(t, tr, "http://slow.upstream.test/")
}

var errFixture = errors.New("fixture")

// ---------------------------------------------------------------------------
// More failures.

// errTLSWrongHostName: the certificate does not name the host the gateway
// asked for by name (SNI and verification use ServerName).
func errTLSWrongHostName(t testing.TB) error {
	p := testPKI(t)
	cert := p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), []string{"wrong-host.example"}, nil)
	tr := tlsTransport(t)
	tr.TLSClientConfig.ServerName = "api.upstream.test"
	return roundTrip(t, tr, "https://"+tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})+"/")
}

// errResetDuringWrite is the first write error on a connection the peer has
// reset: "write: connection reset by peer".
func errResetDuringWrite(t testing.TB) error {
	t.Helper()
	addr := rawServer(t, func(c net.Conn) {
		c.Read(make([]byte, 1))
		reset(c)
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	time.Sleep(100 * time.Millisecond) // the RST arrives
	_, err = c.Write(make([]byte, 1024))
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Skipf("first write after RST gave %v, not ECONNRESET", err)
	}
	return err
}

// errReadTimeout is a read deadline expiring: "read tcp A->B: i/o timeout".
func errReadTimeout(t testing.TB) error {
	t.Helper()
	addr := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	if err == nil {
		t.Fatal("read succeeded")
	}
	return err
}

func errChunked(t testing.TB) error {
	return bodyErr(t, transport(), "http://"+respond(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc")+"/")
}

// errDeadlineMidBody: the gateway's deadline expires while the body streams.
func errDeadlineMidBody(t testing.TB) error {
	t.Helper()
	addr := rawServer(t, func(c net.Conn) {
		readRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst bytes")
		io.Copy(io.Discard, c) // stall the body
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	tr := transport()
	res, err := tr.RoundTrip(mustRequest(t, ctx, http.MethodGet, "http://"+addr+"/"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	if err == nil {
		t.Fatal("body read without error")
	}
	return err
}

// errConnectDeadline: the gateway's deadline (a context, no dialer timeout)
// expires while connecting.
func errConnectDeadline(t testing.TB) error {
	addr := fullBacklog(t)
	tr := transport()
	tr.DialContext = (&net.Dialer{}).DialContext
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	return roundTripCtx(t, ctx, tr, http.MethodGet, "http://"+addr+"/")
}

// errH2StreamReset: an HTTP/2 upstream resets the stream (RST_STREAM
// INTERNAL_ERROR) before answering.
func errH2StreamReset(t testing.TB) error {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport)
	return roundTrip(t, tr, srv.URL+"/")
}
