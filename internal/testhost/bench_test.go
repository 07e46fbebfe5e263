//go:build goplugin

package main

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	tyklog "github.com/TykTechnologies/tyk/log"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// BenchmarkSuccessPath measures a successful request through the host to the
// OK upstream over loopback with a keep-alive client, without and with the
// plugin (pre hook, response hook, analytics plugin and the logger hook).
// Client, host and upstream all run in this process, so ns/op, allocs/op and
// cpu-us/req (user+system CPU of the process per request, from getrusage)
// cover all three. with_plugin's ratio is its throughput over
// without_plugin's in the same run (1 = no cost).
func BenchmarkSuccessPath(b *testing.B) {
	logged.setOff(true) // entries are formatted and discarded
	defer logged.setOff(false)

	var withoutNs float64
	b.Run("without_plugin", func(b *testing.B) {
		logger := tyklog.Get()
		saved := logger.ReplaceHooks(make(logrus.LevelHooks)) // the plugin's hook off, too
		defer logger.ReplaceHooks(saved)
		withoutNs = benchSuccess(b, nil)
	})
	b.Run("with_plugin", func(b *testing.B) {
		ns := benchSuccess(b, testPlugin)
		if withoutNs > 0 && ns > 0 {
			b.ReportMetric(withoutNs/ns, "ratio")
		}
	})
}

// BenchmarkSuccessPathInterleaved is the same comparison made robust against
// a machine whose speed drifts during the run: it alternates blocks of
// requests without and with the plugin (the logger's hooks switched with
// them) and reports, over the whole run, ratio = with-plugin throughput over
// without, cpu-ratio = with-plugin CPU per request over without, and
// delta-cpu-us/req = the CPU the plugin adds per request, in microseconds.
func BenchmarkSuccessPathInterleaved(b *testing.B) {
	logged.setOff(true)
	defer logged.setOff(false)
	logger := tyklog.Get()
	withHooks := logger.ReplaceHooks(make(logrus.LevelHooks))
	defer logger.ReplaceHooks(withHooks)
	noHooks := make(logrus.LevelHooks)

	type side struct {
		hooks    logrus.LevelHooks
		url      string
		client   *http.Client
		wall     time.Duration
		cpu, req int64
	}
	mk := func(p *Plugin, hooks logrus.LevelHooks) *side {
		h, srv := newTestHost(b, Tyk58, p)
		h.opts.KeepRecords = false
		return &side{hooks: hooks, url: srv.URL + "/case/ok/bench", client: cases.NewClient()}
	}
	sides := []*side{mk(nil, noHooks), mk(testPlugin, withHooks)}
	run := func(s *side, n int) {
		logger.ReplaceHooks(s.hooks)
		var before, after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		for i := 0; i < n; i++ {
			if status, err := cases.Send(s.client, s.url, http.MethodGet, 0); err != nil || status != 200 {
				b.Fatalf("status %d, err %v", status, err)
			}
		}
		s.wall += time.Since(start)
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		s.cpu += cpuTime(after) - cpuTime(before)
		s.req += int64(n)
	}
	for _, s := range sides { // warm up both
		run(s, 20)
		s.wall, s.cpu, s.req = 0, 0, 0
	}
	const block = 50
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := block
		if b.N-done < n {
			n = b.N - done
		}
		// Alternate which side goes first, so neither always follows the other.
		if (done/block)%2 == 0 {
			run(sides[0], n)
			run(sides[1], n)
		} else {
			run(sides[1], n)
			run(sides[0], n)
		}
	}
	b.StopTimer()
	without, with := sides[0], sides[1]
	perReq := func(d int64, n int64) float64 { return float64(d) / float64(n) }
	b.ReportMetric(perReq(int64(without.wall), without.req)/perReq(int64(with.wall), with.req), "ratio")
	b.ReportMetric(perReq(with.cpu, with.req)/perReq(without.cpu, without.req), "cpu-ratio")
	b.ReportMetric((perReq(with.cpu, with.req)-perReq(without.cpu, without.req))/1e3, "delta-cpu-us/req")
}

// benchSuccess runs b.N sequential GETs and returns ns per request.
func benchSuccess(b *testing.B, p *Plugin) float64 {
	h, srv := newTestHost(b, Tyk58, p)
	h.opts.KeepRecords = false
	client := cases.NewClient()
	defer client.CloseIdleConnections()
	url := srv.URL + "/case/ok/bench"
	for i := 0; i < 10; i++ { // open the connections
		if status, err := cases.Send(client, url, http.MethodGet, 0); err != nil || status != 200 {
			b.Fatalf("warm-up: status %d, err %v", status, err)
		}
	}

	var before, after syscall.Rusage
	b.ReportAllocs()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, err := cases.Send(client, url, http.MethodGet, 0); err != nil || status != 200 {
			b.Fatalf("status %d, err %v", status, err)
		}
	}
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := cpuTime(after) - cpuTime(before)
	b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu-us/req")
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

// cpuTime is user plus system time in nanoseconds.
func cpuTime(ru syscall.Rusage) int64 {
	return ru.Utime.Nano() + ru.Stime.Nano()
}
