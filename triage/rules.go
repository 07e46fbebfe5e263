package triage

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// rule is one step of Tyk's 502 troubleshooting guide, or one cause's
// conclusion: a small function over an incident's aggregates that fills in
// the part of its Finding it knows about.
type rule struct {
	name  string
	apply func(x *incident)
}

// rules, in the order they run: the guide's first step and the symptoms it
// lists (scope, trigger, load), what the plugin's probe from the failing
// nodes saw (the guide's step 2, run by the plugin), then one conclusion per
// category of cause, each of which returns at once for incidents of
// another category and reads the probe's outcome where it bears on it.
var rules = []rule{
	{"scope", ruleScope},                        // step 1: one node, some, all; healthy elsewhere
	{"trigger", ruleTrigger},                    // began right after a node's start or an API reload
	{"load", ruleLoad},                          // failure rate against request volume
	{"probe", ruleProbe},                        // step 2 as the plugin ran it from the failing node: failed too, or passed
	{"connect", ruleConnect},                    // UCF/UCT/NRH: the node's network path, or the upstream down; intermittent when the probe passed
	{"dns", ruleDNS},                            // DNS: the node's resolver, or the name itself
	{"tls", ruleTLS},                            // TL*: the certificate facts, the probe's too
	{"idle_close", ruleIdleClose},               // reused connections closed near one idle time: step 4
	{"timeout", ruleTimeout},                    // URT clustered at one latency: step 5; on some nodes only, their path (unless the probe passed)
	{"intermediary_5xx", ruleIntermediary5xx},   // a load balancer / CDN answered 5xx
	{"upstream_5xx", ruleUpstream5xx},           // the upstream answered 5xx itself
	{"upstream_closed", ruleUpstreamClosed},     // closes and resets of fresh connections, bad responses
	{"gateway_answer", ruleGatewayAnswer},       // NHU, CBO
	{"client_disconnect", ruleClientDisconnect}, // CDC: not the upstream's fault
	{"unclassified", ruleUnclassified},          // a 5xx status and nothing else
}

// ruleScope is the guide's step 1: which nodes fail, which were active in
// the same window, and whether the others served the same target
// successfully meanwhile ("healthy elsewhere").
func ruleScope(x *incident) {
	a := x.a
	from, to := unixMinute(x.onset), unixMinute(x.last)
	x.active, x.others, x.healthyOn = nil, nil, nil
	x.okElsewhere = 0
	for _, name := range a.sortedNodes() {
		n := a.nodes[name]
		act := x.inNode[name]
		if !act {
			for m := from; m <= to && !act; m++ {
				act = n.all.at(m).requests > 0
			}
		}
		if !act {
			continue
		}
		x.active = append(x.active, name)
		if !x.inNode[name] {
			x.others = append(x.others, name)
		}
	}
	switch {
	case len(x.nodes) == 1:
		x.f.Scope = "single_node"
	case len(x.nodes) == len(x.active):
		x.f.Scope = "all_nodes"
	default:
		x.f.Scope = "some_nodes"
	}

	// Healthy elsewhere: the other nodes' requests to the target in the
	// window, else to the incident's APIs (successful requests carry no
	// target when only the plugin's failure fields name it).
	reqs := 0
	count := func(k *keyAgg) (int, int) {
		r, s := 0, 0
		for min := from; min <= to; min++ {
			c := k.at(min)
			r += int(c.requests)
			s += int(c.successes)
		}
		return r, s
	}
	for _, o := range x.others {
		r, s := 0, 0
		if x.target != "" {
			r, s = count(a.nodes[o].targets[x.target])
		}
		if r == 0 {
			for _, api := range x.f.APIIDs {
				r2, s2 := count(a.nodes[o].apis[api])
				r, s = r+r2, s+s2
			}
		}
		reqs += r
		if s > 0 {
			x.healthyOn = append(x.healthyOn, o)
			x.okElsewhere += s
		}
	}
	x.f.HealthyElsewhere = nil
	if reqs > 0 {
		h := len(x.healthyOn) > 0
		x.f.HealthyElsewhere = &h
	}

	x.f.Evidence = x.f.Evidence[:0]
	for _, no := range x.f.NodeOnsets {
		x.evidence("%s: %s, first at %s.", no.Node, plural(no.Failures, "failed request"), clock(no.Onset))
	}
	if len(x.healthyOn) > 0 {
		x.evidence("%s served %d requests to %s successfully in the same window (%s – %s).",
			list(x.healthyOn), x.okElsewhere, x.targetOrAPI(), clock(x.onset), clock(x.last))
	}
	if len(x.causes()) > 1 {
		var cs []string
		for _, c := range x.f.Causes {
			cs = append(cs, fmt.Sprintf("%d %s %s", c.Failures, c.Flag, c.Detail))
		}
		x.evidence("Causes merged into this incident: %s.", strings.Join(cs, ", "))
	}
}

// ruleTrigger looks for what the onset followed: a node's start or an API
// reload on the failing node at most Config.TriggerWindow before its first
// failure. For an incident of several nodes every node's onset must follow
// a mark of its own (a fleet-wide reload), else a lone restart elsewhere is
// a coincidence. Starts at the very beginning of the data are no evidence
// of a change (nothing is known of before) and are not taken.
func ruleTrigger(x *incident) {
	a := x.a
	x.f.Trigger = Trigger{Kind: "none"}
	type hit struct {
		node string
		m    Mark
	}
	var hits []hit
	for _, no := range x.f.NodeOnsets {
		m, ok := a.markBefore(no.Node, x.nodeOnset[no.Node])
		if !ok {
			if len(x.nodes) > 1 {
				return
			}
			continue
		}
		hits = append(hits, hit{no.Node, m})
	}
	if len(hits) == 0 {
		return
	}
	h := hits[0] // the earliest onset's
	t := h.m.Time
	x.f.Trigger = Trigger{Kind: "api_reload", Node: h.node, Time: &t}
	what := "an API reload"
	if h.m.Kind == "start" {
		x.f.Trigger.Kind = "node_restart"
		what = "its restart"
		if h.m.Text != "" {
			what += " (" + h.m.Text + ")"
		}
	}
	d := x.nodeOnset[h.node].Sub(h.m.Time).Round(time.Second)
	x.triggerNote = fmt.Sprintf("%s after %s", d, what)
	if len(hits) > 1 {
		x.triggerNote = fmt.Sprintf("each node within %s after %s", a.cfg.TriggerWindow, strings.Replace(what, "its", "its own", 1))
	}
	x.evidence("%s's first failure came %s after %s on %s at %s.", h.node, d, h.m.Kind, h.node, clock(h.m.Time))
}

// markBefore is the node's latest start or reload in [onset −
// TriggerWindow, onset], a start preferred (a restart reloads the APIs too).
// A mark that begins the node's log (the node served no request before
// it) is no evidence of a change and is not taken.
func (a *Analyzer) markBefore(node string, onset time.Time) (Mark, bool) {
	var best Mark
	found := false
	for _, m := range a.nodes[node].marks {
		if m.Kind == "shutdown" || m.Time.After(onset) || onset.Sub(m.Time) > a.cfg.TriggerWindow {
			continue
		}
		if a.beginsLog(node, m) {
			continue
		}
		if !found || (m.Kind == "start" && best.Kind != "start") || (m.Kind == best.Kind && m.Time.After(best.Time)) {
			best, found = m, true
		}
	}
	return best, found
}

// beginsLog reports whether mark m opens node's log: the node served no
// request before it (a start and its first API load come before any
// request of a log that begins there).
func (a *Analyzer) beginsLog(node string, m Mark) bool {
	n := a.nodes[node]
	return n.firstReq.IsZero() || !m.Time.After(n.firstReq)
}

// ruleLoad compares the request volume of the failing node-minutes with the
// others of the same nodes: load-dependent when failures come at twice the
// usual volume or more (and above Config.LowVolume); not load-dependent when
// they come at the usual volume or lower, or at low volume; unknown with
// fewer than 3 failing minutes.
func ruleLoad(x *incident) {
	a := x.a
	// The volume is the target's requests from the node when the access-log
	// entries name it, else all of the node's requests.
	byTarget := false
	if x.target != "" {
		for _, name := range x.nodes {
			if k := a.nodes[name].targets[x.target]; k != nil {
				for _, c := range k.minutes {
					if c.successes > 0 {
						byTarget = true
						break
					}
				}
			}
		}
	}
	var vf, vo []float64
	for _, name := range x.nodes {
		n := a.nodes[name]
		tk := n.targets[x.target]
		for m, nc := range n.all.minutes {
			v := float64(nc.requests)
			if byTarget {
				v = float64(tk.at(m).requests)
			}
			if x.failMin[nodeMin{name, m}] > 0 {
				vf = append(vf, v)
			} else if v > 0 {
				vo = append(vo, v)
			}
		}
		for k := range x.failMin {
			if k.node == name && n.all.at(k.min).requests == 0 {
				vf = append(vf, 0)
			}
		}
	}
	x.f.LoadDependent = nil
	x.loadNote = ""
	if len(vf) < 3 {
		return
	}
	mf, mo := median(vf), median(vo)
	x.volFail = mf
	yes, no := true, false
	switch {
	case len(vo) >= 3 && mf >= 2*mo && mf > a.cfg.LowVolume:
		x.f.LoadDependent = &yes
		x.loadNote = fmt.Sprintf("load-dependent: failing minutes carry %s requests/min against %s otherwise", num(mf), num(mo))
	case len(vo) >= 3 && mf <= 1.5*mo, mf <= a.cfg.LowVolume:
		x.f.LoadDependent = &no
		if mf <= a.cfg.LowVolume {
			x.loadNote = fmt.Sprintf("not load-dependent: failures come at low volume (%s requests/min%s)", num(mf), map[bool]string{true: " to the target", false: " on the failing nodes"}[byTarget])
		} else {
			x.loadNote = fmt.Sprintf("not load-dependent: failing minutes carry %s requests/min, %s otherwise", num(mf), num(mo))
		}
	}
	if x.loadNote != "" {
		x.evidence("%s.", upperFirst(x.loadNote))
	}
}

// ruleProbe reads the plugin's probe evidence, the guide's step-2 check
// (resolve, connect, verify the certificate) run by the plugin from the
// failing node itself right after a failure: per failing node, its probes
// of the target from a minute before its first failure to a minute after
// its last, from its probe entries, else from the verdicts its failed
// requests carried (upstream_probe). A node's check failed when its
// probes failed (unreachable, refused, DNS, certificate) and none passed
// before its last failure; passed when one passed (reachable_now) before
// its last failure and none failed; a probe that passed after the last
// failure is the recovery, no contradiction. The cause rules below read
// the outcome (Finding.ProbeCheck).
func ruleProbe(x *incident) {
	a := x.a
	x.f.Probes, x.f.ProbeCheck = nil, ProbeCheckNone
	x.probeFailed, x.probePassed, x.probeMixed = nil, nil, nil
	if x.target == "" || len(a.probes) == 0 {
		return
	}
	for _, n := range x.nodes {
		from, to := x.nodeOnset[n].Add(-time.Minute), x.nodeLast[n].Add(time.Minute)
		evs := a.probeEvidence(n, x.target, from, to, false)
		if len(evs) == 0 {
			evs = a.probeEvidence(n, x.target, from, to, true)
		}
		failed, passed := false, false
		for _, ev := range evs {
			switch {
			case probeFails(ev.Verdict):
				failed = true
			case ev.Verdict == ProbeReachable && (ev.Source == ProbeFromAccessLog || ev.First.Before(x.nodeLast[n])):
				// A failed request carrying the verdict failed after it.
				passed = true
			}
		}
		x.f.Probes = append(x.f.Probes, evs...)
		switch {
		case failed && passed:
			x.probeMixed = append(x.probeMixed, n)
		case failed:
			x.probeFailed = append(x.probeFailed, n)
		case passed:
			x.probePassed = append(x.probePassed, n)
		}
	}
	switch {
	case len(x.probeMixed) > 0 || (len(x.probeFailed) > 0 && len(x.probePassed) > 0):
		x.f.ProbeCheck = ProbeCheckMixed
		var parts []string
		if len(x.probeFailed) > 0 {
			parts = append(parts, "failed from "+list(x.probeFailed))
		}
		if len(x.probePassed) > 0 {
			parts = append(parts, "passed from "+list(x.probePassed)+" while its failures went on")
		}
		if len(x.probeMixed) > 0 {
			parts = append(parts, "both failed and passed from "+list(x.probeMixed))
		}
		x.evidence("The plugin's probes of %s disagree: they %s; the path comes and goes, or differs between the nodes.", x.target, strings.Join(parts, ", "))
	case len(x.probeFailed) > 0:
		x.f.ProbeCheck = ProbeCheckFailed
	case len(x.probePassed) > 0:
		x.f.ProbeCheck = ProbeCheckPassed
	}
}

// probeConfirms reports whether the probes from the failing nodes failed
// as their requests did, with verdicts among verdicts only.
func (x *incident) probeConfirms(verdicts ...string) bool {
	if x.f.ProbeCheck != ProbeCheckFailed {
		return false
	}
	for _, ev := range x.f.Probes {
		if probeFails(ev.Verdict) && !member(verdicts, ev.Verdict) {
			return false
		}
	}
	return true
}

// probeSaid quotes the first probe of nodes whose verdict is ok's: "the
// plugin's probe from gw-a at T (unreachable_from_node: 127.0.1.1:8080
// timeout 3000ms)", and the other nodes that said the same.
func (x *incident) probeSaid(nodes []string, ok func(verdict string) bool) string {
	var first *ProbeEvidence
	var others []string
	for i := range x.f.Probes {
		ev := &x.f.Probes[i]
		if !ok(ev.Verdict) || !member(nodes, ev.Node) {
			continue
		}
		if first == nil {
			first = ev
		} else if ev.Node != first.Node && !member(others, ev.Node) {
			others = append(others, ev.Node)
		}
	}
	if first == nil {
		return "the plugin's probe"
	}
	s := probeWords(first)
	if len(others) > 0 {
		s += " and the same from " + list(others)
	}
	return s
}

// probeWords quotes one node's probe evidence for a sentence.
func probeWords(ev *ProbeEvidence) string {
	if ev.Source == ProbeFromAccessLog {
		return fmt.Sprintf("the plugin's probe verdict %s's failed requests carried (%s, probed about %s)", ev.Node, ev.Verdict, clock(ev.First))
	}
	at := ev.Sample.Time
	if at.IsZero() {
		at = ev.First
	}
	s := fmt.Sprintf("the plugin's probe from %s at %s (%s", ev.Node, clock(at), ev.Verdict)
	if d := probeDetail(ev); d != "" {
		s += ": " + d
	}
	return s + ")"
}

// probeDetail is what the sample probe saw, in one phrase.
func probeDetail(ev *ProbeEvidence) string {
	p := &ev.Sample
	switch {
	case ev.Verdict == ProbeDNSFails && p.DNSError != "":
		return p.DNSError
	case ev.Verdict == ProbeTLSInvalid && p.TLSVerify != "":
		return p.TLSVerify
	case ev.Verdict == ProbeTLSInvalid && p.TLSError != "":
		return p.TLSError
	case p.Connect != "":
		return p.Connect
	case p.DNSError != "":
		return p.DNSError
	case p.TLSVerify != "":
		return p.TLSVerify
	}
	return p.TLSError
}

func isReachable(v string) bool { return v == ProbeReachable }

// concludeProbePassed concludes on connect failures (and node-only
// timeouts) while the plugin's probe passed from the failing node and its
// failures went on: the connectivity check from the node passes at that
// moment, so the path is not broken for good; the failures are
// intermittent, and the gateway's side of them, its timeouts and its
// connection pooling (the guide's step 5), is where to look.
func concludeProbePassed(x *incident, what string) {
	a := x.a
	host, port := x.hostPort()
	nodes := list(x.nodes)
	x.f.GuideStep = 5
	x.summary("%s failed to reach %s (%s), yet %s passed while the failures went on: the connectivity check from the node passes at that moment, so the path is not broken but the failures are intermittent: look at the Tyk side of the guide's step 5, the gateway's timeouts and connection pooling",
		nodes, x.target, what, x.probeSaid(x.probePassed, isReachable))
	x.act("On %s, repeat the check while the failures go on: `for i in $(seq 60); do nc -vz -w 3 %s %s; sleep 1; done` (some attempts failing: the path or the upstream drops connects now and then)", nodes, host, port)
	pdt := "proxy_default_timeout (TYK_GW_PROXYDEFAULTTIMEOUT; Tyk's default 30 s)"
	if a.cfg.Tyk.Known && a.cfg.Tyk.ProxyDefaultTimeoutS > 0 {
		pdt = fmt.Sprintf("proxy_default_timeout (%s s in tyk.conf)", num(a.cfg.Tyk.ProxyDefaultTimeoutS))
	}
	x.act("Tyk's timeouts: %s bounds the dial, and an endpoint's enforced timeout (`hard_timeouts`, OAS `enforceTimeout`) cuts a slow connect short; compare them with the connect times of the failures", pdt)
	pool := ""
	if t := a.cfg.Tyk; t.Known {
		pool = fmt.Sprintf(" (tyk.conf here: max_idle_connections_per_host %d, proxy_close_connections %v, max_conn_time %d s)", t.MaxIdleConnsPerHost, t.ProxyCloseConnections, t.MaxConnTimeS)
	}
	x.act("Tyk's connection pooling%s: a low `max_idle_connections_per_host` (TYK_GW_MAXIDLECONNSPERHOST; Tyk recommends 500) or `proxy_close_connections: true` makes the gateway dial anew for most requests, and bursts of connects overflow the upstream's accept backlog or %s's ephemeral ports (`ss -s` on it); `max_conn_time` (TYK_GW_MAXCONNTIME) re-dials every N s", pool, nodes)
	x.act("On the upstream side for the same minutes: its listen backlog (`ss -ltn` on %s), its connection limits, and instances behind %s that come and go (`dig +short %s` over time)", x.target, host, host)
}

// ruleConnect concludes on connects that failed (refused, timed out, no
// route): on some nodes while others reach the target, the failing nodes'
// network path (guide step 3), confirmed when the plugin's probe from the
// node failed too; on every node, the upstream down or not listening
// (step 2); out of local ports or descriptors, the node itself; while the
// probe from the failing node passed, intermittent failures (step 5).
func ruleConnect(x *incident) {
	if x.cat != catConnect {
		return
	}
	host, port := x.hostPort()
	what := connectWords(x.f.Detail)
	nodes := list(x.nodes)
	url := x.url()
	switch x.f.Detail {
	case classify.DetailLocalAddressUnavailable, classify.DetailFileDescriptorsExhausted:
		x.f.GuideStep = 3
		x.summary("%s ran out of %s while connecting to %s (%d failures)", nodes, what, x.target, x.f.Failures)
		x.act("On %s: `ss -s` and `ss -tan state time-wait | wc -l` (ephemeral ports), `cat /proc/sys/net/ipv4/ip_local_port_range`, `ulimit -n` and `ls /proc/$(pidof tyk)/fd | wc -l` (descriptors)", nodes)
		x.act("Let the gateway reuse connections to %s: `max_idle_connections_per_host` (TYK_GW_MAXIDLECONNSPERHOST; Tyk recommends 500) and `proxy_close_connections: false`", x.target)
		return
	}
	if x.f.ProbeCheck == ProbeCheckPassed {
		concludeProbePassed(x, fmt.Sprintf("%d %s", x.f.Failures, what))
		return
	}
	confirmed := x.probeConfirms(ProbeUnreachable, ProbeRefused, ProbeDNSFails)
	if x.f.Scope != "all_nodes" && len(x.healthyOn) > 0 {
		x.f.GuideStep = 3
		if confirmed {
			x.summary("%s cannot connect to %s (%d %s) while %s reach it, and %s failed the same way: the guide's step-2 check fails from the node itself, so %s's own network path (the container's networking environment: routes, security group, firewall, DNS) is at fault, not Tyk",
				nodes, x.target, x.f.Failures, what, list(x.healthyOn), x.probeSaid(x.probeFailed, probeFails), nodes)
			x.evidence("Confirmed from the node: the plugin's probe, the guide's step-2 check run on %s itself, failed as its requests did.", list(x.probeFailed))
		} else {
			x.summary("%s cannot connect to %s (%d %s) while %s reach it: %s's network path to the upstream (routes, security group, firewall) is at fault",
				nodes, x.target, x.f.Failures, what, list(x.healthyOn), nodes)
		}
		for _, n := range x.nodes {
			x.act("On %s: `nc -vz %s %s` and `curl -v %s` (the same from %s succeeds)", n, host, port, url, x.healthyOn[0])
		}
		for _, p := range x.f.Peers {
			ph, pp := splitHostPort(p, port)
			x.act("On %s: `nc -vz %s %s`, `ip route get %s`, `traceroute -T -p %s %s` (the peer it tried)", nodes, ph, pp, ph, pp, ph)
			break
		}
		x.act("Compare %s with %s: its security group and network ACL egress to %s:%s, its subnet's route table, the host firewall (`iptables -S`, `nft list ruleset`), and the upstream's security group ingress for %s's address",
			nodes, x.healthyOn[0], host, port, nodes)
		if x.f.Trigger.Kind == "node_restart" {
			x.act("%s restarted at %s just before: compare its new placement (host, subnet, IP) and configuration with %s's", x.f.Trigger.Node, clock(*x.f.Trigger.Time), x.healthyOn[0])
		}
		return
	}
	x.f.GuideStep = 2
	probe := ""
	if confirmed {
		probe = ", as " + x.probeSaid(x.probeFailed, probeFails) + " confirms from " + themselves(x.probeFailed)
	}
	if x.f.Scope == "all_nodes" && len(x.active) > 1 {
		x.summary("%s is down or unreachable: every node (%s) failed to connect to it (%d %s)%s", x.target, nodes, x.f.Failures, what, probe)
	} else {
		x.summary("%s failed to connect to %s (%d %s)%s, and no other node shows whether it is reachable", nodes, x.target, x.f.Failures, what, probe)
	}
	x.act("From a node and from outside the gateway: `nc -vz %s %s` and `curl -v %s`: is the upstream up and listening?", host, port, url)
	x.act("`dig +short %s`: does the name still point at live instances%s?", host, peersNote(x.f.Peers))
	x.act("Check the upstream's own health around %s: its process or service, its load balancer's target health, deployments", clock(x.onset))
}

// ruleDNS concludes on failed resolutions: on some nodes while others
// resolve, those nodes' resolver (guide step 3); on every node, the name or
// its zone.
func ruleDNS(x *incident) {
	if x.cat != catDNS {
		return
	}
	host, _ := x.hostPort()
	x.f.GuideStep = 3
	nodes := list(x.nodes)
	if x.f.ProbeCheck == ProbeCheckPassed {
		x.summary("%s failed to resolve %s (%d %s), yet %s resolved and reached it while the failures went on: the resolver fails intermittently (timeouts, a flapping or overloaded resolver, the node-local DNS cache), not for good",
			nodes, host, x.f.Failures, x.f.Detail, x.probeSaid(x.probePassed, isReachable))
		x.act("On %s, while the failures go on: `for i in $(seq 30); do dig +tries=1 +time=2 %s | grep -E 'status:|Query time'; sleep 1; done`: the failing answers and their times", nodes, host)
		x.act("Check the resolver %s uses (`cat /etc/resolv.conf`: its timeout and attempts options, ndots; the node-local DNS cache or CoreDNS pod serving it: its load and errors) and Tyk's own `dns_cache` (enabled, ttl) in tyk.conf", nodes)
		return
	}
	confirmed := x.probeConfirms(ProbeDNSFails)
	if x.f.Scope != "all_nodes" && len(x.healthyOn) > 0 {
		if confirmed {
			x.summary("%s's resolver fails for %s (%d %s) while %s resolve it and reach the upstream, and %s failed to resolve it too: %s's own DNS (its resolver configuration or its path to the resolver) is at fault, not Tyk",
				nodes, host, x.f.Failures, x.f.Detail, list(x.healthyOn), x.probeSaid(x.probeFailed, probeFails), nodes)
			x.evidence("Confirmed from the node: the plugin's probe, the guide's step-2 check run on %s itself, could not resolve %s either.", list(x.probeFailed), host)
		} else {
			x.summary("%s's resolver fails for %s (%d %s) while %s resolve it and reach the upstream: %s's DNS is at fault",
				nodes, host, x.f.Failures, x.f.Detail, list(x.healthyOn), nodes)
		}
		x.act("On %s: `dig %s` and `cat /etc/resolv.conf`; the same on %s, which resolves", nodes, host, x.healthyOn[0])
		x.act("On %s: `dig @<each nameserver of resolv.conf> %s`: which resolver fails; check the node's path to it (UDP and TCP 53 egress in its security group / network ACL, the node-local DNS cache or CoreDNS pod serving it)", nodes, host)
		return
	}
	probe := ""
	if confirmed {
		probe = ", as " + x.probeSaid(x.probeFailed, probeFails) + " confirms from " + themselves(x.probeFailed)
	}
	x.summary("%s does not resolve on %s (%d %s)%s", host, nodes, x.f.Failures, x.f.Detail, probe)
	x.act("`dig %s` from a node and from elsewhere: %s", host, dnsHint(x.f.Detail))
	x.act("If the name is right, check the resolvers every node uses (`cat /etc/resolv.conf`) and the zone's authoritative servers")
}

// ruleTLS concludes on certificate and handshake failures with the
// certificate facts the logs carry (tls_cert_subject, tls_cert_expiry).
func ruleTLS(x *incident) {
	if x.cat != catTLS {
		return
	}
	host, port := x.hostPort()
	x.f.GuideStep = 2
	confirmed := x.probeConfirms(ProbeTLSInvalid)
	if confirmed {
		// The probe's certificate facts, where the requests' entries had none.
		for _, ev := range x.f.Probes {
			if ev.Verdict == ProbeTLSInvalid && x.f.CertSubject == "" && ev.Sample.TLSSubject != "" {
				x.f.CertSubject, x.f.CertExpiry = ev.Sample.TLSSubject, ev.Sample.TLSNotAfter
			}
		}
	}
	cert := ""
	if x.f.CertSubject != "" {
		cert = fmt.Sprintf(" (certificate %s", x.f.CertSubject)
		if x.f.CertExpiry != "" {
			cert += ", expires " + x.f.CertExpiry
		}
		cert += ")"
		x.evidence("The failing certificate: subject %s, expiry %s.", x.f.CertSubject, orDash(x.f.CertExpiry))
	}
	switch {
	case confirmed:
		x.summary("The TLS handshake with %s fails on %s: %s%s, confirmed by the plugin's probe from %s (tls_invalid)", x.target, list(x.nodes), tlsWords(x.f.Detail), cert, list(x.probeFailed))
		for _, ev := range x.f.Probes {
			if ev.Verdict == ProbeTLSInvalid {
				x.evidence("The plugin's probe from %s at %s saw the certificate: %s.", ev.Node, clock(ev.Sample.Time), probeCertWords(&ev.Sample))
				break
			}
		}
	case x.f.ProbeCheck == ProbeCheckPassed:
		x.summary("The TLS handshake with %s fails on %s: %s%s, yet %s verified it while the failures went on: some of the addresses behind %s serve another certificate, or it was replaced meanwhile",
			x.target, list(x.nodes), tlsWords(x.f.Detail), cert, x.probeSaid(x.probePassed, isReachable), host)
		x.act("From %s, each address behind the name: `for ip in $(dig +short %s); do echo $ip; openssl s_client -connect $ip:%s -servername %s </dev/null 2>/dev/null | openssl x509 -noout -subject -enddate; done`", x.nodes[0], host, port, host)
	default:
		x.summary("The TLS handshake with %s fails on %s: %s%s", x.target, list(x.nodes), tlsWords(x.f.Detail), cert)
	}
	x.act("From %s: `openssl s_client -connect %s:%s -servername %s -showcerts </dev/null` and `openssl x509 -noout -subject -issuer -dates -ext subjectAltName` on the certificate it prints", x.nodes[0], host, port, host)
	x.act("%s", tlsAction(x.f.Detail, host))
}

// probeCertWords lists a probe's certificate facts: its verification
// error, subject, issuer, expiry, names and TLS version.
func probeCertWords(p *ProbeSample) string {
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+v)
		}
	}
	add("", p.TLSVerify)
	add("", p.TLSError)
	add("subject ", p.TLSSubject)
	add("issuer ", p.TLSIssuer)
	add("not after ", p.TLSNotAfter)
	add("SANs ", p.TLSSANs)
	add("", p.TLSVersion)
	if len(parts) == 0 {
		return "no details"
	}
	return strings.Join(parts, "; ")
}

// ruleIdleClose is the guide's step 4: pooled connections closed under the
// gateway as it reused them. When their idle times cluster near one value,
// that value is the idle timeout of the upstream or of an intermediary in
// front of it, shorter than Tyk's 90 s pooling (IdleConnTimeout, fixed in
// gateway/reverse_proxy.go).
func ruleIdleClose(x *incident) {
	if x.cat != catIdleClose {
		return
	}
	a := x.a
	host, port := x.hostPort()
	x.f.GuideStep = 4
	x.f.IdleTimeoutS = nil
	load := ""
	if x.f.LoadDependent != nil && !*x.f.LoadDependent && x.volFail <= a.cfg.LowVolume {
		load = fmt.Sprintf(", at low volume: %s requests/min", num(x.volFail))
	}
	m, lo, frac, ok := cluster(x.idleMs, a.cfg.ClusterTolerance, a.cfg.ClusterShare, a.cfg.MinClusterSamples)
	if ok && lo < tykIdleConnTimeoutS*1000 {
		v := math.Round(lo/100) / 10
		x.f.IdleTimeoutS = &v
		x.evidence("Idle times of the closed connections cluster near %s s (%.0f %% of %d samples within ±%.0f %% of the median %s s).",
			num(v), frac*100, len(x.idleMs), a.cfg.ClusterTolerance*100, num(m/1000))
		x.summary("%s closes pooled connections idle for about %s s on %s (%d closes as they were reused%s): the upstream or a load balancer in front of it has an idle timeout of ~%s s, shorter than the gateway's 90 s keep-alive pooling",
			x.target, num(v), list(x.nodes), x.f.Failures, load, num(v))
		x.act("Raise the idle (keep-alive) timeout of %s and of any load balancer in front of it above 90 s, Tyk's IdleConnTimeout (AWS ALB idle_timeout.timeout_seconds, nginx keepalive_timeout, Node.js server.keepAliveTimeout, Envoy common_http_protocol_options.idle_timeout)", x.target)
		x.act("Confirm from a node: `(printf 'HEAD / HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n'; sleep %d; printf 'HEAD / HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n') | nc -v %s %s` answers once if the connection is closed after ~%s s idle", host, int(math.Ceil(v))+1, host, host, port, num(v))
	} else {
		x.summary("%s closes pooled connections under the gateway on %s (%d closes as they were reused%s); their idle times do not cluster at one value", x.target, list(x.nodes), x.f.Failures, load)
		x.act("Compare the idle (keep-alive) timeouts of %s and of any load balancer in front of it with Tyk's 90 s IdleConnTimeout", x.target)
	}
	x.act("Or make the gateway pool less: `proxy_close_connections: true` (TYK_GW_PROXYCLOSECONNECTIONS) turns keep-alive toward upstreams off; `max_conn_time` (TYK_GW_MAXCONNTIME) replaces an API's pooled connections every N s; `max_idle_connections_per_host` (TYK_GW_MAXIDLECONNSPERHOST) bounds the pool. Tyk's 90 s idle timeout itself is not configurable, and an API's proxy.transport has no keep-alive setting")
	if a.cfg.Tyk.Known && a.cfg.Tyk.ProxyCloseConnections {
		x.evidence("tyk.conf has proxy_close_connections: true, yet connections were reused: the logs are from another configuration.")
	}
}

// ruleTimeout is the guide's step 5: the gateway gave up waiting. When the
// latencies cluster at one value, that value is the timeout in force,
// named: proxy_default_timeout (also the response-header timeout of the
// transport), or an endpoint's enforced timeout.
func ruleTimeout(x *incident) {
	if x.cat != catTimeout {
		return
	}
	a := x.a
	x.f.TimeoutS = nil
	if x.f.Scope != "all_nodes" && len(x.healthyOn) > 0 && x.f.ProbeCheck != ProbeCheckPassed {
		// Timeouts on some nodes while others are served by the same
		// target: the node's path, not a timeout setting. Without the
		// plugin, Tyk 5.12+ flags a connect that never completes (a
		// dropped SYN) URT context_deadline_exceeded (seen on 5.14.0 in
		// scripts/e2e fleet); the plugin would say UCT. Unless the
		// plugin's probe from the node passed meanwhile: then the
		// timeouts are the gateway's own matter, below.
		host, port := x.hostPort()
		nodes := list(x.nodes)
		x.f.GuideStep = 3
		if x.probeConfirms(ProbeUnreachable, ProbeRefused, ProbeDNSFails) {
			x.summary("Requests to %s time out on %s (%d %s) while %s are served by it, and %s failed too: the guide's step-2 check fails from the node itself, so %s's own network path (the container's networking environment) is at fault, not a timeout setting",
				x.target, nodes, x.f.Failures, x.f.Detail, list(x.healthyOn), x.probeSaid(x.probeFailed, probeFails), nodes)
			x.evidence("Confirmed from the node: the plugin's probe, the guide's step-2 check run on %s itself, failed as its requests did.", list(x.probeFailed))
		} else {
			x.summary("Requests to %s time out on %s (%d %s) while %s are served by it: %s's network path to the upstream (routes, security group, firewall) is the likely fault, not a timeout setting",
				x.target, nodes, x.f.Failures, x.f.Detail, list(x.healthyOn), nodes)
		}
		for _, n := range x.nodes {
			x.act("On %s: `nc -vz -w 3 %s %s` and `curl -v %s` (the same from %s succeeds): a connect that hangs is a dropped path", n, host, port, x.url(), x.healthyOn[0])
		}
		x.act("Compare %s with %s: security group / network ACL egress to %s:%s, the subnet's routes, the host firewall (`iptables -S`, `nft list ruleset`)", nodes, x.healthyOn[0], host, port)
		if x.f.Trigger.Kind == "node_restart" {
			x.act("%s restarted at %s just before: compare its new placement and configuration with %s's", x.f.Trigger.Node, clock(*x.f.Trigger.Time), x.healthyOn[0])
		}
		return
	}
	x.f.GuideStep = 5
	if x.f.ProbeCheck == ProbeCheckPassed {
		x.evidence("The path is not the fault: %s passed while the timeouts went on.", x.probeSaid(x.probePassed, isReachable))
	}
	pdt := float64(tykDefaultProxyTimeoutS)
	pdtWords := "Tyk's default proxy_default_timeout (30 s)"
	if a.cfg.Tyk.Known && a.cfg.Tyk.ProxyDefaultTimeoutS > 0 {
		pdt = a.cfg.Tyk.ProxyDefaultTimeoutS
		pdtWords = fmt.Sprintf("proxy_default_timeout (%s s in tyk.conf)", num(pdt))
	}
	m, _, frac, ok := cluster(x.latMs, a.cfg.ClusterTolerance/3, a.cfg.ClusterShare, a.cfg.MinClusterSamples)
	setting := ""
	if ok {
		v := math.Round(m/100) / 10
		x.f.TimeoutS = &v
		x.evidence("Latencies of the timed-out requests cluster at %s s (%.0f %% of %d samples).", num(v), frac*100, len(x.latMs))
		switch {
		case x.f.Detail == classify.DetailContextDeadlineExceeded:
			setting = "an enforced timeout of the endpoint (`hard_timeouts` in a classic API's extended_paths, `enforceTimeout` in an OAS API's operation)"
			for _, h := range a.cfg.Tyk.HardTimeouts {
				if math.Abs(h.TimeoutS-v) <= 0.1*v+0.5 && (len(x.f.APIIDs) == 0 || contains(x.f.APIIDs, h.APIID)) {
					setting = fmt.Sprintf("the enforced timeout of %s %s on API %s (%s s)", h.Method, h.Path, h.APIID, num(h.TimeoutS))
					break
				}
			}
		case math.Abs(v-pdt) <= 0.1*pdt:
			setting = pdtWords + ", which Tyk sets as its transport's response-header timeout (TYK_GW_PROXYDEFAULTTIMEOUT)"
		default:
			setting = fmt.Sprintf("a timeout of %s s: not %s; check proxy_default_timeout (TYK_GW_PROXYDEFAULTTIMEOUT) and the endpoint's enforced timeouts", num(v), pdtWords)
		}
		x.summary("Requests to %s time out on %s (%d %s) at %s s, the gateway's own timeout: %s; the upstream answers slower than that",
			x.target, list(x.nodes), x.f.Failures, x.f.Detail, num(v), setting)
	} else {
		x.summary("Requests to %s time out on %s (%d %s) at varying latencies: the upstream is slow or stalls; the gateway's limits are proxy_default_timeout and the endpoints' enforced timeouts",
			x.target, list(x.nodes), x.f.Failures, x.f.Detail)
	}
	path := "/"
	for _, e := range x.eps {
		if len(e.e.g.paths.s) > 0 {
			path = e.e.g.paths.s[0]
			break
		}
	}
	host, port := x.hostPort()
	x.act("Time the upstream from a node: `curl -sv -o /dev/null -w 'ttfb=%%{time_starttransfer}s\\n' %s://%s:%s%s`", x.scheme(), host, port, path)
	x.act("If it is legitimately slow, raise `proxy_default_timeout` in tyk.conf (TYK_GW_PROXYDEFAULTTIMEOUT; above 120 s raise `http_server_options.write_timeout` too) or give the endpoint an enforced timeout (`hard_timeouts` / OAS `enforceTimeout`)")
	x.act("Else find why %s is slow from %s: its own latency metrics, logs and dependencies", x.target, clock(x.onset))
}

// ruleIntermediary5xx: a load balancer or CDN in front of the upstream
// answered 5xx itself (guide step 4): look there, not at the upstream.
func ruleIntermediary5xx(x *incident) {
	if x.cat != catIntermediary {
		return
	}
	x.f.GuideStep = 4
	who := x.f.Intermediary
	if who == "" {
		who = "an intermediary"
	}
	x.summary("%s in front of %s answered 5xx itself (%d answers on %s), not the upstream: look at the intermediary and its view of the upstream",
		who, x.target, x.f.Failures, list(x.nodes))
	x.act("%s", intermediaryAction(x.f.Intermediary))
	x.act("`curl -v %s` from a node: the Server header and the body say who answered", x.url())
}

// ruleUpstream5xx: the upstream itself answered 5xx.
func ruleUpstream5xx(x *incident) {
	if x.cat != catUpstream5xx {
		return
	}
	x.f.GuideStep = 2
	x.summary("%s answered 5xx itself (%d %s on %s): the gateway relayed the upstream's errors", x.target, x.f.Failures, x.f.Detail, list(x.nodes))
	x.act("Read %s's own logs from %s; `curl -v %s` from a node", x.target, clock(x.onset), x.url())
}

// ruleUpstreamClosed: fresh connections closed or reset before an answer,
// or answers that are not HTTP.
func ruleUpstreamClosed(x *incident) {
	if x.cat != catClosed && x.cat != catProtocol {
		return
	}
	x.f.GuideStep = 2
	if x.f.Scope != "all_nodes" && len(x.healthyOn) > 0 {
		x.f.GuideStep = 3
	}
	x.summary("%s broke off round trips from %s (%d %s %s)", x.target, list(x.nodes), x.f.Failures, x.f.Flag, x.f.Detail)
	x.act("Read %s's own logs around %s (crashes, restarts, request limits); `curl -v %s` from %s", x.target, clock(x.onset), x.url(), x.nodes[0])
	if x.f.Intermediary != "" {
		x.act("An intermediary (%s) sits in front of it: check its logs as well", x.f.Intermediary)
	}
}

// ruleGatewayAnswer: the gateway answered without a round trip (no healthy
// upstream, circuit breaker open).
func ruleGatewayAnswer(x *incident) {
	if x.cat != catGatewayAnswer {
		return
	}
	if x.f.Flag == classify.FlagCBO {
		x.f.GuideStep = 5
		x.summary("The circuit breaker of %s is open on %s (%d answers 503 without a round trip)", orAPI(x), list(x.nodes), x.f.Failures)
		x.act("The breaker opened because the upstream failed its threshold: see the earlier failures of the same API, and its `circuit_breakers` settings (threshold_percent, samples, return_to_service_after)")
		return
	}
	x.f.GuideStep = 2
	x.summary("Every load-balanced target of %s is marked down by the uptime tests on %s (%d answers NHU)", orAPI(x), list(x.nodes), x.f.Failures)
	x.act("Check the targets the uptime tests probe (`curl -v` each from a node) and the API's `uptime_tests` and `check_host_against_uptime_tests`")
}

// ruleClientDisconnect: clients that went away first; not the upstream's
// fault unless the upstream is slower than the clients wait.
func ruleClientDisconnect(x *incident) {
	if x.cat != catClient {
		return
	}
	x.f.GuideStep = 1
	lat := ""
	if len(x.latMs) > 0 {
		lat = fmt.Sprintf("; they had waited %s s (median)", num(math.Round(median(x.latMs)/100)/10))
	}
	x.summary("Clients disconnected before %s answered (%d requests on %s%s): not a failure of the gateway or the upstream", orAPI(x), x.f.Failures, list(x.nodes), lat)
	x.act("If the upstream is slow, compare its latency with the clients' timeouts; else nothing to do on the gateway")
}

// ruleUnclassified: only a 5xx status is known.
func ruleUnclassified(x *incident) {
	if x.cat != catUnclassified {
		return
	}
	x.f.GuideStep = 1
	x.summary("%d requests of %s failed on %s with only their status known (%s)", x.f.Failures, orAPI(x), list(x.nodes), x.f.Detail)
	x.act("Install the upstreamcause plugin (or run Tyk 5.12+) so that each failure carries its cause, target and peer")
}

// —— helpers ——

func (x *incident) evidence(format string, args ...any) {
	x.f.Evidence = append(x.f.Evidence, fmt.Sprintf(format, args...))
}

// summary sets the Finding's one sentence: the cause rule's words, then the
// trigger's.
func (x *incident) summary(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if x.triggerNote != "" {
		s += "; it began " + x.triggerNote
	}
	if x.f.End != nil {
		s += fmt.Sprintf(" (%s – %s)", clock(x.onset), clock(*x.f.End))
	} else {
		s += fmt.Sprintf(" (since %s, still failing at the end of the logs)", clock(x.onset))
	}
	x.f.Summary = s + "."
}

func (x *incident) act(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	x.f.Actions = append(x.f.Actions, s)
}

func (x *incident) causes() []CauseCount { return x.f.Causes }

func (x *incident) targetOrAPI() string {
	if x.target != "" {
		return x.target
	}
	return orAPI(x)
}

func orAPI(x *incident) string {
	if x.target != "" {
		return x.target
	}
	if len(x.f.APIIDs) > 0 {
		return "API " + strings.Join(x.f.APIIDs, ", ")
	}
	return "the upstream"
}

func (x *incident) hostPort() (string, string) {
	def := "80"
	if x.cat == catTLS {
		def = "443"
	}
	return splitHostPort(x.target, def)
}

func (x *incident) scheme() string {
	_, port := x.hostPort()
	if x.cat == catTLS || port == "443" || x.f.CertSubject != "" {
		return "https"
	}
	return "http"
}

func (x *incident) url() string {
	host, port := x.hostPort()
	return fmt.Sprintf("%s://%s/", x.scheme(), net.JoinHostPort(host, port))
}

func splitHostPort(hp, defPort string) (string, string) {
	if hp == "" {
		return "<upstream host>", defPort
	}
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return strings.Trim(hp, "[]"), defPort
	}
	return h, p
}

// clock formats a time for a sentence: RFC 3339 to the second, UTC.
func clock(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func list(xs []string) string {
	switch len(xs) {
	case 0:
		return "no node"
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " and " + xs[1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// themselves is "the node itself" or "the nodes themselves".
func themselves(nodes []string) string {
	if len(nodes) == 1 {
		return "the node itself"
	}
	return "the nodes themselves"
}

// member reports whether xs, sorted or not, has s.
func member(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	i := sort.SearchStrings(xs, s)
	return i < len(xs) && xs[i] == s
}

func peersNote(peers []string) string {
	if len(peers) == 0 {
		return ""
	}
	return " (the failing attempts tried " + strings.Join(peers, ", ") + ")"
}

func connectWords(detail string) string {
	switch detail {
	case classify.DetailConnectionTimeout:
		return "connect timeouts"
	case classify.DetailConnectionRefused:
		return "connections refused"
	case classify.DetailHostUnreachable:
		return "no route to host"
	case classify.DetailNetworkUnreachable:
		return "network unreachable"
	case classify.DetailConnectionNotPermitted:
		return "connects denied by a local firewall"
	case classify.DetailLocalAddressUnavailable:
		return "ephemeral ports"
	case classify.DetailFileDescriptorsExhausted:
		return "file descriptors"
	}
	return "failed connects (" + detail + ")"
}

func dnsHint(detail string) string {
	switch detail {
	case classify.DetailDNSNotFound:
		return "NXDOMAIN means the name does not exist (a typo in the API's target, a deleted record or service)"
	case classify.DetailDNSServerFailure:
		return "SERVFAIL means the resolver could not get an answer (the zone's servers, DNSSEC)"
	case classify.DetailDNSTimeout:
		return "a timeout means the resolver does not answer"
	}
	return "which resolver fails, and how"
}

func tlsWords(detail string) string {
	switch detail {
	case classify.DetailTLSCertificateExpired:
		return "its certificate has expired"
	case classify.DetailTLSCertificateNotYetValid:
		return "its certificate is not yet valid (a clock skew on the node or the upstream?)"
	case classify.DetailTLSHostnameMismatch:
		return "its certificate is for another host name"
	case classify.DetailTLSUnknownAuthority:
		return "its certificate is signed by an authority the gateway does not trust"
	case classify.DetailTLSHandshakeTimeout:
		return "the handshake times out"
	case classify.DetailTLSClientCertificateRequired, classify.DetailTLSClientCertificateRejected:
		return "it wants, or rejects, the gateway's client certificate (mTLS)"
	case classify.DetailTLSProtocolError:
		return "it does not speak TLS on that port, or a protocol error"
	}
	return strings.ReplaceAll(detail, "_", " ")
}

func tlsAction(detail, host string) string {
	switch detail {
	case classify.DetailTLSCertificateExpired:
		return "Renew the upstream's certificate (or the intermediate that expired)"
	case classify.DetailTLSCertificateNotYetValid:
		return "Compare the clocks of the node and the upstream (`timedatectl`, `chronyc tracking`) with the certificate's NotBefore"
	case classify.DetailTLSHostnameMismatch:
		return fmt.Sprintf("Give the upstream a certificate whose SANs include %s, or point the API's target at a name the certificate covers", host)
	case classify.DetailTLSUnknownAuthority:
		return "Add the issuing CA to the gateway's trust store (the node's system roots), or have the upstream send its full chain"
	case classify.DetailTLSClientCertificateRequired, classify.DetailTLSClientCertificateRejected:
		return "Check the API's upstream client certificate (upstream_certificates) and the CA the upstream trusts for clients"
	}
	return "Compare the handshake from the node with the gateway's TLS settings (proxy_ssl_min_version, proxy_ssl_ciphers; the API's proxy.transport.ssl_*)"
}

func intermediaryAction(who string) string {
	switch who {
	case classify.IntermediaryAWSELB:
		return "AWS load balancer: its target group's health checks and access logs (elb_status_code vs target_status_code; a target_status_code of '-' means the target did not answer)"
	case classify.IntermediaryCloudflare:
		return "Cloudflare: the 52x code says what failed between Cloudflare and the origin (521 refused, 522 timeout, 524 slow origin, 525/526 TLS)"
	case classify.IntermediaryEnvoy:
		return "Envoy/Istio: its access log's response flags (UF, UH, UT …) and the upstream cluster's health"
	case classify.IntermediaryAkamai:
		return "Akamai: the 'Reference #' of the error page, looked up in Akamai's error translator"
	}
	return "The intermediary's Proxy-Status error and logs"
}
