// Package capture records what happened during the upstream round trips of
// one proxied request, the way net/http/httptrace reports it: per attempt,
// when DNS, connect and the TLS handshake started and ended and with which
// error, which peer address was dialled, whether a pooled connection was
// reused and how long it had been idle, when the request was written and when
// the first response byte arrived; and, through a wrapped response body, an
// error while reading the body.
//
// A Trace is per-request state. Its httptrace callbacks may run on several
// goroutines (the dialer, the transport's write and read loops) and may arrive
// after the round trip has returned; every method is safe for concurrent use,
// and once Finish has been called further callbacks are ignored. The
// callbacks neither allocate nor format: they store times and the strings
// and errors the transport hands over. The memory of a Trace is fixed: the
// transport makes a new attempt when it retries an idempotent request whose
// reused connection was closed under it, and a new attempt replaces the
// previous one (only the count grows).
//
// A Trace can serve request after request (Pool): its hooks are built once,
// so that attaching it to a request allocates one small context and nothing
// else. Reuse is guarded three ways against a callback of an earlier request
// reaching a later one: the context a request got stops handing out the
// hooks when its request's Trace is finished (a generation check, so a dial
// the transport starts later with that context is not traced); a Trace is
// reused only if Finish found it quiet (no lookup, connect or handshake
// still open, the request written); and only after a quarantine, during
// which any callback that still arrives (from a goroutine that had fetched
// the hooks before the end) marks it, and a marked Trace is dropped.
package capture

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Attempt is what one attempt of a round trip went through. Times are offsets
// from the start of the Trace (time.Duration, nanoseconds); zero means the
// event did not happen.
type Attempt struct {
	GetConn      time.Duration // the transport asked for a connection
	DNSStart     time.Duration // a DNS lookup started
	DNSDone      time.Duration // the DNS lookup ended (DNSErr says how)
	ConnectStart time.Duration // a TCP connect to Peer started
	ConnectDone  time.Duration // the TCP connect ended (ConnectErr says how)
	TLSStart     time.Duration // the TLS handshake started
	TLSDone      time.Duration // the TLS handshake ended (TLSErr says how)
	GotConn      time.Duration // a connection was obtained (new or reused)
	WroteRequest time.Duration // the request was written (WriteErr says how)
	FirstByte    time.Duration // the first byte of the response arrived

	Target   string   // "host:port" the transport wanted, from GetConn
	Peer     string   // "ip:port" of the last connect, from ConnectStart/ConnectDone
	PeerAddr net.Addr // remote address of the obtained connection (also for reused ones)

	DNSErr     error // error of the DNS lookup, e.g. *net.DNSError
	ConnectErr error // error of the last TCP connect, e.g. *net.OpError "dial"
	TLSErr     error // error of the TLS handshake, e.g. x509.UnknownAuthorityError
	WriteErr   error // error writing the request, e.g. "write: broken pipe"

	Reused   bool          // the connection came from the idle pool
	WasIdle  bool          // the connection had been idle in the pool
	IdleTime time.Duration // how long it had been idle, when WasIdle
}

// Trace is the capture of one proxied request. Create it with New or take
// it from a Pool; the zero value is not usable.
type Trace struct {
	start atomic.Int64 // offset from epoch (time.Duration) of the start of the request

	mu       sync.Mutex
	last     Attempt // the newest attempt; earlier ones are only counted
	n        int     // attempts begun
	finished bool
	late     bool // a callback arrived after Finish: never reuse

	// open counts the DNS lookups, TCP connects and TLS handshakes that
	// began and have not reported their end: while it is not zero, a
	// callback can still arrive (a dial the transport goes on with after the
	// round trip returned).
	open int

	bodyErr    error
	bodyErrAt  time.Duration
	failedAt   time.Duration
	clientHook httptrace.ClientTrace

	// traced carries clientHook the way httptrace.WithClientTrace puts it
	// in a context (with the net.Dialer's DNS and connect hooks), on
	// context.Background, built once; Context hands its values out.
	traced context.Context

	// gen counts Finish calls: a context made by Context for generation g
	// hands out the hooks only while gen is g.
	gen atomic.Uint64
}

// New returns a Trace whose time offsets count from now. Its ClientTrace and
// the context values that carry it are built once here (ten method values,
// httptrace.WithClientTrace's values), so events allocate nothing and a Trace
// reused through a Pool allocates only Context's small wrapper per request.
func New() *Trace {
	t := &Trace{}
	t.start.Store(int64(time.Since(epoch)))
	t.clientHook = httptrace.ClientTrace{
		GetConn:              t.getConn,
		GotConn:              t.gotConn,
		DNSStart:             t.dnsStart,
		DNSDone:              t.dnsDone,
		ConnectStart:         t.connectStart,
		ConnectDone:          t.connectDone,
		TLSHandshakeStart:    t.tlsStart,
		TLSHandshakeDone:     t.tlsDone,
		WroteRequest:         t.wroteRequest,
		GotFirstResponseByte: t.firstByte,
	}
	t.traced = httptrace.WithClientTrace(context.Background(), &t.clientHook)
	return t
}

// ClientTrace returns the hooks, for attaching them to a context with
// httptrace.WithClientTrace (Context does it without allocating). The
// pointer stays valid for the life of t, across Reset; do not modify it
// (WithClientTrace does, when the context already carries a ClientTrace:
// give it a copy).
func (t *Trace) ClientTrace() *httptrace.ClientTrace { return &t.clientHook }

// Context returns a context derived from parent that carries t's hooks, as
// httptrace.WithClientTrace(parent, t.ClientTrace()) would, for the request
// t captures now: once t is finished, the context no longer hands them out
// (httptrace.ContextClientTrace returns nil), so that a dial the transport
// starts later with it cannot reach t after t was reused. Values, deadline
// and cancellation are parent's. It allocates one small struct.
//
// When parent already carries a ClientTrace (another plugin's, a debugging
// trace), the two must be composed: Context then returns
// httptrace.WithClientTrace(parent, <a copy of t's hooks>), which
// allocates, is not cut off by Finish, and marks t not to be reused.
func (t *Trace) Context(parent context.Context) context.Context {
	if httptrace.ContextClientTrace(parent) != nil {
		t.mu.Lock()
		t.late = true // the copy's hooks are not generation-checked
		t.mu.Unlock()
		ct := t.clientHook
		return httptrace.WithClientTrace(parent, &ct)
	}
	return &tracedContext{Context: parent, t: t, gen: t.gen.Load()}
}

// tracedContext is parent plus the values of t.traced, while t is in
// generation gen.
type tracedContext struct {
	context.Context
	t   *Trace
	gen uint64
}

// Value returns the httptrace and nettrace hooks of t for their keys while t
// records the request the context was made for, and parent's values for
// every other key. A gateway looks up its own keys in a request's context
// hundreds of times per request, and each lookup of a key set before the
// pre hook passes through here: those go straight to parent.
func (c *tracedContext) Value(key any) any {
	if !keysKnown || key == clientTraceKey || key == netTraceKey {
		if c.gen == c.t.gen.Load() {
			if v := c.t.traced.Value(key); v != nil {
				return v
			}
		}
	}
	return c.Context.Value(key)
}

// The keys under which httptrace.WithClientTrace stores its values (the
// ClientTrace, and the net.Dialer's DNS and connect hooks): unexported
// types of net/http/httptrace and internal/nettrace, learnt once by asking
// a context that records the keys it is asked for. When they cannot be
// learnt (a Go version that asks differently), keysKnown is false and
// tracedContext.Value consults t's values for every key.
var clientTraceKey, netTraceKey, keysKnown = learnTraceKeys()

// keyRecorder is a context that records, and answers nil to, the first key
// it is asked for; with stop set it then panics, to end the caller there.
type keyRecorder struct {
	context.Context
	key  any
	stop bool
}

type stopProbe struct{}

func (r *keyRecorder) Value(key any) any {
	if r.key == nil {
		r.key = key
	}
	if r.stop {
		panic(stopProbe{})
	}
	return nil
}

func learnTraceKeys() (clientKey, netKey any, ok bool) {
	r := &keyRecorder{Context: context.Background()}
	httptrace.ContextClientTrace(r)
	clientKey = r.key

	// net.Dialer asks its context for the nettrace hooks before it
	// resolves or connects anything; the recorder stops it there (and its
	// context is canceled, so that a dialer that asked later would give up
	// before connecting).
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	r = &keyRecorder{Context: canceled, stop: true}
	func() {
		defer func() {
			if p := recover(); p != nil && p != (stopProbe{}) {
				panic(p)
			}
		}()
		var d net.Dialer
		conn, err := d.DialContext(r, "tcp", "127.0.0.1:9")
		if err == nil {
			conn.Close()
		}
	}()
	netKey = r.key

	// Check: the keys found are the ones WithClientTrace uses.
	traced := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{ConnectStart: func(_, _ string) {}})
	ok = clientKey != nil && netKey != nil && clientKey != netKey &&
		traced.Value(clientKey) != nil && traced.Value(netKey) != nil
	return clientKey, netKey, ok
}

// Reset makes t a new capture whose time offsets count from now, for another
// request, keeping its ClientTrace. Call it only on a Trace that is not in
// use and whose Finish returned true (quiet), long enough ago that no
// callback of its request can still arrive (Pool does this); a callback of
// the previous request arriving later would be taken for the new
// request's.
func (t *Trace) Reset() {
	t.mu.Lock()
	t.start.Store(int64(time.Since(epoch)))
	t.last = Attempt{}
	t.n, t.open, t.finished = 0, 0, false
	t.bodyErr, t.bodyErrAt, t.failedAt = nil, 0, 0
	t.mu.Unlock()
}

// epoch is the origin of the monotonic clock readings a Trace keeps.
var epoch = time.Now()

// since returns the offset of now from the start of t, never zero, so that a
// recorded event can be told from one that did not happen.
func (t *Trace) since() time.Duration {
	d := time.Since(epoch) - time.Duration(t.start.Load())
	if d <= 0 {
		d = 1
	}
	return d
}

// cur returns the attempt callbacks apply to, or nil once t is finished
// (marking t late: a callback arrived after its request ended) or before any
// attempt began. t.mu must be held.
func (t *Trace) cur() *Attempt {
	if t.finished {
		t.late = true
		return nil
	}
	if t.n == 0 {
		return nil
	}
	return &t.last
}

func (t *Trace) getConn(hostPort string) {
	now := t.since()
	t.mu.Lock()
	if t.finished {
		t.late = true
	} else {
		t.last = Attempt{GetConn: now, Target: hostPort}
		t.n++
	}
	t.mu.Unlock()
}

func (t *Trace) gotConn(info httptrace.GotConnInfo) {
	now := t.since()
	t.mu.Lock()
	if a := t.cur(); a != nil {
		if info.Reused {
			// A dial the transport started for this request may have
			// reported before the pooled connection was handed over; it
			// says nothing of the connection used. Its later callbacks are
			// ignored (GotConn is set).
			a.DNSStart, a.DNSDone, a.DNSErr = 0, 0, nil
			a.ConnectStart, a.ConnectDone, a.ConnectErr, a.Peer = 0, 0, nil, ""
			a.TLSStart, a.TLSDone, a.TLSErr = 0, 0, nil
		}
		a.GotConn = now
		a.Reused = info.Reused
		a.WasIdle = info.WasIdle
		a.IdleTime = info.IdleTime
		if info.Conn != nil {
			a.PeerAddr = info.Conn.RemoteAddr()
		}
	}
	t.mu.Unlock()
}

func (t *Trace) dnsStart(httptrace.DNSStartInfo) {
	now := t.since()
	t.mu.Lock()
	t.open++
	if a := t.cur(); a != nil && a.GotConn == 0 {
		a.DNSStart = now
	}
	t.mu.Unlock()
}

func (t *Trace) dnsDone(info httptrace.DNSDoneInfo) {
	now := t.since()
	t.mu.Lock()
	t.open--
	if a := t.cur(); a != nil && a.GotConn == 0 {
		a.DNSDone = now
		a.DNSErr = info.Err
	}
	t.mu.Unlock()
}

func (t *Trace) connectStart(_, addr string) {
	now := t.since()
	t.mu.Lock()
	t.open++
	if a := t.cur(); a != nil && a.GotConn == 0 {
		a.ConnectStart = now
		a.ConnectDone = 0
		a.ConnectErr = nil
		a.Peer = addr
	}
	t.mu.Unlock()
}

func (t *Trace) connectDone(_, addr string, err error) {
	now := t.since()
	t.mu.Lock()
	t.open--
	if a := t.cur(); a != nil && a.GotConn == 0 {
		// With several addresses (dual stack, several A records) the dialer
		// reports each; keep the last, or the one that succeeded.
		if err != nil && a.ConnectDone != 0 && a.ConnectErr == nil {
			t.mu.Unlock()
			return
		}
		a.ConnectDone = now
		a.ConnectErr = err
		a.Peer = addr
	}
	t.mu.Unlock()
}

func (t *Trace) tlsStart() {
	now := t.since()
	t.mu.Lock()
	t.open++
	if a := t.cur(); a != nil && a.GotConn == 0 {
		a.TLSStart = now
	}
	t.mu.Unlock()
}

func (t *Trace) tlsDone(_ tls.ConnectionState, err error) {
	now := t.since()
	t.mu.Lock()
	t.open--
	if a := t.cur(); a != nil && a.GotConn == 0 {
		a.TLSDone = now
		a.TLSErr = err
	}
	t.mu.Unlock()
}

func (t *Trace) wroteRequest(info httptrace.WroteRequestInfo) {
	now := t.since()
	t.mu.Lock()
	if a := t.cur(); a != nil {
		a.WroteRequest = now
		a.WriteErr = info.Err
	}
	t.mu.Unlock()
}

func (t *Trace) firstByte() {
	now := t.since()
	t.mu.Lock()
	if a := t.cur(); a != nil {
		a.FirstByte = now
	}
	t.mu.Unlock()
}

// Fail records the moment the round trip was reported failed (the gateway's
// "http: proxy error" entry). Phase durations of a phase still open at that
// moment are measured up to it. Only the first call counts.
func (t *Trace) Fail() {
	now := t.since()
	t.mu.Lock()
	if t.failedAt == 0 {
		t.failedAt = now
	}
	t.mu.Unlock()
}

// Finish ends the capture: callbacks that arrive later (a dial that completes
// after the round trip returned) are ignored, and contexts made by Context
// stop handing out the hooks. It reports whether t is quiet, so that it may
// be reused for another request after a quarantine (Pool): no attempt
// began, or the last attempt got its connection and wrote its request, and
// every DNS lookup, TCP connect and TLS handshake that began has ended. A
// Trace that is not quiet may still receive callbacks and must not be
// reused. Calling Finish again reports false.
//
// One case is out of its sight: in a dual-stack dial (net.Dialer's
// happy-eyeballs fallback, launched after 300 ms), a fallback connect
// goroutine that passed its cancellation check just before the primary
// connect won, and was then not scheduled until the whole request had
// ended, reports its ConnectStart and its cancelled ConnectDone to a Trace
// that may have been reused; for a new request still connecting they would
// read as its connect's peer and error.
func (t *Trace) Finish() (quiet bool) {
	t.mu.Lock()
	if !t.finished {
		t.finished = true
		t.gen.Add(1)
		a := &t.last
		quiet = !t.late && t.open == 0 && (t.n == 0 || (a.GotConn != 0 && a.WroteRequest != 0))
	}
	t.mu.Unlock()
	return quiet
}

// clean reports whether no callback has arrived since Finish.
func (t *Trace) clean() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.late
}

// BodyErr returns the error recorded while reading the response body through
// WrapBody, or nil.
func (t *Trace) BodyErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bodyErr
}

// WrapBody returns body wrapped so that the first read error other than
// io.EOF is recorded in t (phase response_body). Reads and Close are passed
// through unchanged. A nil body is returned as is.
func (t *Trace) WrapBody(body io.ReadCloser) io.ReadCloser {
	if body == nil {
		return nil
	}
	return &bodyReader{ReadCloser: body, t: t, gen: t.gen.Load()}
}

type bodyReader struct {
	io.ReadCloser
	t   *Trace
	gen uint64 // the generation of t the body belongs to
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.t.recordBodyErr(b.gen, err)
	}
	return n, err
}

// recordBodyErr records err as the body read error of generation gen, the
// first one only, unless t has moved past gen.
func (t *Trace) recordBodyErr(gen uint64, err error) {
	now := t.since()
	t.mu.Lock()
	if t.finished || t.gen.Load() != gen {
		t.late = true
	} else if t.bodyErr == nil {
		t.bodyErr = err
		t.bodyErrAt = now
	}
	t.mu.Unlock()
}

// Summary is a consistent copy of what a Trace saw, reduced to what a log
// entry needs. Durations are time.Duration (nanoseconds); a phase that did
// not happen has duration zero. A phase still open when the round trip
// failed is measured up to the failure (Trace.Fail) or to the Summary.
type Summary struct {
	// Attempts is the number of attempts begun (GetConn calls).
	Attempts int

	// Last is a copy of the last attempt.
	Last Attempt

	// Phase is the phase the last attempt had reached when it stopped: the
	// first phase that began and did not complete successfully, or
	// PhaseResponseBody when a body read error was recorded, or
	// PhaseUnknown when no attempt began.
	Phase classify.Phase

	// Err is the real error value the trace recorded for Phase (a DNS,
	// connect, TLS, request-write or body-read error), or nil when the
	// transport reported none through httptrace (response-header timeouts,
	// connections closed before a response).
	Err error

	// Per-phase durations of the last attempt.
	DNS, Connect, TLS, RequestWrite, ResponseHeaders time.Duration

	// Total is the time from the start of the trace to the failure, or to the
	// Summary when Fail was not called.
	Total time.Duration
}

// Summary returns a consistent copy of what t has recorded so far.
func (t *Trace) Summary() Summary {
	now := t.since()
	t.mu.Lock()
	defer t.mu.Unlock()
	end := t.failedAt
	if end == 0 {
		end = now
	}
	s := Summary{Attempts: t.n, Total: end, Last: t.last}
	a := &s.Last
	s.DNS = span(a.DNSStart, a.DNSDone, end)
	s.Connect = span(a.ConnectStart, a.ConnectDone, end)
	s.TLS = span(a.TLSStart, a.TLSDone, end)
	if a.GotConn != 0 {
		s.RequestWrite = span(a.GotConn, a.WroteRequest, end)
	}
	if a.WroteRequest != 0 && a.WriteErr == nil {
		s.ResponseHeaders = span(a.WroteRequest, a.FirstByte, end)
	}

	switch {
	case t.bodyErr != nil:
		s.Phase, s.Err = classify.PhaseResponseBody, t.bodyErr
	case t.n == 0:
		s.Phase = classify.PhaseUnknown
	case a.DNSStart != 0 && (a.DNSDone == 0 || a.DNSErr != nil):
		s.Phase, s.Err = classify.PhaseDNS, a.DNSErr
	case a.ConnectStart != 0 && (a.ConnectDone == 0 || a.ConnectErr != nil):
		s.Phase, s.Err = classify.PhaseConnect, a.ConnectErr
	case a.TLSStart != 0 && (a.TLSDone == 0 || a.TLSErr != nil):
		s.Phase, s.Err = classify.PhaseTLS, a.TLSErr
	case a.GotConn == 0:
		// Asked for a connection and got none, with no dial reported:
		// waiting for a pooled connection, or a custom dialer.
		s.Phase = classify.PhaseConnect
	case a.WroteRequest == 0 || a.WriteErr != nil:
		s.Phase, s.Err = classify.PhaseRequestWrite, a.WriteErr
	default:
		// Written; the first byte may have arrived but the response was not
		// complete or not valid, or it never arrived.
		s.Phase = classify.PhaseResponseHeaders
	}
	return s
}

// span returns the length of a phase that started at start and ended at done,
// or, when it did not end, at end. It is zero when the phase did not start.
func span(start, done, end time.Duration) time.Duration {
	switch {
	case start == 0:
		return 0
	case done != 0:
		return done - start
	case end > start:
		return end - start
	}
	return 0
}
