//go:build goplugin

package main

import (
	"net/http"
	"syscall"
	"testing"

	"github.com/sirupsen/logrus"

	tyklog "github.com/TykTechnologies/tyk/log"
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

// benchSuccess runs b.N sequential GETs and returns ns per request.
func benchSuccess(b *testing.B, p *Plugin) float64 {
	h, srv := newTestHost(b, Tyk58, p)
	h.opts.KeepRecords = false
	client := NewClient()
	defer client.CloseIdleConnections()
	url := srv.URL + "/case/ok/bench"
	for i := 0; i < 10; i++ { // open the connections
		if status, err := Send(client, url, http.MethodGet, 0); err != nil || status != 200 {
			b.Fatalf("warm-up: status %d, err %v", status, err)
		}
	}

	var before, after syscall.Rusage
	b.ReportAllocs()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, err := Send(client, url, http.MethodGet, 0); err != nil || status != 200 {
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
