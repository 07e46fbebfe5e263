package classify_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// corpusEntry is one line of testdata/corpus.jsonl: an error text a Go
// reverse proxy logged, as a user pasted it in a public issue thread, with
// the classification Message must give it. The file's header describes the
// fields.
type corpusEntry struct {
	Project string `json:"project"`
	URL     string `json:"url"`
	Text    string `json:"text"`
	Flag    string `json:"flag"`
	Detail  string `json:"detail"`
	Cause   string `json:"cause"`
	Miss    string `json:"miss"` // why Message is knowingly wrong; empty if it must be right

	line int
}

// corpusMinAccuracy is the share of the corpus Message must classify right
// (Flag and Detail); known misses count against it.
const corpusMinAccuracy = 0.95

func readCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var entries []corpusEntry
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var e corpusEntry
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("testdata/corpus.jsonl:%d: %v", n, err)
		}
		e.line = n
		switch {
		case e.Project == "", e.Text == "", e.Flag == "", e.Detail == "", e.Cause == "":
			t.Fatalf("testdata/corpus.jsonl:%d: project, text, flag, detail and cause are required", n)
		case !strings.HasPrefix(e.URL, "https://github.com/") || !(strings.Contains(e.URL, "/issues/") || strings.Contains(e.URL, "/pull/")):
			t.Fatalf("testdata/corpus.jsonl:%d: url %q is not a GitHub issue or pull request thread", n, e.URL)
		}
		if prev, dup := seen[e.Text]; dup {
			t.Fatalf("testdata/corpus.jsonl:%d: same text as line %d", n, prev)
		}
		seen[e.Text] = n
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestCorpus classifies every text of the corpus of real-world proxy error
// texts and checks Flag and Detail. A miss not marked as known fails; so
// does a known miss that Message now gets right (its mark is stale); and so
// does an accuracy below corpusMinAccuracy, listing every miss.
func TestCorpus(t *testing.T) {
	entries := readCorpus(t)
	projects := map[string]bool{}
	var misses []string
	for _, e := range entries {
		projects[e.Project] = true
		got := classify.Message(e.Text)
		ok := got.Flag == e.Flag && got.Detail == e.Detail
		switch {
		case ok && e.Miss != "":
			t.Errorf("corpus.jsonl:%d (%s): marked as a known miss but Message now gets it right; remove the mark", e.line, e.URL)
		case !ok:
			miss := fmt.Sprintf("corpus.jsonl:%d %s\n\t\ttext %q\n\t\tgot  %s/%s\n\t\twant %s/%s", e.line, e.URL, e.Text, got.Flag, got.Detail, e.Flag, e.Detail)
			if e.Miss != "" {
				miss += "\n\t\tknown miss: " + e.Miss
			} else {
				t.Errorf("unexpected miss: %s", miss)
			}
			misses = append(misses, miss)
		}
	}
	right := len(entries) - len(misses)
	accuracy := float64(right) / float64(len(entries))
	t.Logf("corpus: %d texts from %d projects, %d right, accuracy %.1f%%", len(entries), len(projects), right, 100*accuracy)
	if accuracy < corpusMinAccuracy {
		t.Errorf("accuracy %.1f%% is below %.0f%%; misses:\n\t%s", 100*accuracy, 100*corpusMinAccuracy, strings.Join(misses, "\n\t"))
	}
}

// TestCorpusZeroAlloc checks that Message allocates nothing for the corpus
// texts, wrapped as they are.
func TestCorpusZeroAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, e := range readCorpus(t) {
		if n := testing.AllocsPerRun(100, func() { sink = classify.Message(e.Text) }); n != 0 {
			t.Errorf("corpus.jsonl:%d: %v allocs", e.line, n)
		}
	}
}

// TestMessageWrapped checks that the way another logger wraps an error text
// (quotes, escapes, key=value and JSON fields, markdown, trailing
// punctuation) does not change its classification: each wrapped text must
// classify as the bare text does.
func TestMessageWrapped(t *testing.T) {
	texts := []string{
		"EOF",
		"unexpected EOF",
		"dial tcp 10.0.0.5:8080: connect: connection refused",
		"dial tcp 10.0.0.5:8080: i/o timeout",
		`Get "http://10.0.0.5/x": EOF`,
		"read tcp 10.0.0.1:5->10.0.0.5:80: read: connection reset by peer",
		"net/http: timeout awaiting response headers",
		"tls: failed to verify certificate: x509: certificate signed by unknown authority",
		"context canceled",
	}
	// Each wrapper gets the text escaped as its quoting needs: q once for
	// a quoted string, qq for a string inside another logger's JSON string.
	q := func(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }
	qq := func(s string) string { return strings.ReplaceAll(s, `"`, `\\\"`) }
	wrappers := []func(string) string{
		func(s string) string { return `"` + s + `"` },
		func(s string) string { return `'` + s + `'` },
		func(s string) string { return "`" + s + "`" },
		func(s string) string { return s + "." },
		func(s string) string { return s + "," },
		func(s string) string { return "(" + s + ")" },
		func(s string) string { return "**" + s + "**" },
		func(s string) string { return "> " + s },
		func(s string) string { return "- " + s + "\n" },
		func(s string) string { return `time="2026-11-21T14:58:46Z" level=error error="` + q(s) + `" api_id=1` },
		func(s string) string { return `level=error msg="` + q(s) + `" api_id=a org_id=o` },
		func(s string) string { return `ERR Request failed error="` + q(s) + `" connIndex=0 event=0` },
		func(s string) string { return `{"level":"error","ts":1.5,"error":"` + q(s) + `","stacktrace":"x"}` },
		func(s string) string {
			return `{"level":"error","msg":"` + q(s) + `","request":{"headers":{"Connection":["keep-alive"],"Te":["trailers"]}}}`
		},
		func(s string) string {
			return "{\n  \"level\": \"error\",\n  \"error\": \"" + q(s) + "\",\n  \"x\": 1\n}"
		},
		func(s string) string {
			return `{"log":"{\"level\":\"error\",\"msg\":\"` + qq(s) + `\"}\n","stream":"stderr"}`
		},
	}
	for _, text := range texts {
		want := classify.Message(text)
		for i, wrap := range wrappers {
			msg := wrap(text)
			if got := classify.Message(msg); got.Flag != want.Flag || got.Detail != want.Detail {
				t.Errorf("wrapper %d: Message(%q) = %s, want %s/%s as for %q", i, msg, show(got), want.Flag, want.Detail, text)
			}
		}
	}
}
