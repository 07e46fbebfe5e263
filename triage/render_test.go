package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// schemaReport is the report SCHEMA.md shows: a short three-node fleet in
// which gw-b restarts and cannot reach orders.internal, nor can the
// plugin's probe from gw-b.
func schemaReport() *Report {
	fleet := genFleet(21, 12*time.Minute, scBlackhole(genAt(0, 6, 0), genAt(0, 9, 0)))
	r := analyzeAll(withProbes(fleet, "gw-b", upOrders.target, 30*time.Second, probeUnreachable, true, true), Config{})
	r.Inputs.Files = []string{"gw-a.log", "gw-b.log", "gw-c.log"}
	// The timeline cut to its first two minutes per node, to keep the
	// document short.
	for i := range r.Timeline {
		if len(r.Timeline[i].Minutes) > 2 {
			r.Timeline[i].Minutes = r.Timeline[i].Minutes[:2]
		}
	}
	return r
}

// The JSON has the keys and types the schema promises.
func TestWriteJSONSchema(t *testing.T) {
	var buf bytes.Buffer
	r := analyzeAll(genFleet(22, 2*time.Hour, scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0))), Config{})
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, doc)

	// It reads back into the same Report.
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	WriteJSON(&again, &back)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("JSON does not round-trip")
	}
}

func checkSchema(t *testing.T, doc map[string]any) {
	t.Helper()
	isNum := func(v any) bool { _, ok := v.(float64); return ok }
	isStr := func(v any) bool { _, ok := v.(string); return ok }
	isTime := func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	}
	strList := func(v any) bool {
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, x := range l {
			if !isStr(x) {
				return false
			}
		}
		return true
	}
	need := func(where string, m map[string]any, key string, ok func(any) bool) {
		t.Helper()
		v, found := m[key]
		if !found {
			t.Errorf("%s: no key %q", where, key)
		} else if !ok(v) {
			t.Errorf("%s: %q is %#v", where, key, v)
		}
	}
	orNull := func(f func(any) bool) func(any) bool { return func(v any) bool { return v == nil || f(v) } }
	oneOf := func(vals ...string) func(any) bool {
		return func(v any) bool {
			for _, x := range vals {
				if v == x {
					return true
				}
			}
			return false
		}
	}
	isBool := func(v any) bool { _, ok := v.(bool); return ok }

	need("report", doc, "schema_version", func(v any) bool { return v == float64(SchemaVersion) })
	fs, ok := doc["findings"].([]any)
	if !ok || len(fs) == 0 {
		t.Fatalf("findings: %#v", doc["findings"])
	}
	for i, fv := range fs {
		f := fv.(map[string]any)
		w := "finding " + string(rune('0'+i))
		need(w, f, "rank", func(v any) bool { return v == float64(i+1) })
		need(w, f, "scope", oneOf("single_node", "some_nodes", "all_nodes"))
		need(w, f, "nodes", strList)
		need(w, f, "api_ids", strList)
		need(w, f, "target", isStr)
		need(w, f, "flag", isStr)
		need(w, f, "detail", isStr)
		need(w, f, "failures", isNum)
		need(w, f, "onset", isTime)
		need(w, f, "end", orNull(isTime))
		need(w, f, "guide_step", func(v any) bool { n, ok := v.(float64); return ok && n >= 1 && n <= 5 })
		need(w, f, "idle_timeout_s", orNull(isNum))
		need(w, f, "timeout_s", orNull(isNum))
		need(w, f, "healthy_elsewhere", orNull(isBool))
		need(w, f, "load_dependent", orNull(isBool))
		need(w, f, "summary", isStr)
		need(w, f, "actions", strList)
		need(w, f, "evidence", strList)
		need(w, f, "peers", strList)
		need(w, f, "category", isStr)
		need(w, f, "example", isStr)
		need(w, f, "minor", isBool)
		need(w, f, "probe_check", orNull(oneOf("failed", "passed", "mixed")))
		probes, ok := f["probes"].([]any)
		if !ok {
			t.Fatalf("%s: probes %#v", w, f["probes"])
		}
		for j, pv := range probes {
			p, _ := pv.(map[string]any)
			pw := fmt.Sprintf("%s probe %d", w, j)
			need(pw, p, "node", isStr)
			need(pw, p, "verdict", isStr)
			need(pw, p, "source", oneOf("probe", "access_log"))
			need(pw, p, "count", isNum)
			need(pw, p, "first", isTime)
			need(pw, p, "last", isTime)
			need(pw, p, "dropped", isNum)
			sample, _ := p["sample"].(map[string]any)
			need(pw+" sample", sample, "time", isTime)
		}
		tr, ok := f["trigger"].(map[string]any)
		if !ok {
			t.Fatalf("%s: trigger %#v", w, f["trigger"])
		}
		need(w+" trigger", tr, "kind", oneOf("node_restart", "api_reload", "none"))
		need(w+" trigger", tr, "time", orNull(isTime))
	}
	in, ok := doc["inputs"].(map[string]any)
	if !ok {
		t.Fatalf("inputs: %#v", doc["inputs"])
	}
	need("inputs", in, "lines", isNum)
	need("inputs", in, "skipped", isNum)
	need("inputs", in, "nodes", strList)
	for _, k := range []string{"node_cause", "target_cause", "unknowable", "timeline"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s: %#v", k, doc[k])
		}
	}
}

var schemaExample = regexp.MustCompile("(?s)<!-- example: produced by TestSchemaDoc -->\n```json\n(.*?)```")

// SCHEMA.md's example is this package's output: the test fails when the
// output changes and the document does not (UPDATE_SCHEMA=1 rewrites it).
func TestSchemaDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, schemaReport()); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	m := schemaExample.FindSubmatchIndex(doc)
	if m == nil {
		t.Fatal("SCHEMA.md has no example block")
	}
	if os.Getenv("UPDATE_SCHEMA") != "" {
		out := append(append(append([]byte{}, doc[:m[2]]...), buf.Bytes()...), doc[m[3]:]...)
		if err := os.WriteFile("SCHEMA.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := doc[m[2]:m[3]]; !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("SCHEMA.md's example is not this package's output; run UPDATE_SCHEMA=1 go test -run TestSchemaDoc")
	}
	var parsed map[string]any
	if err := json.Unmarshal(doc[m[2]:m[3]], &parsed); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, parsed)
	// Every key of a finding is documented in the table.
	for _, fv := range parsed["findings"].([]any) {
		for k := range fv.(map[string]any) {
			if !bytes.Contains(doc, []byte("| `"+k+"`")) {
				t.Errorf("SCHEMA.md does not document the finding key %q", k)
			}
		}
	}
}

func TestWriteText(t *testing.T) {
	r := analyzeAll(genFleet(23, 2*time.Hour, scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0)), scDown(genAt(1, 20, 0), genAt(1, 25, 0))), Config{})
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	first := strings.Index(out, "#1  UCT connection_timeout  orders.internal:8080  single_node: gw-b")
	second := strings.Index(out, "#2  UCF connection_refused  inventory.internal:8080  all_nodes: gw-a, gw-b, gw-c")
	nodeT := strings.Index(out, "Failed requests by node × cause:")
	targetT := strings.Index(out, "Failed requests by target × cause:")
	if first < 0 || second < first || nodeT < second || targetT < nodeT {
		t.Errorf("text report is not: findings by rank, then node × cause, then target × cause:\n%s", out)
	}
	for _, s := range []string{r.Findings[0].Summary, "trigger node_restart gw-b", "guide step 3", "next:", "example: ", "What the logs could not tell:"} {
		if !strings.Contains(out, s) {
			t.Errorf("text report lacks %q", s)
		}
	}
	// The node × cause table: gw-b's row has its UCT count.
	row := regexp.MustCompile(`(?m)^\s+gw-b\s+(\d+)`).FindStringSubmatch(out[nodeT:targetT])
	if row == nil || row[1] != itoa(r.Findings[0].Failures) {
		t.Errorf("gw-b's row %q, want its %d UCT first", row, r.Findings[0].Failures)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestWriteTextEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, NewAnalyzer(Config{}).Report(Inputs{})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No failed requests.") {
		t.Errorf("empty report: %q", buf.String())
	}
	buf.Reset()
	if err := WriteJSON(&buf, &Report{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"findings": []`, `"node_cause": []`, `"nodes": []`, `"unknowable": []`} {
		if !strings.Contains(buf.String(), k) {
			t.Errorf("empty JSON lacks %s:\n%s", k, buf.String())
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := analyzeAll(genFleet(24, 2*time.Hour, scBlackhole(genAt(1, 0, 0), genAt(1, 40, 0))), Config{})
	// Hostile log text: pipes, backticks, fences, HTML.
	r.Findings[0].Example = "error=\"a|b ```x``` <script>\""
	r.NodeCause = append(r.NodeCause, Cell{Row: "gw|x", Flag: "UCT", Failures: 1})
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{
		"| # | cause | target | scope | nodes | failures | onset | end | trigger | step |",
		"| 1 | `UCT connection_timeout` | `orders.internal:8080` | single_node | gw-b |",
		"### 1. `UCT connection_timeout` on `orders.internal:8080`",
		"````\nerror=\"a|b ```x``` <script>\"\n````", // a longer fence; the text as is inside it
		"`gw\\|x`",                      // pipes escaped in table cells
		"`nc -vz orders.internal 8080`", // commands kept as code
		"### Failed requests by node × cause",
		"### Failed requests by target × cause",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("markdown lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "`&lt;") || strings.Contains(strings.ReplaceAll(out, "<script>\"\n````", ""), "<script>") {
		t.Errorf("markdown escapes inside code or leaves HTML outside it")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReturnTheWritersError(t *testing.T) {
	r := analyzeAll(genFleet(25, time.Hour, scDown(genAt(0, 20, 0), genAt(0, 22, 0))), Config{})
	for name, w := range map[string]func() error{
		"text":     func() error { return WriteText(failWriter{}, r) },
		"json":     func() error { return WriteJSON(failWriter{}, r) },
		"markdown": func() error { return WriteMarkdown(failWriter{}, r) },
	} {
		if err := w(); err == nil || err.Error() != "disk full" {
			t.Errorf("%s: error %v, want the writer's", name, err)
		}
	}
}

// scOnce fails the first request of node to up at or after at, with fl:
// one scattered failure.
func scOnce(node string, up genUpstream, at time.Time, fl genFailure) genScenario {
	done := false
	return genScenario{got: &genGot{}, name: "once", fail: func(n string, u genUpstream, t time.Time) genFailure {
		if done || n != node || u != up || t.Before(at) {
			return nil
		}
		done = true
		return fl
	}}
}

// findingOf returns the finding whose failures include one of node to
// target at t.
func findingOf(r *Report, node, target string, t time.Time) *Finding {
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Target == target && htmlHas(f.Nodes, node) && !t.Before(f.Onset.Add(-time.Millisecond)) && f.End != nil && !t.After(f.End.Add(time.Millisecond)) {
			return f
		}
	}
	return nil
}

// One real incident (inventory.internal down for 20 minutes on every node)
// among scattered small failures (the fleet's own noise, and 503s and
// client disconnects injected on other nodes and targets): the incident is
// rank 1 and in full; the noise is folded into one line per cause, with its
// counts, in the text, Markdown and HTML reports, and every finding stays
// in the JSON, the noise marked minor. Two client disconnects on gw-b to
// inventory just after the incident are part of it and stay in view.
func TestMinorFindingsFolded(t *testing.T) {
	incident := scDown(genAt(1, 0, 0), genAt(1, 20, 0))
	shots := []struct {
		node string
		up   genUpstream
		sc   genScenario
	}{
		{"gw-a", upPayments, scOnce("gw-a", upPayments, genAt(0, 10, 0), failUpstream503)},
		{"gw-c", upPayments, scOnce("gw-c", upPayments, genAt(1, 40, 0), failUpstream503)},
		{"gw-b", upReports, scOnce("gw-b", upReports, genAt(0, 25, 0), failUpstream503)},
		{"gw-a", upOrders, scOnce("gw-a", upOrders, genAt(0, 5, 0), failClientGone)},
		{"gw-c", upOrders, scOnce("gw-c", upOrders, genAt(1, 30, 0), failClientGone)},
	}
	near := []genScenario{
		scOnce("gw-b", upInventory, genAt(1, 22, 0), failClientGone),
		scOnce("gw-b", upInventory, genAt(1, 22, 30), failClientGone),
	}
	scs := []genScenario{incident}
	for _, s := range shots {
		scs = append(scs, s.sc)
	}
	entries := genFleet(51, 2*time.Hour, append(scs, near...)...)
	r := analyzeAll(entries, Config{})

	// The ground truth: failed requests per flag, from the entries.
	failed := map[string]int{}
	total := 0
	for _, e := range entries {
		if e.Kind == KindAccess && e.Flag != "" {
			failed[e.Flag]++
			total++
		}
	}

	// The incident is rank 1, not minor; the scattered failures are in
	// minor findings; the disconnects after the incident are not.
	f1 := &r.Findings[0]
	checkFinding(t, f1, fWant{got: incident.got, scope: "all_nodes", target: upInventory.target, flag: "UCF", category: "connect", hasCauses: []string{"URR"}})
	if f1.Minor {
		t.Errorf("the incident is minor")
	}
	for _, s := range shots {
		if s.sc.got.n != 1 {
			t.Fatalf("%s → %s: %d failures injected, want 1", s.node, s.up.target, s.sc.got.n)
		}
		f := findingOf(r, s.node, s.up.target, s.sc.got.first)
		if f == nil || !f.Minor {
			t.Errorf("the failure of %s to %s at %s: finding %+v, want a minor one", s.node, s.up.target, clock(s.sc.got.first), f)
		}
	}
	cdc := findingOf(r, "gw-b", upInventory.target, near[0].got.first)
	if cdc == nil || cdc.Minor || cdc.Flag != "CDC" || cdc.Failures != 2 {
		t.Errorf("the disconnects after the incident: %+v, want a finding of 2 that is not minor", cdc)
	}

	// Every failure is in a finding; the minor ones sum up per flag.
	minor := map[string]int{}
	major := map[string]int{}
	minorFindings, minorFailures, sum := 0, 0, 0
	for _, f := range r.Findings {
		sum += f.Failures
		for _, c := range f.Causes {
			if f.Minor {
				minor[c.Flag] += c.Failures
			} else {
				major[c.Flag] += c.Failures
			}
		}
		if f.Minor {
			minorFindings++
			minorFailures += f.Failures
		}
	}
	if sum != total {
		t.Errorf("findings hold %d failures, the entries %d", sum, total)
	}
	for flag, n := range failed {
		if minor[flag]+major[flag] != n {
			t.Errorf("%s: %d minor + %d not, %d in the entries", flag, minor[flag], major[flag], n)
		}
	}
	// No 503 is near the incident: all are minor; so are the disconnects
	// to orders, joined or not.
	if minor["URS"] != failed["URS"] || failed["URS"] < 3 || minor["CDC"] != failed["CDC"]-2 || minor["CDC"] < 2 {
		t.Errorf("minor URS %d, CDC %d; entries URS %d, CDC %d", minor["URS"], minor["CDC"], failed["URS"], failed["CDC"])
	}

	// JSON: every finding, with its minor key.
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range doc.Findings {
		if f["minor"] == true {
			n++
		}
	}
	if len(doc.Findings) != len(r.Findings) || n != minorFindings || n < len(shots)-1 {
		t.Errorf("JSON: %d findings (%d minor), want %d (%d minor)", len(doc.Findings), n, len(r.Findings), minorFindings)
	}

	// Text: the incident in full, the minor findings folded per cause.
	buf.Reset()
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out[strings.Index(out, "\n\n")+2:], "#1  UCF connection_refused  inventory.internal:8080  all_nodes: gw-a, gw-b, gw-c") ||
		!strings.Contains(out, f1.Summary) || !strings.Contains(out, f1.Actions[0]) {
		t.Errorf("text: the incident is not first and in full:\n%s", out)
	}
	if !strings.Contains(out, cdc.Summary) {
		t.Errorf("text: the disconnects after the incident not in full")
	}
	head := fmt.Sprintf("Other failures: %d failed requests in %d minor findings (%s), by cause:", minorFailures, minorFindings, minorWhy)
	if !strings.Contains(out, head) {
		t.Errorf("text lacks %q:\n%s", head, out)
	}
	for _, f := range r.Findings {
		if f.Minor && strings.Contains(out, f.Summary) {
			t.Errorf("text: minor finding #%d in full", f.Rank)
		}
	}
	for _, flag := range []string{"URS", "CDC"} {
		m := regexp.MustCompile(`(?m)^  ` + flag + ` \S+\s+(\d+) failures? in (\d+) findings?\s+on `).FindStringSubmatch(out)
		if m == nil || m[1] != itoa(minor[flag]) {
			t.Errorf("text: the %s line %q, want its %d failures", flag, m, minor[flag])
		}
	}

	// Markdown: the same.
	buf.Reset()
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	if !strings.Contains(out, "### 1. `UCF connection_refused` on `inventory.internal:8080`") || !strings.Contains(out, "### Other failures") ||
		!strings.Contains(out, fmt.Sprintf("| `URS upstream_response_5xx` | %d |", minor["URS"])) {
		t.Errorf("markdown: the incident or the other failures missing:\n%s", out)
	}
	for _, f := range r.Findings {
		if has := strings.Contains(out, fmt.Sprintf("\n### %d. ", f.Rank)); has == f.Minor {
			t.Errorf("markdown: finding #%d (minor %v) in full: %v", f.Rank, f.Minor, has)
		}
	}

	// HTML: the incident's section and onset marks; the minor findings in
	// the other failures' table and list only.
	buf.Reset()
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	hdoc := htmlParse(t, buf.Bytes())
	for _, f := range r.Findings {
		if has := strings.Contains(page, fmt.Sprintf(`id="finding-%d"`, f.Rank)); has == f.Minor {
			t.Errorf("html: finding #%d (minor %v) has a section: %v", f.Rank, f.Minor, has)
		}
		if f.Minor && !strings.Contains(hdoc.text, fmt.Sprintf("#%d %s: %s", f.Rank, f.Flag, f.Summary)) {
			t.Errorf("html: minor finding #%d not listed", f.Rank)
		}
	}
	if !strings.Contains(hdoc.text, fmt.Sprintf("%d failed requests in %d minor findings", minorFailures, minorFindings)) ||
		!strings.Contains(page, fmt.Sprintf("<tr><td><code>URS</code> upstream_response_5xx</td><td class=\"n\">%d</td>", minor["URS"])) {
		t.Errorf("html: the other failures' counts missing")
	}
	for _, c := range htmlPageOf(r).Charts {
		for _, o := range c.Onsets {
			rank, _ := strconv.Atoi(strings.TrimPrefix(o.Label, "#"))
			if r.Findings[rank-1].Minor {
				t.Errorf("html: %s's timeline marks minor finding %s", c.Node, o.Label)
			}
		}
	}
}
