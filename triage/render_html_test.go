package triage

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

const htmlHostile = `<script>alert("x")</script>`

// htmlTestReport is a report of three nodes over 90 minutes: gw-a restarts
// and then cannot connect to one upstream; every node sees idle closes of
// another; a node name and a target carry markup.
func htmlTestReport() *Report {
	t0 := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tp := func(t time.Time) *time.Time { return &t }
	f64 := func(v float64) *float64 { return &v }
	yes, no := true, false
	nodes := []string{"gw-a", "gw-b", "gw-" + htmlHostile}

	r := &Report{
		Inputs: Inputs{
			Files: []string{"gw-a.log", "gw-b.log.gz", "-"}, Lines: 12345, Used: 12000, Skipped: 3,
			Reasons: map[string]int{"not_utf8": 2, "too_long": 1},
			Nodes:   nodes, From: tp(at(0)), To: tp(at(89)),
		},
		Unknowable: []string{"no peer addresses on " + htmlHostile},
	}
	for i, n := range nodes {
		tl := NodeTimeline{Node: n}
		for m := 0; m < 90; m++ {
			mc := MinuteCount{Minute: at(m), Requests: 40 + m%7, Failures: map[string]int{}}
			if m%15 == 3 {
				mc.Failures["UCC"] = 1
			}
			if i == 0 && m >= 31 {
				mc.Failures["UCT"] = 20
			}
			if i == 2 && m == 50 {
				mc.Failures[""] = 2
			}
			tl.Minutes = append(tl.Minutes, mc)
		}
		tl.Marks = []Mark{{Kind: "start", Time: at(0), Text: "v5.8.15"}, {Kind: "reload", Time: at(45), Text: "3 APIs " + htmlHostile}}
		if i == 0 {
			tl.Marks = append(tl.Marks, Mark{Kind: "shutdown", Time: at(29)}, Mark{Kind: "start", Time: at(30), Text: "v5.8.15"})
		}
		r.Timeline = append(r.Timeline, tl)
	}
	r.Findings = []Finding{{
		Rank: 1, Scope: "single_node", Nodes: []string{"gw-a"}, APIIDs: []string{"orders"},
		Target: "orders.internal:8080", Flag: "UCT", Detail: "connection_timeout", Failures: 1180,
		Onset:   at(31),
		Trigger: Trigger{Kind: "node_restart", Node: "gw-a", Time: tp(at(30))}, GuideStep: 2,
		HealthyElsewhere: &yes, LoadDependent: &no,
		NodeOnsets: []NodeOnset{{Node: "gw-a", Onset: at(31), Failures: 1180}},
		Category:   "connect", Peers: []string{"10.0.3.17:8080"},
		Causes:   []CauseCount{{"UCT", "connection_timeout", 1170}, {"UCF", "connection_refused", 10}},
		Evidence: []string{"gw-b and gw-" + htmlHostile + " served orders.internal:8080 2400 times in the same window"},
		Summary:  "gw-a cannot connect to orders.internal:8080 since its restart; the other nodes can.",
		Actions:  []string{"On gw-a: `nc -vz orders.internal 8080`", "`a` b `c", "check gw-a's security group and routes to 10.0.3.17"},
		Example:  `{"level":"info","prefix":"access-log","upstream_addr":"http://orders.internal:8080/x","status":500}`,
	}, {
		Rank: 2, Scope: "all_nodes", Nodes: nodes, Target: htmlHostile + ":80", Flag: "UCC",
		Detail: "idle_connection_closed_by_upstream", Failures: 18, Onset: at(3), End: tp(at(78)),
		Trigger: Trigger{Kind: "none"}, GuideStep: 4, IdleTimeoutS: f64(60.2),
		NodeOnsets: []NodeOnset{{Node: "gw-a", Onset: at(3), Failures: 6}, {Node: "gw-b", Onset: at(3), Failures: 6}, {Node: nodes[2], Onset: at(18), Failures: 6}},
		Summary:    "Closes of reused connections idle about 60 s: " + htmlHostile,
		Actions:    []string{`curl -v "http://x/` + htmlHostile + `"`},
	}}
	r.NodeCause = []Cell{{"gw-a", "UCT", 1180}, {"gw-a", "UCC", 6}, {"gw-b", "UCC", 6}, {nodes[2], "UCC", 6}, {nodes[2], "", 2}}
	r.TargetCause = []Cell{{"orders.internal:8080", "UCT", 1180}, {htmlHostile + ":80", "UCC", 18}}
	return r
}

// htmlDoc is what htmlParse saw of a document.
type htmlDoc struct {
	text     string         // all character data, decoded
	elements map[string]int // element name → count
	attrs    []xml.Attr
	roots    int
}

// htmlParse reads out as XML, strictly: the HTML report is well-formed XML
// (polyglot markup), a stricter check than an HTML parser's, which accepts
// anything.
func htmlParse(t *testing.T, out []byte) htmlDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = true
	doc := htmlDoc{elements: map[string]int{}}
	var text strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				doc.roots++
			}
			depth++
			doc.elements[tok.Name.Local]++
			doc.attrs = append(doc.attrs, tok.Attr...)
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				t.Fatalf("text outside the document: %q", tok)
			}
			text.Write(tok)
		}
	}
	doc.text = text.String()
	return doc
}

func TestWriteHTML(t *testing.T) {
	r := htmlTestReport()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	doc := htmlParse(t, out)

	if doc.roots != 1 || doc.elements["html"] != 1 || doc.elements["body"] != 1 {
		t.Errorf("want one html document, got %d roots, %d html, %d body", doc.roots, doc.elements["html"], doc.elements["body"])
	}
	if !bytes.HasPrefix(out, []byte("<!DOCTYPE html>")) {
		t.Errorf("no doctype: %.40q", out)
	}

	// Self-contained: nothing loaded from anywhere.
	for _, el := range []string{"script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignObject"} {
		if doc.elements[el] != 0 {
			t.Errorf("has %d <%s>", doc.elements[el], el)
		}
	}
	for _, a := range doc.attrs {
		switch strings.ToLower(a.Name.Local) {
		case "src", "href", "action", "srcset", "xmlns", "data":
			if !strings.HasPrefix(a.Value, "#") {
				t.Errorf("resource reference %s=%q", a.Name.Local, a.Value)
			}
		}
		if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
			t.Errorf("event handler %s=%q", a.Name.Local, a.Value)
		}
	}
	low := bytes.ToLower(out)
	for _, s := range []string{"<script", "url(", "@import", "@font-face", `src="http`, `href="http`} {
		if bytes.Contains(low, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	// The only http:// are in escaped text taken from the logs.
	if n, m := bytes.Count(low, []byte("http://")), strings.Count(strings.ToLower(doc.text), "http://"); n != m {
		t.Errorf("%d http:// in the output, %d in its text", n, m)
	}

	// Hostile strings are text, shown as they are.
	if !strings.Contains(doc.text, htmlHostile+":80") || !strings.Contains(doc.text, "gw-"+htmlHostile) {
		t.Errorf("hostile strings not shown as text")
	}
	if !bytes.Contains(out, []byte("On gw-a: <code>nc -vz orders.internal 8080</code>")) || !bytes.Contains(out, []byte("`a` b `c")) {
		t.Errorf("commands in actions not shown as code")
	}
	if !bytes.Contains(out, []byte("&lt;script&gt;")) {
		t.Errorf("hostile strings not escaped")
	}

	// Every node and finding is there.
	for _, n := range r.Inputs.Nodes {
		if strings.Count(doc.text, n) < 2 {
			t.Errorf("node %q not shown with its timeline and table row", n)
		}
	}
	for _, f := range r.Findings {
		want := []string{f.Summary, f.Target, f.Detail, htmlStepName(f.GuideStep)}
		for _, a := range f.Actions {
			if !strings.Contains(a, "`") {
				want = append(want, a)
			}
		}
		for _, s := range want {
			if !strings.Contains(doc.text, s) {
				t.Errorf("finding %d: %q not shown", f.Rank, s)
			}
		}
	}
	for _, s := range []string{"#1 UCT", "#2 UCC", "node_restart of gw-a at 2026-12-01 06:30:00Z", "2026-12-01 06:31:00Z",
		"still failing", "until 2026-12-01 07:18:00Z", "1180 from 2026-12-01 06:31:00Z", "10.0.3.17:8080", "[connect]",
		"UCF connection_refused (10)", "not load-dependent", "served the same target successfully", "served orders.internal:8080 2400 times", "6 from 2026-12-01 06:18:00Z", "60.2 s", "unclassified", "not_utf8", "no peer addresses"} {
		if !strings.Contains(doc.text, s) {
			t.Errorf("%q not shown", s)
		}
	}

	// One chart per node, with its bars, volume and marks.
	if got := doc.elements["svg"]; got != len(r.Timeline) {
		t.Errorf("%d svg, want %d", got, len(r.Timeline))
	}
	p := htmlPageOf(r)
	a := p.Charts[0]
	if len(a.Volume) != 90 || len(a.Marks) != 4 || len(a.Onsets) != 2 || len(p.Charts[2].Onsets) != 1 {
		t.Errorf("gw-a: %d volume bars, %d marks, %d onsets; gw-c: %d onsets", len(a.Volume), len(a.Marks), len(a.Onsets), len(p.Charts[2].Onsets))
	}
	if len(a.Bars) != 59+6 {
		t.Errorf("gw-a: %d failure bars, want %d", len(a.Bars), 59+6)
	}
	if p.Flags[0].Flag != "UCT" || p.Flags[0].Failures != 59*20 {
		t.Errorf("first flag %+v", p.Flags[0])
	}
	for _, c := range p.Charts {
		for _, b := range append(c.Bars, c.Volume...) {
			if b.X < c.Left || b.X+b.W > c.Right+0.01 || b.Y < c.Top-0.01 || b.Y+b.H > c.Bottom+0.01 || b.H <= 0 {
				t.Errorf("%s: bar outside the plot: %+v", c.Node, b)
			}
		}
	}
	if !strings.Contains(doc.text, "v5.8.15") || !strings.Contains(doc.text, "reload 2026-12-01 06:45:00Z") {
		t.Errorf("marks' titles not shown")
	}
}

func TestWriteHTMLEmpty(t *testing.T) {
	for _, r := range []*Report{nil, {}, {Findings: []Finding{{Rank: 1, Flag: "UPE", Failures: 1}}}} {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, r); err != nil {
			t.Fatal(err)
		}
		doc := htmlParse(t, buf.Bytes())
		if doc.elements["svg"] != 0 {
			t.Errorf("charts without a timeline")
		}
		if r == nil || len(r.Findings) == 0 {
			if !strings.Contains(doc.text, "No failures found.") {
				t.Errorf("empty report does not say so")
			}
		}
	}
}

// A long span is drawn in buckets of several minutes, never more than
// htmlMaxBuckets bars per flag.
func TestWriteHTMLLongSpan(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	tl := NodeTimeline{Node: "gw-a"}
	for m := 0; m < 3*24*60; m++ {
		tl.Minutes = append(tl.Minutes, MinuteCount{Minute: t0.Add(time.Duration(m) * time.Minute), Requests: 1,
			Failures: map[string]int{"URT": 1}})
	}
	r := &Report{Timeline: []NodeTimeline{tl}}
	p := htmlPageOf(r)
	c := p.Charts[0]
	if p.Bucket != 15 || len(c.Bars) > htmlMaxBuckets || len(c.Bars) == 0 {
		t.Errorf("bucket %d min, %d bars", p.Bucket, len(c.Bars))
	}
	if len(c.XTicks) < 3 || len(c.XTicks) > 10 || !strings.Contains(c.XTicks[1].Label, "-") {
		t.Errorf("ticks %+v", c.XTicks)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	htmlParse(t, buf.Bytes())
}

func TestHTMLNice(t *testing.T) {
	for v, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 5, 7: 10, 10: 10, 11: 20, 47: 50, 51: 100, 1180: 2000} {
		if got := htmlNice(v); got != want {
			t.Errorf("htmlNice(%d) = %d, want %d", v, got, want)
		}
	}
}

// The caller's sections come after the tables, in order, escaped, with
// their tables and notes; without them the report has none.
func TestWriteHTMLExtraSections(t *testing.T) {
	r := htmlTestReport()
	extra := []HTMLSection{{
		ID:    "tyk-config",
		Title: "Tyk configuration",
		Intro: "Read: /etc/tyk/tyk.conf; `TYK_GW_…` variables override these keys.",
		Tables: []HTMLTable{{
			Head: []string{"setting", "value", "meaning"},
			Code: []bool{true},
			Rows: [][]string{{"proxy_default_timeout", "5", "seconds: the dial and response-header timeout"}, {"max_idle_connections_per_host", "500"}},
		}, {
			Caption: "API definitions",
			Head:    []string{"API", "targets"},
			Code:    []bool{true, true},
			Rows:    [][]string{{htmlHostile, "orders.internal:8080"}},
		}},
		NotesTitle: "Compared with the logs:",
		Notes:      []string{"finding #1 (UCT to orders.internal:8080): " + htmlHostile},
	}, {ID: `x" onclick="y`, Title: "Second"}}

	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, extra...); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	doc := htmlParse(t, buf.Bytes())
	for _, a := range doc.attrs {
		if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
			t.Errorf("attribute %s=%q", a.Name.Local, a.Value)
		}
	}
	for _, s := range []string{
		`<h2 id="tyk-config">Tyk configuration</h2>`,
		"<p>Read: /etc/tyk/tyk.conf; <code>TYK_GW_…</code> variables override these keys.</p>",
		"<tr><th>setting</th><th>value</th><th>meaning</th></tr>",
		"<tr><td><code>proxy_default_timeout</code></td><td>5</td><td>seconds: the dial and response-header timeout</td></tr>",
		"<tr><td><code>max_idle_connections_per_host</code></td><td>500</td><td></td></tr>", // padded
		"<h3>API definitions</h3>",
		"<tr><td><code>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</code></td><td><code>orders.internal:8080</code></td></tr>",
		"<div>Compared with the logs:</div>",
		"<li>finding #1 (UCT to orders.internal:8080): &lt;script&gt;",
		`<h2 id="extra-2">Second</h2>`, // an unsafe anchor replaced
	} {
		if !strings.Contains(out, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	targets, config, unknowable := strings.Index(out, `id="targets"`), strings.Index(out, `id="tyk-config"`), strings.Index(out, `id="unknowable"`)
	if !(targets < config && config < unknowable) {
		t.Errorf("the section is not between the target table (%d) and the unknowables (%d): %d", targets, unknowable, config)
	}
	if strings.Count(doc.text, htmlHostile) < 3 {
		t.Errorf("hostile strings of the section not shown as text")
	}

	buf.Reset()
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "tyk-config") || strings.Contains(buf.String(), "Compared with the logs") {
		t.Errorf("a section without one given")
	}
}
