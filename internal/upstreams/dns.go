package upstreams

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Names the loopback DNS server knows.
const (
	dnsZone     = "upstream.test."
	dnsOK       = "ok." + dnsZone
	dnsNX       = "nxdomain." + dnsZone
	dnsServFail = "servfail." + dnsZone
)

// dnsServer is an authoritative DNS server on 127.0.0.1, UDP and TCP on one
// port.
type dnsServer struct {
	addr string
	udp  *dns.Server
	tcp  *dns.Server
	wg   sync.WaitGroup
	once sync.Once
}

// answer builds the reply to r:
//   - ok.upstream.test.        A -> 127.0.0.1, any other type -> empty NOERROR
//   - nxdomain.upstream.test.  NXDOMAIN
//   - servfail.upstream.test.  SERVFAIL
//   - anything else            NXDOMAIN
func answer(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	// Authoritative and RecursionAvailable: Go's resolver treats a NOERROR
	// reply with neither bit and no records as a lame referral.
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	switch strings.ToLower(q.Name) {
	case dnsOK:
		if q.Qtype == dns.TypeA && q.Qclass == dns.ClassINET {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1},
				A:   net.IPv4(127, 0, 0, 1).To4(),
			})
		}
	case dnsServFail:
		m.Rcode = dns.RcodeServerFailure
	default: // dnsNX and every other name
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// startDNS starts the server on a port free for both UDP and TCP
// (startDNSWith, with the fixed answers of answer).
func startDNS() (*dnsServer, error) { return startDNSWith(dns.HandlerFunc(answer)) }

// startDNSWith starts a DNS server answering with handler on 127.0.0.1, on
// a port free for both UDP and TCP.
func startDNSWith(handler dns.Handler) (*dnsServer, error) {
	return startDNSAt(handler, "127.0.0.1:0")
}

// startDNSAt starts a DNS server answering with handler on addr, UDP and
// TCP; with port 0, on a port free for both.
func startDNSAt(handler dns.Handler, addr string) (*dnsServer, error) {
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for try := 0; try < 20; try++ {
		pc, err = net.ListenPacket("udp4", addr)
		if err != nil {
			return nil, err
		}
		ln, err = net.Listen("tcp4", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		pc = nil
		if !strings.HasSuffix(addr, ":0") {
			break // a fixed port: no other to try
		}
	}
	if pc == nil {
		return nil, fmt.Errorf("upstreams: no port free for DNS on both UDP and TCP: %w", err)
	}
	s := &dnsServer{addr: pc.LocalAddr().String()}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: notify}
	s.tcp = &dns.Server{Listener: ln, Handler: handler, NotifyStartedFunc: notify}
	failed := make(chan error, 2)
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		srv := srv
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.ActivateAndServe(); err != nil {
				failed <- err
			}
		}()
	}
	for i := 0; i < 2; i++ {
		select {
		case <-started:
		case err := <-failed:
			pc.Close()
			ln.Close()
			s.close()
			return nil, fmt.Errorf("upstreams: DNS server: %w", err)
		case <-time.After(5 * time.Second):
			pc.Close()
			ln.Close()
			s.close()
			return nil, errors.New("upstreams: DNS server did not start")
		}
	}
	return s, nil
}

// close shuts both servers down and waits for their goroutines.
func (s *dnsServer) close() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Shutdown of a server that never started returns an error and does
		// nothing; its socket was closed by the caller then.
		s.udp.ShutdownContext(ctx)
		s.tcp.ShutdownContext(ctx)
		s.wg.Wait()
	})
}

// resolver returns a pure-Go resolver that sends every query to addr,
// whatever name server /etc/resolv.conf names.
func newResolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}
