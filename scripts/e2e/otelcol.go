package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// otelcolCmd runs a collector with examples/shipping/otelcol.yaml over a
// copy of the gateway's log and checks what it would ship.
//
// The example is used as operators would use it; a second configuration
// only points its filelog receiver at the copy (from the beginning) and
// swaps its exporter for the file exporter (OTLP JSON). The copy is read
// twice: as the gateway wrote it (the plugin's default names) and as its
// otel-mode twin (otelTwin: what UPSTREAMCAUSE_FIELD_NAMES=otel writes), so
// that the two routes to OpenTelemetry names are checked to give the same
// attributes. It waits until every access-log and probe entry of both
// files was exported, then checks:
//   - for every demo case (e2e-classic-N, e2e-oas-N), the record's
//     attributes against internal/cases (error.type, tyk.upstream.flag,
//     server.address and server.port of the case's upstream,
//     http.response.status_code …), each with its OTLP type;
//   - for every entry, that its records in both routes carry exactly what
//     the example's mapping (shippedAttrs) makes of it, and the same.
func otelcolCmd(args []string) int {
	fs := flag.NewFlagSet("otelcol", flag.ContinueOnError)
	var (
		bin     = fs.String("bin", "", "the collector (internal/otelcol, or otelcol-contrib): filelog receiver, transform processor, OTLP and file exporters")
		config  = fs.String("config", "examples/shipping/otelcol.yaml", "the example pipeline")
		logFile = fs.String("log", "", "the gateway's log (JSON lines), as e2e run leaves it")
		envFile = fs.String("env", "", "upstream URLs written by e2e serve")
		kinds   = fs.String("kinds", KindClassic+","+KindOAS, "API kinds the demo cases were sent through")
		timeout = fs.Duration("timeout", 60*time.Second, "how long the collector may take to export the whole log")
		keep    = fs.String("keep", "", "keep the copy, the collector's configuration, output and log in this folder")
		version = fs.String("version", "", "the gateway's version (vX.Y.Z): from 5.12 on the gateway writes response_flag & co. itself")
		verbose = fs.Bool("v", false, "print every demo case's record")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *bin == "" || *logFile == "" || *envFile == "" {
		fmt.Fprintln(os.Stderr, "e2e otelcol: -bin, -log, -env and -version are required")
		return 2
	}
	tyk512, err := atLeast(*version, 5, 12)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
		return 2
	}
	env, err := readEnv(*envFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
		return 1
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "upstreamcause-otelcol."); err != nil {
			fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
			return 1
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
		return 1
	}

	// 1. The inputs: the log as it is now (complete lines only: the gateway
	// may still be writing), and its otel-mode twin.
	in, err := snapshotLog(*logFile, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
		return 1
	}
	fmt.Printf("otelcol: %s over %s (gateway %s): %d access-log and %d probe entries (and their otel-mode twins)\n",
		filepath.Base(*config), *logFile, *version, in.access, in.probes)

	// 2. The collector, until it has exported every kept entry of both.
	out, err := runCollector(*bin, *config, dir, in, *timeout)
	if err != nil {
		fmt.Printf("FAIL  the collector: %v\n", err)
		if b, _ := os.ReadFile(filepath.Join(dir, "otelcol.log")); len(b) > 0 {
			printProblems(os.Stdout, tailLines(string(b), 15))
		}
		fmt.Println("otelcol: 0 passed, 1 failed")
		return 1
	}

	// 3. The checks.
	passed, failed := 0, 0
	report := func(ok bool, label, summary string, bad []string) {
		if ok {
			passed++
			fmt.Printf("ok    %s %s\n", label, summary)
			return
		}
		failed++
		fmt.Printf("FAIL  %s %s\n", label, summary)
		for i, b := range bad {
			if i == 12 {
				fmt.Printf("      … and %d more\n", len(bad)-i)
				break
			}
			fmt.Printf("      - %s\n", b)
		}
	}
	// The demo cases' records, by route (0: the log, 1: its twin) and
	// token.
	byToken := [2]map[string]*otlpRecord{{}, {}}
	for i := range out {
		r := &out[i]
		for route, name := range in.names {
			if p := r.Attrs["url.path"]; r.Attrs["log.file.name"].Str == name && p.Kind == kindString {
				byToken[route][lastSegment(p.Str)] = r
			}
		}
	}
	for _, kind := range strings.Split(*kinds, ",") {
		for i, dc := range cases.Demo {
			token := fmt.Sprintf("e2e-%s-%d", kind, i+1)
			label := fmt.Sprintf("%-7s %02d %-21s %-4s", kind, i+1, dc.Case, dc.HTTPMethod())
			host := ""
			if u, err := url.Parse(env["URL_"+dc.Case]); err == nil {
				host = u.Host
			}
			var bad []string
			for route, name := range in.names {
				r := byToken[route][token]
				if r == nil {
					bad = append(bad, fmt.Sprintf("%s: no exported record whose url.path ends in /%s", name, token))
					continue
				}
				var says *cases.GatewaySays
				if g, ok := cases.Tyk512Says[cases.RequestKey(dc)]; ok && tyk512 {
					says = &g
				}
				for _, b := range checkCaseRecord(r, dc, token, host, says) {
					bad = append(bad, name+": "+b)
				}
			}
			r := byToken[0][token]
			if r == nil {
				report(false, label, "(no record)", bad)
				continue
			}
			report(len(bad) == 0, label, recordSummary(r), bad)
			if *verbose || len(bad) > 0 {
				fmt.Printf("      record: %s\n", recordLine(r))
			}
		}
	}
	bad := checkAllEntries(in, out)
	report(len(bad) == 0, "every entry", fmt.Sprintf("(%d access-log, %d probe) exported once per route, attributes and OTLP types as the example maps them, both routes alike",
		in.access, in.probes), bad)
	fmt.Printf("otelcol: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// logInput is what the collector reads: two files in one folder.
type logInput struct {
	paths   [2]string // the copy of the log, its otel-mode twin
	names   [2]string // their base names (the records' log.file.name)
	entries [][2]map[string]any
	raw     [][2]string // the lines, for the records' bodies where there is no message
	access  int
	probes  int
}

// kept reports whether the example's filter operator keeps the entry.
func kept(e map[string]any) bool {
	return e["prefix"] == "access-log" || e["prefix"] == "upstreamcause-probe"
}

// snapshotLog copies the complete lines of the log into dir and writes
// the otel-mode twin of each beside it.
func snapshotLog(logFile, dir string) (*logInput, error) {
	data, err := os.ReadFile(logFile)
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	in := &logInput{names: [2]string{"gateway.log", "gateway-otel-mode.log"}}
	// The twin's first line tells it apart: the filelog receiver knows a
	// file by its first bytes, and would take a twin that starts with the
	// same lines for the same file. The line is no JSON: the example drops
	// it, as it drops the gateway's plain lines.
	var twin bytes.Buffer
	twin.WriteString("otel-mode twin of the gateway's log, written by scripts/e2e otelcol\n")
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		e, err := decodeEntry(line)
		if err != nil || !kept(e) {
			twin.Write(line) // the filter drops it from both
			twin.WriteByte('\n')
			continue
		}
		t := otelTwin(e)
		tl, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		twin.Write(tl)
		twin.WriteByte('\n')
		in.entries = append(in.entries, [2]map[string]any{e, t})
		in.raw = append(in.raw, [2]string{string(line), string(tl)})
		if e["prefix"] == "access-log" {
			in.access++
		} else {
			in.probes++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if in.access == 0 {
		return nil, fmt.Errorf("%s has no access-log entry (JSON log format?)", logFile)
	}
	for i, b := range [][]byte{data, twin.Bytes()} {
		in.paths[i] = filepath.Join(dir, in.names[i])
		if err := os.WriteFile(in.paths[i], b, 0o644); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// decodeEntry decodes one JSON line with its numbers as json.Number.
func decodeEntry(line []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var e map[string]any
	if err := d.Decode(&e); err != nil {
		return nil, err
	}
	if e == nil {
		return nil, errors.New("not an object")
	}
	return e, nil
}

// overrideConfig is the configuration given after the example: the same
// receiver on the test's files from their beginning, the file exporter in
// place of the example's, and no internal metrics (no listening port).
func overrideConfig(in *logInput, outFile string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // a JSON string is a YAML string
	return fmt.Sprintf(`# written by scripts/e2e otelcol
receivers:
  filelog/tyk:
    include: [%s, %s]
    start_at: beginning
exporters:
  file/e2e:
    path: %s
    format: json
    flush_interval: 200ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs/tyk:
      exporters: [file/e2e]
`, q(in.paths[0]), q(in.paths[1]), q(outFile))
}

// runCollector runs the collector until it has exported every kept entry
// of both files (or timeout), stops it, and returns the records.
func runCollector(bin, config, dir string, in *logInput, timeout time.Duration) ([]otlpRecord, error) {
	override := filepath.Join(dir, "override.yaml")
	outFile := filepath.Join(dir, "otlp.json")
	_ = os.Remove(outFile)
	if err := os.WriteFile(override, []byte(overrideConfig(in, outFile)), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "otelcol.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--config", config, "--config", override)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "TYK_GATEWAY_LOG="+in.paths[0]) // in case the example's include is what is used
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			return errors.New("did not stop within 15 s of SIGTERM (killed)")
		}
	}
	want := 2 * len(in.entries)
	var got []otlpRecord
	for {
		data, _ := os.ReadFile(outFile)
		if got, err = readOTLPLogs(data); err != nil {
			_ = stop()
			return nil, fmt.Errorf("reading its output: %w", err)
		}
		if len(got) >= want {
			break
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("exited after %v with %d of %d records exported: %v", time.Since(start).Round(time.Millisecond), len(got), want, err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(start) > timeout {
			_ = stop()
			return nil, fmt.Errorf("%d of %d records exported after %v", len(got), want, timeout)
		}
	}
	took := time.Since(start)
	if err := stop(); err != nil {
		return nil, fmt.Errorf("stopping it: %w", err)
	}
	// Whatever it flushed on its way out counts too (a duplicate would).
	data, _ := os.ReadFile(outFile)
	if got, err = readOTLPLogs(data); err != nil {
		return nil, fmt.Errorf("reading its output: %w", err)
	}
	fmt.Printf("otelcol: %d records exported in %v (collector started to all exported)\n", len(got), took.Round(time.Millisecond))
	return got, nil
}

// checkCaseRecord checks a demo case's record: what internal/cases
// expects of the case (Want.CheckNames with the otel mode's names, which
// the example gives the default ones: flag, type, detail, phase, source,
// error.message, server.address and server.port of the case's upstream,
// the peer, Tyk 5.12's keys or the gateway's own as says tells), then the
// OTLP type of each attribute and that no default name is left.
func checkCaseRecord(r *otlpRecord, dc cases.DemoCase, token, upstreamHost string, says *cases.GatewaySays) []string {
	w := cases.WantFor(dc)
	n := accesslog.OTelNames
	e := make(map[string]any, len(r.Attrs)+1)
	for k, v := range r.Attrs {
		e[k] = v.goValue()
	}
	e["status"] = e["http.response.status_code"] // the one Tyk key CheckNames reads that the example renames
	bad := w.CheckNames(&n, e, upstreamHost, nil, false, says)

	has := func(k string) (otlpValue, bool) { v, ok := r.Attrs[k]; return v, ok }
	eq := func(k string, want otlpValue) {
		if got, ok := has(k); !ok || !got.equal(want) {
			bad = append(bad, fmt.Sprintf("%s = %s, want %s", k, got, want))
		}
	}
	kindOf := func(k, kind string) {
		if got, ok := has(k); ok && got.Kind != kind {
			bad = append(bad, fmt.Sprintf("%s = %s, want a %s", k, got, kind))
		}
	}
	eq("http.response.status_code", intValue(int64(w.Status)))
	eq("http.request.method", strValue(dc.HTTPMethod()))
	if p, _ := has("url.path"); !strings.HasSuffix(p.Str, "/"+token) {
		bad = append(bad, fmt.Sprintf("url.path = %s, want …/%s", p, token))
	}
	for _, k := range append(leftoverNames(), "status", "method", "path") {
		if v, ok := has(k); ok {
			bad = append(bad, fmt.Sprintf("%s = %s left under its Tyk name", k, v))
		}
	}
	if w.OK {
		return bad
	}
	if v, _ := has(n.Node); v.Kind != kindString || v.Str == "" {
		bad = append(bad, fmt.Sprintf("%s = %s, want the gateway's node name", n.Node, v))
	}
	// Every OTel-named attribute with the OTLP type the example gives it;
	// the others are strings.
	kinds := shippedKinds()
	for _, k := range cases.ErrorKeysOf(&n) {
		if kind, ok := kinds[k]; ok {
			kindOf(k, kind)
		} else if strings.Contains(k, ".") {
			kindOf(k, kindString)
		}
	}
	if _, ok := has(n.Peer); ok {
		if _, ok := has(n.PeerPort); !ok {
			bad = append(bad, n.PeerPort+" absent beside "+n.Peer)
		}
	}
	// Every failed round trip has its attempts (a 5xx answer is none).
	if w.Flag != "URS" {
		if v, ok := has(n.Attempts); !ok || v.Kind != kindInt || v.Int < 1 {
			bad = append(bad, fmt.Sprintf("%s = %s, want an intValue ≥ 1", n.Attempts, v))
		}
	}
	return bad
}

// leftoverNames are the plugin's default names, which the example renames
// (accesslog.TykNames where OTelNames differs).
func leftoverNames() []string {
	var out []string
	for _, r := range pluginRenames() {
		out = append(out, r[0])
	}
	return append(out, accesslog.TykNames.Target, accesslog.TykNames.Peer)
}

// checkAllEntries matches every kept entry of both files with its record
// and compares the record with the example's mapping of the entry; it also
// checks that the mapping of an entry and of its twin are the same.
func checkAllEntries(in *logInput, out []otlpRecord) []string {
	var bad []string
	if want := 2 * len(in.entries); len(out) != want {
		bad = append(bad, fmt.Sprintf("%d records exported, want %d (each kept entry once per route)", len(out), want))
	}
	pool := map[string][]int{}
	for i := range out {
		k := recordKey(out[i].Attrs["log.file.name"].Str, out[i].Time, out[i].Attrs)
		pool[k] = append(pool[k], i)
	}
	used := make([]bool, len(out))
	for n, pair := range in.entries {
		var shippedBoth [2]shipped
		for route := 0; route < 2; route++ {
			s := shippedAttrs(pair[route], in.raw[n][route], in.names[route])
			shippedBoth[route] = s
			what := fmt.Sprintf("entry %d (%s, %s)", n+1, in.names[route], entryLabel(pair[0]))
			k := recordKey(in.names[route], s.Time, s.Attrs)
			var firstDiff []string
			found := false
			for _, i := range pool[k] {
				if used[i] {
					continue
				}
				d := compareRecord(&out[i], s)
				if len(d) == 0 {
					used[i], found = true, true
					break
				}
				if firstDiff == nil {
					firstDiff = d
				}
			}
			if !found {
				if firstDiff == nil {
					bad = append(bad, what+": no record")
				} else {
					bad = append(bad, what+": "+strings.Join(firstDiff, "; "))
				}
			}
		}
		a, b := shippedBoth[0], shippedBoth[1]
		d := diffAttrs(b.Attrs, a.Attrs, "log.file.name")
		if !a.Body.equal(b.Body) {
			d = append(d, fmt.Sprintf("body = %s, want %s", b.Body, a.Body))
		}
		if len(d) > 0 {
			bad = append(bad, fmt.Sprintf("entry %d (%s): the otel-mode route differs from the default one: %s", n+1, entryLabel(pair[0]), strings.Join(d, "; ")))
		}
	}
	return bad
}

// compareRecord lists how a record differs from what the example makes of
// its entry.
func compareRecord(r *otlpRecord, s shipped) []string {
	d := diffAttrs(r.Attrs, s.Attrs)
	if !r.Body.equal(s.Body) {
		d = append(d, fmt.Sprintf("body = %s, want %s", r.Body, s.Body))
	}
	if !r.Time.Equal(s.Time) {
		d = append(d, fmt.Sprintf("time = %v, want %v", r.Time, s.Time))
	}
	if r.SevText != s.Severity {
		d = append(d, fmt.Sprintf("severityText = %q, want %q", r.SevText, s.Severity))
	}
	if want, ok := severityNumbers[strings.ToLower(s.Severity)]; ok && r.SevNumber != want {
		d = append(d, fmt.Sprintf("severityNumber = %d, want %d (%s)", r.SevNumber, want, s.Severity))
	}
	if v := r.Resource["service.name"]; !v.equal(strValue("tyk-gateway")) {
		d = append(d, fmt.Sprintf("resource service.name = %s, want \"tyk-gateway\"", v))
	}
	return d
}

// severityNumbers are OpenTelemetry's numbers for logrus's levels (the
// example's severity mapping).
var severityNumbers = map[string]int{"trace": 1, "debug": 5, "info": 9, "warning": 13, "error": 17, "fatal": 21, "panic": 21}

// recordKey is what pairs a record with its entry: file, time and the
// attributes that tell one request (or probe) from another.
func recordKey(file string, t time.Time, a map[string]otlpValue) string {
	var b strings.Builder
	b.WriteString(file)
	b.WriteString("|" + t.UTC().Format(time.RFC3339Nano))
	for _, k := range []string{"prefix", "url.path", "http.request.method", "remote_addr", "probe_target", "probe_verdict"} {
		b.WriteString("|" + a[k].short())
	}
	return b.String()
}

func entryLabel(e map[string]any) string {
	if e["prefix"] == "access-log" {
		return fmt.Sprintf("%v %v %v", e["method"], e["path"], e["status"])
	}
	return fmt.Sprintf("probe %v %v", e["probe_target"], e["probe_verdict"])
}

// recordSummary is what the run prints for a demo case's record.
func recordSummary(r *otlpRecord) string {
	n := accesslog.OTelNames
	var parts []string
	for _, k := range []string{"http.response.status_code", n.Type, n.Flag, n.Target, n.TargetPort, n.Node} {
		if v, ok := r.Attrs[k]; ok {
			s := v.short()
			if v.Kind != kindString {
				s += "(" + strings.TrimSuffix(v.Kind, "Value") + ")"
			}
			parts = append(parts, k+"="+s)
		}
	}
	return strings.Join(parts, " ")
}

// recordLine shows every attribute of a record, sorted.
func recordLine(r *otlpRecord) string {
	keys := make([]string, 0, len(r.Attrs))
	for k := range r.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, r.Attrs[k])
	}
	return b.String()
}

func tailLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
