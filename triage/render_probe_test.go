package triage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A finding with probe evidence shows it in every format: one line per
// node and verdict, under the finding; log text escaped (Markdown: code
// spans; HTML: as text).
func TestRenderProbes(t *testing.T) {
	restart, fixed := genAt(1, 0, 0), genAt(1, 40, 0)
	hostile := func(time.Time) *Probe {
		return &Probe{Verdict: ProbeUnreachable, Connect: "10.0.3.17:8080 timeout 3000ms <script>|`x`"}
	}
	r := analyzeAll(withProbes(genFleet(51, 2*time.Hour, scBlackhole(restart, fixed)), "gw-b", upOrders.target, 30*time.Second, hostile, false, true), Config{})
	f := &r.Findings[0]
	if len(f.Probes) != 1 {
		t.Fatalf("probes %+v", f.Probes)
	}
	at := clock(f.Probes[0].Sample.Time)
	span := clock(f.Probes[0].First) + " – " + clock(f.Probes[0].Last)

	var text bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	line := "\n    probe from gw-b at " + at + " after a UCT: unreachable_from_node (10.0.3.17:8080 timeout 3000ms <script>|`x`); "
	if i, j := strings.Index(text.String(), line), strings.Index(text.String(), "    evidence:"); i < 0 || j < i || !strings.Contains(text.String(), span) {
		t.Errorf("text lacks the probe line %q before the evidence:\n%s", line, text.String())
	}

	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	mdLine := "\n- Probe from `gw-b` at " + at + " after a `UCT`: `unreachable_from_node` (`` 10.0.3.17:8080 timeout 3000ms <script>\\|`x` ``); "
	if !strings.Contains(md.String(), mdLine) {
		t.Errorf("markdown lacks %q:\n%s", mdLine, md.String())
	}

	var html bytes.Buffer
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	doc := htmlParse(t, html.Bytes())
	if bytes.Contains(html.Bytes(), []byte("<script")) || !strings.Contains(doc.text, "probe from gw-b at "+at+" after a UCT: unreachable_from_node (10.0.3.17:8080 timeout 3000ms <script>|`x`)") ||
		!strings.Contains(doc.text, "failed from the failing nodes themselves, as their requests did") {
		t.Errorf("HTML lacks the probe line, or has a script")
	}

	// Without probes, no probe line anywhere.
	plain := analyzeAll(genFleet(51, 2*time.Hour, scBlackhole(restart, fixed)), Config{})
	for _, w := range []func(*bytes.Buffer, *Report) error{
		func(b *bytes.Buffer, r *Report) error { return WriteText(b, r) },
		func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) },
		func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) },
	} {
		var b bytes.Buffer
		if err := w(&b, plain); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(b.String()), "probe") {
			t.Errorf("a report without probes mentions them:\n%.400s", b.String())
		}
	}
}
