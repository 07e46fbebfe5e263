package capture_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/capture"
)

type ctxKey struct{}

// TestContextHandsOutTheHooksUntilFinish: the context carries the hooks
// exactly as httptrace.WithClientTrace would while the Trace records its
// request, and none once it is finished; the parent's values and
// cancellation pass through.
func TestContextHandsOutTheHooksUntilFinish(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "tyk"))
	tc := capture.New()
	ctx := tc.Context(parent)
	if httptrace.ContextClientTrace(ctx) != tc.ClientTrace() || ctx.Value(ctxKey{}) != "tyk" {
		t.Fatalf("hooks %p (want %p), parent's value %v", httptrace.ContextClientTrace(ctx), tc.ClientTrace(), ctx.Value(ctxKey{}))
	}
	tc.Finish()
	if ct := httptrace.ContextClientTrace(ctx); ct != nil || ctx.Value(ctxKey{}) != "tyk" {
		t.Fatalf("after Finish: hooks %p, parent's value %v", ct, ctx.Value(ctxKey{}))
	}
	cancel()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("cancellation did not pass: %v", ctx.Err())
	}
	tc.Reset()
	if httptrace.ContextClientTrace(ctx) != nil {
		t.Fatal("a context of the previous request hands out the hooks of the reused Trace")
	}
	if httptrace.ContextClientTrace(tc.Context(context.Background())) != tc.ClientTrace() {
		t.Fatal("a context of the new request has no hooks")
	}
}

// TestContextComposesWithAnotherTrace: a parent that already carries a
// ClientTrace keeps it (both are called), and the Trace, whose hooks were
// then copied out of its control, is not reused.
func TestContextComposesWithAnotherTrace(t *testing.T) {
	var other int
	parent := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GetConn: func(string) { other++ }})
	tc := capture.New()
	httptrace.ContextClientTrace(tc.Context(parent)).GetConn("a:1")
	if other != 1 || tc.Summary().Attempts != 1 {
		t.Fatalf("composed: other hook called %d times, attempts %d", other, tc.Summary().Attempts)
	}
	if tc.Finish() {
		t.Fatal("a Trace whose hooks were copied reports quiet")
	}
}

// quietTrace returns a Trace that recorded a request on a pooled
// connection, finished or not.
func quietTrace() *capture.Trace {
	tc := capture.New()
	ct := tc.ClientTrace()
	ct.GetConn("a:1")
	ct.GotConn(httptrace.GotConnInfo{Reused: true})
	ct.WroteRequest(httptrace.WroteRequestInfo{})
	return tc
}

func TestPoolReusesOnlyAfterQuarantine(t *testing.T) {
	p := &capture.Pool{Quarantine: time.Second, Max: 2}
	t0 := time.Now()
	tc := quietTrace()
	p.Put(tc, t0)
	if got := p.Get(t0.Add(999 * time.Millisecond)); got == tc {
		t.Fatal("reused before the quarantine ended")
	}
	got := p.Get(t0.Add(time.Second))
	if got != tc {
		t.Fatal("not reused after the quarantine")
	}
	if s := got.Summary(); s.Attempts != 0 {
		t.Fatalf("reused Trace not reset: %+v", s)
	}
	if p.Len() != 0 {
		t.Fatalf("pool holds %d", p.Len())
	}
}

func TestPoolDropsWhatMayStillBeCalled(t *testing.T) {
	p := &capture.Pool{Quarantine: time.Second, Max: 4}
	t0 := time.Now()

	busy := capture.New() // abandoned while connecting: not quiet
	busy.ClientTrace().GetConn("a:1")
	busy.ClientTrace().ConnectStart("tcp", "1.2.3.4:1")
	p.Put(busy, t0)
	if p.Len() != 0 {
		t.Fatal("kept a Trace with a connect still open")
	}

	late := quietTrace() // quiet at Finish, then called during the quarantine
	ct := late.ClientTrace()
	p.Put(late, t0)
	ct.ConnectStart("tcp", "1.2.3.4:1")
	if got := p.Get(t0.Add(2 * time.Second)); got == late {
		t.Fatal("reused a Trace that received a callback after its request ended")
	}
	if p.Len() != 0 {
		t.Fatalf("pool holds %d", p.Len())
	}
}

func TestPoolIsBounded(t *testing.T) {
	p := &capture.Pool{Quarantine: time.Second, Max: 3}
	t0 := time.Now()
	for i := 0; i < 10; i++ {
		p.Put(quietTrace(), t0)
	}
	if p.Len() != 3 {
		t.Fatalf("pool holds %d, want its Max 3", p.Len())
	}
	for i := 0; i < 3; i++ {
		p.Get(t0.Add(time.Second))
	}
	if p.Len() != 0 {
		t.Fatalf("pool holds %d after taking all", p.Len())
	}
}

// lateDial runs the sequence that made a reused capture receive a callback
// of its previous request: request A waits for a connection, the transport
// starts a dial for it (held at a gate before it connects), then hands A a
// pooled connection that another request just released; A completes, its
// Trace goes back to the pool (it is quiet: nothing of the dial has been
// reported yet), and only then the dial goes on, with A's context. attach
// attaches A's Trace to A's context. lateDial reports whether the pool
// reused A's Trace (it did not when a callback of the late dial reached
// it) and the Trace the pool handed out.
func lateDial(t *testing.T, attach func(*capture.Trace, context.Context) context.Context) (reused bool) {
	addr := rawServer(t, answer(0))
	gate, atGate, dialed := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var dials atomic.Int32
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if dials.Add(1) == 2 {
				close(atGate)
				<-gate
				defer close(dialed)
			}
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, a)
		},
		MaxIdleConnsPerHost: 4,
	}
	defer tr.CloseIdleConnections()
	url := "http://" + addr + "/"

	reqB, _ := http.NewRequest("GET", url, nil)
	resB, err := tr.RoundTrip(reqB) // the first dial; its connection stays busy until the body is closed
	if err != nil {
		t.Fatal(err)
	}

	p := &capture.Pool{Quarantine: 0, Max: 4}
	tA := p.Get(time.Now())
	reqA, _ := http.NewRequestWithContext(attach(tA, context.Background()), "GET", url, nil)
	doneA := make(chan error, 1)
	go func() {
		res, err := tr.RoundTrip(reqA)
		if err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		doneA <- err
	}()
	<-atGate // A's dial started, before A got a connection
	io.Copy(io.Discard, resB.Body)
	resB.Body.Close() // B's connection goes idle and is handed to A
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if s := tA.Summary(); !s.Last.Reused || s.Last.ConnectStart != 0 {
		t.Fatalf("A did not run on the pooled connection alone: %+v", s.Last)
	}
	p.Put(tA, time.Now())
	if p.Len() != 1 {
		t.Fatal("A's Trace was not quiet at its end")
	}
	close(gate)
	<-dialed // the late dial has connected, with A's context
	return p.Get(time.Now()) == tA
}

// TestLateDialNeverReachesTheNextRequest: with Trace.Context, the dial that
// goes on after its request ended finds no hooks in the request's context,
// and the Trace is reused clean. The control attaches the hooks with
// httptrace.WithClientTrace, as the plugin did before: the late dial's
// callbacks reach the Trace, and the pool refuses to reuse it.
func TestLateDialNeverReachesTheNextRequest(t *testing.T) {
	if !lateDial(t, (*capture.Trace).Context) {
		t.Error("Trace.Context: the late dial reached the finished Trace")
	}
	withClientTrace := func(tc *capture.Trace, ctx context.Context) context.Context {
		return httptrace.WithClientTrace(ctx, tc.ClientTrace())
	}
	if lateDial(t, withClientTrace) {
		t.Error("control: a Trace that received the late dial's callbacks was reused")
	}
}

// TestTraceKeysAreLearnt: the context keys of httptrace and nettrace are
// found on this Go version, so that the gateway's own context lookups skip
// the Trace (capture's fast path); Value answers alike either way, which
// the other tests check.
func TestTraceKeysAreLearnt(t *testing.T) {
	if !capture.TraceKeysKnown() {
		t.Fatal("the httptrace/nettrace context keys were not learnt on this Go version: every context lookup of the gateway consults the Trace")
	}
}

// BenchmarkContextValue: what a gateway's lookup of one of its own keys
// (set before the pre hook, under ten more values set after it) costs
// through a context without hooks (baseline), through Trace.Context, and
// through httptrace.WithClientTrace (what the plugin used before).
func BenchmarkContextValue(b *testing.B) {
	deep := context.WithValue(context.Background(), ctxKey{}, "definition")
	tc := capture.New()
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{
		{"baseline", deep},
		{"Trace.Context", tc.Context(deep)},
		{"WithClientTrace", httptrace.WithClientTrace(deep, &httptrace.ClientTrace{GetConn: func(string) {}, ConnectStart: func(_, _ string) {}})},
	} {
		ctx := bc.ctx
		for i := 0; i < 10; i++ {
			ctx = context.WithValue(ctx, i, i)
		}
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if ctx.Value(ctxKey{}) == nil {
					b.Fatal("lost")
				}
			}
		})
	}
}
