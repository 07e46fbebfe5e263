package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

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
	return upstreams.WaitNoLeaks(wait, "probe.(*Prober)", "probe.(*Result)", "probe.dial",
		"github.com/miekg/dns", "internal/upstreams.")
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
