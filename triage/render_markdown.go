package triage

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes r as GitHub-flavoured Markdown for a ticket: a
// summary table of the findings, each finding with its probe evidence
// (one line per node and verdict), evidence, next
// actions (commands as code) and example line, the node × cause and
// target × cause tables, and what the data could not tell. Minor findings
// (Finding.Minor) are left out of the summary table and the sections and
// folded into one row per cause of an "Other failures" table. Log text is
// put in code spans or blocks, and table cells have their pipes escaped.
// The only error is w's.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	in := r.Inputs

	p("## Gateway failures: triage\n\n")
	p("%d lines read (%d used, %d skipped) from %d node(s): %s", in.Lines, in.Used, in.Skipped, len(in.Nodes), mdCode(strings.Join(in.Nodes, ", ")))
	if in.From != nil && in.To != nil {
		p(", %s – %s", clock(*in.From), clock(*in.To))
	}
	p(".\n\n")

	major := majorFindings(r)
	groups, minorFailures, minorFindings := minorGroups(r)
	if len(r.Findings) == 0 {
		p("No failed requests.\n\n")
	} else if len(major) == 0 {
		p("No finding beyond minor ones (below).\n\n")
	} else {
		p("| # | cause | target | scope | nodes | failures | onset | end | trigger | step |\n")
		p("|---|---|---|---|---|---:|---|---|---|---:|\n")
		for _, f := range major {
			end := "ongoing"
			if f.End != nil {
				end = clock(*f.End)
			}
			p("| %d | %s | %s | %s | %s | %d | %s | %s | %s | %d |\n", f.Rank, mdCode(causeLabel(f)), mdCode(orUnknown(f.Target)),
				f.Scope, mdCell(strings.Join(f.Nodes, ", ")), f.Failures, clock(f.Onset), end, mdCell(triggerLabel(f.Trigger)), f.GuideStep)
		}
		if len(groups) > 0 {
			p("\nAnd %s in %s: [other failures](#other-failures).\n", plural(minorFailures, "failed request"), plural(minorFindings, "minor finding"))
		}
		p("\n")
	}
	for _, f := range major {
		p("### %d. %s on %s\n\n", f.Rank, mdCode(causeLabel(f)), mdCode(orUnknown(f.Target)))
		p("%s\n\n", mdText(f.Summary))
		p("- **Guide step %d** (%s); scope %s: %s\n", f.GuideStep, GuideSteps[f.GuideStep], f.Scope, mdText(strings.Join(f.Nodes, ", ")))
		p("- Healthy elsewhere: %s; load-dependent: %s; trigger: %s\n", triBool(f.HealthyElsewhere), triBool(f.LoadDependent), mdText(triggerLabel(f.Trigger)))
		if f.IdleTimeoutS != nil {
			p("- Idle timeout ≈ %s s\n", num(*f.IdleTimeoutS))
		}
		if f.TimeoutS != nil {
			p("- Timeout ≈ %s s\n", num(*f.TimeoutS))
		}
		for j := range f.Probes {
			p("- %s\n", upperFirst(probeLine(&f.Probes[j], mdCode)))
		}
		for _, e := range f.Evidence {
			p("- %s\n", mdText(e))
		}
		p("\n")
		if len(f.Actions) > 0 {
			p("Next:\n\n")
			for j, a := range f.Actions {
				p("%d. %s\n", j+1, mdText(a))
			}
			p("\n")
		}
		if f.Example != "" {
			p("<details><summary>example line</summary>\n\n%s\n\n</details>\n\n", mdBlock(f.Example))
		}
	}
	if len(groups) > 0 {
		p("### Other failures\n\n")
		p("%s in %s (%s), by cause:\n\n", upperFirst(plural(minorFailures, "failed request")), plural(minorFindings, "minor finding"), minorWhy)
		p("| cause | failures | findings | nodes | targets | first | last | ranks |\n")
		p("|---|---:|---:|---|---|---|---|---|\n")
		for _, g := range groups {
			p("| %s | %d | %d | %s | %s | %s | %s | %s |\n", mdCode(g.Cause()), g.Failures, len(g.Findings), mdCell(strings.Join(g.Nodes, ", ")),
				mdCode(strings.Join(g.Targets, ", ")), clock(g.From), clock(g.To), g.Ranks())
		}
		p("\n")
	}
	if len(r.NodeCause) > 0 {
		p("### Failed requests by node × cause\n\n")
		writeMarkdownTable(bw, "node", r.NodeCause)
		p("\n### Failed requests by target × cause\n\n")
		writeMarkdownTable(bw, "target", r.TargetCause)
		p("\n")
	}
	if len(r.Unknowable) > 0 {
		p("### What the logs could not tell\n\n")
		for _, u := range r.Unknowable {
			p("- %s\n", mdText(u))
		}
	}
	return bw.Flush()
}

func writeMarkdownTable(w io.Writer, head string, cells []Cell) {
	rows, flags, at, rowTotal, _ := matrix(cells)
	fmt.Fprintf(w, "| %s |", head)
	for _, f := range flags {
		fmt.Fprintf(w, " %s |", mdCell(f))
	}
	fmt.Fprint(w, " total |\n|---|")
	for range flags {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprint(w, "---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |", mdCode(r))
		for _, f := range flags {
			if n := at[[2]string{r, f}]; n > 0 {
				fmt.Fprintf(w, " %d |", n)
			} else {
				fmt.Fprint(w, "  |")
			}
		}
		fmt.Fprintf(w, " %d |\n", rowTotal[r])
	}
}

// mdCode puts s in a code span, with a fence longer than any backtick run
// in it, and pipes escaped for tables.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", "\\|") + pad + fence
}

// mdCell escapes a table cell's pipes and newlines.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

// mdText keeps text as written (the sentences carry their commands in
// backtick code spans already) but, outside the code spans, escapes what
// would start HTML; newlines become spaces.
func mdText(s string) string {
	parts := strings.Split(strings.ReplaceAll(s, "\n", " "), "`")
	esc := strings.NewReplacer("<", "&lt;", ">", "&gt;")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = esc.Replace(parts[i])
	}
	return strings.Join(parts, "`")
}

// mdBlock puts s in a fenced code block.
func mdBlock(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "\n" + s + "\n" + fence
}
