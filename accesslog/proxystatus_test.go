package accesslog_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dunglas/httpsfv"
	"github.com/sirupsen/logrus"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// proxyStatus returns the Proxy-Status field lines the client got, parsed
// as one RFC 8941 list by an independent parser (httpsfv), and fails the
// test when they do not parse.
func proxyStatus(t *testing.T, g *gateway) httpsfv.List {
	t.Helper()
	lines := g.lastW().Result().Header.Values("Proxy-Status")
	if len(lines) == 0 {
		return nil
	}
	l, err := httpsfv.UnmarshalList(lines)
	if err != nil {
		t.Fatalf("Proxy-Status %q is not an RFC 8941 list: %v", lines, err)
	}
	return l
}

// member returns the name and parameters of the i-th member of l.
func member(t *testing.T, l httpsfv.List, i int) (string, map[string]any) {
	t.Helper()
	if i >= len(l) {
		t.Fatalf("Proxy-Status has %d members, want at least %d", len(l), i+1)
	}
	it, ok := l[i].(httpsfv.Item)
	if !ok {
		t.Fatalf("member %d is not an item: %#v", i, l[i])
	}
	name, ok := it.Value.(httpsfv.Token)
	if !ok {
		t.Fatalf("member %d's name is not a token: %#v", i, it.Value)
	}
	params := map[string]any{}
	for _, k := range it.Params.Names() {
		v, _ := it.Params.Get(k)
		params[k] = v
	}
	return string(name), params
}

func proxyStatusConfig() accesslog.Config {
	cfg := testConfig()
	cfg.ProxyStatus = true
	return cfg
}

// TestProxyStatusOnRoundTripFailure: with Proxy-Status on, the client gets
// "tyk; error=<RFC 9209 type>" on the gateway's error response for a real
// refused connect and a real response-header timeout; details only when
// asked for, and then with the error text; the name as configured.
func TestProxyStatusOnRoundTripFailure(t *testing.T) {
	refused := closedPort(t)
	hang := listen(t, func(c net.Conn) { io.Copy(io.Discard, c) })

	g := newGateway(t, proxyStatusConfig())
	g.serve(context.Background(), "GET", "http://"+refused+"/")
	name, p := member(t, proxyStatus(t, g), 0)
	if name != "tyk" || p["error"] != httpsfv.Token("connection_refused") || len(p) != 1 {
		t.Errorf("refused: %s %v, want tyk; error=connection_refused", name, p)
	}
	g.serve(context.Background(), "GET", "http://"+hang+"/")
	if name, p := member(t, proxyStatus(t, g), 0); name != "tyk" || p["error"] != httpsfv.Token("http_response_timeout") {
		t.Errorf("header timeout: %s %v, want tyk; error=http_response_timeout", name, p)
	}

	cfg := proxyStatusConfig()
	cfg.ProxyStatusDetails = true
	cfg.ProxyStatusName = "gw-eu-1"
	g = newGateway(t, cfg)
	g.serve(context.Background(), "GET", "http://"+refused+"/")
	name, p = member(t, proxyStatus(t, g), 0)
	details, _ := p["details"].(string)
	if name != "gw-eu-1" || p["error"] != httpsfv.Token("connection_refused") ||
		!strings.Contains(details, "dial tcp "+refused) || !strings.HasSuffix(details, "connection refused") {
		t.Errorf("with details: %s %v", name, p)
	}
}

// TestProxyStatusNotOnSuccessOrWhenOff: nothing on a 200, nothing when the
// setting is off (the default), nothing for a client that went away.
func TestProxyStatusNotOnSuccessOrWhenOff(t *testing.T) {
	ok := listen(t, okServer)
	refused := closedPort(t)

	g := newGateway(t, proxyStatusConfig())
	g.serve(context.Background(), "GET", "http://"+ok+"/")
	if v := g.lastW().Result().Header.Values("Proxy-Status"); len(v) != 0 {
		t.Errorf("success: Proxy-Status %q", v)
	}

	hang := listen(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(50*time.Millisecond, cancel) // the client goes away
	d := g.serve(ctx, "GET", "http://"+hang+"/")
	if d["upstream_flag"] != "CDC" {
		t.Fatalf("client gone: flag %v, want CDC", d["upstream_flag"])
	}
	if v := g.lastW().Result().Header.Values("Proxy-Status"); len(v) != 0 {
		t.Errorf("client gone: Proxy-Status %q", v)
	}

	g = newGateway(t, testConfig())
	d = g.serve(context.Background(), "GET", "http://"+refused+"/")
	if d["upstream_flag"] != "UCF" {
		t.Fatalf("off: flag %v, want UCF", d["upstream_flag"])
	}
	if v := g.lastW().Result().Header.Values("Proxy-Status"); len(v) != 0 {
		t.Errorf("off: Proxy-Status %q", v)
	}
}

// TestProxyStatusReceivedStatus: a 5xx the upstream (or an intermediary)
// answered and the gateway passes on gets "tyk; received-status=<code>"
// from the response hook, after the member the next hop wrote itself.
func TestProxyStatusReceivedStatus(t *testing.T) {
	ok := listen(t, okServer)

	g := newGateway(t, proxyStatusConfig())
	g.serve(context.Background(), "GET", "http://"+ok+"/503")
	name, p := member(t, proxyStatus(t, g), 0)
	if name != "tyk" || p["received-status"] != int64(503) || len(p) != 1 {
		t.Errorf("upstream 503: %s %v, want tyk; received-status=503", name, p)
	}

	g.serve(context.Background(), "GET", "http://"+ok+"/502-envoy")
	l := proxyStatus(t, g)
	if len(l) != 2 {
		t.Fatalf("intermediary 502: %d members, want the next hop's then ours", len(l))
	}
	if name, p := member(t, l, 0); name != "envoy" || p["error"] != httpsfv.Token("connection_refused") {
		t.Errorf("first member %s %v, want the next hop's", name, p)
	}
	if name, p := member(t, l, 1); name != "tyk" || p["received-status"] != int64(502) {
		t.Errorf("second member %s %v, want tyk; received-status=502", name, p)
	}

	g.serve(context.Background(), "GET", "http://"+ok+"/")
	if v := g.lastW().Result().Header.Values("Proxy-Status"); len(v) != 0 {
		t.Errorf("200 after a 503: Proxy-Status %q", v)
	}
}

// TestProxyStatusErrorEscapes: details is a valid RFC 8941 string whatever
// the error text holds (quotes, backslashes, non-ASCII, control bytes) and
// at most 256 bytes of it.
func TestProxyStatusErrorEscapes(t *testing.T) {
	r := classify.Result{Flag: classify.FlagUCF, Type: "connection_refused"}
	text := "dial tcp \"bad\\host\"\x01 ünïcode " + strings.Repeat("x", 400)
	v := accesslog.ProxyStatusError("tyk", r, text)
	l, err := httpsfv.UnmarshalList([]string{v})
	if err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	_, p := member(t, l, 0)
	d, _ := p["details"].(string)
	if !strings.HasPrefix(d, `dial tcp "bad\host"? `) || len(d) != 256 {
		t.Errorf("details %q (%d bytes)", d, len(d))
	}
	if got := accesslog.ProxyStatusError("tyk", classify.Result{Flag: classify.FlagCDC}, "x"); got != "" {
		t.Errorf("no RFC 9209 type: %q, want nothing", got)
	}
}

// TestProxyStatusConfigFromEnv: the switches and the name are read from the
// environment; a name that is not a token keeps "tyk" and says why.
func TestProxyStatusConfigFromEnv(t *testing.T) {
	env := map[string]string{
		accesslog.EnvProxyStatus:        "on",
		accesslog.EnvProxyStatusDetails: "off",
		accesslog.EnvProxyStatusName:    "edge-1",
	}
	cfg, problems := accesslog.ConfigFromEnv(func(k string) string { return env[k] })
	if !cfg.ProxyStatus || cfg.ProxyStatusDetails || cfg.ProxyStatusName != "edge-1" || len(problems) != 0 {
		t.Errorf("cfg %v %v %q, problems %q", cfg.ProxyStatus, cfg.ProxyStatusDetails, cfg.ProxyStatusName, problems)
	}
	env[accesslog.EnvProxyStatusName] = "1bad name"
	env[accesslog.EnvProxyStatus] = "maybe"
	cfg, problems = accesslog.ConfigFromEnv(func(k string) string { return env[k] })
	if cfg.ProxyStatus || cfg.ProxyStatusName != "tyk" || len(problems) != 2 {
		t.Errorf("bad values: cfg %v %q, problems %q", cfg.ProxyStatus, cfg.ProxyStatusName, problems)
	}
}

// fakeProber records what the hook tells it and answers Latest with a
// fixed verdict: it stands for package probe, whose own tests probe real
// targets; here what is checked is the hook's side of the contract.
type fakeProber struct {
	mu      sync.Mutex
	failed  []string // "target tls flag"
	verdict string
	age     time.Duration
}

func (f *fakeProber) Failed(target string, tls bool, r classify.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := target + " plain " + r.Flag
	if tls {
		s = target + " tls " + r.Flag
	}
	f.failed = append(f.failed, s)
}

func (f *fakeProber) Latest(target string, now time.Time) (string, time.Duration, bool) {
	return f.verdict, f.age, f.verdict != ""
}

// TestProbeIsToldOfFailures: the hook tells the probe of a real refused
// connect (target, plain, flag) and writes the latest verdict into the
// entry; it tells it nothing of a success, and writes no verdict there.
func TestProbeIsToldOfFailures(t *testing.T) {
	fp := &fakeProber{verdict: "refused_from_node", age: 12500 * time.Millisecond}
	cfg := testConfig()
	cfg.Probe = fp
	g := newGateway(t, cfg)
	refused := closedPort(t)
	d := g.serve(context.Background(), "GET", "http://"+refused+"/")
	if d["upstream_probe"] != "refused_from_node" || d["upstream_probe_age_s"] != 12 {
		t.Errorf("entry %v", d)
	}
	ok := listen(t, okServer)
	d = g.serve(context.Background(), "GET", "http://"+ok+"/")
	if _, has := d["upstream_probe"]; has {
		t.Errorf("success entry has upstream_probe: %v", d)
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if len(fp.failed) != 1 || fp.failed[0] != refused+" plain UCF" {
		t.Errorf("probe told %q, want [%q]", fp.failed, refused+" plain UCF")
	}
}

// BenchmarkSuccessPathOptions measures what Proxy-Status and the probe
// cost a successful request when they are on, against the same hook with
// them off, interleaved in one run (blocks of 256 requests each, so that
// both see the same machine): ratio = ns per request on / off. The success
// path does not look at either setting, so the ratio is 1 up to noise.
func BenchmarkSuccessPathOptions(b *testing.B) {
	newHook := func(on bool) *accesslog.Hook {
		cfg := testConfig()
		cfg.Quarantine = time.Microsecond
		if on {
			cfg.ProxyStatus, cfg.ProxyStatusDetails = true, true
			cfg.Probe = &fakeProber{verdict: "reachable_now"}
		}
		return accesslog.New(cfg)
	}
	off, on := newHook(false), newHook(true)
	defer off.Close()
	defer on.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in0, _ := http.NewRequestWithContext(ctx, "GET", "http://gateway.local/a", nil)
	conn := &net.TCPConn{}
	e := &logrus.Entry{Level: logrus.InfoLevel}
	one := func(h *accesslog.Hook) { successRequest(h, in0, conn, e) }
	const block = 256
	var tOff, tOn time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i += block {
		start := time.Now()
		for j := 0; j < block; j++ {
			one(off)
		}
		mid := time.Now()
		for j := 0; j < block; j++ {
			one(on)
		}
		tOff += mid.Sub(start)
		tOn += time.Since(mid)
	}
	b.ReportMetric(float64(tOn)/float64(tOff), "ratio-on/off")
	n := float64((b.N + block - 1) / block * block)
	b.ReportMetric(float64(tOff.Nanoseconds())/n, "ns-off/req")
	b.ReportMetric(float64(tOn.Nanoseconds())/n, "ns-on/req")
}
