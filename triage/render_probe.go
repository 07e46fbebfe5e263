package triage

import (
	"fmt"
	"strings"
)

// probeLine is one line of a finding's probe evidence, for the text,
// Markdown and HTML reports: "probe from gw-a at T after a UCT:
// unreachable_from_node (127.0.1.1:8080 timeout 3000ms); 4 probes T1 – T2".
// code formats the pieces taken from the logs (Markdown: a code span; the
// HTML template escapes the whole line).
func probeLine(ev *ProbeEvidence, code func(string) string) string {
	var b strings.Builder
	if ev.Source == ProbeFromAccessLog {
		fmt.Fprintf(&b, "probe from %s about %s: %s (carried by %s as upstream_probe; no probe entries of %s in the logs)",
			code(ev.Node), clock(ev.First), code(ev.Verdict), plural(ev.Count, "failed request"), code(ev.Node))
		return b.String()
	}
	at := ev.Sample.Time
	if at.IsZero() {
		at = ev.First
	}
	fmt.Fprintf(&b, "probe from %s at %s", code(ev.Node), clock(at))
	if ev.Sample.TriggerFlag != "" {
		fmt.Fprintf(&b, " after a %s", code(ev.Sample.TriggerFlag))
	}
	fmt.Fprintf(&b, ": %s", code(ev.Verdict))
	if d := probeDetail(ev); d != "" {
		fmt.Fprintf(&b, " (%s)", code(d))
	}
	if s := &ev.Sample; s.TLSSubject != "" || s.TLSIssuer != "" || s.TLSNotAfter != "" || s.TLSSANs != "" {
		var parts []string
		for _, kv := range [][2]string{{"subject ", s.TLSSubject}, {"issuer ", s.TLSIssuer}, {"not after ", s.TLSNotAfter}, {"SANs ", s.TLSSANs}, {"", s.TLSVersion}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+code(kv[1]))
			}
		}
		fmt.Fprintf(&b, "; certificate %s", strings.Join(parts, ", "))
	}
	if ev.Count > 1 {
		fmt.Fprintf(&b, "; %d probes %s – %s", ev.Count, clock(ev.First), clock(ev.Last))
	}
	if ev.Dropped > 0 {
		fmt.Fprintf(&b, "; %s dropped by the plugin", plural(ev.Dropped, "probe"))
	}
	return b.String()
}

func plainText(s string) string { return s }
