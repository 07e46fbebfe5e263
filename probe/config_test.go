package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

func TestConfigFromEnv(t *testing.T) {
	def := DefaultConfig()
	timeouts := func(d time.Duration) Config {
		c := def
		c.DNSTimeout, c.DialTimeout, c.TLSTimeout = d, d, d
		return c
	}
	with := func(f func(*Config)) Config {
		c := def
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		want     Config
		on       bool
		problems []string
	}{
		{name: "unset", want: def},
		{name: "on", env: map[string]string{EnvProbe: "on"}, want: def, on: true},
		{name: "ON padded", env: map[string]string{EnvProbe: " ON "}, want: def, on: true},
		{name: "true", env: map[string]string{EnvProbe: "true"}, want: def, on: true},
		{name: "1", env: map[string]string{EnvProbe: "1"}, want: def, on: true},
		{name: "off", env: map[string]string{EnvProbe: "off"}, want: def},
		{name: "0", env: map[string]string{EnvProbe: "0"}, want: def},
		{name: "bad switch", env: map[string]string{EnvProbe: "yes please"}, want: def,
			problems: []string{`UPSTREAMCAUSE_PROBE="yes please": want on or off; default kept`}},
		{name: "all set", env: map[string]string{
			EnvProbe: "on", EnvProbeInterval: "5m", EnvProbeTimeout: "1500ms",
			EnvProbeConcurrency: "4", EnvProbeQueue: "128",
		}, on: true, want: with(func(c *Config) {
			*c = timeouts(1500 * time.Millisecond)
			c.Interval, c.Concurrency, c.Queue = 5*time.Minute, 4, 128
		})},
		{name: "bounds", env: map[string]string{
			EnvProbeInterval: "24h", EnvProbeTimeout: "10ms", EnvProbeConcurrency: "16", EnvProbeQueue: "4096",
		}, want: with(func(c *Config) {
			*c = timeouts(10 * time.Millisecond)
			c.Interval, c.Concurrency, c.Queue = 24*time.Hour, 16, 4096
		})},
		{name: "out of range", env: map[string]string{
			EnvProbeInterval: "500ms", EnvProbeTimeout: "2m", EnvProbeConcurrency: "17", EnvProbeQueue: "0",
		}, want: def, problems: []string{
			`UPSTREAMCAUSE_PROBE_INTERVAL="500ms": want a Go duration from 1s to 24h such as 60s; default kept`,
			`UPSTREAMCAUSE_PROBE_TIMEOUT="2m": want a Go duration from 10ms to 1m such as 3s; default kept`,
			`UPSTREAMCAUSE_PROBE_CONCURRENCY="17": want an integer from 1 to 16; default kept`,
			`UPSTREAMCAUSE_PROBE_QUEUE="0": want an integer from 1 to 4096; default kept`,
		}},
		{name: "unparsable", env: map[string]string{
			EnvProbe: "on", EnvProbeInterval: "60", EnvProbeTimeout: "-3s", EnvProbeConcurrency: "two", EnvProbeQueue: "1e3",
		}, on: true, want: def, problems: []string{
			`UPSTREAMCAUSE_PROBE_INTERVAL="60": want a Go duration from 1s to 24h such as 60s; default kept`,
			`UPSTREAMCAUSE_PROBE_TIMEOUT="-3s": want a Go duration from 10ms to 1m such as 3s; default kept`,
			`UPSTREAMCAUSE_PROBE_CONCURRENCY="two": want an integer from 1 to 16; default kept`,
			`UPSTREAMCAUSE_PROBE_QUEUE="1e3": want an integer from 1 to 4096; default kept`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, on, problems := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if !reflect.DeepEqual(cfg, tc.want) || on != tc.on || !reflect.DeepEqual(problems, tc.problems) {
				t.Errorf("got %+v on=%v problems %q\nwant %+v on=%v problems %q", cfg, on, problems, tc.want, tc.on, tc.problems)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	want := Config{
		Interval: 60 * time.Second, DNSTimeout: 3 * time.Second, DialTimeout: 3 * time.Second, TLSTimeout: 3 * time.Second,
		Concurrency: 2, Queue: 64, MaxAddrs: 4, MaxTargets: 4096,
	}
	if got := DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultConfig() = %+v", got)
	}
	if got := (Config{Concurrency: -1, Node: "n"}).withDefaults(); got.Concurrency != 2 || got.Node != "n" || got.Interval != time.Minute {
		t.Errorf("withDefaults: %+v", got)
	}
}

// TestWants: failures classified from real loopback errors (and from the
// gateway's logged texts) in the DNS, connect and TLS phases want a probe;
// a client gone, a gateway-made answer, later phases and the zero Result do
// not.
func TestWants(t *testing.T) {
	d := net.Dialer{Timeout: testDialTimeout, Resolver: shared.Resolver}
	dialErr := func(target string) error {
		c, err := d.Dial("tcp", target)
		if err == nil {
			c.Close()
			t.Fatalf("dial %s succeeded", target)
		}
		return err
	}
	tlsErr := func(target string) error {
		c, err := tls.DialWithDialer(&d, "tcp", target, &tls.Config{RootCAs: shared.RootCAs})
		if err == nil {
			c.Close()
			t.Fatalf("TLS to %s succeeded", target)
		}
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, canceledErr := d.DialContext(ctx, "tcp", hostPort(t, shared.OK))
	if !errors.Is(canceledErr, context.Canceled) {
		t.Fatalf("cancelled dial: %v", canceledErr)
	}

	for _, tc := range []struct {
		name string
		r    classify.Result
		want bool
	}{
		{"refused", classify.Error(dialErr(hostPort(t, shared.Refused)), classify.PhaseConnect), true},
		{"connect timeout", classify.Error(dialErr(hostPort(t, shared.ConnectTimeout)), classify.PhaseConnect), true},
		{"nxdomain", classify.Error(dialErr(hostPort(t, shared.DNSNXDomain)), classify.PhaseDNS), true},
		{"servfail", classify.Error(dialErr(hostPort(t, shared.DNSServFail)), classify.PhaseDNS), true},
		{"tls expired", classify.Error(tlsErr(hostPort(t, shared.TLSExpired)), classify.PhaseTLS), true},
		{"tls unknown authority", classify.Error(tlsErr(hostPort(t, shared.TLSUnknownAuthority)), classify.PhaseTLS), true},
		{"tls to plain", classify.Error(tlsErr(hostPort(t, shared.TLSToPlain)), classify.PhaseTLS), true},
		{"client canceled while connecting", classify.Error(canceledErr, classify.PhaseConnect), false},
		{"logged no route", classify.Message("http: proxy error: dial tcp 10.0.0.1:80: connect: no route to host"), true},
		{"logged context canceled", classify.Message("http: proxy error: context canceled"), false},
		{"logged header timeout", classify.Message("http: proxy error: net/http: timeout awaiting response headers"), false},
		{"logged EOF", classify.Message("http: proxy error: EOF"), false},
		{"gateway NHU", classify.Gateway("ReverseProxy", 503, "all hosts are down"), false},
		{"TLS handshake timeout", classify.Message("http: proxy error: net/http: TLS handshake timeout"), true},
		{"enforced timeout while connecting", classify.Result{Flag: classify.FlagURT, Phase: classify.PhaseConnect, Source: classify.SourceGateway, Timeout: true}, true},
		{"local ports exhausted", classify.Result{Flag: classify.FlagUCF, Phase: classify.PhaseConnect, Source: classify.SourceGateway, Detail: classify.DetailLocalAddressUnavailable}, false},
		{"reset while reading headers", classify.Result{Flag: classify.FlagURR, Phase: classify.PhaseResponseHeaders, Source: classify.SourceUpstream}, false},
		{"no flag", classify.Result{Phase: classify.PhaseConnect}, false},
		{"zero", classify.Result{}, false},
	} {
		if got := Wants(tc.r); got != tc.want {
			t.Errorf("%s: Wants(%+v) = %v, want %v", tc.name, tc.r, got, tc.want)
		}
	}
}
