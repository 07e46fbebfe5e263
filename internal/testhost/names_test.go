//go:build goplugin

package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// The plugin reads its settings from the environment once, when it is
// loaded, and a process loads a plugin once: each naming mode (and the
// probe) needs a process of its own. The tests below run this test binary
// again, with the same .so (TESTHOST_PLUGIN_SO, so nothing is rebuilt), the
// mode in UPSTREAMCAUSE_FIELD_NAMES and envChild naming the test the child
// is for; the child's TestMain validates every entry it saw, as this
// process's does.
const (
	envChild     = "TESTHOST_CHILD"
	probeTimeout = time.Second // UPSTREAMCAUSE_PROBE_TIMEOUT of the probe children
)

// inChild reports whether this process is a child run for test name.
func inChild(name string) bool { return os.Getenv(envChild) == name }

// runChild runs test name of this test binary, restricted to its subtest
// mode, in a process of its own with env added; it fails t with the
// child's output if the child fails, and logs its last lines otherwise.
func runChild(t *testing.T, name, mode string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^"+name+"$/^"+mode+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envChild+"="+name,
		envPluginSO+"="+testPlugin.Path,
		accesslog.EnvFieldNames+"="+mode,
	)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		t.Fatalf("the %s child (%s): %v\n%s", mode, strings.Join(env, " "), err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+name+"/"+mode) {
		t.Fatalf("the %s child ran no test:\n%s", mode, out)
	}
	for _, l := range lines {
		if strings.Contains(l, "validate against") || strings.Contains(l, "names_test.go") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// TestNamingModes sends every demo case through hosts imitating Tyk 5.8
// and Tyk 5.12 with the plugin loaded in each naming mode
// (UPSTREAMCAUSE_FIELD_NAMES=tyk, ecs, otel), checks each access-log entry
// under that mode's keys (cases.Want.CheckNames: flag, type, detail, phase,
// source, target and port, peer and port) and validates every entry against
// the mode's schema (waitAccess, and TestMain for all of them).
func TestNamingModes(t *testing.T) {
	const name = "TestNamingModes"
	for _, mode := range schema.Modes {
		t.Run(mode, func(t *testing.T) {
			switch {
			case mode == fieldMode && (inChild(name) || os.Getenv(envChild) == ""):
				testNamingMode(t)
			case os.Getenv(envChild) != "":
				t.Skip("a child runs its own mode only")
			default:
				runChild(t, name, mode)
			}
		})
	}
}

// testNamingMode is TestNamingModes in this process's mode.
func testNamingMode(t *testing.T) {
	modeKeys, otherModesKeys := map[string]bool{}, map[string]bool{}
	for _, f := range schema.AccessLogFields(fieldNames) {
		modeKeys[f.Key] = true
	}
	for _, m := range schema.Modes {
		n, _ := schema.NamesFor(m)
		for _, k := range cases.ErrorKeysOf(n) {
			otherModesKeys[k] = true
		}
	}
	t.Logf("naming mode %s: flag %s, target %s/%s, peer %s/%s", fieldMode, fieldNames.Flag, fieldNames.Target, fieldNames.TargetPort, fieldNames.Peer, fieldNames.PeerPort)
	for _, tyk := range []string{Tyk58, Tyk512} {
		h, srv := newTestHost(t, tyk, testPlugin.Default())
		client := cases.NewClient()
		for i, dc := range cases.Demo {
			label := fmt.Sprintf("names-%s-%s-%02d", fieldMode, tyk, i+1)
			if dc.Warm {
				warm := casePath(dc.Case, label+"-warm")
				if status, err := cases.Send(client, srv.URL+warm, http.MethodGet, 0); err != nil || status != 200 {
					t.Fatalf("warm-up: status %d, err %v", status, err)
				}
				waitAccess(t, warm)
			}
			path := casePath(dc.Case, label)
			_, _ = cases.Send(client, srv.URL+path, dc.HTTPMethod(), dc.Cancel)
			e := waitAccess(t, path)
			var says *cases.GatewaySays
			if g, ok := cases.Tyk512Says[cases.RequestKey(dc)]; ok && tyk == Tyk512 {
				says = &g
			}
			w := cases.WantFor(dc)
			bad := w.CheckNames(fieldNames, e.Data, upstreamHost(t, dc.Case), recordTags(t, h, path), true, says)
			if !w.OK {
				// Nothing the plugin writes in another mode that this
				// mode's schema does not list.
				for k := range e.Data {
					if otherModesKeys[k] && !modeKeys[k] {
						bad = append(bad, "carries "+k+", a key of another naming mode")
					}
				}
			}
			for _, b := range bad {
				t.Errorf("Tyk %s, %s %s: %s", tyk, dc.HTTPMethod(), path, b)
			}
			if len(bad) > 0 {
				t.Logf("entry: %s", e.Line)
			}
		}
		client.CloseIdleConnections()
	}
}

// probeVerdicts are the verdicts the probe must reach from this host for
// the targets of the failure cases whose targets are IP addresses (the
// probe resolves a name with the process's resolver, which is not the
// test DNS server: the DNS cases are not sent with the probe on, so that
// nothing is asked of the machine's resolver).
var probeVerdicts = map[string]string{
	cases.Refused:             probe.VerdictRefused,
	cases.ConnectTimeout:      probe.VerdictUnreachable,
	cases.TLSUnknownAuthority: probe.VerdictTLSInvalid,
	cases.TLSExpired:          probe.VerdictTLSInvalid,
	cases.TLSWrongHost:        probe.VerdictTLSInvalid,
	cases.TLSToPlain:          probe.VerdictTLSInvalid,
}

// TestProbeNamingModes loads the plugin with the probe on
// (UPSTREAMCAUSE_PROBE=on) in each naming mode, fails a round trip to each
// target of probeVerdicts, and checks the probe's entries (one per target,
// its verdict, validated against probe-entry.json) and that the next
// failure's access-log entry carries the verdict and its age under the
// mode's keys (validated against the mode's schema).
func TestProbeNamingModes(t *testing.T) {
	const name = "TestProbeNamingModes"
	for _, mode := range schema.Modes {
		t.Run(mode, func(t *testing.T) {
			switch {
			case inChild(name) && mode == fieldMode:
				testProbeNamingMode(t)
			case os.Getenv(envChild) != "":
				t.Skip("a child runs its own mode only")
			default:
				runChild(t, name, mode, "UPSTREAMCAUSE_PROBE=on", "UPSTREAMCAUSE_PROBE_TIMEOUT="+probeTimeout.String())
			}
		})
	}
}

func testProbeNamingMode(t *testing.T) {
	if os.Getenv("UPSTREAMCAUSE_PROBE") != "on" {
		t.Fatal("the probe child runs without UPSTREAMCAUSE_PROBE=on")
	}
	_, srv := newTestHost(t, Tyk58, testPlugin.Default())
	client := cases.NewClient()
	defer client.CloseIdleConnections()
	targets := map[string]string{} // target -> case
	for c := range probeVerdicts {
		targets[upstreamHost(t, c)] = c
		path := casePath(c, "probe-"+fieldMode)
		_, _ = cases.Send(client, srv.URL+path, http.MethodGet, 0)
		waitAccess(t, path)
	}
	// The probes run on the probe's own goroutines, at most two at once.
	byTarget := map[string][]entry{}
	deadline := time.Now().Add(10*probeTimeout + 5*time.Second)
	for {
		byTarget = map[string][]entry{}
		for _, e := range logged.entriesWith(probe.Prefix) {
			byTarget[e.str(probe.FieldTarget)] = append(byTarget[e.str(probe.FieldTarget)], e)
		}
		if len(byTarget) >= len(targets) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for target, es := range byTarget {
		c, ok := targets[target]
		switch {
		case !ok:
			t.Errorf("probed %s, which no request failed on", target)
			continue
		case len(es) != 1:
			t.Errorf("%s (%s): %d probe entries, want 1", c, target, len(es))
		}
		if v := es[0].str(probe.FieldVerdict); v != probeVerdicts[c] {
			t.Errorf("%s: probe_verdict %q, want %q: %s", c, v, probeVerdicts[c], es[0].Line)
		}
		if f := es[0].str(probe.FieldTriggerFlag); f != cases.WantByCase[c].Flag {
			t.Errorf("%s: probe_trigger_flag %q, want %q", c, f, cases.WantByCase[c].Flag)
		}
		if err := validateEntry(es[0]); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	for target, c := range targets {
		if len(byTarget[target]) == 0 {
			t.Errorf("%s (%s): no probe entry", c, target)
		}
	}
	// The next failure to each target carries the verdict and its age, under
	// the mode's keys, with the Go types the schema says.
	for target, c := range targets {
		path := casePath(c, "probed-"+fieldMode)
		_, _ = cases.Send(client, srv.URL+path, http.MethodGet, 0)
		e := waitAccess(t, path)
		if got := e.str(fieldNames.Probe); got != probeVerdicts[c] {
			t.Errorf("%s: %s=%q, want %q", c, fieldNames.Probe, got, probeVerdicts[c])
		}
		if age, ok := e.Data[fieldNames.ProbeAgeS].(int); !ok || age < 0 {
			t.Errorf("%s: %s=%#v, want a whole number of seconds", c, fieldNames.ProbeAgeS, e.Data[fieldNames.ProbeAgeS])
		}
		for _, b := range cases.WantByCase[c].CheckNames(fieldNames, e.Data, target, nil, false, nil) {
			t.Errorf("%s: %s", c, b)
		}
	}
	t.Logf("%d probe entries and the next failures' entries validate against schema/%s and schema/%s", len(byTarget), schema.ProbeFile, schema.AccessLogFile(fieldMode))
}
