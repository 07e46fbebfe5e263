package triage

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// FlagStatusOnly is the flag of failures whose cause the logs do not say:
// an access-log entry with a 5xx status and no classification (Tyk 5.8–5.11
// without the plugin, with no proxy-error line for it). Their detail is
// "status_" and the status, e.g. "status_503".
const FlagStatusOnly = "5xx"

func flagName(f string) string {
	if f == "" {
		return FlagStatusOnly
	}
	return f
}

// eff is a group as the report counts it: proxy-error lines that repeat a
// classified access-log entry are left out, and status-only access-log
// failures that a proxy-error line of the same node and minute explains are
// taken off.
type eff struct {
	g        *group
	minutes  map[int64]minuteCell
	failures int
}

func (a *Analyzer) effective() []*eff {
	keys := make([]groupKey, 0, len(a.groups))
	for k := range a.groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })

	proxyErr := map[string]map[int64]int32{} // node → minute → proxy-error failures counted
	var out []*eff
	var statusOnly []*group
	for _, k := range keys {
		g := a.groups[k]
		if k.proxyError && a.nodes[k.node].classified > 0 {
			continue
		}
		if !k.proxyError && k.cause.flag == "" {
			statusOnly = append(statusOnly, g)
			continue
		}
		if k.proxyError {
			m := proxyErr[k.node]
			if m == nil {
				m = map[int64]int32{}
				proxyErr[k.node] = m
			}
			for min, c := range g.minutes {
				m[min] += c.n
			}
		}
		out = append(out, &eff{g: g, minutes: g.minutes, failures: g.failures})
	}
	for _, g := range statusOnly {
		budget := proxyErr[g.key.node]
		if budget == nil {
			out = append(out, &eff{g: g, minutes: g.minutes, failures: g.failures})
			continue
		}
		e := &eff{g: g, minutes: map[int64]minuteCell{}}
		for min, c := range g.minutes {
			take := min32(budget[min], c.n)
			budget[min] -= take
			c.n -= take
			if c.n > 0 {
				e.minutes[min] = c
				e.failures += int(c.n)
			}
		}
		if e.failures > 0 {
			out = append(out, e)
		}
	}
	return out
}

func min32(a, b int32) int32 {
	if a < b {
		return a
	}
	return b
}

func keyLess(a, b groupKey) bool {
	if a.node != b.node {
		return a.node < b.node
	}
	if a.target != b.target {
		return a.target < b.target
	}
	if a.cause.flag != b.cause.flag {
		return a.cause.flag < b.cause.flag
	}
	if a.cause.detail != b.cause.detail {
		return a.cause.detail < b.cause.detail
	}
	if a.cause.cat != b.cause.cat {
		return a.cause.cat < b.cause.cat
	}
	return !a.proxyError && b.proxyError
}

// episode is a run of one eff's failing minutes without a gap longer than
// Config.IncidentGap.
type episode struct {
	e           *eff
	minutes     []int64
	failures    int
	onset, last time.Time
}

func cellTime(min int64, ms uint16) time.Time {
	return time.Unix(min*60, 0).Add(time.Duration(ms) * time.Millisecond).UTC()
}

func (a *Analyzer) episodes(e *eff) []*episode {
	mins := make([]int64, 0, len(e.minutes))
	for m := range e.minutes {
		mins = append(mins, m)
	}
	sort.Slice(mins, func(i, j int) bool { return mins[i] < mins[j] })
	gap := int64(a.cfg.IncidentGap / time.Minute)
	if gap < 1 {
		gap = 1
	}
	chronic := e.g.key.cause.cat == catIdleClose
	var out []*episode
	var cur *episode
	for _, m := range mins {
		c := e.minutes[m]
		if cur == nil || (!chronic && m-cur.minutes[len(cur.minutes)-1] > gap) {
			cur = &episode{e: e, onset: cellTime(m, c.firstMs)}
			out = append(out, cur)
		}
		cur.minutes = append(cur.minutes, m)
		cur.failures += int(c.n)
		cur.last = cellTime(m, c.lastMs)
	}
	return out
}

// incident is one Finding in the making: its episodes and what the rules
// need to know about them.
type incident struct {
	a      *Analyzer
	cat    category
	target string
	eps    []*episode

	f Finding

	onset, last time.Time
	nodes       []string        // sorted
	inNode      map[string]bool // nodes of the incident
	nodeFail    map[string]int  // failures per node
	nodeOnset   map[string]time.Time
	nodeLast    map[string]time.Time // each node's last failure
	failMin     map[nodeMin]int      // failures per (node, minute)
	active      []string             // nodes with requests in the window
	others      []string             // active nodes not in the incident
	healthyOn   []string             // others that served the target (or API) in the window
	okElsewhere int                  // their successful requests
	volFail     float64              // median requests per minute of the failing node-minutes (load rule)
	loadNote    string               // the load rule's evidence
	dataEnd     time.Time            // the last line of the incident's nodes
	idleMs      []float64            // idle-time samples of the failures
	latMs       []float64            // latency samples of the failures
	triggerNote string
	probeFailed []string // failing nodes whose probes failed during their failures (ruleProbe)
	probePassed []string // … whose probes passed while their failures went on
	probeMixed  []string // … whose probes did both
}

type nodeMin struct {
	node string
	min  int64
}

func (a *Analyzer) incidents(effs []*eff) []*incident {
	type bucket struct {
		target string
		cat    category
	}
	buckets := map[bucket][]*episode{}
	var order []bucket
	for _, e := range effs {
		k := bucket{e.g.key.target, e.g.key.cause.cat}
		if _, ok := buckets[k]; !ok {
			order = append(order, k)
		}
		buckets[k] = append(buckets[k], a.episodes(e)...)
	}
	var out []*incident
	for _, k := range order {
		eps := buckets[k]
		sort.SliceStable(eps, func(i, j int) bool { return eps[i].onset.Before(eps[j].onset) })
		var cur *incident
		for _, ep := range eps {
			if cur == nil || (k.cat != catIdleClose && ep.onset.Sub(cur.last) > a.cfg.IncidentGap) {
				cur = &incident{a: a, cat: k.cat, target: k.target, onset: ep.onset, last: ep.last}
				out = append(out, cur)
			}
			cur.eps = append(cur.eps, ep)
			if ep.last.After(cur.last) {
				cur.last = ep.last
			}
		}
	}
	for _, x := range out {
		x.index()
	}
	return a.mergeAcross(out)
}

// mergeAcross merges an incident of another category into a larger one
// when it is the same incident seen differently: same target, its nodes
// among the larger one's, its time inside the larger one's (±1 minute).
// Upstreams going down reset the requests in flight (upstream_closed) and
// then refuse connections (connect): one incident. Closes of idle
// connections and client disconnects are never merged: they are standing
// conditions or not the upstream's doing.
func (a *Analyzer) mergeAcross(xs []*incident) []*incident {
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].failures() > xs[j].failures() })
	mergeable := func(c category) bool { return c != catIdleClose && c != catClient }
	var out []*incident
	for _, x := range xs {
		merged := false
		if mergeable(x.cat) {
			for _, b := range out {
				if b.cat == x.cat || !mergeable(b.cat) || b.target != x.target || x.target == "" {
					continue
				}
				if x.onset.Before(b.onset.Add(-time.Minute)) || x.last.After(b.last.Add(time.Minute)) {
					continue
				}
				sub := true
				for _, n := range x.nodes {
					if !b.inNode[n] {
						sub = false
						break
					}
				}
				if !sub {
					continue
				}
				b.eps = append(b.eps, x.eps...)
				b.index()
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, x)
		}
	}
	return out
}

func (x *incident) failures() int {
	n := 0
	for _, ep := range x.eps {
		n += ep.failures
	}
	return n
}

// index computes the incident's per-node facts and the Finding's plain
// fields from its episodes.
func (x *incident) index() {
	a := x.a
	x.inNode = map[string]bool{}
	x.nodeFail = map[string]int{}
	x.nodeOnset = map[string]time.Time{}
	x.nodeLast = map[string]time.Time{}
	x.failMin = map[nodeMin]int{}
	x.onset, x.last = time.Time{}, time.Time{}
	causes := map[[2]string]int{}
	apis, peers := smallSet{}, smallSet{}
	var best *episode
	x.idleMs, x.latMs = nil, nil
	seen := map[*group]bool{}
	f := &x.f
	f.Intermediary, f.CertSubject, f.CertExpiry = "", "", ""
	for _, ep := range x.eps {
		g := ep.e.g
		n := g.key.node
		x.inNode[n] = true
		x.nodeFail[n] += ep.failures
		if o, ok := x.nodeOnset[n]; !ok || ep.onset.Before(o) {
			x.nodeOnset[n] = ep.onset
		}
		if ep.last.After(x.nodeLast[n]) {
			x.nodeLast[n] = ep.last
		}
		if x.onset.IsZero() || ep.onset.Before(x.onset) {
			x.onset = ep.onset
		}
		if ep.last.After(x.last) {
			x.last = ep.last
		}
		for _, m := range ep.minutes {
			x.failMin[nodeMin{n, m}] += int(ep.e.minutes[m].n)
		}
		causes[[2]string{flagName(g.key.cause.flag), g.key.cause.detail}] += ep.failures
		if best == nil || ep.failures > best.failures {
			best = ep
		}
		if seen[g] {
			continue
		}
		seen[g] = true
		for _, s := range g.apiIDs.s {
			apis.add(s)
		}
		for _, s := range g.peers.s {
			peers.add(s)
		}
		if f.Intermediary == "" {
			f.Intermediary = g.inter
		}
		if f.CertSubject == "" && g.certSubject != "" {
			f.CertSubject, f.CertExpiry = g.certSubject, g.certExpiry
		}
		for _, v := range g.idleMs.s {
			x.idleMs = append(x.idleMs, float64(v))
		}
		for _, v := range g.latMs.s {
			x.latMs = append(x.latMs, float64(v))
		}
	}
	x.nodes = x.nodes[:0]
	for n := range x.inNode {
		x.nodes = append(x.nodes, n)
	}
	sort.Strings(x.nodes)

	f.Category = x.cat.String()
	f.Target = x.target
	f.Nodes = append([]string(nil), x.nodes...)
	f.APIIDs = append([]string{}, apis.s...)
	sort.Strings(f.APIIDs)
	f.Peers = append([]string{}, peers.s...)
	sort.Strings(f.Peers)
	f.Failures = x.failures()
	f.Onset = x.onset.Round(time.Millisecond)
	f.Causes = f.Causes[:0]
	for k, v := range causes {
		f.Causes = append(f.Causes, CauseCount{Flag: k[0], Detail: k[1], Failures: v})
	}
	sort.Slice(f.Causes, func(i, j int) bool {
		if f.Causes[i].Failures != f.Causes[j].Failures {
			return f.Causes[i].Failures > f.Causes[j].Failures
		}
		return f.Causes[i].Flag+f.Causes[i].Detail < f.Causes[j].Flag+f.Causes[j].Detail
	})
	f.Flag, f.Detail = f.Causes[0].Flag, f.Causes[0].Detail
	f.NodeOnsets = f.NodeOnsets[:0]
	for _, n := range x.nodes {
		f.NodeOnsets = append(f.NodeOnsets, NodeOnset{Node: n, Onset: x.nodeOnset[n].Round(time.Millisecond), Failures: x.nodeFail[n]})
	}
	sort.SliceStable(f.NodeOnsets, func(i, j int) bool { return f.NodeOnsets[i].Onset.Before(f.NodeOnsets[j].Onset) })
	if best != nil {
		f.Example = best.e.g.exampleFor(best.onset.Add(-time.Minute))
	}

	// Still failing at the end of the logs: at least 3 failures, the last
	// closer to the end of the nodes' logs than two of the incident's usual
	// intervals (and than 2 minutes).
	x.dataEnd = time.Time{}
	for _, n := range x.nodes {
		if l := a.nodes[n].last; l.After(x.dataEnd) {
			x.dataEnd = l
		}
	}
	slack := 2 * time.Minute
	if f.Failures > 1 {
		if iv := 2 * x.last.Sub(x.onset) / time.Duration(f.Failures-1); iv > slack {
			slack = iv
		}
	}
	// Or recovered: the incident's nodes served the target successfully
	// for longer after the last failure than two usual intervals.
	recovered := false
	if x.target != "" && f.Failures > 1 {
		iv := 2 * x.last.Sub(x.onset) / time.Duration(f.Failures-1)
		for _, n := range x.nodes {
			if k := a.nodes[n].targets[x.target]; k != nil && k.lastOK.Sub(x.last) > iv {
				recovered = true
			}
		}
	}
	f.End = nil
	if recovered || x.dataEnd.Sub(x.last) > slack || f.Failures < 3 {
		end := x.last.Round(time.Millisecond)
		f.End = &end
	}
}

// Report runs the rules over the aggregates and returns the Report: the
// findings ranked (most failed requests first; client disconnects after
// every other finding, being no fault of the gateway or the upstream; the
// small ones apart from the others marked Minor, see markMinor), the
// node × cause and target × cause tables, the timeline, and what the data
// could not tell. in is the reader's account of its input (Reader.Stats);
// Nodes, From, To and Used are filled from the Analyzer when in leaves them
// empty. Report does not change the Analyzer: more entries may be added
// and Report called again.
func (a *Analyzer) Report(in Inputs) *Report {
	r := &Report{SchemaVersion: SchemaVersion, Inputs: in}
	effs := a.effective()
	xs := a.incidents(effs)
	type ranked struct {
		f        Finding
		requests int
	}
	rs := make([]ranked, 0, len(xs))
	for _, x := range xs {
		for _, rl := range rules {
			rl.apply(x)
		}
		rs = append(rs, ranked{x.f, x.requests()})
	}
	sort.SliceStable(rs, func(i, j int) bool {
		fi, fj := &rs[i].f, &rs[j].f
		ci, cj := fi.Category == catClient.String(), fj.Category == catClient.String()
		if ci != cj {
			return cj
		}
		if fi.Failures != fj.Failures {
			return fi.Failures > fj.Failures
		}
		if !fi.Onset.Equal(fj.Onset) {
			return fi.Onset.Before(fj.Onset)
		}
		return fi.Target < fj.Target
	})
	requests := make([]int, len(rs))
	for i := range rs {
		rs[i].f.Rank = i + 1
		r.Findings = append(r.Findings, rs[i].f)
		requests[i] = rs[i].requests
	}
	markMinor(r.Findings, requests, a.cfg.IncidentGap)
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	r.NodeCause, r.TargetCause = a.tables(effs)
	r.Timeline = a.timeline(effs)
	a.fillInputs(&r.Inputs)
	r.Unknowable = a.unknowable(effs, &r.Inputs)
	return r
}

// markMinor sets Finding.Minor. A finding without trigger that ended is
// small when it has at most MinorFailures failed requests, or when they are
// sparse: at most MinorShare of requests[i], the requests its nodes sent to
// its target in its span, and no idle or gateway timeout was measured (the
// fleet's background of client disconnects or of an upstream's 503s, joined
// into one long finding). A small finding is minor unless it is near one
// that is not: same target (or an API in common when either target is
// unknown), a node in common, and times within gap of each other; such a
// small finding is part of that incident (the first resets of an upstream
// going down, the clients that gave up on a failing node) and stays in
// view. requests may be nil (no sparse findings).
func markMinor(fs []Finding, requests []int, gap time.Duration) {
	small := func(i int) bool {
		f := &fs[i]
		if (f.Trigger.Kind != "" && f.Trigger.Kind != "none") || f.End == nil {
			return false
		}
		if f.Failures <= MinorFailures {
			return true
		}
		return i < len(requests) && float64(f.Failures) <= MinorShare*float64(requests[i]) && f.IdleTimeoutS == nil && f.TimeoutS == nil
	}
	isSmall := make([]bool, len(fs))
	var major []*Finding
	for i := range fs {
		fs[i].Minor = false
		isSmall[i] = small(i)
		if !isSmall[i] {
			major = append(major, &fs[i])
		}
	}
	near := func(f, m *Finding) bool {
		if f.Target != "" && m.Target != "" {
			if f.Target != m.Target {
				return false
			}
		} else if !anyCommon(f.APIIDs, m.APIIDs) {
			return false
		}
		if !anyCommon(f.Nodes, m.Nodes) {
			return false
		}
		if f.End.Add(gap).Before(m.Onset) {
			return false
		}
		return m.End == nil || !m.End.Add(gap).Before(f.Onset)
	}
	for i := range fs {
		f := &fs[i]
		if !isSmall[i] {
			continue
		}
		f.Minor = true
		for _, m := range major {
			if near(f, m) {
				f.Minor = false
				break
			}
		}
	}
}

// requests counts the requests the incident's nodes sent to its target
// (else, for a node whose requests name no target, to its APIs) in the
// minutes from its first to its last failure, failed ones included.
func (x *incident) requests() int {
	from, to := unixMinute(x.onset), unixMinute(x.last)
	count := func(k *keyAgg) int {
		n := 0
		if k == nil {
			return 0
		}
		for m := from; m <= to; m++ {
			n += int(k.at(m).requests)
		}
		return n
	}
	total := 0
	for _, name := range x.nodes {
		nd := x.a.nodes[name]
		n := 0
		if x.target != "" {
			n = count(nd.targets[x.target])
		}
		if n == 0 {
			for _, api := range x.f.APIIDs {
				n += count(nd.apis[api])
			}
		}
		total += n
	}
	return total
}

// anyCommon says whether the two lists share a string.
func anyCommon(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func (a *Analyzer) tables(effs []*eff) (byNode, byTarget []Cell) {
	nc, tc := map[[2]string]int{}, map[[2]string]int{}
	for _, e := range effs {
		f := flagName(e.g.key.cause.flag)
		nc[[2]string{e.g.key.node, f}] += e.failures
		t := e.g.key.target
		if t == "" {
			t = "(unknown)"
		}
		tc[[2]string{t, f}] += e.failures
	}
	conv := func(m map[[2]string]int) []Cell {
		out := make([]Cell, 0, len(m))
		for k, v := range m {
			out = append(out, Cell{Row: k[0], Flag: k[1], Failures: v})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Row != out[j].Row {
				return out[i].Row < out[j].Row
			}
			return out[i].Flag < out[j].Flag
		})
		return out
	}
	return conv(nc), conv(tc)
}

func (a *Analyzer) sortedNodes() []string {
	out := make([]string, 0, len(a.nodes))
	for n := range a.nodes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (a *Analyzer) timeline(effs []*eff) []NodeTimeline {
	fails := map[string]map[int64]map[string]int{}
	for _, e := range effs {
		n := e.g.key.node
		if fails[n] == nil {
			fails[n] = map[int64]map[string]int{}
		}
		for m, c := range e.minutes {
			if fails[n][m] == nil {
				fails[n][m] = map[string]int{}
			}
			fails[n][m][flagName(e.g.key.cause.flag)] += int(c.n)
		}
	}
	out := []NodeTimeline{}
	for _, name := range a.sortedNodes() {
		n := a.nodes[name]
		mins := map[int64]bool{}
		for m := range n.all.minutes {
			mins[m] = true
		}
		for m := range fails[name] {
			mins[m] = true
		}
		keys := make([]int64, 0, len(mins))
		for m := range mins {
			keys = append(keys, m)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		t := NodeTimeline{Node: name, Minutes: make([]MinuteCount, 0, len(keys)), Marks: append([]Mark{}, n.marks...)}
		sort.SliceStable(t.Marks, func(i, j int) bool { return t.Marks[i].Time.Before(t.Marks[j].Time) })
		for _, m := range keys {
			f := fails[name][m]
			if f == nil {
				f = map[string]int{}
			}
			t.Minutes = append(t.Minutes, MinuteCount{Minute: time.Unix(m*60, 0).UTC(), Requests: int(n.all.at(m).requests), Failures: f})
		}
		out = append(out, t)
	}
	return out
}

func (a *Analyzer) fillInputs(in *Inputs) {
	if len(in.Nodes) == 0 {
		in.Nodes = a.sortedNodes()
	}
	if in.Files == nil {
		in.Files = []string{}
	}
	if in.Used == 0 {
		in.Used = a.entries
	}
	if in.Lines == 0 {
		in.Lines = in.Used + in.Skipped
	}
	if in.Reasons == nil {
		in.Reasons = map[string]int{}
	}
	if in.From == nil && !a.from.IsZero() {
		t := a.from.UTC()
		in.From = &t
	}
	if in.To == nil && !a.to.IsZero() {
		t := a.to.UTC()
		in.To = &t
	}
}

// unknowable says, one sentence each, what the data could not tell.
func (a *Analyzer) unknowable(effs []*eff, in *Inputs) []string {
	out := []string{}
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	failures := 0
	statusOnly := 0
	for _, e := range effs {
		failures += e.failures
		if e.g.key.cause.flag == "" {
			statusOnly += e.failures
		}
	}
	if in.Skipped > 0 {
		var rs []string
		for k, v := range in.Reasons {
			rs = append(rs, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(rs)
		add("%d lines were skipped as unreadable (%s): whatever they said is not in this report.", in.Skipped, strings.Join(rs, ", "))
	}
	if a.noTime > 0 {
		add("%d lines had no time and were left out of the analysis.", a.noTime)
	}
	if a.origins[OriginPlugin] == 0 && failures > 0 {
		switch {
		case a.origins[OriginGateway] > 0:
			add("The logs carry Tyk 5.12+'s own classification but not the plugin's fields: no upstream peer addresses, no connection reuse or idle times, and Tyk's coarser flags (a connect timeout may read URT, an idle close UPE).")
		case a.origins[OriginMessage] > 0:
			add("The logs are Tyk 5.8–5.11's without the plugin: causes come from the text of the 'http: proxy error' lines (classify.Message), targets from the address in that text; no upstream peer addresses, no connection reuse or idle times, no phase durations.")
		}
	}
	if failures > 0 && a.peers == 0 && a.origins[OriginPlugin] == 0 {
		add("No upstream peer addresses (upstream_peer): which instance behind a target failed is unknown.")
	}
	if failures > 0 && a.idleSeen == 0 && a.origins[OriginPlugin] == 0 {
		add("No idle times of reused connections (upstream_conn_idle_ms): an intermediary's idle timeout cannot be measured.")
	}
	if statusOnly > 0 {
		add("%d failures carry only their 5xx status (flag %q): their cause is unknown.", statusOnly, FlagStatusOnly)
	}
	if a.nodeSrc[NodeFromFile] > 0 {
		add("Node names of %d lines come from file names (no gateway_node field, no kubectl --prefix): nodes are only as distinct as the files.", a.nodeSrc[NodeFromFile])
	}
	if a.nodeSrc[NodeFromPrefix] > 0 {
		add("Node names of %d lines are pod names from kubectl --prefix, not the gateway's own gateway_node.", a.nodeSrc[NodeFromPrefix])
	}
	if len(a.nodes) == 1 {
		add("One node only: whether a failure is the node's or the upstream's cannot be told from other nodes.")
	}
	if a.successes > 0 && a.successNoTarget == a.successes {
		add("Successful requests name no upstream target (the plugin writes its fields on failures only): 'healthy elsewhere' is judged by API id.")
	}
	starts := 0
	for _, n := range a.nodes {
		for _, m := range n.marks {
			if m.Kind == "start" && a.beginsLog(n.name, m) {
				starts++
				break
			}
		}
	}
	if starts > 0 {
		add("The logs of %d node(s) begin with the gateway's start: what happened before is unknown, and those starts are not taken as triggers.", starts)
	}
	if a.carried > 0 && a.probeEntries == 0 {
		add("The plugin's probe verdicts come only from the failed requests' upstream_probe (no probe entries, prefix=%s, in the logs): a probe's time is the request's less the verdict's age, and what it saw (the connect, the DNS error, the certificate) is unknown.", probePrefix)
	}
	probesDropped := 0
	for _, g := range a.probes {
		probesDropped += g.dropped
	}
	if probesDropped > 0 {
		add("The plugin dropped %d probes (probe_dropped, its rate limit): the probes in the logs are a sample of the checks it could have run.", probesDropped)
	}
	dropped := 0
	for _, n := range a.nodes {
		dropped += n.marksDropped
	}
	if dropped > 0 {
		add("%d lifecycle lines beyond %d per node were counted, not kept: later starts and reloads are not considered as triggers.", dropped, a.cfg.MaxMarks)
	}
	return out
}
