package triage

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// TextTopFindings is how many findings that are not minor WriteText writes
// in full; the further ones get one line each.
const TextTopFindings = 5

// WriteText writes r for a terminal: a header saying what was read, the top
// findings in full (rank, cause, target, scope and nodes, failures, onset
// and end, trigger, guide step, the summary, the plugin's probe evidence
// one line per node and verdict, evidence, next actions and an example
// line), one line for each further finding, the minor findings
// (Finding.Minor) folded into one "other failures" line per cause (their
// failures, findings, nodes, targets, time span and ranks), the node ×
// cause and target × cause tables, and what the data could not tell. Plain
// text, no colours, lines not wrapped. The only error is w's.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	in := r.Inputs
	p("upstreamcause triage: %d lines (%d used, %d skipped), %d node(s) %s", in.Lines, in.Used, in.Skipped, len(in.Nodes), strings.Join(in.Nodes, ", "))
	if in.From != nil && in.To != nil {
		p(", %s – %s", clock(*in.From), clock(*in.To))
	}
	p("\n\n")

	major := majorFindings(r)
	if len(r.Findings) == 0 {
		p("No failed requests.\n\n")
	} else if len(major) == 0 {
		p("No finding beyond minor ones (below).\n\n")
	}
	for i, f := range major {
		if i >= TextTopFindings {
			if i == TextTopFindings {
				p("Further findings:\n")
			}
			p("  #%d  %s  %s  %s  %d failures  %s\n", f.Rank, causeLabel(f), orUnknown(f.Target), scopeLabel(f), f.Failures, clock(f.Onset))
			continue
		}
		p("#%d  %s  %s  %s  %d failures\n", f.Rank, causeLabel(f), orUnknown(f.Target), scopeLabel(f), f.Failures)
		p("    guide step %d (%s) · onset %s · %s · trigger %s · healthy elsewhere %s · load-dependent %s\n",
			f.GuideStep, GuideSteps[f.GuideStep], clock(f.Onset), endLabel(f), triggerLabel(f.Trigger), triBool(f.HealthyElsewhere), triBool(f.LoadDependent))
		if f.IdleTimeoutS != nil {
			p("    idle timeout ≈ %s s\n", num(*f.IdleTimeoutS))
		}
		if f.TimeoutS != nil {
			p("    timeout ≈ %s s\n", num(*f.TimeoutS))
		}
		p("    %s\n", f.Summary)
		for j := range f.Probes {
			p("    %s\n", probeLine(&f.Probes[j], plainText))
		}
		if len(f.Evidence) > 0 {
			p("    evidence:\n")
			for _, e := range f.Evidence {
				p("      - %s\n", e)
			}
		}
		if len(f.Actions) > 0 {
			p("    next:\n")
			for j, a := range f.Actions {
				p("      %d. %s\n", j+1, a)
			}
		}
		if f.Example != "" {
			p("    example: %s\n", f.Example)
		}
		p("\n")
	}
	if len(major) > TextTopFindings {
		p("\n")
	}
	if groups, failures, findings := minorGroups(r); len(groups) > 0 {
		p("Other failures: %s in %s (%s), by cause:\n", plural(failures, "failed request"), plural(findings, "minor finding"), minorWhy)
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		for _, g := range groups {
			fmt.Fprintf(tw, "  %s\t%s in %s\ton %s\tto %s\t%s – %s\t(%s)\n", g.Cause(), plural(g.Failures, "failure"), plural(len(g.Findings), "finding"),
				strings.Join(g.Nodes, ", "), strings.Join(g.Targets, ", "), clock(g.From), clock(g.To), g.Ranks())
		}
		tw.Flush()
		p("\n")
	}

	if len(r.NodeCause) > 0 {
		p("Failed requests by node × cause:\n")
		writeTextTable(bw, "node", r.NodeCause)
		p("\nFailed requests by target × cause:\n")
		writeTextTable(bw, "target", r.TargetCause)
		p("\n")
	}
	if len(r.Unknowable) > 0 {
		p("What the logs could not tell:\n")
		for _, u := range r.Unknowable {
			p("  - %s\n", u)
		}
	}
	return bw.Flush()
}

// GuideSteps names the steps of Tyk's 502 troubleshooting guide, by
// Finding.GuideStep.
var GuideSteps = [...]string{
	0: "",
	1: "isolate the scope",
	2: "connectivity from the node",
	3: "the node's network and DNS",
	4: "intermediaries",
	5: "Tyk's own timeouts",
}

func causeLabel(f *Finding) string {
	if f.Detail == "" {
		return f.Flag
	}
	return f.Flag + " " + f.Detail
}

func scopeLabel(f *Finding) string {
	return f.Scope + ": " + strings.Join(f.Nodes, ", ")
}

func endLabel(f *Finding) string {
	if f.End == nil {
		return "still failing at the end"
	}
	return "end " + clock(*f.End)
}

func triggerLabel(t Trigger) string {
	if t.Kind == "" || t.Kind == "none" || t.Time == nil {
		return "none"
	}
	return fmt.Sprintf("%s %s %s", t.Kind, t.Node, clock(*t.Time))
}

func triBool(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "yes"
	}
	return "no"
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown target)"
	}
	return s
}

// matrix turns cells into a table: rows sorted by name, flag columns by
// failures (most first), and the counts.
func matrix(cells []Cell) (rows, flags []string, at map[[2]string]int, rowTotal, flagTotal map[string]int) {
	at = map[[2]string]int{}
	rowTotal, flagTotal = map[string]int{}, map[string]int{}
	for _, c := range cells {
		at[[2]string{c.Row, c.Flag}] += c.Failures
		rowTotal[c.Row] += c.Failures
		flagTotal[c.Flag] += c.Failures
	}
	for r := range rowTotal {
		rows = append(rows, r)
	}
	for f := range flagTotal {
		flags = append(flags, f)
	}
	sort.Strings(rows)
	sort.Slice(flags, func(i, j int) bool {
		if flagTotal[flags[i]] != flagTotal[flags[j]] {
			return flagTotal[flags[i]] > flagTotal[flags[j]]
		}
		return flags[i] < flags[j]
	})
	return
}

func writeTextTable(w io.Writer, head string, cells []Cell) {
	rows, flags, at, rowTotal, _ := matrix(cells)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  %s\t", head)
	for _, f := range flags {
		fmt.Fprintf(tw, "%s\t", f)
	}
	fmt.Fprint(tw, "total\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t", r)
		for _, f := range flags {
			if n := at[[2]string{r, f}]; n > 0 {
				fmt.Fprintf(tw, "%s\t", strconv.Itoa(n))
			} else {
				fmt.Fprint(tw, "·\t")
			}
		}
		fmt.Fprintf(tw, "%d\t\n", rowTotal[r])
	}
	tw.Flush()
}
