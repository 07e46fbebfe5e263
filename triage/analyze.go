package triage

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Config holds the Analyzer's window sizes and thresholds. The zero value of
// every field means its documented default, so Config{} is a usable
// configuration.
type Config struct {
	// IncidentGap is the longest quiet time inside one incident: failures of
	// one node, target and category further apart than this are two
	// incidents, and the episodes of different nodes closer than this are
	// one. Closes of idle connections (a configuration mismatch that lasts)
	// are never split. Default 15 minutes.
	IncidentGap time.Duration

	// TriggerWindow is how soon after a node's start or an API reload an
	// onset counts as following it. Default 5 minutes.
	TriggerWindow time.Duration

	// ClusterTolerance is the half-width, relative to the median, of the band
	// in which idle times or latencies count as clustered near one value.
	// Default 0.15 (±15 %).
	ClusterTolerance float64

	// ClusterShare is the share of the samples that must fall in that band.
	// Default 0.6.
	ClusterShare float64

	// MinClusterSamples is the fewest samples a cluster is claimed on.
	// Default 3.
	MinClusterSamples int

	// LowVolume is a node's request rate, in requests per minute, at or
	// below which failures are said to come "at low volume". Default 30.
	LowVolume float64

	// Samples is how many idle times and latencies are kept per (node,
	// target, cause), by reservoir sampling. Default 128.
	Samples int

	// MaxMarks is how many lifecycle marks (starts, reloads, shutdowns) are
	// kept per node; later ones are counted and dropped. Default 4096.
	MaxMarks int

	// MaxExampleBytes bounds an example line; at most 8 are kept per
	// (node, target, cause), one per episode. Default 1024.
	MaxExampleBytes int

	// Tyk is the gateway configuration, when known (--config, --apps):
	// conclusions then name the setting in force rather than Tyk's defaults.
	Tyk TykSettings
}

// TykSettings are the gateway settings that decide the timeouts and the
// connection pooling toward upstreams (Tyk 5.8–5.14, config/config.go and
// apidef). The zero value means "not known": Tyk's defaults are assumed.
type TykSettings struct {
	// Known says the values below were read from the gateway's
	// configuration.
	Known bool
	// ProxyDefaultTimeoutS is proxy_default_timeout (TYK_GW_PROXYDEFAULTTIMEOUT),
	// seconds: the upstream dial timeout and response-header timeout; 0
	// means Tyk's default, 30 s.
	ProxyDefaultTimeoutS float64
	// ProxyCloseConnections is proxy_close_connections
	// (TYK_GW_PROXYCLOSECONNECTIONS): no keep-alive toward upstreams.
	ProxyCloseConnections bool
	// MaxIdleConnsPerHost is max_idle_connections_per_host
	// (TYK_GW_MAXIDLECONNSPERHOST).
	MaxIdleConnsPerHost int
	// MaxConnTimeS is max_conn_time (TYK_GW_MAXCONNTIME), seconds: how often
	// the gateway replaces an API's transport and its pooled connections.
	MaxConnTimeS int64
	// HardTimeouts are the APIs' enforced timeouts (classic
	// extended_paths.hard_timeouts, OAS operations' enforceTimeout).
	HardTimeouts []HardTimeout
}

// HardTimeout is one endpoint's enforced timeout.
type HardTimeout struct {
	APIID    string
	Method   string
	Path     string
	TimeoutS float64
}

// Tyk's fixed values, read in its source (gateway/reverse_proxy.go, the same
// in 5.8.15 and 5.14.0).
const (
	// tykIdleConnTimeoutS is http.Transport.IdleConnTimeout of every API's
	// transport: the package variable idleConnTimeout = 90, not
	// configurable.
	tykIdleConnTimeoutS = 90
	// tykDefaultProxyTimeoutS is defaultProxyTimeout, used when
	// proxy_default_timeout is 0.
	tykDefaultProxyTimeoutS = 30
)

func (c Config) withDefaults() Config {
	if c.IncidentGap <= 0 {
		c.IncidentGap = 15 * time.Minute
	}
	if c.TriggerWindow <= 0 {
		c.TriggerWindow = 5 * time.Minute
	}
	if c.ClusterTolerance <= 0 {
		c.ClusterTolerance = 0.15
	}
	if c.ClusterShare <= 0 {
		c.ClusterShare = 0.6
	}
	if c.MinClusterSamples <= 0 {
		c.MinClusterSamples = 3
	}
	if c.LowVolume <= 0 {
		c.LowVolume = 30
	}
	if c.Samples <= 0 {
		c.Samples = 128
	}
	if c.MaxMarks <= 0 {
		c.MaxMarks = 4096
	}
	if c.MaxExampleBytes <= 0 {
		c.MaxExampleBytes = 1024
	}
	return c
}

// category is what kind of incident a failure belongs to; the rules draw
// their conclusions per category.
type category uint8

const (
	catNone          category = iota // not a failure
	catConnect                       // UCF, UCT, NRH in the connect phase
	catDNS                           // DNS
	catTLS                           // TL*
	catIdleClose                     // a pooled connection closed under the request
	catClosed                        // UCC, URR, EPI, CAB, NRS on a fresh connection
	catProtocol                      // UPE
	catTimeout                       // URT
	catUpstream5xx                   // URS from the upstream
	catIntermediary                  // URS from a load balancer or CDN
	catGatewayAnswer                 // NHU, CBO
	catClient                        // CDC
	catUnclassified                  // only a 5xx status is known
)

var categoryNames = [...]string{"none", "connect", "dns", "tls", "idle_close", "upstream_closed", "upstream_protocol",
	"timeout", "upstream_5xx", "intermediary_5xx", "gateway_answer", "client_disconnect", "unclassified"}

func (c category) String() string { return categoryNames[c] }

// categorize returns the category of a failing entry, catNone when the entry
// is no failure (a success, or one of the gateway's own 4xx answers).
func categorize(e *Entry) category {
	switch e.Flag {
	case "":
		if e.Status >= 500 || e.Kind == KindProxyError || e.Kind == KindBodyCopyError {
			return catUnclassified
		}
		return catNone
	case classify.FlagUCF, classify.FlagNRH:
		return catConnect
	case classify.FlagUCT:
		switch e.Phase {
		case "request_write", "response_headers", "response_body":
			return catClosed
		}
		return catConnect
	case classify.FlagDNS:
		return catDNS
	case classify.FlagTLE, classify.FlagTLI, classify.FlagTLM, classify.FlagTLN, classify.FlagTLH,
		classify.FlagTLP, classify.FlagTLA, classify.FlagTLC:
		return catTLS
	case classify.FlagUCC, classify.FlagEPI, classify.FlagURR, classify.FlagCAB, classify.FlagNRS:
		if e.Detail == classify.DetailIdleConnectionClosedByUpstream {
			return catIdleClose
		}
		switch e.Phase {
		case "connect":
			return catConnect
		case "tls":
			return catTLS
		}
		if e.Reused {
			return catIdleClose
		}
		return catClosed
	case classify.FlagUPE:
		return catProtocol
	case classify.FlagURT:
		return catTimeout
	case classify.FlagURS:
		if e.Intermediary != "" || e.Source == "intermediary" {
			return catIntermediary
		}
		return catUpstream5xx
	case classify.FlagNHU, classify.FlagCBO:
		return catGatewayAnswer
	case classify.FlagCDC:
		return catClient
	}
	if e.Status >= 500 { // a flag this version does not know, on a 5xx
		return catProtocol
	}
	return catNone // the gateway's own 4xx answers: not failures of an upstream
}

// cause is what the aggregates are keyed by besides node, target and minute.
type cause struct {
	flag, detail string
	cat          category
}

// groupKey is (node, target, cause), and whether the evidence is the
// gateway's proxy-error line rather than the access-log entry.
type groupKey struct {
	node, target string
	cause        cause
	proxyError   bool
}

// minuteCell is one (node, target, cause, minute): the failures and the
// milliseconds into the minute of the first and the last.
type minuteCell struct {
	n               int32
	firstMs, lastMs uint16
}

// group is the aggregate of one (node, target, cause): its minutes, and a
// bounded sample of what its failures looked like.
type group struct {
	key         groupKey
	failures    int
	first, last time.Time
	minutes     map[int64]minuteCell // unix minute →
	apiIDs      smallSet
	peers       smallSet
	paths       smallSet
	inter       string // the first intermediary named
	reused      int
	idleMs      reservoir // idle times of reused connections
	latMs       reservoir // response-header times, else latency_total
	certSubject string
	certExpiry  string
	// examples are the first line of each episode seen (a failure more
	// than Config.IncidentGap from every kept example), at most
	// maxExamples.
	examples []example
}

type example struct {
	t    time.Time
	line string
}

const maxExamples = 8

// exampleFor is the kept line nearest after t, else the first.
func (g *group) exampleFor(t time.Time) string {
	best := -1
	for i, x := range g.examples {
		if !x.t.Before(t) && (best < 0 || x.t.Before(g.examples[best].t)) {
			best = i
		}
	}
	if best < 0 {
		best = 0
	}
	return g.examples[best].line
}

// reqCell counts the requests and successes of one (node, minute), (node,
// target, minute) or (node, API, minute).
type reqCell struct{ requests, successes int32 }

// keyAgg is the requests of one node, or of one node and target or API,
// minute by minute, with the last minute's cell at hand (consecutive lines
// mostly share it).
type keyAgg struct {
	minutes map[int64]*reqCell // unix minute →
	lastMin int64
	last    *reqCell
	lastOK  time.Time // the latest success
}

func (k *keyAgg) cell(min int64) *reqCell {
	if k.last != nil && k.lastMin == min {
		return k.last
	}
	c := k.minutes[min]
	if c == nil {
		if k.minutes == nil {
			k.minutes = make(map[int64]*reqCell)
		}
		c = &reqCell{}
		k.minutes[min] = c
	}
	k.lastMin, k.last = min, c
	return c
}

// at is the cell of a minute, zero when there were no requests.
func (k *keyAgg) at(min int64) reqCell {
	if k == nil {
		return reqCell{}
	}
	if c := k.minutes[min]; c != nil {
		return *c
	}
	return reqCell{}
}

// nodeAgg is what is known of one node.
type nodeAgg struct {
	name         string
	all          keyAgg             // all of the node's requests
	targets      map[string]*keyAgg // by upstream target ("" when the line names none)
	apis         map[string]*keyAgg // by API id
	lastTarget   *keyAgg
	lastTargetK  string
	lastAPI      *keyAgg
	lastAPIK     string
	marks        []Mark
	marksDropped int
	first, last  time.Time
	firstReq     time.Time // the first access-log or proxy-error line's
	requests     int64
	// classified counts the node's failing access-log entries that carry a
	// classification (the plugin's or Tyk 5.12+'s): where there are any, the
	// node's proxy-error lines repeat them and are left out.
	classified int64
}

func (n *nodeAgg) target(t string) *keyAgg {
	if n.lastTarget != nil && n.lastTargetK == t {
		return n.lastTarget
	}
	k := n.targets[t]
	if k == nil {
		t = strings.Clone(t)
		k = &keyAgg{}
		n.targets[t] = k
	}
	n.lastTarget, n.lastTargetK = k, t
	return k
}

func (n *nodeAgg) api(id string) *keyAgg {
	if n.lastAPI != nil && n.lastAPIK == id {
		return n.lastAPI
	}
	k := n.apis[id]
	if k == nil {
		id = strings.Clone(id)
		k = &keyAgg{}
		n.apis[id] = k
	}
	n.lastAPI, n.lastAPIK = k, id
	return k
}

// Analyzer aggregates Entries in one streaming pass; Report draws the
// conclusions. Its memory is bounded by the distinct (node, target, cause,
// minute) keys of the failures, the (node, minute), (node, target, minute)
// and (node, API, minute) keys of the requests, the (node, target, verdict,
// minute) keys of the plugin's probes, and the lifecycle marks (Config.MaxMarks per
// node); never by the number of entries. An Analyzer is not safe for
// concurrent use.
type Analyzer struct {
	cfg Config

	nodes  map[string]*nodeAgg
	groups map[groupKey]*group
	probes map[probeKey]*probeAgg // the plugin's probe evidence

	probeEntries int64 // probe entries taken
	carried      int64 // failed requests that carried a probe verdict

	from, to time.Time
	entries  int64
	noTime   int64
	origins  [OriginStatus + 1]int64
	nodeSrc  [NodeFromFile + 1]int64
	peers    int64 // failures with an upstream_peer
	idleSeen int64 // failures with an idle time
	// successNoTarget counts successful requests that name no target:
	// "healthy elsewhere" then falls back to the API id.
	successNoTarget int64
	successes       int64
	seed            uint64

	lastNode *nodeAgg // consecutive lines mostly share their node
}

// NewAnalyzer returns an empty Analyzer with cfg's values (zero fields take
// their defaults).
func NewAnalyzer(cfg Config) *Analyzer {
	return &Analyzer{
		cfg:    cfg.withDefaults(),
		nodes:  make(map[string]*nodeAgg),
		groups: make(map[groupKey]*group),
		probes: make(map[probeKey]*probeAgg),
		seed:   0x9e3779b97f4a7c15,
	}
}

// Add takes one Entry into the aggregates. The Entry is not retained: its
// strings are copied into the aggregates only when they start a new key.
// The example kept for the incident is rebuilt from the Entry's fields; use
// AddLine to keep the line as read.
func (a *Analyzer) Add(e *Entry) { a.add(e, nil) }

// AddLine is Add with the raw line the Entry was read from, kept (at most
// Config.MaxExampleBytes) as the example of its (node, target, cause) when it
// is the first of that key in an episode.
func (a *Analyzer) AddLine(e *Entry, line []byte) { a.add(e, line) }

func (a *Analyzer) node(name string) *nodeAgg {
	if n := a.lastNode; n != nil && n.name == name {
		return n
	}
	n := a.nodes[name]
	if n == nil {
		n = &nodeAgg{name: strings.Clone(name), targets: make(map[string]*keyAgg), apis: make(map[string]*keyAgg)}
		a.nodes[n.name] = n
	}
	a.lastNode = n
	return n
}

func unixMinute(t time.Time) int64 { return floorDiv(t.Unix(), 60) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (a *Analyzer) add(e *Entry, line []byte) {
	a.entries++
	if int(e.NodeSource) < len(a.nodeSrc) {
		a.nodeSrc[e.NodeSource]++
	}
	n := a.node(e.Node)
	hasTime := !e.Time.IsZero()
	if hasTime {
		if a.from.IsZero() || e.Time.Before(a.from) {
			a.from = e.Time
		}
		if e.Time.After(a.to) {
			a.to = e.Time
		}
		if n.first.IsZero() || e.Time.Before(n.first) {
			n.first = e.Time
		}
		if e.Time.After(n.last) {
			n.last = e.Time
		}
	} else {
		a.noTime++
	}
	switch e.Kind {
	case KindStart, KindReload, KindShutdown:
		a.mark(n, e)
		return
	case KindProbe:
		// Not a request: evidence of its own, per (node, target, verdict).
		if hasTime && e.Probe != nil {
			a.probeEntries++
			a.addProbe(n, e.Target, e.Probe.Verdict, e.Time, e.Probe, false)
		}
		return
	case KindAccess, KindProxyError, KindBodyCopyError:
	default:
		return
	}
	if !hasTime {
		return // counted; the analysis is over time
	}
	if n.firstReq.IsZero() || e.Time.Before(n.firstReq) {
		n.firstReq = e.Time
	}
	if int(e.Origin) < len(a.origins) {
		a.origins[e.Origin]++
	}
	cat := categorize(e)
	minute := unixMinute(e.Time)
	if e.Kind == KindAccess {
		n.requests++
		ok := cat == catNone
		count(n.all.cell(minute), ok)
		tk := n.target(e.Target)
		count(tk.cell(minute), ok)
		if ok && e.Time.After(tk.lastOK) {
			tk.lastOK = e.Time
		}
		if e.APIID != "" {
			count(n.api(e.APIID).cell(minute), ok)
		}
		if ok {
			a.successes++
			if e.Target == "" {
				a.successNoTarget++
			}
		}
		if ok {
			return
		}
		if e.Origin == OriginPlugin || e.Origin == OriginGateway {
			n.classified++
		}
		if e.UpstreamProbe != "" {
			// The verdict of the node's latest probe of the target, as of
			// the request: the probe ran its age before.
			at := e.Time
			if age := e.ProbeAgeS; age >= 0 && age < 1e6 {
				at = at.Add(-time.Duration(age * float64(time.Second)))
			}
			a.carried++
			a.addProbe(n, e.Target, e.UpstreamProbe, at, nil, true)
		}
	} else if cat == catNone {
		return
	}
	a.addFailure(n, e, cat, minute, line)
}

func count(c *reqCell, ok bool) {
	c.requests++
	if ok {
		c.successes++
	}
}

func (a *Analyzer) addFailure(n *nodeAgg, e *Entry, cat category, minute int64, line []byte) {
	detail := e.Detail
	if e.Flag == "" && e.Status >= 500 {
		detail = "status_" + strconv.Itoa(e.Status)
	}
	k := groupKey{node: n.name, target: e.Target, cause: cause{e.Flag, detail, cat},
		proxyError: e.Kind == KindProxyError || e.Kind == KindBodyCopyError}
	g := a.groups[k]
	if g == nil {
		k.target = strings.Clone(k.target)
		k.cause.flag = strings.Clone(k.cause.flag)
		k.cause.detail = strings.Clone(k.cause.detail)
		g = &group{key: k, minutes: make(map[int64]minuteCell), first: e.Time, last: e.Time}
		a.groups[k] = g
	}
	if len(g.examples) < maxExamples {
		fresh := true
		for _, x := range g.examples {
			if d := e.Time.Sub(x.t); d > -a.cfg.IncidentGap && d < a.cfg.IncidentGap {
				fresh = false
				break
			}
		}
		if fresh {
			g.examples = append(g.examples, example{e.Time, a.example(e, line)})
		}
	}
	g.failures++
	if e.Time.Before(g.first) {
		g.first = e.Time
	}
	if e.Time.After(g.last) {
		g.last = e.Time
	}
	ms := uint16(e.Time.Sub(time.Unix(minute*60, 0)) / time.Millisecond)
	c, seen := g.minutes[minute]
	if !seen || ms < c.firstMs {
		c.firstMs = ms
	}
	if !seen || ms > c.lastMs {
		c.lastMs = ms
	}
	c.n++
	g.minutes[minute] = c
	g.apiIDs.add(e.APIID)
	g.paths.add(e.Path)
	if e.Peer != "" {
		a.peers++
		g.peers.add(e.Peer)
	}
	if g.inter == "" && e.Intermediary != "" {
		g.inter = strings.Clone(e.Intermediary)
	}
	if e.Reused {
		g.reused++
	}
	if !math.IsNaN(e.IdleMs) && e.Reused {
		a.idleSeen++
		g.idleMs.add(e.IdleMs, a.cfg.Samples, &a.seed)
	}
	switch {
	case !math.IsNaN(e.HeadersMs) && e.HeadersMs > 0:
		g.latMs.add(e.HeadersMs, a.cfg.Samples, &a.seed)
	case !math.IsNaN(e.Total) && e.Total > 0:
		g.latMs.add(e.Total, a.cfg.Samples, &a.seed)
	}
	if g.certSubject == "" && e.CertSubject != "" {
		g.certSubject = strings.Clone(e.CertSubject)
		g.certExpiry = strings.Clone(e.CertExpiry)
	}
}

// example is the line kept for a new key: the line as read, else the
// Entry's fields in logfmt.
func (a *Analyzer) example(e *Entry, line []byte) string {
	max := a.cfg.MaxExampleBytes
	if len(line) > 0 {
		if len(line) > max {
			line = line[:max]
		}
		return strings.ToValidUTF8(string(line), "\uFFFD")
	}
	var b strings.Builder
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		if strings.ContainsAny(v, " \"=") {
			v = strconv.Quote(v)
		}
		b.WriteString(v)
	}
	kv("time", e.Time.UTC().Format(time.RFC3339Nano))
	kv("gateway_node", e.Node)
	switch e.Kind {
	case KindProxyError, KindBodyCopyError:
		kv("prefix", "proxy")
		kv("msg", e.Message)
	default:
		kv("prefix", "access-log")
	}
	kv("api_id", e.APIID)
	kv("method", e.Method)
	kv("path", e.Path)
	if e.Status != 0 {
		kv("status", strconv.Itoa(e.Status))
	}
	kv("error", e.Error)
	kv("upstream_flag", e.Flag)
	kv("upstream_error_detail", e.Detail)
	kv("upstream_error_phase", e.Phase)
	kv("upstream_error_source", e.Source)
	kv("upstream_intermediary", e.Intermediary)
	kv("upstream_target", e.Target)
	kv("upstream_peer", e.Peer)
	if e.Reused {
		kv("upstream_conn_reused", "true")
	}
	if !math.IsNaN(e.IdleMs) {
		kv("upstream_conn_idle_ms", strconv.FormatFloat(e.IdleMs, 'f', -1, 64))
	}
	if !math.IsNaN(e.HeadersMs) {
		kv("upstream_response_headers_ms", strconv.FormatFloat(e.HeadersMs, 'f', -1, 64))
	}
	kv("tls_cert_subject", e.CertSubject)
	kv("tls_cert_expiry", e.CertExpiry)
	s := b.String()
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}

func (a *Analyzer) mark(n *nodeAgg, e *Entry) {
	if e.Time.IsZero() {
		return
	}
	if len(n.marks) >= a.cfg.MaxMarks {
		n.marksDropped++
		return
	}
	m := Mark{Time: e.Time.UTC()}
	switch e.Kind {
	case KindStart:
		m.Kind, m.Text = "start", e.Version
	case KindReload:
		m.Kind = "reload"
	case KindShutdown:
		m.Kind = "shutdown"
	}
	if m.Text == "" {
		m.Text = e.Message
	}
	if len(m.Text) > 200 {
		m.Text = strings.ToValidUTF8(m.Text[:200], "")
	}
	m.Text = strings.Clone(m.Text)
	n.marks = append(n.marks, m)
}

// smallSet keeps the first few distinct strings.
type smallSet struct{ s []string }

const smallSetMax = 8

func (s *smallSet) add(v string) {
	if v == "" || len(s.s) >= smallSetMax {
		return
	}
	for _, x := range s.s {
		if x == v {
			return
		}
	}
	s.s = append(s.s, strings.Clone(v))
}

// reservoir is a uniform sample of at most max values (Algorithm R with a
// deterministic generator, so that a report is reproducible).
type reservoir struct {
	n int64
	s []float32
}

func (r *reservoir) add(v float64, max int, seed *uint64) {
	r.n++
	if len(r.s) < max {
		r.s = append(r.s, float32(v))
		return
	}
	*seed ^= *seed << 13
	*seed ^= *seed >> 7
	*seed ^= *seed << 17
	if j := int64(*seed % uint64(r.n)); j < int64(max) {
		r.s[j] = float32(v)
	}
}

// cluster reports whether most of xs lie near one value: the median m, and
// the share of xs within ±tol·m of it; ok when that share is at least share
// and counts at least minN values. lo is the 10th percentile of the values
// in the band (the lower edge of the cluster).
func cluster(xs []float64, tol, share float64, minN int) (m, lo, frac float64, ok bool) {
	if len(xs) == 0 {
		return 0, 0, 0, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m = s[len(s)/2]
	var in []float64
	for _, x := range s {
		if math.Abs(x-m) <= tol*m {
			in = append(in, x)
		}
	}
	frac = float64(len(in)) / float64(len(s))
	if len(in) == 0 {
		return m, m, 0, false
	}
	lo = in[len(in)/10]
	return m, lo, frac, frac >= share && len(in) >= minN
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
