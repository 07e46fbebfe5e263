package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// run probes req with cfg, checks the verdict and that Fields and Message
// have their shapes, and returns the Result.
func run(t *testing.T, cfg Config, req Request, want string) *Result {
	t.Helper()
	r := Run(context.Background(), cfg, req)
	if r == nil {
		t.Fatal("Run returned nil")
	}
	if r.Verdict != want {
		t.Fatalf("verdict %q, want %q; result %+v, conns %+v, tls %+v", r.Verdict, want, r, r.Conns, r.TLS)
	}
	if r.Reachable() != (want == VerdictReachable) {
		t.Errorf("Reachable() = %v for %q", r.Reachable(), want)
	}
	checkShapes(t, r)
	return r
}

// checkShapes checks the types of every field Fields writes, that every
// string is one printable line, and the message's form.
func checkShapes(t *testing.T, r *Result) {
	t.Helper()
	f := r.Fields()
	for k, v := range f {
		switch k {
		case FieldDNSMs, FieldMs:
			if x, ok := v.(float64); !ok || x < 0 {
				t.Errorf("%s = %#v, want a float64 >= 0", k, v)
			}
		case FieldDropped:
			if x, ok := v.(int64); !ok || x <= 0 {
				t.Errorf("%s = %#v, want an int64 > 0", k, v)
			}
		default:
			s, ok := v.(string)
			if !ok || s == "" {
				t.Errorf("%s = %#v, want a non-empty string", k, v)
			}
			if strings.ContainsAny(s, "\n\r\t\x00") {
				t.Errorf("%s = %q holds a control character", k, s)
			}
		}
	}
	for _, k := range []string{FieldPrefix, FieldTarget, FieldVerdict, FieldMs} {
		if _, ok := f[k]; !ok {
			t.Errorf("no %s in %v", k, f)
		}
	}
	if f[FieldPrefix] != Prefix || f[FieldVerdict] != r.Verdict || f[FieldTarget] != r.Target {
		t.Errorf("fields %v do not match the result", f)
	}
	if m := r.Message(); !strings.HasPrefix(m, "upstream probe: "+r.Target+" ") {
		t.Errorf("message %q", m)
	}
}

// conn returns r's only connect, checking that there is exactly one.
func onlyConn(t *testing.T, r *Result) AddrResult {
	t.Helper()
	if len(r.Conns) != 1 {
		t.Fatalf("conns %+v, want one", r.Conns)
	}
	return r.Conns[0]
}

func TestRunRefused(t *testing.T) {
	target := hostPort(t, shared.Refused)
	r := run(t, testConfig(), Request{Target: target, Flag: "UCF"}, VerdictRefused)
	c := onlyConn(t, r)
	if c.Addr != target || c.Outcome != OutcomeRefused || !strings.Contains(c.Err, "connection refused") {
		t.Errorf("conn %+v", c)
	}
	if len(r.Addrs) != 1 || r.Addrs[0] != "127.0.0.1" || r.DNS != 0 || r.DNSErr != "" {
		t.Errorf("an IP literal is not looked up: addrs %v dns %v %q", r.Addrs, r.DNS, r.DNSErr)
	}
	f := r.Fields()
	if _, ok := f[FieldDNSMs]; ok {
		t.Errorf("probe_dns_ms written for an IP literal: %v", f)
	}
	if s := f[FieldConnect].(string); !strings.HasPrefix(s, target+" refused ") || !strings.HasSuffix(s, "ms") {
		t.Errorf("probe_connect = %q", s)
	}
	if f[FieldTriggerFlag] != "UCF" || f[FieldNode] != "gw-test" || f[FieldAddrs] != "127.0.0.1" {
		t.Errorf("fields %v", f)
	}
	if r.TLS != nil {
		t.Errorf("TLS %+v without a connection", r.TLS)
	}
	if want := "upstream probe: " + target + " refuses connections from node gw-test"; r.Message() != want {
		t.Errorf("message %q, want %q", r.Message(), want)
	}
}

func TestRunBlackholeTimesOut(t *testing.T) {
	target := hostPort(t, shared.ConnectTimeout)
	r := run(t, testConfig(), Request{Target: target, Flag: "UCT"}, VerdictUnreachable)
	c := onlyConn(t, r)
	if c.Outcome != OutcomeTimeout || !strings.Contains(c.Err, "i/o timeout") || c.Duration < testDialTimeout/2 {
		t.Errorf("conn %+v", c)
	}
	if s := r.Fields()[FieldConnect].(string); !strings.HasPrefix(s, target+" timeout ") {
		t.Errorf("probe_connect = %q", s)
	}
	if _, ok := r.Fields()[FieldConnectError]; ok {
		t.Error("probe_connect_error for a timeout (the outcome says it)")
	}
	if want := "upstream probe: " + target + " unreachable from node gw-test"; r.Message() != want {
		t.Errorf("message %q, want %q", r.Message(), want)
	}
}

func TestRunDNSNXDomain(t *testing.T) {
	target := hostPort(t, shared.DNSNXDomain)
	r := run(t, testConfig(), Request{Target: target, Flag: "DNS"}, VerdictDNS)
	if !strings.Contains(r.DNSErr, "no such host") || !strings.Contains(r.DNSErr, "nxdomain.upstream.test") {
		t.Errorf("DNSErr %q", r.DNSErr)
	}
	if len(r.Conns) != 0 || len(r.Addrs) != 0 {
		t.Errorf("connected after a failed lookup: %+v %v", r.Conns, r.Addrs)
	}
	f := r.Fields()
	if f[FieldDNSError] != r.DNSErr {
		t.Errorf("probe_dns_error = %v", f[FieldDNSError])
	}
	if _, ok := f[FieldDNSMs].(float64); !ok {
		t.Errorf("no probe_dns_ms for a looked-up name: %v", f)
	}
	if _, ok := f[FieldConnect]; ok {
		t.Errorf("probe_connect without connects: %v", f)
	}
	if !strings.HasSuffix(r.Message(), " does not resolve from node gw-test") {
		t.Errorf("message %q", r.Message())
	}
}

func TestRunDNSServFail(t *testing.T) {
	r := run(t, testConfig(), Request{Target: hostPort(t, shared.DNSServFail), Flag: "DNS"}, VerdictDNS)
	if !strings.Contains(r.DNSErr, "server misbehaving") {
		t.Errorf("DNSErr %q", r.DNSErr)
	}
}

// TestRunZone: names through an upstreams.Zone: a healthy server by name,
// SERVFAIL, an unknown name.
func TestRunZone(t *testing.T) {
	z, err := upstreams.StartZone()
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	z.SetA("orders.probe.test", net.IPv4(127, 0, 0, 1))
	z.SetServFail("broken.probe.test")
	cfg := testConfig()
	cfg.Resolver = z.Resolver()
	_, port, _ := net.SplitHostPort(hostPort(t, shared.OK))

	r := run(t, cfg, Request{Target: "orders.probe.test:" + port, Flag: "URR"}, VerdictReachable)
	c := onlyConn(t, r)
	if c.Addr != "127.0.0.1:"+port || c.Outcome != OutcomeOK || c.Err != "" {
		t.Errorf("conn %+v", c)
	}
	if r.Addrs[0] != "127.0.0.1" || r.DNSErr != "" || r.TLS != nil {
		t.Errorf("result %+v", r)
	}
	if want := "upstream probe: orders.probe.test:" + port + " reachable now from node gw-test"; r.Message() != want {
		t.Errorf("message %q, want %q", r.Message(), want)
	}

	r = run(t, cfg, Request{Target: "broken.probe.test:" + port}, VerdictDNS)
	if !strings.Contains(r.DNSErr, "server misbehaving") {
		t.Errorf("DNSErr %q", r.DNSErr)
	}
	r = run(t, cfg, Request{Target: "unknown.probe.test:" + port}, VerdictDNS)
	if !strings.Contains(r.DNSErr, "no such host") {
		t.Errorf("DNSErr %q", r.DNSErr)
	}
}

// checkTLSInvalidCert checks a tls_invalid verdict with a completed
// handshake, the leaf's facts and a verification error containing want.
func checkTLSInvalidCert(t *testing.T, r *Result, want, subject, sans string) {
	t.Helper()
	tr := r.TLS
	if tr == nil {
		t.Fatal("no TLS result")
	}
	if tr.HandshakeErr != "" {
		t.Errorf("handshake error %q (the probe verifies after the handshake)", tr.HandshakeErr)
	}
	if !strings.Contains(tr.Verify, want) {
		t.Errorf("Verify %q, want it to contain %q", tr.Verify, want)
	}
	if tr.Subject != subject || tr.SANs != sans || tr.Issuer == "" || tr.Version == "" {
		t.Errorf("cert facts %+v", tr)
	}
	if tr.NotBefore.IsZero() || !tr.NotAfter.After(tr.NotBefore) {
		t.Errorf("validity %v .. %v", tr.NotBefore, tr.NotAfter)
	}
	f := r.Fields()
	for _, k := range []string{FieldTLSVerify, FieldTLSVersion, FieldTLSSubject, FieldTLSIssuer, FieldTLSSANs, FieldTLSNotBefore, FieldTLSNotAfter} {
		if _, ok := f[k]; !ok {
			t.Errorf("no %s in %v", k, f)
		}
	}
	if _, err := time.Parse(time.RFC3339, f[FieldTLSNotAfter].(string)); err != nil || !strings.HasSuffix(f[FieldTLSNotAfter].(string), "Z") {
		t.Errorf("probe_tls_not_after = %v: not RFC 3339 UTC", f[FieldTLSNotAfter])
	}
	if _, ok := f[FieldTLSError]; ok {
		t.Errorf("probe_tls_error without a handshake error: %v", f)
	}
	if !strings.Contains(r.Message(), " fails TLS from node gw-test") {
		t.Errorf("message %q", r.Message())
	}
}

func TestRunTLSExpired(t *testing.T) {
	r := run(t, testConfig(), Request{Target: hostPort(t, shared.TLSExpired), TLS: true, Flag: "TLE"}, VerdictTLSInvalid)
	checkTLSInvalidCert(t, r, "certificate has expired", "CN=127.0.0.1", "127.0.0.1")
	if r.TLS.Issuer != "CN=upstreams test CA" || !r.TLS.NotAfter.Before(time.Now()) {
		t.Errorf("issuer %q, not after %v", r.TLS.Issuer, r.TLS.NotAfter)
	}
}

func TestRunTLSWrongHost(t *testing.T) {
	r := run(t, testConfig(), Request{Target: hostPort(t, shared.TLSWrongHost), TLS: true, Flag: "TLM"}, VerdictTLSInvalid)
	checkTLSInvalidCert(t, r, "doesn't contain any IP SANs", "CN=wrong-host.example", "wrong-host.example")
}

func TestRunTLSUnknownAuthority(t *testing.T) {
	r := run(t, testConfig(), Request{Target: hostPort(t, shared.TLSUnknownAuthority), TLS: true, Flag: "TLN"}, VerdictTLSInvalid)
	checkTLSInvalidCert(t, r, "unknown authority", "CN=127.0.0.1", "127.0.0.1")
}

func TestRunTLSToPlainPort(t *testing.T) {
	r := run(t, testConfig(), Request{Target: hostPort(t, shared.TLSToPlain), TLS: true, Flag: "TLP"}, VerdictTLSInvalid)
	if onlyConn(t, r).Outcome != OutcomeOK {
		t.Errorf("conn %+v", r.Conns)
	}
	tr := r.TLS
	if tr == nil || !strings.Contains(tr.HandshakeErr, "first record does not look like a TLS handshake") {
		t.Fatalf("TLS %+v", tr)
	}
	if tr.Verify != "" || tr.Subject != "" || tr.Version != "" || !tr.NotAfter.IsZero() {
		t.Errorf("certificate facts without a certificate: %+v", tr)
	}
	f := r.Fields()
	if f[FieldTLSError] != tr.HandshakeErr {
		t.Errorf("probe_tls_error = %v", f[FieldTLSError])
	}
	for _, k := range []string{FieldTLSVerify, FieldTLSSubject, FieldTLSNotAfter, FieldTLSVersion} {
		if _, ok := f[k]; ok {
			t.Errorf("%s written without a certificate: %v", k, f)
		}
	}
}

// TestRunTLSHealthyByName: a TLS server whose certificate is valid for
// *.example.com, reached by name through a Zone, with SNI: reachable now.
func TestRunTLSHealthyByName(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	snis := make(chan string, 16) // the SNI of each ClientHello
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		select {
		case snis <- h.ServerName:
		default:
		}
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()
	z, err := upstreams.StartZone()
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	z.SetA("api.example.com", net.IPv4(127, 0, 0, 1))
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	cfg := testConfig()
	cfg.Resolver, cfg.RootCAs = z.Resolver(), roots
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	r := run(t, cfg, Request{Target: "api.example.com:" + port, TLS: true, Flag: "UCT"}, VerdictReachable)
	tr := r.TLS
	if tr == nil || tr.Verify != VerifyOK || tr.HandshakeErr != "" || tr.Version != "TLS 1.3" {
		t.Fatalf("TLS %+v", tr)
	}
	if tr.Subject != "O=Acme Co" || !strings.Contains(tr.SANs, "*.example.com") {
		t.Errorf("cert facts %+v", tr)
	}
	if f := r.Fields(); f[FieldTLSVerify] != "ok" || f[FieldTLSVersion] != "TLS 1.3" {
		t.Errorf("fields %v", f)
	}
	if sni := <-snis; sni != "api.example.com" {
		t.Errorf("SNI %q, want the host name", sni)
	}

	// By IP: no SNI, and the certificate's IP SAN verifies.
	r = run(t, cfg, Request{Target: "127.0.0.1:" + port, TLS: true}, VerdictReachable)
	if sni := <-snis; sni != "" {
		t.Errorf("SNI %q for an IP literal, want none", sni)
	}

	// The same server by another name the certificate does not cover.
	z.SetA("api.other.test", net.IPv4(127, 0, 0, 1))
	r = run(t, cfg, Request{Target: "api.other.test:" + port, TLS: true}, VerdictTLSInvalid)
	<-snis
	if !strings.Contains(r.TLS.Verify, "not api.other.test") {
		t.Errorf("Verify %q", r.TLS.Verify)
	}
	// Without TLS the same port is simply reachable.
	run(t, cfg, Request{Target: "api.example.com:" + port}, VerdictReachable)
}

// listenPair starts, on one port P free on both addresses, a blackhole
// (every connect times out) on 127.0.0.2:P and a healthy server on
// 127.0.0.3:P; nothing listens on 127.0.0.4:P or 127.0.0.5:P (refused).
func listenPair(t *testing.T) (port string) {
	t.Helper()
	for try := 0; try < 20; try++ {
		ln, err := net.Listen("tcp4", "127.0.0.3:0")
		if err != nil {
			t.Skipf("cannot listen on 127.0.0.3: %v", err)
		}
		_, port, _ = net.SplitHostPort(ln.Addr().String())
		ln.Close()
		ok, err := upstreams.ListenOK("127.0.0.3:" + port)
		if err != nil {
			continue
		}
		bh, err := upstreams.ListenBlackhole("127.0.0.2:" + port)
		if err != nil {
			ok.Close()
			continue
		}
		t.Cleanup(func() {
			ok.Close()
			bh.Close()
		})
		return port
	}
	t.Fatal("no port free on both 127.0.0.2 and 127.0.0.3")
	return ""
}

// outcomes maps each connect's address to its outcome.
func outcomes(r *Result) map[string]string {
	m := make(map[string]string)
	for _, c := range r.Conns {
		m[c.Addr] = c.Outcome
	}
	return m
}

// TestRunMultipleAddresses: names with several A records, connected to
// concurrently; the verdict weighs them all.
func TestRunMultipleAddresses(t *testing.T) {
	port := listenPair(t)
	z, err := upstreams.StartZone()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(z.Close)
	ip := net.ParseIP
	z.SetA("mixed.multi.test", ip("127.0.0.2"), ip("127.0.0.3"))
	z.SetA("dead.multi.test", ip("127.0.0.2"), ip("127.0.0.4"))
	z.SetA("refused.multi.test", ip("127.0.0.4"), ip("127.0.0.5"))
	z.SetA("many.multi.test", ip("127.0.0.4"), ip("127.0.0.5"), ip("127.0.0.3"))
	cfg := testConfig()
	cfg.Resolver = z.Resolver()
	a := func(ip string) string { return ip + ":" + port }

	r := run(t, cfg, Request{Target: "mixed.multi.test:" + port}, VerdictReachable)
	if o := outcomes(r); len(o) != 2 || o[a("127.0.0.2")] != OutcomeTimeout || o[a("127.0.0.3")] != OutcomeOK {
		t.Errorf("outcomes %v", o)
	}
	if s := r.Fields()[FieldAddrs].(string); s != "127.0.0.2,127.0.0.3" && s != "127.0.0.3,127.0.0.2" {
		t.Errorf("probe_addrs = %q", s)
	}
	if s := r.Fields()[FieldConnect].(string); strings.Count(s, ", ") != 1 || !strings.Contains(s, a("127.0.0.2")+" timeout ") || !strings.Contains(s, a("127.0.0.3")+" ok ") {
		t.Errorf("probe_connect = %q", s)
	}

	// TLS on the one that connects (a plain server): the handshake fails.
	r = run(t, cfg, Request{Target: "mixed.multi.test:" + port, TLS: true}, VerdictTLSInvalid)
	if r.TLS == nil || r.TLS.HandshakeErr == "" {
		t.Errorf("TLS %+v", r.TLS)
	}

	r = run(t, cfg, Request{Target: "dead.multi.test:" + port}, VerdictUnreachable)
	if o := outcomes(r); o[a("127.0.0.2")] != OutcomeTimeout || o[a("127.0.0.4")] != OutcomeRefused {
		t.Errorf("outcomes %v (one timeout and one refused is unreachable, not refused)", o)
	}

	r = run(t, cfg, Request{Target: "refused.multi.test:" + port}, VerdictRefused)
	if o := outcomes(r); len(o) != 2 || o[a("127.0.0.4")] != OutcomeRefused || o[a("127.0.0.5")] != OutcomeRefused {
		t.Errorf("outcomes %v", o)
	}

	cfg.MaxAddrs = 2
	r = Run(context.Background(), cfg, Request{Target: "many.multi.test:" + port})
	if len(r.Addrs) != 3 || len(r.Conns) != 2 {
		t.Fatalf("addrs %v conns %+v: want 3 addresses, 2 connects", r.Addrs, r.Conns)
	}
	for i, c := range r.Conns {
		if c.Addr != a(r.Addrs[i]) {
			t.Errorf("connect %d to %s, want the resolver's address %d, %s", i, c.Addr, i, r.Addrs[i])
		}
	}
	checkShapes(t, r)
}

// TestRunSanitises: a target with a control character and a name the
// resolver rejects: every text written is one escaped line.
func TestRunSanitises(t *testing.T) {
	r := run(t, testConfig(), Request{Target: "bad\nhost.test:80", Flag: "U\tCT"}, VerdictDNS)
	if r.Target != `bad\nhost.test:80` || r.TriggerFlag != `U\tCT` {
		t.Errorf("target %q flag %q", r.Target, r.TriggerFlag)
	}
	if r.DNSErr == "" || strings.ContainsAny(r.DNSErr, "\n\t") {
		t.Errorf("DNSErr %q", r.DNSErr)
	}
	long := strings.Repeat("a", 300) + ".test:80"
	r = Run(context.Background(), testConfig(), Request{Target: long})
	if len(r.Target) > MaxText+len("…(truncated)") || !strings.HasSuffix(r.Target, "…(truncated)") {
		t.Errorf("long target kept as %d bytes: %q", len(r.Target), r.Target)
	}
}

func TestRunInvalidTarget(t *testing.T) {
	for _, target := range []string{"", "nohost", ":8080", "host:", "host:0", "host:65536", "host:http", "[::1", strings.Repeat("h", 600) + ":80"} {
		r := Run(context.Background(), testConfig(), Request{Target: target})
		if r.Verdict != VerdictInvalidTarget || len(r.Conns) != 0 || r.DNS != 0 {
			t.Errorf("%q: %+v", target, r)
		}
		if _, ok := r.Fields()[FieldDNSMs]; ok {
			t.Errorf("%q: probe_dns_ms for an invalid target", target)
		}
		if !strings.HasPrefix(r.Message(), "upstream probe: invalid target") {
			t.Errorf("%q: message %q", target, r.Message())
		}
	}
}

// TestRunCancelled: a probe whose context ends stops at once.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := testConfig()
	cfg.DialTimeout = time.Minute
	r := Run(ctx, cfg, Request{Target: hostPort(t, shared.ConnectTimeout)})
	if r.Verdict != VerdictUnreachable || onlyConn(t, r).Outcome != OutcomeError {
		t.Errorf("verdict %q conns %+v", r.Verdict, r.Conns)
	}
}

// TestRunIPv6Literal: an IPv6 literal target is not looked up; skipped
// where ::1 cannot be listened on.
func TestRunIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	r := run(t, testConfig(), Request{Target: "[::1]:" + port}, VerdictReachable)
	if r.Addrs[0] != "::1" || onlyConn(t, r).Addr != "[::1]:"+port {
		t.Errorf("addrs %v conns %+v", r.Addrs, r.Conns)
	}
}
