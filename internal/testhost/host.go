//go:build goplugin

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/TykTechnologies/tyk-pump/analytics"
	"github.com/TykTechnologies/tyk/apidef"
	tykctx "github.com/TykTechnologies/tyk/ctx"
	tyklog "github.com/TykTechnologies/tyk/log"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// The gateway versions the host can imitate.
const (
	Tyk58  = "5.8"  // 5.8 to 5.11: no classification of its own in the access log
	Tyk512 = "5.12" // 5.12 and later: api_id, api_name, org_id, latency_gateway and its own classification
)

// UpstreamHeader names the request header that picks the upstream: a case
// name of cases.URLs (e.g. "refused") or an absolute http(s) URL. Without it
// the upstream is picked by the path /case/<name>/...
const UpstreamHeader = "X-Test-Upstream"

// Options configure a Host.
type Options struct {
	// Tyk is the gateway version imitated: Tyk58 (default) or Tyk512.
	Tyk string

	// Plugin holds the hooks; nil runs the gateway without the plugin.
	Plugin *Plugin

	// Transport makes the upstream round trips; use TykTransports (or
	// TykTransport).
	Transport http.RoundTripper

	// Upstreams maps case names to upstream base URLs ("scheme://host:port/").
	Upstreams map[string]string

	// Logger is the gateway's logger; default the stand-in tyklog.Get().
	Logger *logrus.Logger

	// KeepRecords keeps a copy of every analytics record after the analytics
	// plugin ran (Records returns them).
	KeepRecords bool

	// The API the requests belong to; defaults "upstreamcause-test",
	// "Upstream cause test API", "test-org".
	APIID, APIName, OrgID string
}

// Host imitates the gateway around one API whose upstream is picked per
// request. It is an http.Handler; serve it with Serve for HTTP/1.1 and h2c.
type Host struct {
	opts    Options
	log     *logrus.Logger
	proxies map[string]*httputil.ReverseProxy // by API id: one per API, as the gateway has
	targets map[string]*url.URL

	mu      sync.Mutex
	records []analytics.AnalyticsRecord
}

// NewHost returns a Host; it fails on an unknown Tyk version or a bad URL.
func NewHost(opts Options) (*Host, error) {
	switch opts.Tyk {
	case "":
		opts.Tyk = Tyk58
	case Tyk58, Tyk512:
	default:
		return nil, fmt.Errorf("testhost: unknown Tyk version %q (want %s or %s)", opts.Tyk, Tyk58, Tyk512)
	}
	if opts.Transport == nil {
		return nil, errors.New("testhost: Options.Transport is required")
	}
	if opts.APIID == "" {
		opts.APIID = "upstreamcause-test"
	}
	if opts.APIName == "" {
		opts.APIName = "Upstream cause test API"
	}
	if opts.OrgID == "" {
		opts.OrgID = "test-org"
	}
	h := &Host{opts: opts, log: opts.Logger, targets: make(map[string]*url.URL)}
	if h.log == nil {
		h.log = tyklog.Get()
	}
	for name, raw := range opts.Upstreams {
		u, err := parseUpstream(raw)
		if err != nil {
			return nil, fmt.Errorf("testhost: upstream %s: %w", name, err)
		}
		h.targets[name] = u
	}
	h.proxies = make(map[string]*httputil.ReverseProxy)
	for _, path := range []string{"/", PrefixHookless + "/", PrefixNoTrack + "/"} {
		a, _ := h.apiOf(path)
		h.proxies[a.id] = &httputil.ReverseProxy{
			Rewrite:        h.rewrite,
			Transport:      opts.Transport,
			ModifyResponse: h.modifyResponse,
			ErrorHandler:   h.errorHandler,
			ErrorLog:       log.New(proxyLogWriter{h, a.id}, "", 0),
		}
	}
	return h, nil
}

func parseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return u, nil
}

// Records returns the analytics records kept so far (Options.KeepRecords).
func (h *Host) Records() []analytics.AnalyticsRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]analytics.AnalyticsRecord(nil), h.records...)
}

// ResetRecords forgets the records kept so far.
func (h *Host) ResetRecords() {
	h.mu.Lock()
	h.records = nil
	h.mu.Unlock()
}

// reqState is what the host carries for one request, in its context, from
// the pre hook to the access-log entry.
type reqState struct {
	api     api
	w       http.ResponseWriter
	in      *http.Request // the inbound request, as the hooks see it
	target  *url.URL
	start   time.Time // request arrived
	sent    time.Time // round trip started
	upLat   time.Duration
	status  int  // upstream status, on success
	failed  bool // the error branch ran (and wrote analytics and access log)
	outHost string
}

type stateKey struct{}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// setContext replaces r's context in place, as the gateway does
// (*r = *r.WithContext(ctx)), so that every later step sees the same
// *http.Request.
func setContext(r *http.Request, ctx context.Context) {
	*r = *r.WithContext(ctx)
}

// The APIs a host serves besides its main one (Options.APIID), picked by a
// path prefix: the same upstreams behind an API with no plugin hook at all,
// and behind an API with the hooks and do_not_track (no analytics record,
// no access-log entry), as the gateway serves several APIs on one
// connection's goroutine.
const (
	PrefixHookless = "/hookless" // e.g. /hookless/case/refused/...: API "<APIID>-hookless"
	PrefixNoTrack  = "/dnt"      // e.g. /dnt/case/refused/...: API "<APIID>-dnt"
)

// api is the API a request is served by.
type api struct {
	id    string
	hooks bool // the plugin's hooks are configured on it
	track bool // analytics record and access-log entry (not do_not_track)
}

// apiOf picks the API of r by its path prefix (see PrefixHookless) and
// returns the path without it.
func (h *Host) apiOf(path string) (api, string) {
	if rest, ok := strings.CutPrefix(path, PrefixHookless+"/"); ok {
		return api{id: h.opts.APIID + "-hookless", track: true}, "/" + rest
	}
	if rest, ok := strings.CutPrefix(path, PrefixNoTrack+"/"); ok {
		return api{id: h.opts.APIID + "-dnt", hooks: true}, "/" + rest
	}
	return api{id: h.opts.APIID, hooks: true, track: true}, path
}

// target picks the upstream of r: the X-Test-Upstream header (case name or
// URL), else /case/<name>/... in path (r's path without its API prefix).
func (h *Host) target(r *http.Request, path string) *url.URL {
	if v := r.Header.Get(UpstreamHeader); v != "" {
		if u, ok := h.targets[v]; ok {
			return u
		}
		if u, err := parseUpstream(v); err == nil {
			return u
		}
		return nil
	}
	if rest, ok := strings.CutPrefix(path, "/case/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return h.targets[name]
	}
	return nil
}

// ServeHTTP runs one request through the gateway's steps, all on the calling
// goroutine: pre hook; reverse proxy round trip, in which either the response
// hook runs on the upstream response and the body is copied to the client
// (a read error logged as "http: proxy error during body copy: ") or the
// error branch runs ("http: proxy error: " entry, error response, analytics
// plugin, access-log entry); after a successful round trip, the analytics
// plugin and the access-log entry.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	a, path := h.apiOf(r.URL.Path)
	target := h.target(r, path)
	if target == nil {
		http.Error(w, "testhost: no upstream: use the path [/hookless|/dnt]/case/<name>/... or the header "+UpstreamHeader, http.StatusNotFound)
		return
	}
	st := &reqState{api: a, w: w, target: target, start: start, in: r}
	setContext(r, context.WithValue(r.Context(), stateKey{}, st))
	// The gateway puts the API definition in the context before the
	// middleware chain (ctx.SetDefinition).
	setContext(r, context.WithValue(r.Context(), tykctx.Definition, &apidef.APIDefinition{APIID: a.id}))

	if p := h.opts.Plugin; p != nil && p.Pre != nil && a.hooks {
		if done := h.runPre(p.Pre, w, r, st); done {
			return
		}
	}

	h.serveProxy(w, r)
	if st.failed {
		return
	}
	total := time.Since(st.start)
	lat := analytics.Latency{Total: ms(total), Upstream: ms(st.upLat)}
	lat.Gateway = lat.Total - lat.Upstream
	h.recordHit(r, st, st.status, lat)
	var gc *gatewayClass
	if h.opts.Tyk == Tyk512 {
		if c, ok := gatewayClassifyStatus(st.status, st.target.Host); ok {
			gc = &c
		}
	}
	h.accessLog(r, st, st.status, lat, gc)
}

func ms(d time.Duration) int64 { return int64(d / time.Millisecond) }

// serveProxy runs the reverse proxy. httputil.ReverseProxy aborts the
// handler (panic(http.ErrAbortHandler)) after a body-copy error; the gateway
// logs the error and carries on to analytics and the access log, so the host
// does too.
func (h *Host) serveProxy(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			panic(v)
		}
	}()
	h.proxies[stateOf(r.Context()).api.id].ServeHTTP(w, r)
}

// runPre runs the pre hook the way the gateway's Go-plugin middleware does:
// through a writer that notices a response (Tyk's customResponseWriter,
// which embeds the client-facing writer and so shares its header map with
// the one the reverse proxy copies the upstream's headers into),
// recovering a panic. It reports
// whether the request is finished (the hook answered, or panicked).
func (h *Host) runPre(pre http.HandlerFunc, w http.ResponseWriter, r *http.Request, st *reqState) (done bool) {
	sw := &sentWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			h.log.WithField("prefix", "goplugin").WithError(fmt.Errorf("%v", v)).Error("Recovered from panic while running Go-plugin middleware func")
			h.gatewayError(w, r, st, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError), nil)
			done = true
		}
	}()
	pre(sw, r)
	if !sw.sent {
		return false
	}
	// The hook answered the request itself: the gateway records it and
	// does not proxy.
	lat := analytics.Latency{Total: ms(time.Since(st.start))}
	lat.Gateway = lat.Total
	st.failed = true
	h.recordHit(r, st, sw.status, lat)
	h.accessLog(r, st, sw.status, lat, nil)
	return true
}

// sentWriter notices whether a hook wrote a response.
type sentWriter struct {
	http.ResponseWriter
	sent   bool
	status int
}

func (s *sentWriter) WriteHeader(code int) {
	if !s.sent {
		s.sent, s.status = true, code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *sentWriter) Write(b []byte) (int, error) {
	if !s.sent {
		s.sent, s.status = true, http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// rewrite points the outbound request at the upstream, keeping the path,
// with the upstream's host:port as Host (the gateway's default).
func (h *Host) rewrite(pr *httputil.ProxyRequest) {
	st := stateOf(pr.In.Context())
	pr.SetURL(st.target)
	pr.Out.URL.Path, pr.Out.URL.RawPath = pr.In.URL.Path, pr.In.URL.RawPath
	pr.Out.Host = st.target.Host
	pr.SetXForwarded()
	st.outHost = pr.Out.Host
	st.sent = time.Now()
}

// modifyResponse runs the response hook on the upstream response, before
// its body is copied to the client.
func (h *Host) modifyResponse(res *http.Response) error {
	st := stateOf(res.Request.Context())
	if st == nil {
		return nil
	}
	st.upLat = time.Since(st.sent)
	st.status = res.StatusCode
	if p := h.opts.Plugin; p != nil && p.Response != nil && st.api.hooks {
		h.runResponse(p.Response, st.w, res, st.in)
	}
	return nil
}

func (h *Host) runResponse(fn func(http.ResponseWriter, *http.Response, *http.Request), w http.ResponseWriter, res *http.Response, req *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			h.log.WithField("prefix", "goplugin").WithError(fmt.Errorf("%v", v)).Error("Recovered from panic while running Go-plugin middleware func")
		}
	}()
	fn(w, res, req)
}

// errorHandler is the gateway's error branch after a failed round trip.
// httputil.ReverseProxy passes the outbound request; the gateway logs and
// records the inbound one.
func (h *Host) errorHandler(w http.ResponseWriter, out *http.Request, err error) {
	st := stateOf(out.Context())
	r := st.in
	var gc *gatewayClass
	if h.opts.Tyk == Tyk512 {
		c := gatewayClassifyError(err, st.outHost+out.URL.Path)
		gc = &c
	}
	h.log.WithFields(logrus.Fields{
		"prefix":      "proxy",
		"user_ip":     ipHops(r),
		"server_name": st.outHost,
		"user_id":     obfuscateKey(""),
		"user_name":   "",
		"org_id":      h.opts.OrgID,
		"api_id":      st.api.id,
	}).Error("http: proxy error: ", err)

	code, msg := http.StatusInternalServerError, "There was a problem proxying the request"
	switch s := err.Error(); {
	case strings.Contains(s, "timeout awaiting response headers") || strings.Contains(s, "context deadline exceeded"):
		code, msg = http.StatusGatewayTimeout, "Upstream service reached hard timeout."
	case strings.Contains(s, "context canceled"):
		code, msg = 499, "Client closed request"
	case strings.Contains(s, "no such host"):
		msg = "Upstream host lookup failed"
	}
	h.gatewayError(w, r, st, code, msg, gc)
}

// gatewayError is the gateway's error handler: it answers the client with
// the error template, then runs the analytics plugin on the record and
// writes the access-log entry.
func (h *Host) gatewayError(w http.ResponseWriter, r *http.Request, st *reqState, code int, msg string, gc *gatewayClass) {
	st.failed = true
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("X-Generator", "tyk.io")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\n    \"error\": %q\n}\n", msg)

	var lat analytics.Latency
	if h.opts.Tyk == Tyk512 {
		lat.Total = ms(time.Since(st.start))
		lat.Gateway = lat.Total
	}
	h.recordHit(r, st, code, lat)
	h.accessLog(r, st, code, lat, gc)
}

// recordHit builds the analytics record the gateway builds, runs the
// analytics plugin on it and keeps a copy.
func (h *Host) recordHit(r *http.Request, st *reqState, code int, lat analytics.Latency) {
	if !st.api.track {
		return
	}
	t := time.Now()
	rec := analytics.AnalyticsRecord{
		Method:        r.Method,
		Host:          st.target.Host,
		Path:          r.URL.Path,
		RawPath:       r.URL.Path,
		ContentLength: r.ContentLength,
		UserAgent:     r.Header.Get("User-Agent"),
		Day:           t.Day(),
		Month:         t.Month(),
		Year:          t.Year(),
		Hour:          t.Hour(),
		ResponseCode:  code,
		APIKey:        "",
		TimeStamp:     t,
		APIVersion:    "Non Versioned",
		APIName:       h.opts.APIName,
		APIID:         st.api.id,
		OrgID:         h.opts.OrgID,
		RequestTime:   lat.Total,
		IPAddress:     realIP(r),
		Latency:       lat,
		Tags:          make([]string, 0, 4),
		ExpireAt:      t.Add(100 * 365 * 24 * time.Hour),
	}
	if p := h.opts.Plugin; p != nil && p.Analytics != nil && st.api.hooks {
		p.Analytics(&rec)
	}
	if h.opts.KeepRecords {
		h.mu.Lock()
		h.records = append(h.records, rec)
		h.mu.Unlock()
	}
}

// accessLog writes the gateway's access-log entry: fields only, empty
// message, level info.
func (h *Host) accessLog(r *http.Request, st *reqState, status int, lat analytics.Latency, gc *gatewayClass) {
	if !st.api.track {
		return
	}
	f := make(logrus.Fields, 24)
	f["prefix"] = "access-log"
	if h.opts.Tyk == Tyk512 {
		f["api_id"] = st.api.id
		f["api_name"] = h.opts.APIName
		f["org_id"] = h.opts.OrgID
		f["latency_gateway"] = lat.Gateway
	}
	up := url.URL{Scheme: st.target.Scheme, Host: st.target.Host, Path: r.URL.Path}
	f["api_key"] = obfuscateKey("")
	f["client_ip"] = realIP(r)
	f["host"] = r.Host
	f["latency_total"] = lat.Total
	f["method"] = r.Method
	f["path"] = r.URL.Path
	f["protocol"] = r.Proto
	f["remote_addr"] = r.RemoteAddr
	f["upstream_addr"] = up.String()
	f["upstream_latency"] = lat.Upstream
	f["user_agent"] = r.UserAgent()
	f["status"] = status
	if gc != nil {
		f["response_flag"] = gc.Flag
		f["response_code_details"] = gc.Details
		if gc.Source != "" {
			f["error_source"] = gc.Source
		}
		if gc.Target != "" {
			f["error_target"] = gc.Target
		}
		if gc.UpstreamStatus != 0 {
			f["upstream_status"] = gc.UpstreamStatus
		}
		if !gc.CertExpiry.IsZero() {
			f["tls_cert_expiry"] = gc.CertExpiry.Format(time.RFC3339)
		}
		if gc.CertSubject != "" {
			f["tls_cert_subject"] = gc.CertSubject
		}
	}
	h.log.WithFields(f).Info()
}

// proxyLogWriter turns httputil.ReverseProxy's ErrorLog lines into the
// gateway's entries. It runs on the request goroutine.
type proxyLogWriter struct {
	h     *Host
	apiID string
}

const bodyCopyPrefix = "httputil: ReverseProxy read error during body copy: "

func (p proxyLogWriter) Write(b []byte) (int, error) {
	msg := strings.TrimSuffix(string(b), "\n")
	if rest, ok := strings.CutPrefix(msg, bodyCopyPrefix); ok {
		p.h.log.WithFields(logrus.Fields{
			"prefix": "proxy",
			"org_id": p.h.opts.OrgID,
			"api_id": p.apiID,
		}).Error("http: proxy error during body copy: ", rest)
	} else {
		p.h.log.WithField("prefix", "proxy").Warn(msg)
	}
	return len(b), nil
}

// obfuscateKey is what the gateway logs for a key when key logging is off.
func obfuscateKey(key string) string {
	if len(key) > 4 {
		return "****" + key[len(key)-4:]
	}
	return "--"
}

// realIP is the client address as the gateway reports it: X-Real-IP, else
// the first X-Forwarded-For hop, else the remote address.
func realIP(r *http.Request) string {
	if v := r.Header.Get("X-Real-IP"); v != "" {
		if ip := net.ParseIP(v); ip != nil {
			return ip.String()
		}
	}
	if v := r.Header.Get("X-Forwarded-For"); v != "" {
		first, _, _ := strings.Cut(v, ",")
		if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
			return ip.String()
		}
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

// ipHops is the gateway's user_ip: prior X-Forwarded-For hops, then the
// remote address.
func ipHops(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	if prior, ok := r.Header["X-Forwarded-For"]; ok {
		ip = strings.Join(prior, ", ") + ", " + ip
	}
	return ip
}

// TykTransport returns an upstream transport shaped like the gateway's
// default one: a net.Dialer with Timeout (dialer carries the loopback test
// resolver), ResponseHeaderTimeout, TLSHandshakeTimeout 10s, RootCAs,
// MaxIdleConnsPerHost 100, IdleConnTimeout 90s, no proxy. Its dialer refuses
// any address that is not loopback, so the host never sends traffic off the
// machine.
func TykTransport(dialer *net.Dialer, rootCAs *x509.CertPool, headerTimeout time.Duration) *http.Transport {
	d := *dialer
	inner := d.Control
	d.Control = func(network, address string, c syscall.RawConn) error {
		if err := cases.LoopbackOnly(address); err != nil {
			return err
		}
		if inner != nil {
			return inner(network, address, c)
		}
		return nil
	}
	return &http.Transport{
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: rootCAs},
		ResponseHeaderTimeout: headerTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
	}
}

// TykTransports returns the host's upstream transport for the upstreams of
// ups: a TykTransport per upstream, the way Tyk builds one per API, where
// only the connect-timeout case has connect timeout dialTimeout and only the
// response-header-timeout case has response-header timeout headerTimeout;
// every other upstream has upstreams.SafeTimeout for both, so that a loaded
// machine cannot turn a DNS or TLS case into a timeout.
func TykTransports(ups *upstreams.Set, dialTimeout, headerTimeout time.Duration) *upstreams.ByHost {
	return ups.Transports(dialTimeout, headerTimeout, func(dial, header time.Duration) *http.Transport {
		return TykTransport(ups.Dialer(dial), ups.RootCAs, header)
	})
}
