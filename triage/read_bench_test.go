package triage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// genLog writes a realistic gateway log of about size bytes: Tyk 5.14's
// JSON access-log lines of three APIs, 98% successes, the rest failures
// enriched by the plugin with their proxy-error lines, and a few other
// gateway lines. format is "json", "text", "kubectl" (JSON under kubectl
// --prefix --timestamps) or "docker".
func genLog(tb testing.TB, size int, format string) []byte {
	tb.Helper()
	rnd := rand.New(rand.NewSource(1))
	t0 := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	apis := []string{"orders", "payments", "catalogue"}
	var b strings.Builder
	b.Grow(size + 4096)
	for i := 0; b.Len() < size; i++ {
		at := t0.Add(time.Duration(i) * 2 * time.Millisecond).Truncate(time.Second)
		api := apis[i%len(apis)]
		port := 8080 + i%3
		var line string
		switch r := rnd.Intn(1000); {
		case r < 980:
			line = fmt.Sprintf(`{"api_id":"%s","api_key":"--","api_name":"%s api","api_type":"classic","client_ip":"10.1.%d.%d","host":"api.example.com","latency_gateway":1,"latency_total":%d,"level":"info","message":"","method":"GET","org_id":"default","path":"/%s/v1/items/%d","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.%d.%d:%d","status":200,"time":"%s","upstream_addr":"http://%s.internal:%d/v1/items/%d","upstream_latency":%d,"user_agent":"okhttp/4.12.0"}`,
				api, api, rnd.Intn(8), rnd.Intn(250), rnd.Intn(40), api, rnd.Intn(100000), rnd.Intn(8), rnd.Intn(250), 30000+rnd.Intn(30000), at.Format(time.RFC3339), api, port, rnd.Intn(100000), rnd.Intn(40))
		case r < 990:
			line = fmt.Sprintf(`{"api_id":"%s","api_name":"%s api","level":"error","message":"http: proxy error: read tcp 10.0.0.4:%d-\u003e10.0.3.17:%d: read: connection reset by peer","mw":"ReverseProxy","org_id":"default","prefix":"proxy","server_name":"%s.internal:%d","time":"%s","type":"request","user_id":"--","user_ip":"10.1.0.9","user_name":""}`,
				api, api, 40000+rnd.Intn(20000), port, api, port, at.Format(time.RFC3339))
		case r < 997:
			line = fmt.Sprintf(`{"api_id":"%s","api_key":"--","api_name":"%s api","client_ip":"10.1.0.9","error":"EOF","error_source":"ReverseProxy","error_target":"%s.internal:%d","gateway_node":"gw-eu-1","host":"api.example.com","latency_total":3,"level":"info","message":"","method":"POST","path":"/%s/v1/items","prefix":"access-log","protocol":"HTTP/1.1","remote_addr":"10.1.0.9:41942","response_code_details":"idle_connection_closed_by_upstream","response_flag":"UCC","status":502,"time":"%s","upstream_addr":"http://%s.internal:%d/v1/items","upstream_attempts":1,"upstream_conn_idle_ms":%d.%03d,"upstream_conn_reused":true,"upstream_error_detail":"idle_connection_closed_by_upstream","upstream_error_phase":"response_headers","upstream_error_source":"upstream","upstream_error_type":"connection_terminated","upstream_flag":"UCC","upstream_latency":0,"upstream_peer":"10.0.3.17:%d","upstream_request_write_ms":0.015,"upstream_response_headers_ms":0.034,"upstream_target":"%s.internal:%d","user_agent":"okhttp/4.12.0"}`,
				api, api, api, port, api, at.Format(time.RFC3339), api, port, 59000+rnd.Intn(2000), rnd.Intn(1000), port, api, port)
		default:
			line = fmt.Sprintf(`{"level":"warning","message":"[HOST CHECKER MANAGER] Host is DOWN: http://%s.internal:%d/","prefix":"host-check-mgr","time":"%s"}`, api, port, at.Format(time.RFC3339))
		}
		switch format {
		case "text":
			line = jsonToText(tb, line)
		case "kubectl":
			line = "[pod/tyk-gw-7d9f8-abcde/tyk-gateway] " + at.Add(1234567*time.Nanosecond).Format(time.RFC3339Nano) + " " + line
		case "docker":
			line = dockerLine(tb, line, at.Format(time.RFC3339Nano))
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// jsonToText rewrites a generated JSON line as logrus's TextFormatter
// would: time, level, message first, then the other keys sorted.
func jsonToText(tb testing.TB, line string) string {
	tb.Helper()
	// A small converter: the generated lines have flat string and number
	// values only.
	var keys, vals []string
	s := strings.TrimSuffix(strings.TrimPrefix(line, "{"), "}")
	for len(s) > 0 {
		ke := strings.Index(s[1:], `"`) + 1
		k := s[1:ke]
		s = s[ke+2:]
		var v string
		if s[0] == '"' {
			end, _ := stringEnd([]byte(s), 1)
			v = strings.ReplaceAll(s[1:end], `\u003e`, ">")
			s = s[end+1:]
			if v == "" || strings.ContainsAny(v, " :\"=") {
				v = fmt.Sprintf("%q", v)
			}
		} else {
			end := strings.IndexAny(s, ",")
			if end < 0 {
				end = len(s)
			}
			v, s = s[:end], s[end:]
		}
		s = strings.TrimPrefix(s, ",")
		if k == "message" && v == `""` {
			continue
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	var head, rest []string
	for i, k := range keys {
		kv := k + "=" + vals[i]
		if k == "time" || k == "level" || k == "message" {
			head = append(head, kv)
		} else {
			rest = append(rest, kv)
		}
	}
	return strings.Join(append(head, rest...), " ")
}

func benchReader(b *testing.B, format string) {
	data := genLog(b, 32<<20, format)
	path := filepath.Join(b.TempDir(), "gw-eu-1.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open([]string{path}, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			e, ok := r.Next()
			if !ok {
				break
			}
			if e.Status >= 500 || e.Kind != KindAccess {
				n++
			}
		}
		if st := r.Stats(); st.Skipped != 0 || n == 0 {
			b.Fatalf("skipped %d %v, %d entries", st.Skipped, st.Reasons, n)
		}
		r.Close()
	}
}

// BenchmarkReader reads a 32 MiB log from a file through the whole reader
// (lines, wrappers, parsing, Entries); MB/s is of the file.
func BenchmarkReader(b *testing.B) {
	for _, f := range []string{"json", "text", "kubectl", "docker"} {
		b.Run(f, func(b *testing.B) { benchReader(b, f) })
	}
}

// BenchmarkParseLine parses single lines: the success access-log line
// (most of any log), a failure enriched by the plugin, and a probe entry
// of the plugin (rare: one per failure at most, rate-limited).
func BenchmarkParseLine(b *testing.B) {
	for _, c := range []struct{ name, line string }{
		{"success-5.14", fixtureWith(b, "tyk-5.14.0.jsonl", `"status":200`)},
		{"plugin-UCF-5.14", fixtureWith(b, "tyk-5.14.0.jsonl", `"upstream_flag":"UCF"`)},
		{"proxy-error-5.8", fixtureWith(b, "tyk-5.8.15.jsonl", `http: proxy error: dial tcp`)},
		{"text-UCF", textUCF},
		{"probe-json", fixture(b, "probe.jsonl", 1)},
		{"probe-text", fixture(b, "probe.log", 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			line := []byte(c.line)
			src := &Source{Name: "gw", intern: &interner{}}
			var e Entry
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if ok, r := ParseLine(line, src, &e); !ok {
					b.Fatal(r)
				}
			}
		})
	}
}

// The generated logs read back without a skipped line, in every format.
func TestGeneratedLogs(t *testing.T) {
	for _, f := range []string{"json", "text", "kubectl", "docker"} {
		data := genLog(t, 256<<10, f)
		path := filepath.Join(t.TempDir(), "gw.log")
		writeFile(t, path, data)
		r, err := Open([]string{path}, ReadOptions{Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[Kind]int{}
		flags := map[string]int{}
		for {
			e, ok := r.Next()
			if !ok {
				break
			}
			kinds[e.Kind]++
			flags[e.Flag]++
		}
		st := r.Stats()
		if st.Skipped != 0 || kinds[KindAccess] == 0 || kinds[KindProxyError] == 0 || flags["UCC"] == 0 || flags["URR"] != kinds[KindProxyError] {
			t.Errorf("%s: skipped %d %v, kinds %v, flags %v", f, st.Skipped, st.Reasons, kinds, flags)
		}
	}
}

// BenchmarkParseLineBaseline measures, on the same success line, what the
// reader's parse is to be compared with: encoding/json decoding the fields
// the reader uses into a struct, and a bare count of the line's quotes
// (the least any parse must do).
func BenchmarkParseLineBaseline(b *testing.B) {
	line := []byte(fixtureWith(b, "tyk-5.14.0.jsonl", `"status":200`))
	b.Run("encoding-json", func(b *testing.B) {
		var v struct {
			Level, Time, Message, Prefix, APIID, Method, Path, UpstreamAddr string
			Status                                                          int
			LatencyTotal                                                    float64
		}
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := json.Unmarshal(line, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("count-quotes", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		n := 0
		for i := 0; i < b.N; i++ {
			n += bytes.Count(line, []byte{'"'})
		}
		if n == 0 {
			b.Fatal(n)
		}
	})
}
