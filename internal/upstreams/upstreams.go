// Package upstreams is test equipment, not part of the plugin.
//
// Start brings up a Set of upstreams on 127.0.0.1, each of which fails a
// proxied round trip in one specific, real way: real sockets, real TLS
// servers, real resets (SO_LINGER 0), a real DNS server. No error value is
// ever made by hand; the errors a client sees are the ones Go's net, net/http,
// crypto/tls and crypto/x509 produce. All traffic stays on 127.0.0.1; the
// machine's DNS resolver is never used: names under upstream.test resolve
// only through Set.Resolver, which sends every query to the Set's own DNS
// server.
//
// The error texts quoted in the documentation of Set are those observed with
// Go 1.26 on Linux for a client built with Set.Transport; PORT, CLIENTPORT and
// NAMESERVER stand for the actual values. The connect-timeout and refused
// upstreams need a unix kernel (they are built on raw sockets); on other
// systems Start returns an error.
package upstreams

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Set is one running collection of failing upstreams. Every URL field is of
// the form "scheme://host:port/". Start creates a Set; Close stops it.
// Several Sets may run in one process at once: every port is ephemeral.
type Set struct {
	// OK is a plain HTTP/1.1 server that answers every request "200 OK" with
	// body "ok", Content-Length and keep-alive. It is the server the DNS
	// names and TLSToPlain point at.
	OK string

	// Refused is a loopback port with nothing listening: a socket is bound
	// to it (so nothing else can take the port while the Set runs) but never
	// listens, so the kernel answers every SYN with an RST. Dialing it fails
	// at once with *net.OpError{Op: "dial"} wrapping syscall.ECONNREFUSED:
	// "dial tcp 127.0.0.1:PORT: connect: connection refused".
	Refused string

	// ConnectTimeout is a listener (raw socket, bind, listen with backlog 0)
	// that never accepts and whose accept queue Start has filled, so the
	// kernel drops every further SYN. Dialing it blocks until the dialer's
	// own timeout: *net.OpError{Op: "dial"} whose Timeout() is true:
	// "dial tcp 127.0.0.1:PORT: i/o timeout". It never connects, however
	// often and however concurrently it is dialed.
	ConnectTimeout string

	// HeaderTimeout accepts, reads the request and never answers; it holds
	// the connection until the client closes it or the Set is closed. With
	// Transport.ResponseHeaderTimeout the client gets a net.Error with
	// Timeout() true: "net/http: timeout awaiting response headers". Also
	// useful as the upstream of a client that disconnects.
	HeaderTimeout string

	// ResetBeforeResponse reads the request, then resets the connection
	// (SetLinger(0) and Close: an RST) without answering. The client gets
	// *net.OpError{Op: "read"} wrapping syscall.ECONNRESET:
	// "read tcp 127.0.0.1:CLIENTPORT->127.0.0.1:PORT: read: connection reset by peer".
	ResetBeforeResponse string

	// IdleClose answers the first request on a connection "200 OK" with
	// keep-alive. On any later request on the same connection it reads the
	// request fully and closes the connection without answering (a plain
	// close: FIN). A request that is not replayable (a POST) sent on the
	// reused connection is not retried and fails with io.EOF ("EOF"), which
	// is how Go's transport reports a server that closed a kept-alive
	// connection after taking a request on it. A GET on the reused
	// connection is retried by the transport on a new connection, where it
	// is a first request and succeeds.
	IdleClose string

	// TLSUnknownAuthority is an https server presenting a self-signed
	// certificate for IP 127.0.0.1 that RootCAs does not trust. The handshake
	// fails with *tls.CertificateVerificationError wrapping
	// x509.UnknownAuthorityError: "tls: failed to verify certificate: x509:
	// certificate signed by unknown authority".
	TLSUnknownAuthority string

	// TLSExpired is an https server presenting a certificate for IP 127.0.0.1
	// signed by the test CA that expired 24 hours ago. The handshake fails
	// with *tls.CertificateVerificationError wrapping
	// x509.CertificateInvalidError{Reason: x509.Expired}: "tls: failed to
	// verify certificate: x509: certificate has expired or is not yet valid:
	// current time … is after …".
	TLSExpired string

	// TLSWrongHost is an https server presenting a certificate signed by the
	// test CA that is valid only for the DNS name "wrong-host.example". The
	// handshake fails with *tls.CertificateVerificationError wrapping
	// x509.HostnameError{Host: "127.0.0.1"}. As the URL's host is an IP, Go
	// words it by the certificate's (absent) IP SANs: "tls: failed to verify
	// certificate: x509: cannot validate certificate for 127.0.0.1 because it
	// doesn't contain any IP SANs".
	TLSWrongHost string

	// TLSToPlain is an "https://" URL whose port is the plain-HTTP OK server,
	// which answers the ClientHello with an HTTP 400. The client gets
	// tls.RecordHeaderError: "tls: first record does not look like a TLS
	// handshake".
	TLSToPlain string

	// DNSNXDomain is "http://nxdomain.upstream.test:PORT/" (PORT is OK's
	// port). Resolved through Resolver, the name does not exist: the client
	// gets *net.OpError{Op: "dial"} wrapping *net.DNSError with IsNotFound
	// true: "dial tcp: lookup nxdomain.upstream.test on NAMESERVER: no such host".
	DNSNXDomain string

	// DNSServFail is "http://servfail.upstream.test:PORT/". Resolved through
	// Resolver, the DNS server answers SERVFAIL: *net.OpError{Op: "dial"}
	// wrapping *net.DNSError with IsTemporary true: "dial tcp: lookup
	// servfail.upstream.test on NAMESERVER: server misbehaving".
	DNSServFail string

	// DNSOK is "http://ok.upstream.test:PORT/". Resolved through Resolver it
	// is 127.0.0.1, so the request reaches the OK server and gets 200 "ok".
	DNSOK string

	// Status503 answers every request "503 Service Temporarily Unavailable"
	// the way nginx does: "Server: nginx", Content-Type text/html and nginx's
	// small HTML body, keep-alive. The round trip itself succeeds.
	Status503 string

	// Intermediary502 answers every request "502 Bad Gateway" byte for byte
	// like an AWS Application Load Balancer: "Server: awselb/2.0",
	// "Content-Type: text/html" and the ALB's HTML body, keep-alive. The round
	// trip itself succeeds.
	Intermediary502 string

	// ResetMidBody answers "200 OK" with Content-Length 65536, writes the
	// first 1024 bytes of the body and then resets the connection
	// (SetLinger(0) and Close). The round trip succeeds; reading the body
	// yields the 1024 bytes and then *net.OpError{Op: "read"} wrapping
	// syscall.ECONNRESET: "read tcp 127.0.0.1:CLIENTPORT->127.0.0.1:PORT:
	// read: connection reset by peer".
	ResetMidBody string

	// H2COK is not implemented and always empty.
	H2COK string

	// RootCAs trusts the test CA that signed the TLSExpired and TLSWrongHost
	// certificates, and nothing else (not the TLSUnknownAuthority one).
	RootCAs *x509.CertPool

	// RootCAPEM is the test CA of RootCAs, PEM-encoded, for a client in
	// another process (e.g. a gateway started with SSL_CERT_FILE naming a
	// file that holds it).
	RootCAPEM []byte

	// Resolver is a pure-Go resolver (PreferGo) whose Dial sends every query,
	// UDP or TCP, to the Set's DNS server at DNSAddr, never to the machine's
	// resolver. Error texts still name the first name server of
	// /etc/resolv.conf, as Go's resolver puts that address in DNSError.Server.
	Resolver *net.Resolver

	// DNSAddr is "127.0.0.1:PORT", where the Set's DNS server listens on both
	// UDP and TCP. It answers ok.upstream.test. A with 127.0.0.1 (other types
	// with an empty NOERROR), nxdomain.upstream.test. with NXDOMAIN,
	// servfail.upstream.test. with SERVFAIL, and every other name with
	// NXDOMAIN.
	DNSAddr string

	servers   []*rawServer
	dns       *dnsServer
	blackhole *blackhole
	refused   *reservedPort
	closeOnce sync.Once
}

// Start starts every upstream of a new Set. It returns an error, never
// panics, if anything fails; whatever had started is stopped again. Start
// takes about 200 ms: the time for one dial to ConnectTimeout to time out.
func Start() (_ *Set, err error) {
	s := &Set{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	c, err := newCerts()
	if err != nil {
		return nil, err
	}
	s.RootCAs = c.roots
	s.RootCAPEM = c.caPEM

	// Each entry: the URL field to set, its scheme, and its handler.
	plain := []struct {
		field  *string
		scheme string
		handle func(*net.TCPConn)
	}{
		{&s.OK, "http", handleOK},
		{&s.HeaderTimeout, "http", handleHeaderTimeout},
		{&s.ResetBeforeResponse, "http", handleResetBeforeResponse},
		{&s.IdleClose, "http", handleIdleClose},
		{&s.TLSUnknownAuthority, "https", tlsHandler(serverTLSConfig(c.unknownAuthority))},
		{&s.TLSExpired, "https", tlsHandler(serverTLSConfig(c.expired))},
		{&s.TLSWrongHost, "https", tlsHandler(serverTLSConfig(c.wrongHost))},
		{&s.Status503, "http", handleStatus503},
		{&s.Intermediary502, "http", handleIntermediary502},
		{&s.ResetMidBody, "http", handleResetMidBody},
	}
	for _, p := range plain {
		srv, err := startRawServer(p.handle)
		if err != nil {
			return nil, err
		}
		s.servers = append(s.servers, srv)
		*p.field = loopbackURL(p.scheme, "127.0.0.1", srv.port())
	}
	okPort := s.servers[0].port()
	s.TLSToPlain = loopbackURL("https", "127.0.0.1", okPort)

	if s.refused, err = reservePort(); err != nil {
		return nil, err
	}
	s.Refused = loopbackURL("http", "127.0.0.1", s.refused.port)

	if s.blackhole, err = startBlackhole(); err != nil {
		return nil, err
	}
	s.ConnectTimeout = loopbackURL("http", "127.0.0.1", s.blackhole.port)

	if s.dns, err = startDNS(); err != nil {
		return nil, err
	}
	s.DNSAddr = s.dns.addr
	s.Resolver = newResolver(s.DNSAddr)
	s.DNSOK = loopbackURL("http", "ok.upstream.test", okPort)
	s.DNSNXDomain = loopbackURL("http", "nxdomain.upstream.test", okPort)
	s.DNSServFail = loopbackURL("http", "servfail.upstream.test", okPort)
	return s, nil
}

func loopbackURL(scheme, host string, port int) string {
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
}

// Close stops every server and listener of the Set, closes every connection
// they hold and waits until all their goroutines have returned. It is
// idempotent and safe on a partly started Set. Clients should close their own
// idle connections (Transport.CloseIdleConnections) too.
func (s *Set) Close() {
	s.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, srv := range s.servers {
			srv := srv
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv.close()
			}()
		}
		wg.Wait()
		if s.dns != nil {
			s.dns.close()
		}
		if s.blackhole != nil {
			s.blackhole.close()
		}
		if s.refused != nil {
			s.refused.close()
		}
	})
}

// Dialer returns net.Dialer{Timeout: timeout, Resolver: s.Resolver}: a dialer
// that resolves the upstream.test names through the Set's DNS server and
// gives up connecting after timeout (which also bounds the DNS lookup).
func (s *Set) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Resolver: s.Resolver}
}

// Transport returns a new HTTP/1.1 transport configured like Tyk's upstream
// transport: DialContext from Dialer(dialTimeout), TLSClientConfig trusting
// RootCAs, ResponseHeaderTimeout headerTimeout, TLSHandshakeTimeout 10s,
// MaxIdleConnsPerHost 100, IdleConnTimeout 90s, and no proxy (environment
// proxy variables are ignored).
func (s *Set) Transport(dialTimeout, headerTimeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:           s.Dialer(dialTimeout).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: s.RootCAs},
		ResponseHeaderTimeout: headerTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
	}
}
