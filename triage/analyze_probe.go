package triage

import (
	"sort"
	"strings"
	"time"
)

// The plugin's probe evidence: its probe entries (KindProbe), counted per
// (node, target, verdict) and never as requests, and the verdicts failed
// requests carry (upstream_probe), counted the same way apart. Memory is
// bounded like the failure groups': by the distinct keys and their
// minutes, and at most maxExamples samples per key.

// probeKey is (node, target, verdict), and whether the evidence is the
// verdict failed requests carried (upstream_probe) rather than the probe
// entries themselves.
type probeKey struct {
	node, target, verdict string
	carried               bool
}

// probeAgg is the evidence of one probeKey: the probes (or, carried, the
// requests carrying the verdict) per minute of the probe's time, and the
// first probe of each episode (one more than Config.IncidentGap from
// every kept one) with its details.
type probeAgg struct {
	key     probeKey
	n       int
	minutes map[int64]minuteCell // unix minute of the probe's time →
	samples []probeSample        // by time
	dropped int                  // the probe_dropped of its entries, summed
}

// probeSample is one probe's details: for carried evidence, only its
// estimated time (the request's time less the verdict's age).
type probeSample struct {
	t time.Time
	p Probe
}

func (a *Analyzer) addProbe(n *nodeAgg, target, verdict string, at time.Time, p *Probe, carried bool) {
	k := probeKey{node: n.name, target: target, verdict: verdict, carried: carried}
	g := a.probes[k]
	if g == nil {
		k.target, k.verdict = strings.Clone(k.target), strings.Clone(k.verdict)
		g = &probeAgg{key: k, minutes: make(map[int64]minuteCell)}
		a.probes[k] = g
	}
	g.n++
	addCell(g.minutes, at)
	if p != nil {
		g.dropped += p.Dropped
	}
	if len(g.samples) >= maxExamples {
		return
	}
	for _, s := range g.samples {
		if d := at.Sub(s.t); d > -a.cfg.IncidentGap && d < a.cfg.IncidentGap {
			return
		}
	}
	s := probeSample{t: at, p: Probe{Verdict: k.verdict}}
	if p != nil {
		s.p = cloneProbe(*p)
		s.p.Verdict = k.verdict
	}
	g.samples = append(g.samples, s)
	sort.Slice(g.samples, func(i, j int) bool { return g.samples[i].t.Before(g.samples[j].t) })
}

// addCell counts t in its minute's cell.
func addCell(m map[int64]minuteCell, t time.Time) {
	minute := unixMinute(t)
	ms := uint16(t.Sub(time.Unix(minute*60, 0)) / time.Millisecond)
	c, seen := m[minute]
	if !seen || ms < c.firstMs {
		c.firstMs = ms
	}
	if !seen || ms > c.lastMs {
		c.lastMs = ms
	}
	c.n++
	m[minute] = c
}

func cloneProbe(p Probe) Probe {
	for _, s := range []*string{&p.Verdict, &p.TriggerFlag, &p.Addrs, &p.Connect, &p.DNSError, &p.TLSVerify, &p.TLSError,
		&p.TLSSubject, &p.TLSIssuer, &p.TLSNotAfter, &p.TLSSANs, &p.TLSVersion} {
		*s = strings.Clone(*s)
	}
	return p
}

// mergeProbes renames the probe evidence of node from to node to
// (MergeNodes).
func (a *Analyzer) mergeProbes(from, to string) {
	for k, g := range a.probes {
		if k.node != from {
			continue
		}
		delete(a.probes, k)
		k.node = to
		g.key = k
		have := a.probes[k]
		if have == nil {
			a.probes[k] = g
			continue
		}
		have.n += g.n
		have.dropped += g.dropped
		for m, c := range g.minutes {
			d, ok := have.minutes[m]
			if !ok {
				have.minutes[m] = c
				continue
			}
			d.n += c.n
			d.firstMs = min(d.firstMs, c.firstMs)
			d.lastMs = max(d.lastMs, c.lastMs)
			have.minutes[m] = d
		}
		have.samples = append(have.samples, g.samples...)
		sort.Slice(have.samples, func(i, j int) bool { return have.samples[i].t.Before(have.samples[j].t) })
		if len(have.samples) > maxExamples {
			have.samples = have.samples[:maxExamples]
		}
	}
}

// probeFails says whether a verdict is a failed check: the node could not
// reach, resolve or verify the target.
func probeFails(verdict string) bool {
	switch verdict {
	case ProbeUnreachable, ProbeRefused, ProbeDNSFails, ProbeTLSInvalid:
		return true
	}
	return false
}

// probeEvidence returns the evidence of node's probes of target in
// [from, to] (whole minutes), one ProbeEvidence per verdict, earliest
// first: of the probe entries, or with carried those of the verdicts
// failed requests carried.
func (a *Analyzer) probeEvidence(node, target string, from, to time.Time, carried bool) []ProbeEvidence {
	lo, hi := unixMinute(from), unixMinute(to)
	var out []ProbeEvidence
	for k, g := range a.probes {
		if k.node != node || k.target != target || k.carried != carried {
			continue
		}
		ev := ProbeEvidence{Node: node, Verdict: k.verdict, Source: ProbeFromEntries}
		if carried {
			ev.Source = ProbeFromAccessLog
		}
		var first, last int64
		for m, c := range g.minutes {
			if m < lo || m > hi {
				continue
			}
			if ev.Count == 0 || m < first {
				first = m
			}
			if ev.Count == 0 || m > last {
				last = m
			}
			ev.Count += int(c.n)
		}
		if ev.Count == 0 {
			continue
		}
		ev.First = cellTime(first, g.minutes[first].firstMs)
		ev.Last = cellTime(last, g.minutes[last].lastMs)
		// The sample: the earliest in the window, else the nearest to it.
		var best *probeSample
		for i := range g.samples {
			s := &g.samples[i]
			if m := unixMinute(s.t); m >= lo && m <= hi {
				best = s
				break
			}
			if best == nil || distance(s.t, ev.First) < distance(best.t, ev.First) {
				best = s
			}
		}
		if best != nil {
			ev.Sample = sampleOf(best)
		}
		if !carried {
			ev.Dropped = g.dropped
		}
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].First.Equal(out[j].First) {
			return out[i].First.Before(out[j].First)
		}
		return out[i].Verdict < out[j].Verdict
	})
	return out
}

func sampleOf(s *probeSample) ProbeSample {
	p := s.p
	return ProbeSample{Time: s.t.UTC().Truncate(time.Millisecond), TriggerFlag: p.TriggerFlag, Addrs: p.Addrs, Connect: p.Connect,
		DNSError: p.DNSError, TLSVerify: p.TLSVerify, TLSError: p.TLSError, TLSSubject: p.TLSSubject, TLSIssuer: p.TLSIssuer,
		TLSNotAfter: p.TLSNotAfter, TLSSANs: p.TLSSANs, TLSVersion: p.TLSVersion}
}

func distance(a, b time.Time) time.Duration { return absDur(a.Sub(b)) }
