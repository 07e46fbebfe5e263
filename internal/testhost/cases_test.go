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
)

// want is what one request's access-log entry and analytics record must say.
type want struct {
	status int
	ok     bool // a success: no error field at all, no upstream tag

	flag, typ, detail, phase, source string // upstream_flag … upstream_error_source; typ "" means absent
	noError                          bool   // no "error" field is required (an upstream that answered 5xx)
	intermediary                     string // upstream_intermediary, "" means absent
}

// caseWant is the contract for every upstream case, requested with GET
// unless said otherwise.
var caseWant = map[string]want{
	CaseOK:    {status: 200, ok: true},
	CaseDNSOK: {status: 200, ok: true},
	// A GET on a kept-alive connection the upstream closed is retried by the
	// transport on a new connection and succeeds: nothing to report.
	CaseIdleClose: {status: 200, ok: true},

	CaseRefused:             {status: 500, flag: "UCF", typ: "connection_refused", detail: "connection_refused", phase: "connect", source: "upstream"},
	CaseConnectTimeout:      {status: 500, flag: "UCT", typ: "connection_timeout", detail: "connection_timeout", phase: "connect", source: "network"},
	CaseHeaderTimeout:       {status: 504, flag: "URT", typ: "http_response_timeout", detail: "response_headers_timeout", phase: "response_headers", source: "gateway"},
	CaseResetBeforeResponse: {status: 500, flag: "URR", typ: "connection_terminated", detail: "connection_reset_before_response", phase: "response_headers", source: "upstream"},
	CaseTLSUnknownAuthority: {status: 500, flag: "TLN", typ: "tls_certificate_error", detail: "tls_unknown_authority", phase: "tls", source: "upstream"},
	CaseTLSExpired:          {status: 500, flag: "TLE", typ: "tls_certificate_error", detail: "tls_certificate_expired", phase: "tls", source: "upstream"},
	CaseTLSWrongHost:        {status: 500, flag: "TLM", typ: "tls_certificate_error", detail: "tls_hostname_mismatch", phase: "tls", source: "upstream"},
	CaseTLSToPlain:          {status: 500, flag: "TLP", typ: "tls_protocol_error", detail: "tls_protocol_error", phase: "tls", source: "upstream"},
	CaseDNSNXDomain:         {status: 500, flag: "DNS", typ: "dns_error", detail: "dns_not_found", phase: "dns", source: "dns"},
	CaseDNSServFail:         {status: 500, flag: "DNS", typ: "dns_error", detail: "dns_server_failure", phase: "dns", source: "dns"},
	CaseStatus503:           {status: 503, flag: "URS", detail: "upstream_response_5xx", phase: "response_headers", source: "upstream", noError: true},
	CaseIntermediary502:     {status: 502, flag: "URS", detail: "intermediary_response_5xx", phase: "response_headers", source: "intermediary", noError: true, intermediary: "aws_elb"},
	CaseResetMidBody:        {status: 200, flag: "URR", typ: "http_response_incomplete", detail: "connection_reset_during_body", phase: "response_body", source: "upstream"},
}

// wantPostIdleClose is a POST on a kept-alive connection the upstream closed:
// not replayable, so not retried.
var wantPostIdleClose = want{status: 500, flag: "UCC", typ: "connection_terminated", detail: "idle_connection_closed_by_upstream", phase: "response_headers", source: "upstream"}

// wantClientGone is a client that disconnected while the upstream was silent.
var wantClientGone = want{status: 499, flag: "CDC", detail: "client_disconnected", phase: "response_headers", source: "client"}

// check compares one access-log entry and the tags of its analytics record
// with w. Unless tyk512, the gateway wrote no classification of its own and
// the plugin's compat keys are checked too. It returns the disagreements,
// empty when all agree.
func (w want) check(e entry, upstreamHost string, tags []string, tyk512 bool) []string {
	var bad []string
	eq := func(k, v string) {
		got, ok := e.Data[k]
		switch {
		case v == "" && ok:
			bad = append(bad, fmt.Sprintf("%s=%v, want absent", k, got))
		case v != "" && !ok:
			bad = append(bad, fmt.Sprintf("%s absent, want %q", k, v))
		case v != "" && fmt.Sprint(got) != v:
			bad = append(bad, fmt.Sprintf("%s=%v, want %q", k, got, v))
		}
	}
	eq("status", fmt.Sprint(w.status))
	if w.ok {
		if ks := presentErrorKeys(e); len(ks) > 0 {
			bad = append(bad, "success entry carries "+strings.Join(ks, ", "))
		}
		for _, tag := range tags {
			if strings.HasPrefix(tag, "upstream_") {
				bad = append(bad, "success record tagged "+tag)
			}
		}
		return bad
	}
	eq("upstream_flag", w.flag)
	eq("upstream_error_type", w.typ)
	eq("upstream_error_detail", w.detail)
	eq("upstream_error_phase", w.phase)
	eq("upstream_error_source", w.source)
	eq("upstream_intermediary", w.intermediary)
	if !w.noError {
		if e.str("error") == "" {
			bad = append(bad, "error absent or empty")
		}
	}
	if w.flag != "CDC" {
		eq("upstream_target", upstreamHost)
	}
	if !tyk512 {
		// Tyk 5.8–5.11 write no classification: the plugin's compat keys.
		eq("response_flag", w.flag)
		eq("response_code_details", w.detail)
		if w.flag == "URS" {
			eq("error_source", "Upstream")
			eq("upstream_status", fmt.Sprint(w.status))
		} else {
			eq("error_source", "ReverseProxy")
		}
		if w.flag != "CDC" {
			eq("error_target", upstreamHost)
		}
	}
	wantTags := []string{"upstream_flag:" + w.flag, "upstream_error_phase:" + w.phase, "upstream_error_source:" + w.source}
	if w.typ != "" {
		wantTags = append(wantTags, "upstream_error_type:"+w.typ)
	}
	for _, wt := range wantTags {
		found := false
		for _, tag := range tags {
			found = found || tag == wt
		}
		if !found {
			bad = append(bad, fmt.Sprintf("analytics tags %q lack %q", tags, wt))
		}
	}
	return bad
}

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
	u, err := parseUpstream(CaseURLs(testUps)[name])
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestCases sends each demo case through the host (Tyk 5.8 mode) and checks
// the enriched access-log entry and the analytics tags.
func TestCases(t *testing.T) {
	h, srv := newTestHost(t, Tyk58, testPlugin)
	client := NewClient()
	defer client.CloseIdleConnections()

	for i, dc := range DemoCases {
		dc := dc
		name := fmt.Sprintf("%02d_%s", i+1, dc.Case)
		method := dc.Method
		if method == "" {
			method = http.MethodGet
		}
		w := caseWant[dc.Case]
		switch {
		case dc.Cancel > 0:
			name += "_client_gone"
			w = wantClientGone
		case dc.Case == CaseIdleClose && method == http.MethodPost:
			name += "_post"
			w = wantPostIdleClose
		}
		t.Run(name, func(t *testing.T) {
			if dc.Warm {
				warm := casePath(dc.Case, "TestCases-warm")
				if status, err := Send(client, srv.URL+warm, http.MethodGet, 0); err != nil || status != 200 {
					t.Fatalf("warm-up: status %d, err %v", status, err)
				}
				waitAccess(t, warm)
			}
			path := casePath(dc.Case, "TestCases-"+name)
			status, err := Send(client, srv.URL+path, method, dc.Cancel)
			if dc.Cancel == 0 && status != w.status {
				t.Errorf("client got status %d (err %v), want %d", status, err, w.status)
			}
			e := waitAccess(t, path)
			for _, b := range w.check(e, upstreamHost(t, dc.Case), recordTags(t, h, path), false) {
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
	client := NewClient()
	defer client.CloseIdleConnections()

	var addrs []string
	for i, c := range []string{CaseRefused, CaseResetBeforeResponse, CaseOK, CaseTLSExpired, CaseDNSOK} {
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
		for _, b := range caseWant[c].check(e, upstreamHost(t, c), nil, false) {
			if !strings.HasPrefix(b, "analytics tags") {
				t.Errorf("%s: %s", path, b)
			}
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
	client := NewClient()
	defer client.CloseIdleConnections()

	// What Tyk 5.12 itself says (its classifier on Go ≥ 1.23's errors).
	gateway := []struct {
		c, method            string
		flag, details, group string
	}{
		{CaseRefused, "GET", "UCF", "connection_refused", "ReverseProxy"},
		// Tyk 5.12 says context_deadline_exceeded or request_timeout for the
		// same connect timeout, depending on whether the dial context or the
		// socket deadline fired first (net's errTimeout matches
		// context.DeadlineExceeded, os.ErrDeadlineExceeded does not).
		{CaseConnectTimeout, "GET", "URT", "context_deadline_exceeded|request_timeout", "ReverseProxy"},
		{CaseHeaderTimeout, "GET", "URT", "context_deadline_exceeded", "ReverseProxy"},
		{CaseResetBeforeResponse, "GET", "URR", "connection_reset", "ReverseProxy"},
		{CaseTLSExpired, "GET", "TLE", "tls_certificate_expired", "ReverseProxy"},
		{CaseTLSToPlain, "GET", "TLP", "tls_protocol_error", "ReverseProxy"},
		{CaseDNSServFail, "GET", "DNS", "dns_resolution_failed", "ReverseProxy"},
		{CaseStatus503, "GET", "URS", "upstream_response_5xx", "Upstream"},
		{CaseIntermediary502, "GET", "URS", "upstream_response_5xx", "Upstream"},
	}
	for _, g := range gateway {
		path := casePath(g.c, "TestTyk512")
		if _, err := Send(client, srv.URL+path, g.method, 0); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e := waitAccess(t, path)
		w := caseWant[g.c]
		chk := func(k, v string) { // v: one value or alternatives a|b
			got := e.str(k)
			for _, alt := range strings.Split(v, "|") {
				if got == alt {
					return
				}
			}
			t.Errorf("%s: %s=%q, want %q", g.c, k, got, v)
		}
		chk("response_flag", g.flag)
		chk("response_code_details", g.details)
		chk("error_source", g.group)
		chk("upstream_flag", w.flag)
		chk("upstream_error_detail", w.detail)
		chk("api_id", "upstreamcause-test")
		chk("org_id", "test-org")
		if _, ok := e.Data["latency_gateway"]; !ok {
			t.Errorf("%s: no latency_gateway", g.c)
		}
		if g.flag == "URS" {
			chk("upstream_status", fmt.Sprint(w.status))
			chk("error_target", upstreamHost(t, g.c))
		} else {
			chk("error_target", upstreamHost(t, g.c)+path)
		}
		for _, b := range w.check(e, upstreamHost(t, g.c), recordTags(t, h, path), true) {
			t.Errorf("%s: %s", g.c, b)
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
	client := NewClient()
	defer client.CloseIdleConnections()

	for _, tc := range []struct {
		c, flag, detail string
	}{
		{CaseOK, "", ""},
		{CaseRefused, "UCF", "connection_refused"},
		{CaseHeaderTimeout, "URT", "response_headers_timeout"},
		{CaseDNSNXDomain, "DNS", "dns_not_found"},
		{CaseResetMidBody, "URR", "connection_reset_during_body"},
		{CaseStatus503, "", ""}, // only the response hook sees a 5xx answer
		{CaseOK, "", ""},
	} {
		path := casePath(tc.c, "TestWithoutPreHook")
		_, _ = Send(client, srv.URL+path, http.MethodGet, 0)
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
