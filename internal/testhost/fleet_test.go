//go:build goplugin

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/probe"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// fleetTestDuration is how long TestFleet's fleet sends traffic (the whole
// test takes about 10 s more, plus the builds).
const fleetTestDuration = 40 * time.Second

// TestFleet runs the simulated fleet (three node processes with the plugin,
// the scripted incident of fleet.go), checks that the nodes' logs hold the
// failures that were played, and then runs the triage command
// (cmd/upstreamcause) as a separate process over the three log files and
// checks, for each scenario, the finding it answers.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet sends 40 s of real traffic; not in -short")
	}
	dir := t.TempDir()
	exe := buildFleetHost(t, dir)
	logs := filepath.Join(dir, "logs")
	began := time.Now()
	run, err := RunFleet(FleetOptions{Dir: logs, Duration: fleetTestDuration, Executable: exe, Plugin: testPlugin.Path, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the fleet ran in %s: sent %v, answered %v", time.Since(began).Round(100*time.Millisecond), run.Sent, run.Answered)

	t.Run("logs", func(t *testing.T) { checkFleetLogs(t, run) })
	t.Run("triage", func(t *testing.T) { checkFleetTriage(t, dir, run) })
}

// buildFleetHost builds this test host into dir with the flags of the test
// binary (-race when it has the race detector), as the plugin TestMain
// loaded was built: the node processes load that same .so.
func buildFleetHost(t *testing.T, dir string) string {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "testhost")
	args := []string{"build", "-tags", "goplugin"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", exe, ".")
	if out, err := exec.Command(gotool, args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return exe
}

// fleetLine is one JSON log line of a node.
type fleetLine map[string]any

func (l fleetLine) str(k string) string {
	s, _ := l[k].(string)
	return s
}

func (l fleetLine) time(t *testing.T) time.Time {
	tm, err := time.Parse(time.RFC3339, l.str("time"))
	if err != nil {
		t.Errorf("line without an RFC 3339 time: %v", l)
	}
	return tm
}

func readFleetLog(t *testing.T, path string) []fleetLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []fleetLine
	validated := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l fleetLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("%s:%d: not a JSON line: %v: %q", path, n, err, sc.Bytes())
			continue
		}
		lines = append(lines, l)
		// The nodes run with this process's environment: its naming mode.
		if p := l.str("prefix"); p == schema.PrefixAccessLog || p == probe.Prefix {
			validated++
			if err := schema.ValidateLine(fieldMode, sc.Bytes()); err != nil {
				t.Errorf("%s:%d: %v", path, n, err)
			}
		}
	}
	t.Logf("%s: %d access-log and probe entries validated against the %s schema", filepath.Base(path), validated, fieldMode)
	return lines
}

// checkFleetLogs checks the nodes' logs against what was played: the
// lifecycle lines, and for each scenario, the plugin's flag on the target
// on exactly the scenario's nodes, from when it began.
func checkFleetLogs(t *testing.T, run *FleetRun) {
	byNode := map[string][]fleetLine{}
	for i, name := range FleetNodes {
		byNode[name] = readFleetLog(t, run.Files[i])
	}
	for _, name := range FleetNodes {
		starts, ends, access := 0, 0, 0
		for _, l := range byNode[name] {
			switch {
			case l.str("prefix") == "main" && l.str("msg") == "Tyk API Gateway "+FleetVersion:
				starts++
			case l.str("prefix") == "main" && l.str("msg") == "Terminating.":
				ends++
			case l.str("prefix") == "access-log":
				access++
			}
		}
		want := 1
		if name == "gw-a" {
			want = 2 // restarted
		}
		if starts != want || ends != want {
			t.Errorf("%s: %d starts and %d ends in its log, want %d of each", name, starts, ends, want)
		}
		if access < run.Sent[name]*9/10 {
			t.Errorf("%s: %d access-log entries for %d requests sent", name, access, run.Sent[name])
		}
	}
	for _, sc := range run.Scenarios {
		var first, last time.Time
		for _, name := range FleetNodes {
			failed, served := 0, 0
			for _, l := range byNode[name] {
				if l.str("prefix") != "access-log" || !strings.HasPrefix(l.str("upstream_addr"), "http://"+sc.Target+"/") {
					continue
				}
				if st, _ := l["status"].(float64); st == 200 {
					served++
					continue
				}
				if l.str("upstream_target") != sc.Target || l.str("upstream_flag") != sc.Flag {
					continue
				}
				failed++
				if tm := l.time(t); first.IsZero() || tm.Before(first) {
					first = tm
				}
				if tm := l.time(t); tm.After(last) {
					last = tm
				}
			}
			in := fleetHas(sc.Nodes, name)
			switch {
			case in && failed == 0:
				t.Errorf("%s: no %s to %s on %s", sc.Name, sc.Flag, sc.Target, name)
			case !in && failed > 0:
				t.Errorf("%s: %d %s to %s on %s, which should reach it", sc.Name, failed, sc.Flag, sc.Target, name)
			case !in && served == 0:
				t.Errorf("%s: %s served no request to %s", sc.Name, name, sc.Target)
			}
			t.Logf("%s: %s: %d %s, %d served", sc.Name, name, failed, sc.Flag, served)
		}
		if first.IsZero() {
			continue
		}
		// Log times have whole seconds.
		if from := sc.Began.Truncate(time.Second); first.Before(from) || first.After(sc.Began.Add(sc.MaxLag)) {
			t.Errorf("%s: first %s at %s, want within %s after %s", sc.Name, sc.Flag, first.Format(time.RFC3339), sc.MaxLag, sc.Began.Format(time.RFC3339Nano))
		}
		if sc.Ended != nil && last.After(sc.Ended.Add(2*time.Second)) {
			t.Errorf("%s: a %s at %s, after it ended at %s", sc.Name, sc.Flag, last.Format(time.RFC3339), sc.Ended.Format(time.RFC3339Nano))
		}
	}
}

func fleetHas(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// triageReport is the part of the triage command's JSON report
// (triage/report.go) the test reads.
type triageReport struct {
	Findings   []triageFinding `json:"findings"`
	Unknowable []string        `json:"unknowable"`
	Inputs     struct {
		Lines   int64    `json:"lines"`
		Skipped int64    `json:"skipped"`
		Nodes   []string `json:"nodes"`
	} `json:"inputs"`
}

type triageFinding struct {
	Rank     int        `json:"rank"`
	Scope    string     `json:"scope"`
	Nodes    []string   `json:"nodes"`
	Target   string     `json:"target"`
	Flag     string     `json:"flag"`
	Detail   string     `json:"detail"`
	Failures int        `json:"failures"`
	Onset    time.Time  `json:"onset"`
	End      *time.Time `json:"end"`
	Trigger  struct {
		Kind string     `json:"kind"`
		Node string     `json:"node"`
		Time *time.Time `json:"time"`
	} `json:"trigger"`
	GuideStep    int      `json:"guide_step"`
	IdleTimeoutS *float64 `json:"idle_timeout_s"`
	Summary      string   `json:"summary"`
}

func (f *triageFinding) String() string {
	end, trig, idle := "null", f.Trigger.Kind, "null"
	if f.End != nil {
		end = f.End.Format(time.RFC3339)
	}
	if f.Trigger.Node != "" {
		trig += " " + f.Trigger.Node
	}
	if f.Trigger.Time != nil {
		trig += " " + f.Trigger.Time.Format(time.RFC3339)
	}
	if f.IdleTimeoutS != nil {
		idle = fmt.Sprint(*f.IdleTimeoutS)
	}
	return fmt.Sprintf("rank %d %s %v %s %s/%s failures %d onset %s end %s trigger %s step %d idle_timeout_s %s",
		f.Rank, f.Scope, f.Nodes, f.Target, f.Flag, f.Detail, f.Failures, f.Onset.Format(time.RFC3339), end, trig, f.GuideStep, idle)
}

// triageCmd is the triage command's module, from this package.
const triageCmd = "../../cmd/upstreamcause"

// buildTriage builds the triage command on its own (GOWORK=off: it is a
// module of its own) into dir.
func buildTriage(t *testing.T, dir string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(triageCmd, "go.mod")); errors.Is(err, os.ErrNotExist) {
		t.Skipf("NOT RUN: the triage command %s is not in this tree yet; the fleet's own checks ran", triageCmd)
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "upstreamcause")
	cmd := exec.Command(gotool, "build", "-o", bin, ".")
	cmd.Dir = triageCmd
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", triageCmd, err, out)
	}
	return bin
}

// checkFleetTriage runs `upstreamcause triage --format json` over the
// fleet's three logs and checks each scenario's finding and the ranking.
func checkFleetTriage(t *testing.T, dir string, run *FleetRun) {
	bin := buildTriage(t, dir)
	cmd := exec.Command(bin, append([]string{"triage", "--format", "json"}, run.Files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("upstreamcause triage: %v (want exit status 1: findings)\n%s", err, stderr.Bytes())
	}
	var rep triageReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("upstreamcause triage --format json: %v\n%s", err, out)
	}
	for i := range rep.Findings {
		t.Logf("finding %s", &rep.Findings[i])
	}
	if rep.Inputs.Skipped != 0 {
		t.Errorf("triage skipped %d of %d lines", rep.Inputs.Skipped, rep.Inputs.Lines)
	}
	if !reflect.DeepEqual(rep.Inputs.Nodes, FleetNodes) {
		t.Errorf("triage saw nodes %v, want %v", rep.Inputs.Nodes, FleetNodes)
	}

	found := map[string]*triageFinding{}
	for _, sc := range run.Scenarios {
		var f *triageFinding
		for i := range rep.Findings {
			if rep.Findings[i].Target == sc.Target && rep.Findings[i].Flag == sc.Flag {
				f = &rep.Findings[i]
				break
			}
		}
		if f == nil {
			t.Errorf("%s: no finding for %s %s (%s)", sc.Name, sc.Flag, sc.Target, sc.Description)
			continue
		}
		found[sc.Name] = f
		errf := func(format string, args ...any) {
			t.Errorf("%s: "+format+"\n\tfinding: %s\n\tsummary: %s", append(append([]any{sc.Name}, args...), f, f.Summary)...)
		}
		if f.Scope != sc.Scope {
			errf("scope %s, want %s", f.Scope, sc.Scope)
		}
		nodes := append([]string(nil), f.Nodes...)
		sort.Strings(nodes)
		if !reflect.DeepEqual(nodes, sc.Nodes) {
			errf("nodes %v, want %v", f.Nodes, sc.Nodes)
		}
		if from := sc.Began.Truncate(time.Second); f.Onset.Before(from) || f.Onset.After(sc.Began.Add(sc.MaxLag)) {
			errf("onset %s, want within %s after %s, when the failure began", f.Onset.Format(time.RFC3339), sc.MaxLag, sc.Began.Format(time.RFC3339Nano))
		}
		if sc.Ended != nil {
			if f.End == nil {
				errf("still failing at the end of the logs, but it ended at %s", sc.Ended.Format(time.RFC3339Nano))
			} else if f.End.After(sc.Ended.Add(2 * time.Second)) {
				errf("end %s, after it ended at %s", f.End.Format(time.RFC3339), sc.Ended.Format(time.RFC3339Nano))
			}
		}
		if f.GuideStep != sc.GuideStep {
			errf("guide step %d, want %d", f.GuideStep, sc.GuideStep)
		}
		if f.Trigger.Kind != sc.Trigger {
			errf("trigger %q, want %q", f.Trigger.Kind, sc.Trigger)
		} else if sc.Trigger == "node_restart" {
			if f.Trigger.Node != sc.TriggerNode {
				errf("trigger node %q, want %q", f.Trigger.Node, sc.TriggerNode)
			}
			if tt := f.Trigger.Time; tt == nil || tt.Before(sc.TriggerTime.Add(-2*time.Second)) || tt.After(sc.TriggerTime.Add(2*time.Second)) {
				errf("trigger time %v, want within 2 s of the restart at %s", tt, sc.TriggerTime.Format(time.RFC3339Nano))
			}
		}
		if sc.IdleTimeout > 0 {
			// The closes come on connections idle for one traffic period
			// (fleetBillingEvery ± 250 ms), at least the idle timeout.
			lo, hi := (sc.IdleTimeout - 500*time.Millisecond).Seconds(), (fleetBillingEvery + 1250*time.Millisecond).Seconds()
			if f.IdleTimeoutS == nil || *f.IdleTimeoutS < lo || *f.IdleTimeoutS > hi {
				errf("idle_timeout_s %v, want between %.2f and %.2f", f.IdleTimeoutS, lo, hi)
			}
		}
	}
	// gw-a's incident fails the most requests by far: it ranks first.
	if f := found["node-blackholed"]; f != nil && (len(rep.Findings) == 0 || &rep.Findings[0] != f || f.Rank != 1) {
		t.Errorf("gw-a's blackholed orders is not ranked first: %s", f)
	}
}
