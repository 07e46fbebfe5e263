package upstreams

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// This file holds the upstreams of a simulated fleet (the test host's -fleet
// mode): servers on an address:port the caller chooses (any loopback
// address, e.g. 127.77.3.10:8080, so that several upstreams share a port on
// different 127.x.y.z addresses the way services share port 8080 on
// different hosts), whose behaviour can be changed while they run, and a DNS
// server on loopback whose answers can be changed per name while it runs.
// Like the rest of the package, every failure is real: real listeners
// closed or never accepting, real connection closes, a real DNS SERVFAIL.

// Endpoint is one upstream listening on a chosen loopback address. Its
// methods are safe for concurrent use.
type Endpoint struct {
	// Addr is the "ip:port" it listens on.
	Addr string

	handle func(c *net.TCPConn)

	mu    sync.Mutex
	srv   *rawServer // nil while down
	bh    *blackhole
	delay time.Duration
}

// ListenOK starts, on addr, a plain HTTP/1.1 server that answers every
// request "200 OK" with body "ok" and keep-alive (the OK server's answer).
func ListenOK(addr string) (*Endpoint, error) {
	e := &Endpoint{Addr: addr}
	e.handle = handleOK
	return e, e.Up()
}

// ListenOKClose starts, on addr, a server that answers every request "200
// OK" with "Connection: close" and closes the connection after it: a
// client opens, and so resolves the name of, a new connection for every
// request, so that a resolver failure shows on the very next request.
func ListenOKClose(addr string) (*Endpoint, error) {
	e := &Endpoint{Addr: addr}
	e.handle = func(c *net.TCPConn) {
		serveHTTP1(c, func(int, *http.Request) bool {
			c.Write(response("200 OK", []string{"Content-Type: text/plain; charset=utf-8", "Connection: close"}, "ok"))
			return false
		})
	}
	return e, e.Up()
}

// ListenIdleTimeout starts, on addr, a keep-alive HTTP/1.1 server with the
// behaviour of an intermediary (or upstream) whose idle timeout is idle: a
// request that arrives on a connection that has been idle for idle or longer
// is read fully and the connection is closed without an answer (a plain
// close: FIN), as when the peer closed the connection for idleness just as
// the gateway reused it. Requests on a connection idle for less are answered
// "200 OK". A request that is not replayable (a POST) on such a reused
// connection fails with io.EOF ("EOF"); Go's transport retries a GET on a
// new connection, where it succeeds.
func ListenIdleTimeout(addr string, idle time.Duration) (*Endpoint, error) {
	e := &Endpoint{Addr: addr}
	e.handle = func(c *net.TCPConn) {
		last := time.Now()
		br := bufio.NewReader(c)
		for n := 1; ; n++ {
			// Wait for the first byte of the next request: that is when the
			// request arrived, and how long the connection had been idle.
			if _, err := br.Peek(1); err != nil {
				return
			}
			arrived := time.Now()
			req, err := readRequest(br)
			if err == errMalformed {
				replyBadRequestAndClose(c)
				return
			}
			if err != nil {
				return
			}
			if n > 1 && arrived.Sub(last) >= idle {
				return // plain close: the deferred Close sends FIN
			}
			if _, err := c.Write(okResponse()); err != nil {
				return
			}
			last = time.Now()
			if !keepAlive(req) {
				return
			}
		}
	}
	return e, e.Up()
}

// ListenSlow starts, on addr, a keep-alive HTTP/1.1 server that answers
// every request "200 OK" after the delay set with SetDelay (none at first).
// While it waits it watches the connection: when the client gives up and
// closes it, the handler stops.
func ListenSlow(addr string) (*Endpoint, error) {
	e := &Endpoint{Addr: addr}
	e.handle = func(c *net.TCPConn) {
		br := bufio.NewReader(c)
		for {
			req, err := readRequest(br)
			if err == errMalformed {
				replyBadRequestAndClose(c)
				return
			}
			if err != nil {
				return
			}
			if d := e.Delay(); d > 0 {
				// Read until the delay is over: a timeout means the client
				// is still waiting; anything else (EOF, closed) means it
				// gave up or the server is closing.
				c.SetReadDeadline(time.Now().Add(d))
				_, err := br.Peek(1)
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					return
				}
				c.SetReadDeadline(time.Time{})
			}
			if _, err := c.Write(okResponse()); err != nil {
				return
			}
			if !keepAlive(req) {
				return
			}
		}
	}
	return e, e.Up()
}

// ListenBlackhole starts, on addr, a listener that never accepts and whose
// accept queue is full (the ConnectTimeout upstream, on a chosen address):
// every connect to addr times out. Down and Up do nothing on it.
func ListenBlackhole(addr string) (*Endpoint, error) {
	e := &Endpoint{Addr: addr}
	bh, err := startBlackholeAt(addr)
	if err != nil {
		return nil, err
	}
	e.bh = bh
	return e, nil
}

// SetDelay sets how long a ListenSlow endpoint waits before it answers.
func (e *Endpoint) SetDelay(d time.Duration) {
	e.mu.Lock()
	e.delay = d
	e.mu.Unlock()
}

// Delay returns the delay set with SetDelay.
func (e *Endpoint) Delay() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.delay
}

// Down stops the endpoint: it closes the listener and every open connection
// (a FIN to each client) and waits for its goroutines. From then on nothing
// listens on Addr, so the kernel refuses every connect ("connection
// refused") until Up.
func (e *Endpoint) Down() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	if srv != nil {
		srv.close()
	}
}

// Up starts listening on Addr again (a no-op when it is up, or on a
// blackhole). Go's listener sets SO_REUSEADDR, so the connections the
// endpoint closed (in TIME_WAIT) do not keep the address busy.
func (e *Endpoint) Up() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil || e.bh != nil || e.handle == nil {
		return nil
	}
	if err := loopbackAddr(e.Addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", e.Addr)
	if err != nil {
		return err
	}
	s := &rawServer{
		ln:     ln,
		handle: e.handle,
		done:   make(chan struct{}),
		conns:  make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	e.srv = s
	return nil
}

// Close stops the endpoint for good.
func (e *Endpoint) Close() {
	e.Down()
	e.mu.Lock()
	bh := e.bh
	e.bh = nil
	e.mu.Unlock()
	if bh != nil {
		bh.close()
	}
}

// loopbackAddr refuses an "ip:port" whose ip is not an IPv4 loopback
// address.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return fmt.Errorf("upstreams: %q is not an IPv4 loopback address", addr)
	}
	return nil
}

// What a Zone answers for a name.
type zoneAnswer struct {
	ips      []net.IP // A records (when not servFail)
	servFail bool
}

// Zone is a DNS server on loopback (UDP and TCP on one port) that answers
// the names it is given: A records (other types: an empty NOERROR), or
// SERVFAIL; every other name NXDOMAIN. Answers can be changed while it runs.
// Each gateway node of a simulated fleet has its own Zone, as each node has
// its own resolver.
type Zone struct {
	// Addr is "IP:PORT", e.g. "127.0.0.1:40123".
	Addr string

	mu      sync.Mutex
	answers map[string]zoneAnswer // by lower-case FQDN with the final dot
	srv     *dnsServer
}

// StartZone starts an empty Zone on a free port of 127.0.0.1.
func StartZone() (*Zone, error) { return StartZoneAt("127.0.0.1:0") }

// StartZoneAt starts an empty Zone on addr ("ip:port", UDP and TCP; port 0:
// a free one), e.g. "127.0.2.3:53" for a resolver that a node's
// resolv.conf names (resolv.conf names no port).
func StartZoneAt(addr string) (*Zone, error) {
	z := &Zone{answers: make(map[string]zoneAnswer)}
	srv, err := startDNSAt(dns.HandlerFunc(z.answer), addr)
	if err != nil {
		return nil, err
	}
	z.srv = srv
	z.Addr = srv.addr
	return z, nil
}

func fqdn(name string) string {
	return dns.Fqdn(strings.ToLower(name))
}

// SetA makes the Zone answer name with one A record per ip (TTL 1 s), in
// that order: a name with several instances behind it.
func (z *Zone) SetA(name string, ips ...net.IP) {
	a := zoneAnswer{ips: make([]net.IP, 0, len(ips))}
	for _, ip := range ips {
		a.ips = append(a.ips, ip.To4())
	}
	z.mu.Lock()
	z.answers[fqdn(name)] = a
	z.mu.Unlock()
}

// SetServFail makes the Zone answer every query for name with SERVFAIL, as a
// resolver does whose upstream servers fail or time out. A Go client gets
// *net.DNSError with IsTemporary true: "lookup NAME on NAMESERVER: server
// misbehaving".
func (z *Zone) SetServFail(name string) {
	z.mu.Lock()
	z.answers[fqdn(name)] = zoneAnswer{servFail: true}
	z.mu.Unlock()
}

// Close stops the Zone's server.
func (z *Zone) Close() {
	if z.srv != nil {
		z.srv.close()
	}
}

// Resolver returns a pure-Go resolver that sends every query to the Zone,
// never to the machine's resolver.
func (z *Zone) Resolver() *net.Resolver {
	return newResolver(z.Addr)
}

// NewResolver returns a pure-Go resolver that sends every query, UDP or
// TCP, to the DNS server at addr (e.g. a Zone's Addr in another process),
// never to the machine's resolver.
func NewResolver(addr string) *net.Resolver {
	return newResolver(addr)
}

func (z *Zone) answer(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	z.mu.Lock()
	a, ok := z.answers[strings.ToLower(q.Name)]
	z.mu.Unlock()
	switch {
	case !ok:
		m.Rcode = dns.RcodeNameError
	case a.servFail:
		m.Rcode = dns.RcodeServerFailure
	case q.Qtype == dns.TypeA && q.Qclass == dns.ClassINET:
		for _, ip := range a.ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1},
				A:   ip,
			})
		}
	}
	w.WriteMsg(m)
}
