// Package accesslog writes the classified failure of a proxied request into
// the gateway's own access-log entry for that request.
//
// A Hook is a logrus hook installed once on the gateway's logger. Tyk serves
// each request on one goroutine, and on that goroutine it runs the plugin's
// pre hook, the reverse proxy, the "http: proxy error: <err>" entry, the
// response hook, the analytics plugin and finally the access-log entry
// (prefix=access-log). The Hook keeps the capture of each request under the
// id of that goroutine (Begin), classifies the failure when the gateway's
// "http: proxy error" entry goes by, and adds the fields to the access-log
// entry, then forgets the request.
//
// Guards against attaching one request's failure to another request's
// entry: state is taken off by the entry it is written to; a request that
// writes no access-log entry leaves state that the next request on the same
// goroutine replaces, that a janitor goroutine removes between one and two
// grace periods (Config.Grace) after its request context ended, and that is
// never attached once its request context
// has ended (unless the gateway answered 499, the client having gone), once
// its method or api_id differ from the entry's, or once it is older than the
// TTL; and the number of pending requests is capped.
//
// The hook never logs, never blocks on anything but short mutexes, recovers
// from any panic (dropping what it was doing), and returns at once for
// entries that are neither access-log nor proxy-error entries.
package accesslog

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petermattis/goid"
	"github.com/sirupsen/logrus"

	"github.com/upstreamcause/tyk-upstream-cause/capture"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// The gateway's log lines the hook reads (Tyk gateway/reverse_proxy.go), and
// the prefix of its access-log entries (internal/httputil/accesslog).
const (
	ProxyErrorPrefix    = "http: proxy error: "                  // round trip failed; Error level, prefix=proxy
	BodyCopyErrorPrefix = "http: proxy error during body copy: " // body read failed after the headers were sent
	prefixAccessLog     = "access-log"
	prefixProxy         = "proxy"
)

// The pools of captures: traceShards pools chosen by goroutine id (a
// connection's goroutine serves its requests in turn, so each mostly
// reuses its own), each holding at most traceShardMax captures (about 1 KB
// each) for Config.Quarantine before reuse (capture.Pool). With the default
// quarantine they let up to traceShards*traceShardMax/500ms = 16,384
// requests a second reuse captures; past that, the rest allocate theirs.
const (
	traceShards   = 8
	traceShardMax = 1024
)

// statusClientClosed is the status Tyk answers when the client went away
// (its error handler's "Client closed request").
const statusClientClosed = 499

var hookLevels = []logrus.Level{logrus.ErrorLevel, logrus.WarnLevel, logrus.InfoLevel}

// Hook correlates the requests it captured with the gateway's log entries
// and writes the classification into their access-log entries. Create it with
// New; it is safe for concurrent use.
type Hook struct {
	cfg       Config
	reg       *registry
	traces    [traceShards]capture.Pool // by goroutine id
	recovered atomic.Int64
	stop      chan struct{}
	stopOnce  sync.Once
}

// New returns a Hook with the given configuration (see DefaultConfig,
// ConfigFromEnv). Zero or negative limits are replaced by the defaults.
func New(cfg Config) *Hook {
	def := DefaultConfig()
	if cfg.Names == nil {
		cfg.Names = def.Names
	}
	if cfg.TTL <= 0 {
		cfg.TTL = def.TTL
	}
	if cfg.OrphanTTL <= 0 {
		cfg.OrphanTTL = def.OrphanTTL
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = def.MaxPending
	}
	if cfg.Grace <= 0 {
		cfg.Grace = def.Grace
	}
	if cfg.ErrorMaxBytes <= 0 {
		cfg.ErrorMaxBytes = def.ErrorMaxBytes
	}
	if cfg.Quarantine <= 0 {
		cfg.Quarantine = def.Quarantine
	}
	h := &Hook{cfg: cfg, reg: newRegistry(cfg.MaxPending), stop: make(chan struct{})}
	for i := range h.traces {
		h.traces[i].Quarantine = cfg.Quarantine
		h.traces[i].Max = min(traceShardMax, cfg.MaxPending)
	}
	go h.janitor()
	return h
}

// janitor removes, every Config.Grace, the state of requests whose context
// ended at least one pass earlier and of requests past their TTL: requests
// that wrote no access-log entry. It keeps no request goroutine waiting and
// costs the request path nothing.
func (h *Hook) janitor() {
	t := time.NewTicker(h.cfg.Grace)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case now := <-t.C:
			h.sweep(now)
		}
	}
}

// sweep runs one janitor pass; a panic in it must not take the gateway down.
func (h *Hook) sweep(now time.Time) {
	defer h.recoverPanic()
	h.reg.sweep(now, &h.cfg)
}

// Close stops the janitor goroutine. The hook keeps working, without it. A
// gateway never calls it; tests do.
func (h *Hook) Close() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// Levels returns the levels of the entries the hook reads: Error (the
// "http: proxy error" entries), Warn and Info (access-log entries, and the
// entries of the middleware that reject a request, e.g. "Attempted access
// with non-existent key.", some of which Tyk writes at Warn).
func (h *Hook) Levels() []logrus.Level { return hookLevels }

// Pending returns the number of requests whose state is kept: captured (or
// known failed) and not yet written to an access-log entry or cleaned up.
func (h *Hook) Pending() int { return h.reg.len() }

// Recovered returns how many panics the hook and the request hooks recovered
// from (each dropping the work it was doing).
func (h *Hook) Recovered() int64 { return h.recovered.Load() }

func (h *Hook) recoverPanic() {
	if recover() != nil {
		h.recovered.Add(1)
	}
}

// Begin starts the capture of the request r, which must be served on the
// calling goroutine (Tyk's pre hook), and keeps w, the client-facing
// writer the pre hook receives: Tyk copies the upstream's response headers
// into its header map, which is read at the request's end to classify an
// upstream or intermediary 5xx without a response hook. Begin attaches the
// capture's httptrace hooks to r's context (capture.Trace.Context; *r is
// replaced with a shallow copy that carries it, which is how a Tyk pre hook
// passes a context on) and registers the request under the goroutine's id.
// The capture comes from a pool (capture.Pool: reused only after a
// quarantine, never while a callback of its previous request can arrive).
// It does nothing when MaxPending requests are pending.
func (h *Hook) Begin(w http.ResponseWriter, r *http.Request) {
	defer h.recoverPanic()
	gid := goid.Get()
	now := time.Now()
	ctx := r.Context()
	req := requests.Get().(*request)
	*req = request{trace: h.pool(gid).Get(now), w: w, ctx: ctx, method: r.Method, created: now}
	old, ok := h.reg.put(gid, req, now, &h.cfg)
	if old != nil {
		h.release(old, gid, now)
	}
	if !ok {
		h.release(req, gid, now)
		return
	}
	*r = *r.WithContext(req.trace.Context(ctx))
}

// pool returns the capture pool of goroutine gid.
func (h *Hook) pool(gid int64) *capture.Pool {
	return &h.traces[uint64(gid)%traceShards]
}

// requests recycles the request states Begin makes.
var requests = sync.Pool{New: func() any { return new(request) }}

// release ends req, on the goroutine gid that served it, once nothing else
// can use it: it was taken off the registry by this goroutine (the janitor,
// the only other goroutine that sees it, sees it only in the registry, under
// the shard lock). Its trace is finished, so that callbacks arriving later
// are ignored, and given back to the capture pool; req goes back to
// requests.
func (h *Hook) release(req *request, gid int64, now time.Time) {
	if req.trace != nil {
		h.pool(gid).Put(req.trace, now)
	}
	*req = request{}
	requests.Put(req)
}

// Response is the optional response hook's part, on the request goroutine:
// for an upstream answer with a 5xx status it classifies who produced it
// (classify.Response) from the upstream's own headers, and, with
// Config.ProxyStatus, appends "tyk; received-status=<code>" to the
// response's Proxy-Status (the gateway copies res.Header to the client
// after the response hooks); for a captured
// request it wraps res.Body so that a read error while the gateway copies
// the body is recorded. Without it, the same is learnt at the request's end
// from the headers Tyk copied into the pre hook's writer and from the
// gateway's "during body copy" entry.
func (h *Hook) Response(res *http.Response) {
	defer h.recoverPanic()
	if res == nil {
		return
	}
	req := h.reg.get(goid.Get())
	if req == nil || req.orphan {
		return
	}
	if res.StatusCode >= 500 && !req.failed() {
		req.result = classify.Response(res.StatusCode, res.Header)
		req.status = res.StatusCode
		if res.Request != nil && res.Request.URL != nil {
			req.target = hostPort(res.Request.URL.Scheme, res.Request.URL.Host)
		}
		req.errText = ""
		if h.cfg.ProxyStatus {
			if res.Header == nil {
				res.Header = make(http.Header)
			}
			addProxyStatus(res.Header, ProxyStatusReceived(h.cfg.ProxyStatusName, res.StatusCode))
		}
	}
	if res.Body != nil && res.Body != http.NoBody {
		res.Body = req.trace.WrapBody(res.Body)
	}
}

// AppendTags appends to tags the analytics tags of the failure of the request
// served on the calling goroutine (the analytics plugin runs there):
// upstream_flag:<flag>, upstream_error_type:<type>,
// upstream_error_phase:<phase> and upstream_error_source:<source>. method,
// apiID and status are the record's (method and apiID "" match any; status
// 0 if unknown): a 5xx the upstream answered is classified from status. It
// appends nothing for a request that did not fail, or whose state does not
// match the record. All values come from small fixed sets, so the tags have
// low cardinality. It keeps nothing of tags.
func (h *Hook) AppendTags(tags []string, method, apiID string, status int) []string {
	defer h.recoverPanic()
	req := h.reg.get(goid.Get())
	if req == nil || (method != "" && req.method != "" && method != req.method) {
		return tags
	}
	if !req.failed() && req.ctx != nil && req.ctx.Err() != nil {
		return tags // left by an earlier request: its writer is not ours to read
	}
	h.settle(req, status, "")
	if !req.failed() {
		return tags
	}
	if own := h.apiOf(req); own != "" && apiID != "" && own != apiID {
		return tags
	}
	r := &req.result
	tags = append(tags, "upstream_flag:"+r.Flag)
	if r.Type != "" {
		tags = append(tags, "upstream_error_type:"+r.Type)
	}
	return append(tags,
		"upstream_error_phase:"+r.Phase.String(),
		"upstream_error_source:"+r.Source.String())
}

// Fire reads one gateway log entry. It returns nil always: the hook's own
// trouble must never become the gateway's.
func (h *Hook) Fire(e *logrus.Entry) error {
	defer h.recoverPanic()
	prefix, _ := e.Data["prefix"].(string)
	switch prefix {
	case prefixAccessLog:
		h.accessLog(e)
	case "":
		if mw, _ := e.Data["mw"].(string); mw != "" {
			h.middlewareEntry(e, mw)
		}
	case prefixProxy:
		if e.Level != logrus.ErrorLevel {
			return nil
		}
		switch {
		case strings.HasPrefix(e.Message, BodyCopyErrorPrefix):
			h.proxyError(e, e.Message[len(BodyCopyErrorPrefix):], true)
		case strings.HasPrefix(e.Message, ProxyErrorPrefix):
			h.proxyError(e, e.Message[len(ProxyErrorPrefix):], false)
		}
	}
	return nil
}

// middlewareEntry reads an entry a gateway middleware wrote (it carries
// the middleware's name as mw and no prefix) on the goroutine of a request
// the pre hook began, which is still being served: an entry that says why
// the gateway answered the request itself (classify.Gateway: an
// authentication, rate-limit, quota, size or validation refusal, "all hosts
// are down") becomes the request's failure, unless it already has one.
func (h *Hook) middlewareEntry(e *logrus.Entry, mw string) {
	req := h.reg.get(goid.Get())
	if req == nil || req.orphan || req.failed() || req.ctx.Err() != nil {
		return
	}
	r := classify.Gateway(mw, 0, e.Message)
	if r.Flag == "" {
		return
	}
	if id, _ := e.Data["api_id"].(string); id != "" {
		if own := h.apiOf(req); own != "" && own != id {
			return
		}
	}
	req.result, req.mw = r, mw
}

// proxyError records and classifies the failure text of a gateway
// "http: proxy error" entry for the request on this goroutine. The state
// the goroutine holds is this request's only if it was begun by the pre
// hook of the same API (api_id), has no failure yet, and its request
// context is alive, or ended because the client went away (the text says
// the request was canceled); anything else is state an earlier request left
// behind, and is replaced, like a request the pre hook did not see, by an
// orphan state made from the entry alone.
//
// Then, for a failed round trip (bodyCopy false: the gateway has not
// answered yet; it writes its error response after this entry), it adds
// the Proxy-Status error member to the client-facing writer's headers
// (Config.ProxyStatus), and tells the probe (Config.Probe).
func (h *Hook) proxyError(e *logrus.Entry, text string, bodyCopy bool) {
	gid := goid.Get()
	now := time.Now()
	apiID, _ := e.Data["api_id"].(string)
	req := h.reg.get(gid)
	if req != nil && !h.owns(req, apiID, text) {
		req = nil
	}
	if req == nil {
		req = &request{orphan: true, created: now}
		old, ok := h.reg.put(gid, req, now, &h.cfg)
		if old != nil {
			h.release(old, gid, now)
		}
		if !ok {
			return
		}
	}
	req.apiID = apiID
	req.userIP, _ = e.Data["user_ip"].(string)
	req.errText = SanitizeError(text, h.cfg.ErrorMaxBytes)
	req.status = 0
	if req.trace != nil {
		req.trace.Fail()
		sum := req.trace.Summary()
		req.summary = &sum
		req.target = sum.Last.Target
	} else if host, _ := e.Data["server_name"].(string); host != "" {
		req.target = host
	}
	req.result = classifyFailure(e.Message, req)
	if bodyCopy {
		return
	}
	if h.cfg.ProxyStatus && req.w != nil {
		details := ""
		if h.cfg.ProxyStatusDetails {
			details = req.errText
		}
		addProxyStatus(req.w.Header(), ProxyStatusError(h.cfg.ProxyStatusName, req.result, details))
	}
	if h.cfg.Probe != nil && req.target != "" {
		h.cfg.Probe.Failed(req.target, h.speaksTLS(req), req.result)
	}
}

// speaksTLS reports whether the target of req's failed round trip is a TLS
// one, as far as the failure shows: it failed in the TLS phase, a handshake
// had begun, or the port is 443. A connect failure to https on another
// port is not known as TLS (the transport had not got that far).
func (h *Hook) speaksTLS(req *request) bool {
	if req.result.Phase == classify.PhaseTLS || strings.HasSuffix(req.target, ":443") {
		return true
	}
	return req.summary != nil && req.summary.Last.TLSStart != 0
}

// owns reports whether req, the state the goroutine holds, belongs to the
// request whose proxy-error entry (api_id apiID, error text) is being
// logged: see proxyError.
func (h *Hook) owns(req *request, apiID, text string) bool {
	if req.orphan || req.failed() {
		return false
	}
	if own := h.apiOf(req); own != "" && apiID != "" && own != apiID {
		return false
	}
	return req.ctx.Err() == nil || classify.Message(text).Flag == classify.FlagCDC
}

// apiOf returns the API id of req: the one its proxy-error entry named, or,
// for a request begun by the pre hook, the one its context carries
// (Config.APIIDOf); "" when unknown.
func (h *Hook) apiOf(req *request) string {
	if req.apiID == "" && req.ctx != nil && h.cfg.APIIDOf != nil {
		req.apiID = h.cfg.APIIDOf(req.ctx)
	}
	return req.apiID
}

// classifyFailure classifies the failure of req whose gateway log message is
// msg: from the real error value the trace recorded in the phase the round
// trip stopped in, when there is one; else from the message text, with the
// phase taken from the trace when the text does not tell it.
//
// The client's going away outranks what it caused: when the request's
// context was canceled (the server cancels it when the client disconnects),
// or the text says so, the failure is CDC in the phase the trace reached,
// even if the transport recorded an error of its own (a request body write
// that failed because the client stopped sending it). A connection closed
// under a request on a reused keep-alive connection is refined by
// classify.OnReusedConnection.
func classifyFailure(msg string, req *request) classify.Result {
	s := req.summary
	m := classify.Message(msg)
	var r classify.Result
	switch {
	case m.Flag == classify.FlagCDC:
		r = m
	case req.ctx != nil && errors.Is(req.ctx.Err(), context.Canceled):
		r = classify.Error(context.Canceled, classify.PhaseUnknown)
	case s != nil && s.Err != nil:
		r = classify.Error(s.Err, s.Phase)
	}
	if r.Flag == "" {
		r = m
	}
	if r.Phase == classify.PhaseUnknown && s != nil {
		r.Phase = s.Phase
	}
	if s != nil && s.Last.Reused && r.Flag != classify.FlagCDC {
		r = classify.OnReusedConnection(r)
	}
	return r
}

// settle completes, once, the failure of req from what only the end of the
// request shows, on the request goroutine: a body read error the wrapped
// body recorded (response hook) for which the gateway logged no "during body
// copy" entry; else, for an answer of 400 or more (status, as the gateway
// reports it; mw, the middleware the access-log entry names, if any): to a
// round trip that got a 5xx response, who produced it, from the response
// headers Tyk copied into the pre hook's writer (classify.Response); to a
// request that made no round trip, why the gateway answered itself
// (classify.Gateway, e.g. an open circuit breaker). It does nothing on the
// success path but compare status.
func (h *Hook) settle(req *request, status int, mw string) {
	if req.failed() || req.trace == nil {
		return
	}
	if err := req.trace.BodyErr(); err != nil {
		req.trace.Fail()
		sum := req.trace.Summary()
		req.summary = &sum
		req.target = sum.Last.Target
		req.errText = SanitizeError(err.Error(), h.cfg.ErrorMaxBytes)
		req.result = classify.Error(err, classify.PhaseResponseBody)
		return
	}
	if status < 400 || req.w == nil {
		return
	}
	switch sum := req.trace.Summary(); {
	case sum.Last.FirstByte != 0 && status >= 500:
		req.result = classify.Response(status, req.w.Header())
		req.status = status
		req.target = sum.Last.Target
	case sum.Attempts == 0:
		if mw == "" {
			mw = classify.MWReverseProxy
		}
		req.result, req.mw = classify.Gateway(mw, status, ""), mw
	}
}

// accessLog writes the failure of the request on this goroutine, if any,
// into its access-log entry e, and forgets the request. For a request that
// did not fail (no failure recorded, status below 400, no body error) it
// only takes the state off and releases it.
func (h *Hook) accessLog(e *logrus.Entry) {
	gid := goid.Get()
	req := h.reg.take(gid)
	if req == nil {
		return
	}
	defer func() { h.release(req, gid, time.Now()) }()
	status, _ := e.Data["status"].(int)
	if !req.failed() && status < 400 && (req.trace == nil || req.trace.BodyErr() == nil) {
		return
	}
	// matches comes before settle: a state left by an earlier request (its
	// context ended) must not have its writer read.
	if !h.matches(req, e) {
		return
	}
	mw, _ := e.Data["mw"].(string)
	h.settle(req, status, mw)
	if req.failed() {
		h.write(e.Data, req)
	}
}

// matches reports whether req may be attached to the access-log entry e:
// it is not past its TTL, its method and API are the entry's, and, when
// its request context has ended, the ending was the client going away (a
// 499 entry, or a failure classified CDC), not the end of an earlier
// request that wrote no entry.
func (h *Hook) matches(req *request, e *logrus.Entry) bool {
	if req.expired(time.Now(), &h.cfg) {
		return false
	}
	if m, _ := e.Data["method"].(string); m != "" && req.method != "" && m != req.method {
		return false
	}
	if id, _ := e.Data["api_id"].(string); id != "" {
		if own := h.apiOf(req); own != "" && id != own {
			return false
		}
	}
	if ip, _ := e.Data["client_ip"].(string); req.orphan && ip != "" && req.userIP != "" && ip != req.userIP {
		return false
	}
	if req.ctx != nil && req.ctx.Err() != nil {
		status, _ := e.Data["status"].(int)
		return req.failed() && (status == statusClientClosed || req.result.Flag == classify.FlagCDC)
	}
	return true
}

// hostPort returns host with the scheme's default port added when it has
// none: "api.example.com" with "https" gives "api.example.com:443".
func hostPort(scheme, host string) string {
	if host == "" || strings.LastIndexByte(host, ':') > strings.LastIndexByte(host, ']') {
		return host
	}
	if scheme == "https" {
		return host + ":443"
	}
	return host + ":80"
}
