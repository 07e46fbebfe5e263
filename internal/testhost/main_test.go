//go:build goplugin

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	tyklog "github.com/TykTechnologies/tyk/log"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// Timeouts of the two timeout cases in tests (every other upstream has
// upstreams.SafeTimeout). The header timeout leaves the client-gone case
// (the client leaves after 100 ms) seconds of margin on a loaded machine.
const (
	testDialTimeout   = 300 * time.Millisecond
	testHeaderTimeout = 3 * time.Second
)

var (
	testPlugin *Plugin        // the plugin under test, loaded once
	testUps    *upstreams.Set // the failing upstreams, shared by all tests
	logged     = &entryLog{}  // every entry the gateway logger wrote

	// fieldMode is the naming mode the plugin was loaded with: what it read
	// from UPSTREAMCAUSE_FIELD_NAMES ("tyk" when unset), the mode whose
	// schema every access-log entry is validated against; fieldNames are
	// its keys.
	fieldMode  = modeFromEnv()
	fieldNames *accesslog.Names
)

// modeFromEnv is the naming mode the plugin reads from the environment.
func modeFromEnv() string {
	if m := strings.ToLower(strings.TrimSpace(os.Getenv(accesslog.EnvFieldNames))); m != "" {
		return m
	}
	return "tyk"
}

// Environment variables that change what TestMain loads.
const (
	// EnvPluginSO names a prebuilt plugin .so to load instead of building
	// one; it must have been built with the same flags as the test binary.
	envPluginSO = "TESTHOST_PLUGIN_SO"
	// EnvPluginPkg names the package to build as the plugin (default
	// ../../plugin), e.g. a throwaway plugin in another workspace module.
	envPluginPkg = "TESTHOST_PLUGIN_PKG"
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	if fieldNames, err = schema.NamesFor(fieldMode); err != nil {
		fmt.Fprintln(os.Stderr, "TestMain:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "testhost-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	so := os.Getenv(envPluginSO)
	if so == "" {
		if so, err = buildPlugin(dir); err != nil {
			fmt.Fprintln(os.Stderr, "TestMain:", err)
			return 1
		}
	}
	if testPlugin, err = LoadPlugin(so, true); err != nil {
		fmt.Fprintln(os.Stderr, "TestMain: loading the plugin as Tyk does:", err)
		return 1
	}
	if testUps, err = upstreams.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "TestMain: starting the upstreams:", err)
		return 1
	}
	defer testUps.Close()

	logger := tyklog.Get()
	logger.SetOutput(io.Discard)
	logger.SetLevel(logrus.InfoLevel)
	logger.SetFormatter(&Tap{Inner: &logrus.JSONFormatter{}, Sink: logged.sink})
	code := m.Run()
	// Every access-log and probe entry any test saw, against the schema of
	// the naming mode in use.
	n, invalid := logged.validate()
	if len(invalid) > 0 {
		fmt.Fprintf(os.Stderr, "TestMain: %d of %d access-log and probe entries do not validate against the %s schema:\n", len(invalid), n, fieldMode)
		for i, s := range invalid {
			if i == 20 {
				fmt.Fprintf(os.Stderr, "  … and %d more\n", len(invalid)-i)
				break
			}
			fmt.Fprintln(os.Stderr, "  "+s)
		}
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("TestMain: %d access-log and probe entries validate against schema/%s and schema/%s\n", n, schema.AccessLogFile(fieldMode), schema.ProbeFile)
	}
	return code
}

// buildPlugin builds the plugin into dir with the flags of the test binary
// (-race when it has the race detector), in the workspace the test runs in.
func buildPlugin(dir string) (string, error) {
	gotool, err := exec.LookPath("go") // go test puts its own GOROOT/bin first in PATH
	if err != nil {
		return "", err
	}
	pkg := os.Getenv(envPluginPkg)
	if pkg == "" {
		pkg = "../../plugin"
	}
	so := filepath.Join(dir, "upstreamcause.so")
	args := []string{"build", "-buildmode=plugin", "-tags", "goplugin"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", so, pkg)
	cmd := exec.Command(gotool, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return so, nil
}

// entry is one logged entry, as the formatter saw it after every hook ran,
// and the JSON line logrus's JSON formatter made of it.
type entry struct {
	Level   logrus.Level
	Message string
	Data    map[string]interface{}
	Line    []byte
}

// validateEntry checks an access-log or probe entry against the schema of
// the naming mode in use: its JSON line as logrus wrote it, and the Go
// types of its values as the hooks left them. Other entries pass.
func validateEntry(e entry) error {
	switch e.Data["prefix"] {
	case schema.PrefixAccessLog:
		if err := schema.ValidateGo(fieldMode, e.Data); err != nil {
			return err
		}
	case probe.Prefix:
		if err := schema.ValidateProbeGo(e.Data); err != nil {
			return err
		}
	default:
		return nil
	}
	return schema.ValidateLine(fieldMode, e.Line)
}

func (e entry) str(k string) string {
	v, ok := e.Data[k]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// entryLog keeps every entry logged; safe for concurrent use.
type entryLog struct {
	mu      sync.Mutex
	entries []entry
	access  map[string][]entry // access-log entries by path
	off     bool
}

func (l *entryLog) sink(e *logrus.Entry, line []byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.off {
		return true
	}
	d := make(map[string]interface{}, len(e.Data))
	for k, v := range e.Data {
		d[k] = v
	}
	en := entry{Level: e.Level, Message: e.Message, Data: d, Line: append([]byte(nil), line...)}
	l.entries = append(l.entries, en)
	if d["prefix"] == "access-log" {
		if l.access == nil {
			l.access = make(map[string][]entry)
		}
		p := fmt.Sprint(d["path"])
		l.access[p] = append(l.access[p], en)
	}
	return true
}

// validate checks every access-log and probe entry kept so far against
// the schema (validateEntry) and returns how many there were and what is
// wrong with those that do not validate.
func (l *entryLog) validate() (n int, invalid []string) {
	l.mu.Lock()
	es := append([]entry(nil), l.entries...)
	l.mu.Unlock()
	for _, e := range es {
		if p := e.Data["prefix"]; p != schema.PrefixAccessLog && p != probe.Prefix {
			continue
		}
		n++
		if err := validateEntry(e); err != nil {
			invalid = append(invalid, fmt.Sprintf("%v %v: %v", e.Data["prefix"], e.Data["path"], err))
		}
	}
	return n, invalid
}

// entriesWith returns the entries kept so far whose prefix is prefix.
func (l *entryLog) entriesWith(prefix string) []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []entry
	for _, e := range l.entries {
		if e.Data["prefix"] == prefix {
			out = append(out, e)
		}
	}
	return out
}

// setOff stops keeping entries (benchmarks) or starts again.
func (l *entryLog) setOff(off bool) {
	l.mu.Lock()
	l.off = off
	l.mu.Unlock()
}

// accessEntries returns the access-log entries written for path so far.
func (l *entryLog) accessEntries(path string) []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]entry(nil), l.access[path]...)
}

// waitAccess waits until the access-log entry of path was written (the
// gateway writes it after answering the client) and returns it. It fails the
// test if there is none within 5s or if there is more than one, and reports
// an entry that does not validate against the schema of the naming mode.
func waitAccess(t testing.TB, path string) entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		es := logged.accessEntries(path)
		if len(es) == 1 {
			// Give a duplicate a moment to show up.
			time.Sleep(5 * time.Millisecond)
			if es = logged.accessEntries(path); len(es) == 1 {
				if err := validateEntry(es[0]); err != nil {
					t.Errorf("%s: %v", path, err)
				}
				return es[0]
			}
		}
		if len(es) > 1 {
			t.Fatalf("%s: %d access-log entries, want 1", path, len(es))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no access-log entry within 5s", path)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var pathSeq atomic.Int64

// casePath returns a path for upstream case c that no other request of the
// test binary uses, so that its access-log entry and analytics record can be
// told apart: /case/<c>/<label>-<n>.
func casePath(c, label string) string {
	return fmt.Sprintf("/case/%s/%s-%d", c, label, pathSeq.Add(1))
}

// newTestHost starts a host imitating Tyk version tyk with the plugin (or
// without: plugin nil), its own upstream transport, serving on a loopback
// port. Everything is closed at the end of the test.
func newTestHost(t testing.TB, tyk string, plugin *Plugin) (*Host, *Server) {
	t.Helper()
	tr := TykTransports(testUps, testDialTimeout, testHeaderTimeout)
	h, err := NewHost(Options{Tyk: tyk, Plugin: plugin, Transport: tr, Upstreams: cases.URLs(testUps), KeepRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Serve(h, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return h, srv
}

// presentErrorKeys lists the error keys e carries, sorted.
func presentErrorKeys(e entry) []string {
	var ks []string
	for _, k := range cases.ErrorKeys {
		if _, ok := e.Data[k]; ok {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}
