package triage

import (
	"sort"
	"time"
)

// MergeNodes renames nodes after reading: every node named in aliases as a
// key becomes the node its value names, its requests, lifecycle marks and
// failures added to that node's. It is for the names a reader could only
// learn part way (Reader.NodeAliases: a file or kubectl pod whose lines
// carry the plugin's gateway_node from its first failure on); the
// node's probe evidence goes with it. Call it
// after the last Add and before Report. A failure group that the target
// node also has (same target and cause) adds its counts and minutes to
// that node's and keeps that node's samples.
func (a *Analyzer) MergeNodes(aliases map[string]string) {
	for from, to := range aliases {
		src := a.nodes[from]
		if src == nil || from == to {
			continue
		}
		dst := a.node(to)
		mergeNode(dst, src)
		delete(a.nodes, from)
		a.lastNode = nil
		a.mergeProbes(from, dst.name)
		for k, g := range a.groups {
			if k.node != from {
				continue
			}
			delete(a.groups, k)
			k.node = dst.name
			g.key = k
			if have := a.groups[k]; have != nil {
				mergeGroup(have, g)
			} else {
				a.groups[k] = g
			}
		}
	}
}

func mergeNode(dst, src *nodeAgg) {
	mergeKeyAgg(&dst.all, &src.all)
	for t, k := range src.targets {
		mergeKeyAgg(dst.target(t), k)
	}
	for id, k := range src.apis {
		mergeKeyAgg(dst.api(id), k)
	}
	dst.lastTarget, dst.lastAPI = nil, nil
	dst.marks = append(dst.marks, src.marks...)
	sort.SliceStable(dst.marks, func(i, j int) bool { return dst.marks[i].Time.Before(dst.marks[j].Time) })
	dst.marksDropped += src.marksDropped
	dst.first = earliest(dst.first, src.first)
	dst.firstReq = earliest(dst.firstReq, src.firstReq)
	if src.last.After(dst.last) {
		dst.last = src.last
	}
	dst.requests += src.requests
	dst.classified += src.classified
}

func mergeKeyAgg(dst, src *keyAgg) {
	for m, c := range src.minutes {
		d := dst.cell(m)
		d.requests += c.requests
		d.successes += c.successes
	}
	if src.lastOK.After(dst.lastOK) {
		dst.lastOK = src.lastOK
	}
}

func mergeGroup(dst, src *group) {
	dst.failures += src.failures
	dst.first = earliest(dst.first, src.first)
	if src.last.After(dst.last) {
		dst.last = src.last
	}
	for m, c := range src.minutes {
		d, ok := dst.minutes[m]
		if !ok {
			dst.minutes[m] = c
			continue
		}
		d.n += c.n
		d.firstMs = min(d.firstMs, c.firstMs)
		d.lastMs = max(d.lastMs, c.lastMs)
		dst.minutes[m] = d
	}
	dst.reused += src.reused
}

// earliest is the earlier of two times, a zero time being unknown.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
