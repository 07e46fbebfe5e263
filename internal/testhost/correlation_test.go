//go:build goplugin

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// TestStaleStateIsNeverAdopted is the sequence a soak on real gateways
// found leaking, every time: on one keep-alive client connection (one
// gateway goroutine), request A to a hooked do_not_track API fails (no
// access-log entry), then request B to an API without any hook is
// abandoned by its client (499). B's entry must carry B's own cause (CDC,
// from the gateway's line) and B's upstream, never A's flag or target.
func TestStaleStateIsNeverAdopted(t *testing.T) {
	_, srv := newTestHost(t, Tyk58, testPlugin.Default())
	client := cases.NewClient()
	defer client.CloseIdleConnections()
	refused, silent := upstreamHost(t, cases.Refused), upstreamHost(t, cases.HeaderTimeout)

	for i := 0; i < 5; i++ {
		a := PrefixNoTrack + casePath(cases.Refused, "stale-A")
		if status, err := cases.Send(client, srv.URL+a, http.MethodGet, 0); status != 500 {
			t.Fatalf("A: status %d, err %v", status, err)
		}
		b := PrefixHookless + casePath(cases.HeaderTimeout, "stale-B")
		_, _ = cases.Send(client, srv.URL+b, http.MethodGet, 100*time.Millisecond)
		e := waitAccess(t, b)
		if e.str("status") != "499" {
			t.Fatalf("B: status %s, want 499", e.str("status"))
		}
		if got := e.str("upstream_flag"); got != "CDC" {
			t.Errorf("B: upstream_flag=%q, want CDC (its own client went away): %v", got, e.Data)
		}
		for _, k := range []string{"upstream_target", "error_target"} {
			if v := e.str(k); v == refused || (v != "" && v != silent) {
				t.Errorf("B: %s=%q: A's upstream is %s, B's %s", k, v, refused, silent)
			}
		}
		if e.str("upstream_peer") != "" || e.str("upstream_attempts") != "" {
			t.Errorf("B (no pre hook) carries capture fields: %v", e.Data)
		}
	}
	waitPendingZero(t)
}

// stallingBody sends a few bytes of a POST body, then blocks until the
// client gives up.
type stallingBody struct {
	ctx  context.Context
	sent bool
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, `{"order":`), nil
	}
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

// TestClientGoneOutranksWhatItCaused: a client that leaves while its POST
// body is being streamed to the upstream makes the gateway's request-body
// copy fail; the entry must say the client went away (CDC), not blame the
// upstream for the write error the client's leaving caused. And a request
// abandoned while the gateway is still connecting (the connect is
// cancelled, and the gateway's text is not "context canceled") still gets
// its fields.
func TestClientGoneOutranksWhatItCaused(t *testing.T) {
	h, srv := newTestHost(t, Tyk58, testPlugin.Default())
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	for _, c := range []struct{ name, upstream, method string }{
		{"post-body-streaming", cases.HeaderTimeout, http.MethodPost},
		{"while-connecting", cases.ConnectTimeout, http.MethodGet},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := casePath(c.upstream, "gone-"+c.name)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			var body io.Reader
			if c.method == http.MethodPost {
				body = &stallingBody{ctx: ctx}
			}
			req, _ := http.NewRequestWithContext(ctx, c.method, srv.URL+path, body)
			if body != nil {
				req.ContentLength = 64 // the gateway streams it to the upstream
			}
			if res, err := client.Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("the client got status %d", res.StatusCode)
			}
			e := waitAccess(t, path)
			if got := e.str("upstream_flag"); got != "CDC" || e.str("upstream_error_source") != "client" {
				t.Errorf("upstream_flag=%q source=%q, want CDC client: %v", got, e.str("upstream_error_source"), e.Data)
			}
			if tags := strings.Join(recordTags(t, h, path), " "); !strings.Contains(tags, "upstream_flag:CDC") {
				t.Errorf("analytics tags %q, want upstream_flag:CDC", tags)
			}
		})
	}
	waitPendingZero(t)
}

// TestLateDialNeverReachesAReusedCapture: a request abandoned while its
// connect hangs leaves the dial running after the round trip returned (it
// ends at the dial timeout, and its callbacks then arrive). Requests served
// meanwhile on the same goroutine reuse pooled captures; none may see the
// late dial's peer or error.
func TestLateDialNeverReachesAReusedCapture(t *testing.T) {
	_, srv := newTestHost(t, Tyk58, testPlugin.Default())
	client := cases.NewClient()
	defer client.CloseIdleConnections()
	blackhole, refused := upstreamHost(t, cases.ConnectTimeout), upstreamHost(t, cases.Refused)

	for round := 0; round < 3; round++ {
		a := casePath(cases.ConnectTimeout, fmt.Sprintf("late-A-%d", round))
		_, _ = cases.Send(client, srv.URL+a, http.MethodGet, 50*time.Millisecond)
		waitAccess(t, a)
		// Until A's dial times out (testDialTimeout), and a while after.
		deadline := time.Now().Add(testDialTimeout + 200*time.Millisecond)
		for n := 0; time.Now().Before(deadline); n++ {
			c := cases.OK
			if n%2 == 1 {
				c = cases.Refused
			}
			p := casePath(c, fmt.Sprintf("late-B-%d-%d", round, n))
			_, _ = cases.Send(client, srv.URL+p, http.MethodGet, 0)
			e := waitAccess(t, p)
			for _, k := range []string{"upstream_peer", "upstream_target"} {
				if e.str(k) == blackhole {
					t.Fatalf("%s: %s=%s is the abandoned dial's", p, k, blackhole)
				}
			}
			if c == cases.Refused && (e.str("upstream_flag") != "UCF" || e.str("upstream_peer") != refused) {
				t.Fatalf("%s: %v", p, e.Data)
			}
			if c == cases.OK && len(presentErrorKeys(e)) > 0 {
				t.Fatalf("%s: a success carries %v", p, presentErrorKeys(e))
			}
		}
	}
	waitPendingZero(t)
}
