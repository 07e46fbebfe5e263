package triage

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// minorGroup is the minor findings (Finding.Minor) of one cause, as the
// text, Markdown and HTML reports fold them into one line.
type minorGroup struct {
	Flag, Detail string
	Category     string     // the first finding's
	Failures     int        // failed requests of the findings
	Findings     []*Finding // by rank
	Nodes        []string   // sorted
	Targets      []string   // sorted; "(unknown target)" for a finding without one
	From, To     time.Time  // the first onset, the last end
}

// Ranks lists the findings' ranks, "#3, #7".
func (g *minorGroup) Ranks() string {
	var rs []string
	for _, f := range g.Findings {
		rs = append(rs, fmt.Sprintf("#%d", f.Rank))
	}
	return strings.Join(rs, ", ")
}

// Cause is the group's flag and detail.
func (g *minorGroup) Cause() string { return causeLabel(g.Findings[0]) }

// majorFindings returns the findings that are not minor, by rank.
func majorFindings(r *Report) []*Finding {
	var out []*Finding
	for i := range r.Findings {
		if !r.Findings[i].Minor {
			out = append(out, &r.Findings[i])
		}
	}
	return out
}

// minorGroups folds the minor findings of r into one group per cause (flag
// and detail): most failed requests first, client disconnects last, as the
// findings are ranked.
func minorGroups(r *Report) (groups []*minorGroup, failures, findings int) {
	byCause := map[[2]string]*minorGroup{}
	nodes, targets := map[*minorGroup]map[string]bool{}, map[*minorGroup]map[string]bool{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if !f.Minor {
			continue
		}
		k := [2]string{f.Flag, f.Detail}
		g := byCause[k]
		if g == nil {
			g = &minorGroup{Flag: f.Flag, Detail: f.Detail, Category: f.Category, From: f.Onset}
			byCause[k] = g
			groups = append(groups, g)
			nodes[g], targets[g] = map[string]bool{}, map[string]bool{}
		}
		g.Findings = append(g.Findings, f)
		g.Failures += f.Failures
		failures += f.Failures
		findings++
		for _, n := range f.Nodes {
			nodes[g][n] = true
		}
		targets[g][orUnknown(f.Target)] = true
		if f.Onset.Before(g.From) {
			g.From = f.Onset
		}
		end := f.Onset
		if f.End != nil {
			end = *f.End
		}
		if end.After(g.To) {
			g.To = end
		}
	}
	keys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for _, g := range groups {
		g.Nodes, g.Targets = keys(nodes[g]), keys(targets[g])
	}
	client := catClient.String()
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if (a.Category == client) != (b.Category == client) {
			return b.Category == client
		}
		if a.Failures != b.Failures {
			return a.Failures > b.Failures
		}
		return a.Flag+" "+a.Detail < b.Flag+" "+b.Detail
	})
	return groups, failures, findings
}

// minorWhy says what made the findings minor, for the reports' "other
// failures" heading.
var minorWhy = fmt.Sprintf("each with at most %d failed requests or %s %% of its requests, no trigger, ended, apart from the other findings", MinorFailures, num(MinorShare*100))
