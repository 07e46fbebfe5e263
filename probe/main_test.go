package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// Short timeouts, so that the package's tests take seconds. Nothing asserts
// that anything is faster than these: they only bound the failures.
const (
	testDialTimeout = 300 * time.Millisecond
	testDNSTimeout  = 2 * time.Second
	testTLSTimeout  = 2 * time.Second
)

// shared is the Set of failing upstreams most tests use; TestMain starts
// and closes it.
var shared *upstreams.Set

func TestMain(m *testing.M) {
	var err error
	shared, err = upstreams.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstreams.Start:", err)
		os.Exit(1)
	}
	code := m.Run()
	shared.Close()
	if code == 0 {
		if leaked := waitNoLeaks(5 * time.Second); leaked != "" {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:\n"+leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks waits until no goroutine runs this package's code (workers,
// connects), a DNS server or a test upstream, and returns the stacks of
// those still running when the wait runs out.
func waitNoLeaks(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "probe.(*Prober)") ||
				strings.Contains(g, "probe.(*Result)") ||
				strings.Contains(g, "probe.dial") ||
				strings.Contains(g, "github.com/miekg/dns") ||
				strings.Contains(g, "internal/upstreams.") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostPort returns the "host:port" of one of the Set's URLs.
func hostPort(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// testConfig is the configuration of most tests: short timeouts, the
// shared Set's resolver (never the machine's) and its test CA.
func testConfig() Config {
	return Config{
		DialTimeout: testDialTimeout,
		DNSTimeout:  testDNSTimeout,
		TLSTimeout:  testTLSTimeout,
		Resolver:    shared.Resolver,
		RootCAs:     shared.RootCAs,
		Node:        "gw-test",
	}
}

// eventually polls cond every 5ms until it is true, failing the test with
// what after wait. It bounds a wait; it asserts no timing.
func eventually(t testing.TB, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdingResolver returns a pure-Go resolver whose every DNS exchange is
// held, before any packet is sent, until release is closed; then the query
// goes to the DNS server at dnsAddr (on loopback). A cancelled lookup (a
// probe cut short by Close) stops waiting at once; the resolver's own
// per-attempt deadline does not end the wait, so that a held lookup lasts
// until release or Config.DNSTimeout, however slow the machine.
func holdingResolver(release <-chan struct{}, dnsAddr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			select {
			case <-release:
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.Canceled) {
					return nil, ctx.Err()
				}
				<-release // the attempt's deadline passed: keep holding
			}
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var d net.Dialer
			return d.DialContext(dctx, network, dnsAddr)
		},
	}
}

// multiZone is a DNS server on 127.0.0.1 (UDP) that answers a name with
// several A records, which upstreams.Zone cannot; every other name, and
// every other type, NXDOMAIN / an empty NOERROR.
type multiZone struct {
	addr string
	srv  *dns.Server
	mu   sync.Mutex
	a    map[string][]net.IP // by lower-case FQDN
}

func startMultiZone(t testing.TB) *multiZone {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &multiZone{addr: pc.LocalAddr().String(), a: make(map[string][]net.IP)}
	started := make(chan struct{})
	z.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(z.answer), NotifyStartedFunc: func() { close(started) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		z.srv.ActivateAndServe()
	}()
	select {
	case <-started:
	case <-done:
		t.Fatal("multiZone: the DNS server did not start")
	}
	t.Cleanup(func() {
		z.srv.Shutdown()
		<-done
	})
	return z
}

// set makes the server answer name with one A record per ip.
func (z *multiZone) set(name string, ips ...string) {
	var list []net.IP
	for _, s := range ips {
		list = append(list, net.ParseIP(s).To4())
	}
	z.mu.Lock()
	z.a[dns.Fqdn(strings.ToLower(name))] = list
	z.mu.Unlock()
}

func (z *multiZone) answer(w dns.ResponseWriter, r *dns.Msg) {
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
	ips, ok := z.a[strings.ToLower(q.Name)]
	z.mu.Unlock()
	switch {
	case !ok:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA && q.Qclass == dns.ClassINET:
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1},
				A:   ip,
			})
		}
	}
	w.WriteMsg(m)
}

// resolver returns a pure-Go resolver that sends every query to z.
func (z *multiZone) resolver() *net.Resolver { return upstreams.NewResolver(z.addr) }
