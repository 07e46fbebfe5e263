package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// BenchmarkRealGateway compares the success path of the same API inside a
// running Tyk gateway, in front of the same 200 upstream (the APIs of
// writeBenchAPIs):
//
//   - baseline: the classic example without any plugin;
//   - full: the classic example as it is, the default wiring: upstreamcause's
//     pre hook and analytics plugin;
//   - full3: upstreamcause on all three hooks (plus the optional response
//     hook);
//   - with the no-op plugin of scripts/e2e/noopplugin (only when
//     E2E_BENCH_NOOP=1), what the gateway charges for running Go plugin
//     hooks at all: noop-pre (a pre hook alone), noop (pre hook and analytics
//     plugin, as full) and noop3 (all three hooks, as full3).
//
// scripts/e2e.sh runs it with E2E_BENCH=1, setting E2E_BENCH_GW (the
// gateway's base URL) and E2E_BENCH_PID (the gateway's pid); without them it
// is skipped. It alternates blocks of requests to the APIs (4 concurrent
// keep-alive clients each), so that all see the same machine, and reports
// over the whole run, for each API X but the baseline: X-ratio, its
// throughput over the baseline's (1 = no cost); and for each API the
// gateway's CPU time per request, X-cpu-us/req (all threads of the gateway
// process, from /proc/<pid>/task/*/schedstat). Differences of CPU per
// request, in µs: noise-us (baseline2 − baseline: two copies of the same
// API, what any difference below is uncertain by); with the no-op APIs, tyk-pre-us (noop-pre − baseline:
// what Tyk charges for a Go pre hook), tyk-analytics-us (noop − noop-pre:
// for a Go analytics plugin), tyk-response-us (noop3 − noop: for a Go
// response hook), plugin-us (full − noop: what upstreamcause itself adds
// on the default wiring) and plugin3-us (full3 − noop3); always
// response-hook-us (full3 − full: what wiring upstreamcause's response hook
// adds).
func BenchmarkRealGateway(b *testing.B) {
	gw, pid := os.Getenv("E2E_BENCH_GW"), os.Getenv("E2E_BENCH_PID")
	if gw == "" || pid == "" {
		b.Skip("run by scripts/e2e.sh with E2E_BENCH=1 (needs a running gateway)")
	}
	type side struct {
		name     string
		url      string
		wall     time.Duration
		cpu      time.Duration
		requests int
	}
	sides := []*side{
		{name: "baseline", url: gw + baselinePath + "bench"},
		{name: "baseline2", url: gw + baseline2Path + "bench"},
		{name: "full", url: gw + listenPath(KindClassic, benchCase) + "bench"},
		{name: "full3", url: gw + full3Path + "bench"},
	}
	if os.Getenv("E2E_BENCH_NOOP") == "1" {
		sides = append(sides,
			&side{name: "noop-pre", url: gw + noopPrePath + "bench"},
			&side{name: "noop", url: gw + noopPath + "bench"},
			&side{name: "noop3", url: gw + noop3Path + "bench"},
		)
	}
	const workers = 4
	clients := make([]*http.Client, workers)
	for i := range clients {
		clients[i] = cases.NewClient()
	}
	run := func(s *side, n int) {
		cpu0, err := processCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(c *http.Client, n int) {
				defer wg.Done()
				for i := 0; i < n; i++ {
					res, err := c.Get(s.url)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						errs <- &statusError{s.url, res.StatusCode}
						return
					}
				}
			}(clients[w], n/workers)
		}
		wg.Wait()
		s.wall += time.Since(start)
		cpu1, err := processCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		s.cpu += cpu1 - cpu0
		s.requests += n / workers * workers
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
	}
	for _, s := range sides { // warm up: connections, the gateway's caches
		run(s, 200)
		s.wall, s.cpu, s.requests = 0, 0, 0
	}
	profiled := startProfile(b, gw, os.Getenv("E2E_BENCH_PROFILE"))
	const block = 100 // small blocks: the gateway's GC cycles fall on every API alike
	b.ResetTimer()
	for done, round := 0, 0; done < b.N; done, round = done+block, round+1 {
		// Rotate the order, so that no API always follows the same one.
		for i := range sides {
			run(sides[(i+round)%len(sides)], block)
		}
	}
	b.StopTimer()
	profiled()
	per := func(d time.Duration, n int) float64 { return float64(d) / float64(n) }
	base := sides[0]
	cpu := map[string]float64{}
	for _, s := range sides {
		cpu[s.name] = per(s.cpu, s.requests) / 1e3
		b.ReportMetric(cpu[s.name], s.name+"-cpu-us/req")
		if s != base {
			b.ReportMetric(per(base.wall, base.requests)/per(s.wall, s.requests), s.name+"-ratio")
		}
	}
	diff := func(name, a, b2 string) {
		_, okA := cpu[a]
		_, okB := cpu[b2]
		if okA && okB {
			b.ReportMetric(cpu[a]-cpu[b2], name)
		}
	}
	diff("noise-us", "baseline2", "baseline")
	diff("tyk-pre-us", "noop-pre", "baseline")
	diff("tyk-analytics-us", "noop", "noop-pre")
	diff("tyk-response-us", "noop3", "noop")
	diff("plugin-us", "full", "noop")
	diff("plugin3-us", "full3", "noop3")
	diff("response-hook-us", "full3", "full")
}

// profileSeconds is how long the gateway's CPU profile runs: about the
// timed part of a benchmark of 20,000 requests per API.
const profileSeconds = 20

// startProfile, when file is not "", starts a CPU profile of the gateway
// (its /debug/pprof/profile; scripts/e2e.sh starts it with --httpprofile)
// for profileSeconds, and returns a function that waits for it and writes
// it to file. Profiling costs the gateway CPU: the figures of a profiled run
// are not the ones to report.
func startProfile(b *testing.B, gw, file string) (wait func()) {
	if file == "" {
		return func() {}
	}
	done := make(chan error, 1)
	go func() {
		res, err := http.Get(gw + "/debug/pprof/profile?seconds=" + strconv.Itoa(profileSeconds))
		if err != nil {
			done <- err
			return
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			done <- &statusError{gw + "/debug/pprof/profile", res.StatusCode}
			return
		}
		f, err := os.Create(file)
		if err == nil {
			_, err = io.Copy(f, res.Body)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		done <- err
	}()
	return func() {
		if err := <-done; err != nil {
			b.Errorf("CPU profile: %v", err)
		} else {
			b.Logf("gateway CPU profile written to %s", file)
		}
	}
}

type statusError struct {
	url    string
	status int
}

func (e *statusError) Error() string { return e.url + ": status " + strconv.Itoa(e.status) }

// processCPU returns the CPU time all threads of process pid have used, from
// the first field (nanoseconds on the CPU) of /proc/<pid>/task/*/schedstat.
// Threads that ended since the last call are not counted; the Go runtime
// keeps its threads.
func processCPU(pid string) (time.Duration, error) {
	files, err := filepath.Glob("/proc/" + pid + "/task/*/schedstat")
	if err != nil || len(files) == 0 {
		return 0, &os.PathError{Op: "glob", Path: "/proc/" + pid + "/task/*/schedstat", Err: os.ErrNotExist}
	}
	var total time.Duration
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		ns, err := strconv.ParseInt(strings.Fields(string(raw))[0], 10, 64)
		if err != nil {
			return 0, err
		}
		total += time.Duration(ns)
	}
	return total, nil
}
