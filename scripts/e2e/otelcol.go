package main

import (
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
// only points its filelog receiver at the copies (from the beginning) and
// swaps its exporter for the file exporter (OTLP JSON). The log is read as
// the gateway wrote it (the plugin's default names) and as its otel-mode
// twin (otelTwin: the entries as UPSTREAMCAUSE_FIELD_NAMES=otel writes
// them), and, with -otel-log, the log of the same gateway run in otel mode
// (e2e run -names otel): the two routes to OpenTelemetry names must give
// the same attributes. It waits until every access-log and probe entry of
// every file was exported, then checks:
//   - for every demo case (e2e-classic-N, e2e-oas-N; e2e-otel-classic-N in
//     the otel-mode log), each record's attributes against internal/cases
//     (error.type, tyk.upstream.flag, server.address and server.port of the
//     case's upstream, http.response.status_code …), each with its OTLP
//     type; the otel-mode gateway's record has the default one's
//     attributes, types and classification;
//   - for every entry, that its record carries exactly what the example's
//     mapping (shippedAttrs) makes of it, and that an entry and its twin
//     are mapped alike.
func otelcolCmd(args []string) int {
	fs := flag.NewFlagSet("otelcol", flag.ContinueOnError)
	var (
		bin     = fs.String("bin", "", "the collector (internal/otelcol, or otelcol-contrib): filelog receiver, transform processor, OTLP and file exporters")
		config  = fs.String("config", "examples/shipping/otelcol.yaml", "the example pipeline")
		logFile = fs.String("log", "", "the gateway's log (JSON lines), as e2e run leaves it")
		otelLog = fs.String("otel-log", "", "optional: the log of the same gateway run with UPSTREAMCAUSE_FIELD_NAMES=otel (e2e run -names otel -kinds classic)")
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

	// 1. The inputs: the logs as they are now (complete lines only: the
	// gateway may still be writing), and the otel-mode twin.
	in, err := snapshotLogs(*logFile, *otelLog, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e otelcol:", err)
		return 1
	}
	for _, f := range in.files {
		fmt.Printf("otelcol: %s: %s (gateway %s): %d access-log and %d probe entries\n", filepath.Base(*config), f.what, *version, f.access, f.probes)
	}

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
	// The demo cases' records, by file and token.
	byToken := make([]map[string]*otlpRecord, len(in.files))
	for f, lf := range in.files {
		byToken[f] = map[string]*otlpRecord{}
		for i := range out {
			r := &out[i]
			if p := r.Attrs["url.path"]; r.Attrs["log.file.name"].Str == lf.name && p.Kind == kindString {
				byToken[f][lastSegment(p.Str)] = r
			}
		}
	}
	for _, kind := range strings.Split(*kinds, ",") {
		for i, dc := range cases.Demo {
			label := fmt.Sprintf("%-7s %02d %-21s %-4s", kind, i+1, dc.Case, dc.HTTPMethod())
			host := ""
			if u, err := url.Parse(env["URL_"+dc.Case]); err == nil {
				host = u.Host
			}
			var says *cases.GatewaySays
			if g, ok := cases.Tyk512Says[cases.RequestKey(dc)]; ok && tyk512 {
				says = &g
			}
			var bad []string
			var first *otlpRecord
			for f, lf := range in.files {
				if lf.otelGateway && kind != KindClassic {
					continue // the otel-mode run sends the classic APIs only
				}
				token := lf.tokenPrefix + fmt.Sprintf("%s-%d", kind, i+1)
				r := byToken[f][token]
				if r == nil {
					bad = append(bad, fmt.Sprintf("%s: no exported record whose url.path ends in /%s", lf.name, token))
					continue
				}
				for _, b := range checkCaseRecord(r, dc, token, host, says) {
					bad = append(bad, lf.name+": "+b)
				}
				if first == nil {
					first = r
				} else if lf.otelGateway {
					for _, b := range routeDiff(first, r, tyk512) {
						bad = append(bad, lf.name+": "+b)
					}
				}
			}
			if first == nil {
				report(false, label, "(no record)", bad)
				continue
			}
			report(len(bad) == 0, label, recordSummary(first), bad)
			if *verbose || len(bad) > 0 {
				fmt.Printf("      record: %s\n", recordLine(first))
			}
		}
	}
	bad := checkAllEntries(in, out)
	var counts []string
	for _, f := range in.files {
		counts = append(counts, fmt.Sprintf("%s %d+%d", f.name, f.access, f.probes))
	}
	report(len(bad) == 0, "every entry", fmt.Sprintf("(%s access-log+probe) exported once, attributes and OTLP types as the example maps them; the log and its twin alike",
		strings.Join(counts, ", ")), bad)
	fmt.Printf("otelcol: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// logFile is one file the collector reads, a copy made for it.
type logFile struct {
	name, path  string // base name (the records' log.file.name) and path
	what        string // what it is, for the run's output
	tokenPrefix string // of the demo cases' path tokens in it
	otelGateway bool   // the log of the gateway run in otel mode
	entries     []map[string]any
	raw         []string // their lines, for the body where there is no message
	access      int
	probes      int
}

// logInput is what the collector reads: the log, its otel-mode twin (entry
// i of the twin is the twin of entry i of the log), and the otel-mode
// gateway's log when there is one.
type logInput struct{ files []*logFile }

// kept reports whether the example's filter operator keeps the entry.
func kept(e map[string]any) bool {
	return e["prefix"] == "access-log" || e["prefix"] == "upstreamcause-probe"
}

// snapshotLogs copies the complete lines of the log (and of otelLog, if
// not "") into dir, and writes the otel-mode twin of the log beside them.
// Each copy starts with a line of its own that is no JSON (the example
// drops it, as it drops the gateway's plain lines): the filelog receiver
// knows a file by its first bytes, and would take two files that start
// alike for one.
func snapshotLogs(logPath, otelLog, dir string) (*logInput, error) {
	log := &logFile{name: "gateway.log", what: logPath, tokenPrefix: tokenPrefix("tyk")}
	twin := &logFile{name: "gateway-otel-twin.log", what: "its otel-mode twin", tokenPrefix: tokenPrefix("tyk")}
	in := &logInput{files: []*logFile{log, twin}}
	var logBuf, twinBuf bytes.Buffer
	lines, err := completeLines(logPath)
	if err != nil {
		return nil, err
	}
	for _, line := range lines {
		e, err := decodeEntry(line)
		if err != nil || !kept(e) {
			logBuf.Write(line) // the filter drops it
			logBuf.WriteByte('\n')
			twinBuf.Write(line)
			twinBuf.WriteByte('\n')
			continue
		}
		t := otelTwin(e)
		tl, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		logBuf.Write(line)
		logBuf.WriteByte('\n')
		twinBuf.Write(tl)
		twinBuf.WriteByte('\n')
		log.add(e, string(line))
		twin.add(t, string(tl))
	}
	if log.access == 0 {
		return nil, fmt.Errorf("%s has no access-log entry (JSON log format?)", logPath)
	}
	bufs := []*bytes.Buffer{&logBuf, &twinBuf}
	if otelLog != "" {
		o := &logFile{name: "gateway-otel.log", what: otelLog, tokenPrefix: tokenPrefix("otel"), otelGateway: true}
		lines, err := completeLines(otelLog)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		for _, line := range lines {
			b.Write(line)
			b.WriteByte('\n')
			if e, err := decodeEntry(line); err == nil && kept(e) {
				o.add(e, string(line))
			}
		}
		if o.access == 0 {
			return nil, fmt.Errorf("%s has no access-log entry", otelLog)
		}
		in.files = append(in.files, o)
		bufs = append(bufs, &b)
	}
	for i, f := range in.files {
		f.path = filepath.Join(dir, f.name)
		data := append([]byte("copy for scripts/e2e otelcol: "+f.name+", "+f.what+"\n"), bufs[i].Bytes()...)
		if err := os.WriteFile(f.path, data, 0o644); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func (f *logFile) add(e map[string]any, raw string) {
	f.entries = append(f.entries, e)
	f.raw = append(f.raw, raw)
	if e["prefix"] == "access-log" {
		f.access++
	} else {
		f.probes++
	}
}

// completeLines returns the file's lines up to its last newline.
func completeLines(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(data, '\n')
	if i < 0 {
		return nil, nil
	}
	return bytes.Split(data[:i], []byte("\n")), nil
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
	var include []string
	for _, f := range in.files {
		include = append(include, q(f.path))
	}
	return fmt.Sprintf(`# written by scripts/e2e otelcol
receivers:
  filelog/tyk:
    include: [%s]
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
`, strings.Join(include, ", "), q(outFile))
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
	cmd.Env = append(os.Environ(), "TYK_GATEWAY_LOG="+in.files[0].path) // in case the example's include is what is used
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
	want := in.kept()
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

// kept is the number of entries the example ships from all files.
func (in *logInput) kept() int {
	n := 0
	for _, f := range in.files {
		n += len(f.entries)
	}
	return n
}

// checkAllEntries matches every kept entry of every file with its record
// and compares the record with the example's mapping of the entry; it also
// checks that an entry of the log and its twin are mapped alike.
func checkAllEntries(in *logInput, out []otlpRecord) []string {
	var bad []string
	if want := in.kept(); len(out) != want {
		bad = append(bad, fmt.Sprintf("%d records exported, want %d (each kept entry once)", len(out), want))
	}
	pool := map[string][]int{}
	for i := range out {
		k := recordKey(out[i].Attrs["log.file.name"].Str, out[i].Time, out[i].Attrs)
		pool[k] = append(pool[k], i)
	}
	used := make([]bool, len(out))
	shippedOf := make([][]shipped, len(in.files))
	for fi, f := range in.files {
		for n, e := range f.entries {
			s := shippedAttrs(e, f.raw[n], f.name)
			shippedOf[fi] = append(shippedOf[fi], s)
			what := fmt.Sprintf("%s entry %d (%s)", f.name, n+1, entryLabel(e))
			var firstDiff []string
			found := false
			for _, i := range pool[recordKey(f.name, s.Time, s.Attrs)] {
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
			switch {
			case found:
			case firstDiff == nil:
				bad = append(bad, what+": no record")
			default:
				bad = append(bad, what+": "+strings.Join(firstDiff, "; "))
			}
		}
	}
	for n, a := range shippedOf[0] {
		b := shippedOf[1][n]
		d := diffAttrs(b.Attrs, a.Attrs, "log.file.name")
		if !a.Body.equal(b.Body) {
			d = append(d, fmt.Sprintf("body = %s, want %s", b.Body, a.Body))
		}
		if len(d) > 0 {
			bad = append(bad, fmt.Sprintf("entry %d (%s): its otel-mode twin is shipped otherwise: %s", n+1, entryLabel(in.files[0].entries[n]), strings.Join(d, "; ")))
		}
	}
	return bad
}

// routeVolatile are attributes whose presence depends on the moment, not
// on the naming mode: the probe's verdict rides on the next failure after
// it.
var routeVolatile = map[string]bool{
	accesslog.OTelNames.Probe:     true,
	accesslog.OTelNames.ProbeAgeS: true,
	"log.file.name":               true,
}

// routeStable are attributes that must have the same value for the same
// demo case whatever the naming mode (the rest may differ from request to
// request: times, ports of the client side, error texts with them). Tyk
// 5.12's keys are among them only when the plugin writes them (tyk512
// false): from 5.12 on the gateway writes its own, and its classification
// of one case can differ from request to request (5.14.0 words a dropped
// connect context_deadline_exceeded or request_timeout, by which of its
// timers fires first).
func routeStable(tyk512 bool) []string {
	n := accesslog.OTelNames
	stable := []string{
		"http.response.status_code", "http.request.method", "prefix",
		n.Flag, n.Type, n.Detail, n.Phase, n.Source, n.Intermediary, n.Target, n.TargetPort, n.Node,
		n.Attempts, n.Reused, n.CertSubject, n.CertIssuer, n.CertSANs,
	}
	if !tyk512 {
		stable = append(stable, "response_flag", "response_code_details", "error_source", "upstream_status", "circuit_breaker_state")
	}
	return stable
}

// routeDiff compares the records of one demo case from the default-mode
// gateway (a) and the otel-mode one (b): the same attributes, with the
// same OTLP types, and the same classification (routeStable).
func routeDiff(a, b *otlpRecord, tyk512 bool) []string {
	var out []string
	for k, av := range a.Attrs {
		if routeVolatile[k] {
			continue
		}
		bv, ok := b.Attrs[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s absent (the default mode's record has %s)", k, av))
		case av.Kind != bv.Kind:
			out = append(out, fmt.Sprintf("%s = %s, the default mode's record has %s", k, bv, av))
		}
	}
	for k, bv := range b.Attrs {
		if _, ok := a.Attrs[k]; !ok && !routeVolatile[k] {
			out = append(out, fmt.Sprintf("%s = %s, which the default mode's record lacks", k, bv))
		}
	}
	for _, k := range routeStable(tyk512) {
		if av, bv := a.Attrs[k], b.Attrs[k]; !av.equal(bv) {
			out = append(out, fmt.Sprintf("%s = %s, the default mode's record has %s", k, bv, av))
		}
	}
	sort.Strings(out)
	return out
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
