//go:build goplugin

package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// recordTags returns the tags of the analytics record h kept for path.
func recordTags(t testing.TB, h *Host, path string) []string {
	t.Helper()
	var tags []string
	n := 0
	for _, r := range h.Records() {
		if r.Path == path {
			tags = r.Tags
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s: %d analytics records, want 1", path, n)
	}
	return tags
}

// upstreamHost returns the host:port of an upstream case.
func upstreamHost(t testing.TB, name string) string {
	t.Helper()
	u, err := parseUpstream(cases.URLs(testUps)[name])
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestCases sends each demo case through the host (Tyk 5.8 mode) and checks
// the enriched access-log entry and the analytics tags.
func TestCases(t *testing.T) {
	// The default wiring (pre hook + analytics plugin, as examples/ wire
	// it) and the older one with the optional response hook must write the
	// same fields.
	t.Run("pre+analytics", func(t *testing.T) { testCases(t, testPlugin.Default()) })
	t.Run("pre+response+analytics", func(t *testing.T) { testCases(t, testPlugin) })
}

func testCases(t *testing.T, p *Plugin) {
	h, srv := newTestHost(t, Tyk58, p)
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	for i, dc := range cases.Demo {
		dc := dc
		name := fmt.Sprintf("%02d_%s", i+1, dc.Case)
		method := dc.HTTPMethod()
		switch cases.RequestKey(dc) {
		case cases.KeyClientGone:
			name += "_client_gone"
		case cases.KeyPostIdleClose:
			name += "_post"
		}
		w := cases.WantFor(dc)
		t.Run(name, func(t *testing.T) {
			if dc.Warm {
				warm := casePath(dc.Case, "TestCases-warm")
				if status, err := cases.Send(client, srv.URL+warm, http.MethodGet, 0); err != nil || status != 200 {
					t.Fatalf("warm-up: status %d, err %v", status, err)
				}
				waitAccess(t, warm)
			}
			path := casePath(dc.Case, "TestCases-"+name)
			status, err := cases.Send(client, srv.URL+path, method, dc.Cancel)
			if dc.Cancel == 0 && status != w.Status {
				t.Errorf("client got status %d (err %v), want %d", status, err, w.Status)
			}
			e := waitAccess(t, path)
			for _, b := range w.Check(e.Data, upstreamHost(t, dc.Case), recordTags(t, h, path), true, nil) {
				t.Error(b)
			}
			if t.Failed() {
				t.Logf("entry: %v", e.Data)
			}
		})
	}
}

// TestKeepAliveFailureThenSuccess sends a failing request and then a
// successful one on the same client connection (so the gateway serves both
// on the same goroutine): the second entry must carry nothing of the first.
func TestKeepAliveFailureThenSuccess(t *testing.T) {
	_, srv := newTestHost(t, Tyk58, testPlugin)
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	var addrs []string
	for i, c := range []string{cases.Refused, cases.ResetBeforeResponse, cases.OK, cases.TLSExpired, cases.DNSOK} {
		path := casePath(c, fmt.Sprintf("TestKeepAlive-%d", i))
		var reused bool
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		}))
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body) // a drained body lets the connection be reused
		res.Body.Close()
		if i > 0 && !reused {
			t.Fatalf("request %d did not reuse the client connection", i)
		}
		e := waitAccess(t, path)
		addrs = append(addrs, e.str("remote_addr"))
		for _, b := range cases.WantByCase[c].Check(e.Data, upstreamHost(t, c), nil, false, nil) {
			t.Errorf("%s: %s", path, b)
		}
	}
	for _, a := range addrs[1:] {
		if a != addrs[0] {
			t.Fatalf("entries name different client connections: %q", addrs)
		}
	}
}

// TestTyk512KeepsGatewayClassification runs failing cases against a host
// imitating Tyk 5.12, which writes its own response_flag,
// response_code_details, error_source, error_target (and upstream_status):
// the plugin must leave them as the gateway wrote them and put its refined
// code in upstream_flag.
func TestTyk512KeepsGatewayClassification(t *testing.T) {
	h, srv := newTestHost(t, Tyk512, testPlugin)
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	// Failing cases requested with GET; what Tyk 5.12 itself says for each
	// is cases.Tyk512Says.
	for _, c := range []string{
		cases.Refused, cases.ConnectTimeout, cases.HeaderTimeout, cases.ResetBeforeResponse,
		cases.TLSExpired, cases.TLSToPlain, cases.DNSServFail, cases.Status503, cases.Intermediary502,
	} {
		says, ok := cases.Tyk512Says[c]
		if !ok {
			t.Fatalf("cases.Tyk512Says has nothing for %s", c)
		}
		path := casePath(c, "TestTyk512")
		if _, err := cases.Send(client, srv.URL+path, http.MethodGet, 0); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e := waitAccess(t, path)
		w := cases.WantByCase[c]
		chk := func(k, v string) {
			if got := e.str(k); got != v {
				t.Errorf("%s: %s=%q, want %q", c, k, got, v)
			}
		}
		chk("api_id", "upstreamcause-test")
		chk("org_id", "test-org")
		if _, ok := e.Data["latency_gateway"]; !ok {
			t.Errorf("%s: no latency_gateway", c)
		}
		// Check accepts host:port or host:port/path; this gateway writes
		// exactly one of them.
		if says.Flag == "URS" {
			chk("error_target", upstreamHost(t, c))
		} else {
			chk("error_target", upstreamHost(t, c)+path)
		}
		// The gateway's response_flag, response_code_details, error_source
		// (and upstream_status), the plugin's upstream_* fields and tags.
		for _, b := range w.Check(e.Data, upstreamHost(t, c), recordTags(t, h, path), true, &says) {
			t.Errorf("%s: %s", c, b)
		}
	}
}

// TestLoaderErrors checks that the host looks symbols up with Tyk's types
// and reports Tyk's errors.
func TestLoaderErrors(t *testing.T) {
	path := testPlugin.Path
	if _, err := getHandler(path, SymbolPending); err == nil || err.Error() != "could not cast function symbol to http.HandlerFunc" {
		t.Errorf("getHandler on a func() int: %v", err)
	}
	if _, err := getResponseHandler(path, SymbolPre); err == nil || err.Error() != "could not cast function symbol to TykResponseHandler" {
		t.Errorf("getResponseHandler on the pre hook: %v", err)
	}
	if _, err := getAnalyticsHandler(path, SymbolPre); err == nil || err.Error() != "could not cast function symbol to AnalyticsPlugin function" {
		t.Errorf("getAnalyticsHandler on the pre hook: %v", err)
	}
	if _, err := getHandler(path, "NoSuchSymbol"); err == nil || !strings.Contains(err.Error(), "NoSuchSymbol") {
		t.Errorf("missing symbol: %v", err)
	}
	if _, err := LoadPlugin(path+".missing", false); err == nil {
		t.Error("loading a missing file succeeded")
	}
}

// waitPendingZero waits until the plugin holds no correlation state (it
// drops a request's state when the request's context ends, which the server
// does just after the handler returns).
func waitPendingZero(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for testPlugin.Pending() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the plugin still holds %d pending requests 5s after the last one finished", testPlugin.Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWithoutPreHook runs an API on which none of the plugin's request hooks
// are configured: the logger hook is process-wide, so its failures are
// classified from the gateway's "http: proxy error" entries alone, its
// successes and 5xx answers get nothing, and nothing is left pending.
func TestWithoutPreHook(t *testing.T) {
	bare := &Plugin{Path: testPlugin.Path} // the .so is loaded (its logger hook installed), no hook configured
	_, srv := newTestHost(t, Tyk58, bare)
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	for _, tc := range []struct {
		c, flag, detail string
	}{
		{cases.OK, "", ""},
		{cases.Refused, "UCF", "connection_refused"},
		{cases.HeaderTimeout, "URT", "response_headers_timeout"},
		{cases.DNSNXDomain, "DNS", "dns_not_found"},
		{cases.ResetMidBody, "URR", "connection_reset_during_body"},
		{cases.Status503, "", ""}, // only the response hook sees a 5xx answer
		{cases.OK, "", ""},
	} {
		path := casePath(tc.c, "TestWithoutPreHook")
		_, _ = cases.Send(client, srv.URL+path, http.MethodGet, 0)
		e := waitAccess(t, path)
		if tc.flag == "" {
			if ks := presentErrorKeys(e); len(ks) > 0 {
				t.Errorf("%s: carries %v", path, ks)
			}
			continue
		}
		if got := e.str("upstream_flag"); got != tc.flag {
			t.Errorf("%s: upstream_flag=%q, want %q", path, got, tc.flag)
		}
		if got := e.str("upstream_error_detail"); got != tc.detail {
			t.Errorf("%s: upstream_error_detail=%q, want %q", path, got, tc.detail)
		}
		if e.str("error") == "" {
			t.Errorf("%s: no error", path)
		}
	}
	waitPendingZero(t)
}
