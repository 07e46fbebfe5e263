package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// schemaReport is the report SCHEMA.md shows: a short three-node fleet in
// which gw-b restarts and cannot reach orders.internal.
func schemaReport() *Report {
	r := analyzeAll(genFleet(21, 12*time.Minute, scBlackhole(genAt(0, 6, 0), genAt(0, 9, 0))), Config{})
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
