package triage

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// The charts are SVG written by hand through html/template, not drawn by a
// chart library. The libraries looked at (2026-12): go-echarts and the like
// draw in the browser with JavaScript, which a self-contained file cannot
// load; github.com/wcharczuk/go-chart is archived, and its StackedBarChart
// cannot draw a second series (the request volume) or vertical marks behind
// the bars; its maintained fork github.com/go-analyze/charts needs Go 1.25
// (the module must build with Go 1.23); gonum.org/v1/plot v0.16 builds with
// Go 1.23 and can stack bars, but writes a standalone SVG document of fixed
// physical size with its own fonts, and brings about ten modules (fonts,
// LaTeX, PDF, raster) into this module for a few rectangles. A timeline here
// is rectangles, lines and text at computed positions (htmlChartOf); the
// template only places them, and html/template escapes every string taken
// from the logs.

//go:embed render_html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1":    htmlF1,
	"time":  htmlTime,
	"step":  htmlStepName,
	"flag":  htmlFlagName,
	"is":    htmlIs,
	"code":  htmlCodeParts,
	"probe": func(ev ProbeEvidence) string { return probeLine(&ev, plainText) },
}).Parse(htmlTemplateText))

// WriteHTML writes r as one self-contained HTML document: the findings
// (with the plugin's probe evidence, one line per node and verdict), a
// timeline per node (failed requests per minute stacked by flag, the request
// volume behind them, the node's starts, reloads and shutdowns and the
// findings' onsets marked), the minor findings (Finding.Minor) folded into
// one row per cause of an "Other failures" table, and the node × cause and
// target × cause tables.
// The document loads nothing: no script, style sheet, font or image from
// anywhere, its charts are inline SVG and every string from the logs is
// escaped. It is also well-formed XML.
//
// extra are sections the caller adds after the node × cause and
// target × cause tables, in order (the command's Tyk configuration beside
// the findings); they are escaped like the rest.
func WriteHTML(w io.Writer, r *Report, extra ...HTMLSection) error {
	if r == nil {
		r = &Report{}
	}
	p := htmlPageOf(r)
	p.Extra = htmlSectionsOf(extra)
	return htmlTemplate.Execute(w, p)
}

// HTMLSection is a section of the HTML report that the caller writes, from
// what it knows beside the logs (the command's Tyk configuration): a
// heading, a paragraph, tables and a list of notes. Every string is shown
// as text, escaped; in Intro and Notes, text between backticks is shown as
// code, as in the findings' sentences.
type HTMLSection struct {
	// ID is the heading's anchor: letters, digits, '-' and '_'; "" or any
	// other character gives "extra-N" (N counts the sections from 1).
	ID string
	// Title is the heading.
	Title string
	// Intro is a paragraph under the heading; "" for none.
	Intro string
	// Tables are shown in order.
	Tables []HTMLTable
	// NotesTitle leads in the notes (e.g. "Compared with the logs:"); it
	// is not shown without notes.
	NotesTitle string
	// Notes are sentences, one list item each.
	Notes []string
}

// HTMLTable is a table of an HTMLSection: a caption, a header row and rows
// of text cells. A row shorter than Head is padded with empty cells.
type HTMLTable struct {
	// Caption is shown above the table; "" for none.
	Caption string
	// Head names the columns.
	Head []string
	// Code[i] says that column i's cells are code (a setting's key, an
	// address), shown in monospace; columns past its end are text.
	Code []bool
	// Rows are the cells, row by row.
	Rows [][]string
}

// Geometry of one node's timeline, in SVG user units.
const (
	htmlChartW     = 960
	htmlChartH     = 204
	htmlPlotLeft   = 56
	htmlPlotRight  = 944
	htmlPlotTop    = 44
	htmlPlotBottom = 174
	htmlMaxBuckets = 300 // more minutes than this are grouped into buckets of several minutes
)

// htmlPalette colours the flags, most failed requests first; the rest are
// grey.
var htmlPalette = []string{
	"#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
}

const htmlOtherColor = "#b0b0b0"

type htmlPage struct {
	R        *Report
	Flags    []htmlFlag
	Charts   []htmlChart
	Bucket   int // minutes per bar
	Findings []htmlFinding
	Nodes    htmlTable
	Targets  htmlTable
	Reasons  []htmlCount
	Extra    []htmlSection // the caller's sections (WriteHTML's extra)
	// The minor findings, folded per cause: Findings has the others.
	Minor         []*minorGroup
	MinorFailures int
	MinorFindings int
	MinorWhy      string
}

// htmlSection is an HTMLSection as the template shows it.
type htmlSection struct {
	HTMLSection
	Tables []htmlExtraTable
}

type htmlExtraTable struct {
	Caption string
	Head    []string
	Rows    [][]htmlCell
}

type htmlCell struct {
	Text string
	Code bool
}

// htmlSectionsOf gives each section a safe anchor and each table's rows
// their column's kind, padded to the header's width.
func htmlSectionsOf(extra []HTMLSection) []htmlSection {
	var out []htmlSection
	for i, s := range extra {
		hs := htmlSection{HTMLSection: s}
		if !htmlSafeID(s.ID) {
			hs.ID = fmt.Sprintf("extra-%d", i+1)
		}
		for _, t := range s.Tables {
			ht := htmlExtraTable{Caption: t.Caption, Head: t.Head}
			for _, row := range t.Rows {
				n := htmlMax(len(row), len(t.Head))
				cells := make([]htmlCell, n)
				for j := range cells {
					if j < len(row) {
						cells[j].Text = row[j]
					}
					cells[j].Code = j < len(t.Code) && t.Code[j] && cells[j].Text != ""
				}
				ht.Rows = append(ht.Rows, cells)
			}
			hs.Tables = append(hs.Tables, ht)
		}
		out = append(out, hs)
	}
	return out
}

// htmlSafeID says whether id may be an anchor as it is: not empty, not one
// of the report's own, letters, digits, '-' and '_' only.
func htmlSafeID(id string) bool {
	switch id {
	case "", "summary", "timelines", "findings", "nodes", "targets", "unknowable", "inputs", "other-failures":
		return false
	}
	if strings.HasPrefix(id, "node-") || strings.HasPrefix(id, "finding-") {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type htmlFlag struct {
	Flag     string
	Color    string
	Failures int
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlFinding struct {
	Finding
	Anchors []htmlAnchor // the nodes' timelines
}

type htmlAnchor struct {
	Node     string
	ID       string
	Onset    time.Time // this node's first failure of the finding, if known
	Failures int
}

type htmlChart struct {
	ID       string
	Node     string
	Requests int
	Failures int
	W, H     int
	Left     float64
	Right    float64
	Top      float64
	Bottom   float64
	Tick     float64 // the end of the time axis' tick marks
	Volume   []htmlRect
	Bars     []htmlRect
	Marks    []htmlMark
	Onsets   []htmlMark
	XTicks   []htmlTick
	YTicks   []htmlTick
}

type htmlRect struct {
	X, Y, W, H float64
	Color      string
	Title      string
}

type htmlMark struct {
	X      float64
	LabelY float64 // where a mark's label goes, staggered so that labels of close marks do not overlap
	Kind   string
	Label  string
	Title  string
}

type htmlTick struct {
	At    float64
	Label string
}

type htmlTable struct {
	Flags []string
	Rows  []htmlRow
	Total []int
	Sum   int
}

type htmlRow struct {
	Name   string
	Counts []int
	Total  int
}

func htmlPageOf(r *Report) *htmlPage {
	p := &htmlPage{R: r}
	colors := map[string]string{}
	for i, f := range htmlFlagOrder(r) {
		c := htmlOtherColor
		if i < len(htmlPalette) {
			c = htmlPalette[i]
		}
		colors[f.Flag] = c
		f.Color = c
		p.Flags = append(p.Flags, f)
	}

	// Minor findings are folded per cause: they get no section of their
	// own and no onset mark on the timelines (their failures are in the
	// bars).
	var major []Finding
	for _, f := range majorFindings(r) {
		major = append(major, *f)
	}
	p.Minor, p.MinorFailures, p.MinorFindings = minorGroups(r)
	p.MinorWhy = minorWhy

	ids := map[string]string{} // node → its chart's id
	t0, t1, ok := htmlSpan(r)
	if ok {
		n := int(t1.Sub(t0)/time.Minute) + 1
		p.Bucket = (n + htmlMaxBuckets - 1) / htmlMaxBuckets
		for i, tl := range r.Timeline {
			id := fmt.Sprintf("node-%d", i+1)
			ids[tl.Node] = id
			p.Charts = append(p.Charts, htmlChartOf(tl, id, major, colors, p.Flags, t0, t1, p.Bucket))
		}
	}
	for _, f := range major {
		hf := htmlFinding{Finding: f}
		for _, n := range f.Nodes {
			a := htmlAnchor{Node: n, ID: ids[n]}
			for _, o := range f.NodeOnsets {
				if o.Node == n {
					a.Onset, a.Failures = o.Onset, o.Failures
				}
			}
			hf.Anchors = append(hf.Anchors, a)
		}
		p.Findings = append(p.Findings, hf)
	}
	p.Nodes = htmlTableOf(r.NodeCause)
	p.Targets = htmlTableOf(r.TargetCause)
	for k, v := range r.Inputs.Reasons {
		p.Reasons = append(p.Reasons, htmlCount{k, v})
	}
	sort.Slice(p.Reasons, func(i, j int) bool {
		a, b := p.Reasons[i], p.Reasons[j]
		return a.Count > b.Count || a.Count == b.Count && a.Name < b.Name
	})
	return p
}

// htmlFlagOrder returns the flags of the report, most failed requests first
// (the timelines' counts, else the node table's).
func htmlFlagOrder(r *Report) []htmlFlag {
	total := map[string]int{}
	for _, tl := range r.Timeline {
		for _, m := range tl.Minutes {
			for f, n := range m.Failures {
				total[f] += n
			}
		}
	}
	if len(total) == 0 {
		for _, c := range r.NodeCause {
			total[c.Flag] += c.Failures
		}
	}
	var fs []htmlFlag
	for f, n := range total {
		fs = append(fs, htmlFlag{Flag: f, Failures: n})
	}
	sort.Slice(fs, func(i, j int) bool {
		return fs[i].Failures > fs[j].Failures || fs[i].Failures == fs[j].Failures && fs[i].Flag < fs[j].Flag
	})
	return fs
}

// htmlSpan returns the first and last minute of the timelines, their marks
// and the findings' onsets: the one time axis every node's chart shares, so
// that the charts line up.
func htmlSpan(r *Report) (t0, t1 time.Time, ok bool) {
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		t = t.UTC().Truncate(time.Minute)
		if !ok || t.Before(t0) {
			t0 = t
		}
		if !ok || t.After(t1) {
			t1 = t
		}
		ok = true
	}
	for _, tl := range r.Timeline {
		for _, m := range tl.Minutes {
			see(m.Minute)
		}
		for _, mk := range tl.Marks {
			see(mk.Time)
		}
	}
	if ok {
		for _, f := range r.Findings {
			see(f.Onset)
			for _, o := range f.NodeOnsets {
				see(o.Onset)
			}
		}
	}
	return t0, t1, ok
}

func htmlChartOf(tl NodeTimeline, id string, findings []Finding, colors map[string]string, flags []htmlFlag,
	t0, t1 time.Time, bucket int) htmlChart {
	c := htmlChart{
		ID: id, Node: tl.Node, W: htmlChartW, H: htmlChartH,
		Left: htmlPlotLeft, Right: htmlPlotRight, Top: htmlPlotTop, Bottom: htmlPlotBottom, Tick: htmlPlotBottom + 4,
	}
	step := time.Duration(bucket) * time.Minute
	n := int(t1.Sub(t0)/step) + 1
	slot := (c.Right - c.Left) / float64(n)
	x := func(t time.Time) float64 {
		return c.Left + float64(t.Sub(t0))/float64(step)*slot
	}

	type agg struct {
		requests int
		failures map[string]int
		sum      int
	}
	buckets := make([]agg, n)
	for _, m := range tl.Minutes {
		i := int(m.Minute.UTC().Sub(t0) / step)
		if i < 0 || i >= n {
			continue
		}
		b := &buckets[i]
		b.requests += m.Requests
		c.Requests += m.Requests
		for f, k := range m.Failures {
			if b.failures == nil {
				b.failures = map[string]int{}
			}
			b.failures[f] += k
			b.sum += k
			c.Failures += k
		}
	}
	max := 0
	for _, b := range buckets {
		max = htmlMax(max, htmlMax(b.requests, b.sum))
	}
	top := htmlNice(max)
	y := func(v int) float64 { return c.Bottom - float64(v)/float64(top)*(c.Bottom-c.Top) }

	gap := 0.0
	if slot >= 4 {
		gap = 1
	}
	for i, b := range buckets {
		if b.requests == 0 && b.sum == 0 {
			continue
		}
		at := t0.Add(time.Duration(i) * step)
		bx, bw := c.Left+float64(i)*slot+gap/2, slot-gap
		label := htmlTime(at)
		if bucket > 1 {
			label += fmt.Sprintf(" (+%d min)", bucket)
		}
		if b.requests > 0 {
			c.Volume = append(c.Volume, htmlRect{X: bx, Y: y(b.requests), W: bw, H: c.Bottom - y(b.requests),
				Title: fmt.Sprintf("%s: %d requests, %d failed", label, b.requests, b.sum)})
		}
		base := 0
		for _, f := range flags {
			k := b.failures[f.Flag]
			if k == 0 {
				continue
			}
			y1, y0 := y(base+k), y(base)
			if y0-y1 < 1 {
				y1 = y0 - 1 // one failure among thousands of requests stays visible
			}
			c.Bars = append(c.Bars, htmlRect{X: bx, Y: y1, W: bw, H: y0 - y1, Color: colors[f.Flag],
				Title: fmt.Sprintf("%s: %d %s of %d requests", label, k, htmlFlagName(f.Flag), b.requests)})
			base += k
		}
	}

	for _, mk := range tl.Marks {
		if mk.Time.IsZero() {
			continue
		}
		label := map[string]string{"start": "start", "reload": "reload", "shutdown": "stop"}[mk.Kind]
		if label == "" {
			label = mk.Kind
		}
		title := mk.Kind + " " + mk.Time.UTC().Format("2006-01-02 15:04:05Z")
		if mk.Text != "" {
			title += ": " + mk.Text
		}
		c.Marks = append(c.Marks, htmlMark{X: x(mk.Time.UTC()), Kind: mk.Kind, Label: label, Title: title})
	}
	sort.SliceStable(c.Marks, func(i, j int) bool { return c.Marks[i].X < c.Marks[j].X })
	htmlStagger(c.Marks, func(row int) float64 { return c.Top + 8 + 11*float64(row%6) }, false)
	for _, f := range findings {
		onset := htmlOnset(f, tl.Node)
		if onset.IsZero() {
			continue
		}
		title := fmt.Sprintf("finding #%d: %s", f.Rank, htmlFlagName(f.Flag))
		if f.Target != "" {
			title += " to " + f.Target
		}
		title += " since " + htmlTime(onset)
		c.Onsets = append(c.Onsets, htmlMark{X: x(onset), Label: fmt.Sprintf("#%d", f.Rank), Title: title})
	}
	sort.SliceStable(c.Onsets, func(i, j int) bool { return c.Onsets[i].X < c.Onsets[j].X })
	htmlStagger(c.Onsets, func(row int) float64 { return c.Top - 11 - 10*float64(row%3) }, true)

	days := t0.YearDay() != t1.YearDay() || t0.Year() != t1.Year()
	every := htmlTickStep(t1.Sub(t0) + step)
	for t := t0.Truncate(every); !t.After(t1.Add(step)); t = t.Add(every) {
		if t.Before(t0) {
			continue
		}
		label := t.Format("15:04")
		if days {
			label = t.Format("01-02 15:04")
		}
		c.XTicks = append(c.XTicks, htmlTick{At: x(t), Label: label})
	}
	for _, v := range []int{0, top / 2, top} {
		if v == top/2 && top%2 != 0 {
			continue
		}
		c.YTicks = append(c.YTicks, htmlTick{At: y(v), Label: fmt.Sprint(v)})
	}
	return c
}

// htmlStagger sets the LabelY of marks, sorted by X, to the y of the first
// row where the label does not overlap the row's previous one. A label
// starts at its X, or is centred on it.
func htmlStagger(marks []htmlMark, y func(row int) float64, centred bool) {
	var ends []float64 // per row, where its last label ends
	for i := range marks {
		m := &marks[i]
		w := 6*float64(len(m.Label)) + 4
		start := m.X
		if centred {
			start -= w / 2
		}
		row := 0
		for row < len(ends) && ends[row] > start {
			row++
		}
		if row == len(ends) {
			ends = append(ends, 0)
		}
		ends[row] = start + w
		m.LabelY = y(row)
	}
}

// htmlOnset returns when node's part of finding f began: its own onset
// when the finding has one, else the finding's if node is one of its
// nodes, else the zero time.
func htmlOnset(f Finding, node string) time.Time {
	for _, o := range f.NodeOnsets {
		if o.Node == node {
			return o.Onset.UTC()
		}
	}
	if htmlHas(f.Nodes, node) {
		return f.Onset.UTC()
	}
	return time.Time{}
}

// htmlTickStep returns a round time step that cuts span into at most about
// eight ticks.
func htmlTickStep(span time.Duration) time.Duration {
	for _, m := range []int{1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440} {
		d := time.Duration(m) * time.Minute
		if span/d <= 8 {
			return d
		}
	}
	d := 24 * time.Hour
	for span/d > 8 {
		d *= 2
	}
	return d
}

// htmlNice returns the smallest of 1, 2, 5 × 10^k that is at least v (at
// least 1).
func htmlNice(v int) int {
	if v <= 1 {
		return 1
	}
	p := int(math.Pow(10, math.Floor(math.Log10(float64(v)))))
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// htmlTableOf turns cells into a table: rows and columns by most failed
// requests first.
func htmlTableOf(cells []Cell) htmlTable {
	var t htmlTable
	rowTotal, flagTotal := map[string]int{}, map[string]int{}
	for _, c := range cells {
		rowTotal[c.Row] += c.Failures
		flagTotal[c.Flag] += c.Failures
	}
	t.Flags = htmlByCount(flagTotal)
	col := map[string]int{}
	for i, f := range t.Flags {
		col[f] = i
		t.Total = append(t.Total, flagTotal[f])
		t.Sum += flagTotal[f]
	}
	row := map[string]int{}
	for i, name := range htmlByCount(rowTotal) {
		row[name] = i
		t.Rows = append(t.Rows, htmlRow{Name: name, Counts: make([]int, len(t.Flags)), Total: rowTotal[name]})
	}
	for _, c := range cells {
		t.Rows[row[c.Row]].Counts[col[c.Flag]] += c.Failures
	}
	return t
}

func htmlByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return m[a] > m[b] || m[a] == m[b] && a < b
	})
	return keys
}

func htmlHas(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func htmlMax(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func htmlF1(v float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0")
}

// htmlTime formats a time of the report (UTC); it accepts a time.Time or a
// *time.Time (nil gives "").
func htmlTime(v any) string {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case *time.Time:
		if v == nil {
			return ""
		}
		t = *v
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

var htmlStepNames = [...]string{
	1: "isolate the scope",
	2: "connectivity from the node",
	3: "the node's network and DNS",
	4: "intermediaries (load balancer idle timeouts)",
	5: "Tyk's own timeouts",
}

func htmlStepName(step int) string {
	if step > 0 && step < len(htmlStepNames) {
		return fmt.Sprintf("%d. %s", step, htmlStepNames[step])
	}
	return "—"
}

func htmlFlagName(flag string) string {
	if flag == "" {
		return "unclassified"
	}
	return flag
}

// htmlIs is the value of a *bool, false for nil.
func htmlIs(b *bool) bool { return b != nil && *b }

// htmlPart is a piece of text, code (between backticks) or not.
type htmlPart struct {
	Text string
	Code bool
}

// htmlCodeParts splits s at its backticks, as the analysis writes commands
// in its sentences ("On gw-a: `nc -vz orders.internal 8080`"), so that the
// commands are shown as code.
func htmlCodeParts(s string) []htmlPart {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an unpaired backtick: no code
		return []htmlPart{{Text: s}}
	}
	var out []htmlPart
	for i, p := range parts {
		if p != "" {
			out = append(out, htmlPart{Text: p, Code: i%2 == 1})
		}
	}
	return out
}
