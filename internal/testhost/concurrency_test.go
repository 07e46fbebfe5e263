//go:build goplugin

package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// TestConcurrentMixed sends 1,000 requests, successes and failures of many
// kinds mixed, over HTTP/1.1 keep-alive and h2c at once, 64 at a time. Every
// access-log entry must agree with its own request (matched by its unique
// path), and afterwards the plugin must hold no correlation state.
func TestConcurrentMixed(t *testing.T) {
	const total, workers = 1000, 64
	h, srv := newTestHost(t, Tyk58, testPlugin.Default())
	h1, h2 := cases.NewClient(), cases.NewH2CClient()
	defer h1.CloseIdleConnections()
	defer h2.CloseIdleConnections()

	// The mix, by weight. Each case's outcome must not depend on timing
	// (no client cancellation, no POST on the idle-close upstream).
	mix := []struct {
		c string
		n int
	}{
		{cases.OK, 6}, {cases.DNSOK, 1}, {cases.IdleClose, 2},
		{cases.Refused, 2}, {cases.ResetBeforeResponse, 2}, {cases.Status503, 2},
		{cases.Intermediary502, 1}, {cases.TLSUnknownAuthority, 1}, {cases.TLSExpired, 1},
		{cases.TLSWrongHost, 1}, {cases.TLSToPlain, 1}, {cases.DNSNXDomain, 1},
		{cases.DNSServFail, 1}, {cases.ResetMidBody, 1}, {cases.HeaderTimeout, 1},
		{cases.ConnectTimeout, 1},
	}
	var cycle []string
	for _, m := range mix {
		for i := 0; i < m.n; i++ {
			cycle = append(cycle, m.c)
		}
	}
	type job struct {
		c, path, proto string
	}
	jobs := make([]job, total)
	for n := range jobs {
		c := cycle[(n*7)%len(cycle)] // spread each case over the run
		proto := "h1"
		if n%2 == 1 {
			proto = "h2c"
		}
		jobs[n] = job{c: c, proto: proto, path: casePath(c, fmt.Sprintf("concurrent-%s-%d", proto, n))}
	}

	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sendErrs []string
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				j := jobs[n]
				client := h1
				if j.proto == "h2c" {
					client = h2
				}
				if _, err := cases.Send(client, srv.URL+j.path, http.MethodGet, 0); err != nil && j.c != cases.ResetMidBody {
					mu.Lock()
					sendErrs = append(sendErrs, j.path+": "+err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for n := range jobs {
		next <- n
	}
	close(next)
	wg.Wait()
	t.Logf("%d requests in %v", total, time.Since(start).Round(time.Millisecond))
	if len(sendErrs) > 0 {
		t.Errorf("%d requests failed at the client, e.g. %s", len(sendErrs), sendErrs[0])
	}

	// The gateway writes an entry after answering; give the last ones a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		missing := 0
		for _, j := range jobs {
			if len(logged.accessEntries(j.path)) == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests have no access-log entry", missing, total)
		}
		time.Sleep(20 * time.Millisecond)
	}

	tags := make(map[string][][]string)
	for _, r := range h.Records() {
		tags[r.Path] = append(tags[r.Path], r.Tags)
	}
	hosts := make(map[string]string)
	var bad []string
	perCase := make(map[string]int)
	for _, j := range jobs {
		if hosts[j.c] == "" {
			hosts[j.c] = upstreamHost(t, j.c)
		}
		es := logged.accessEntries(j.path)
		if len(es) != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d access-log entries", j.path, len(es)))
			continue
		}
		if len(tags[j.path]) != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d analytics records", j.path, len(tags[j.path])))
			continue
		}
		if d := cases.WantByCase[j.c].Check(es[0].Data, hosts[j.c], tags[j.path][0], true, nil); len(d) > 0 {
			bad = append(bad, j.path+": "+strings.Join(d, "; "))
			perCase[j.c]++
		}
	}
	conns := make(map[string]map[string]bool)
	for _, j := range jobs {
		if es := logged.accessEntries(j.path); len(es) == 1 {
			if conns[j.proto] == nil {
				conns[j.proto] = make(map[string]bool)
			}
			conns[j.proto][es[0].str("remote_addr")] = true
		}
	}
	t.Logf("client connections: %d HTTP/1.1 (keep-alive), %d h2c", len(conns["h1"]), len(conns["h2c"]))
	if len(bad) > 0 {
		if len(bad) > 20 {
			bad = append(bad[:20], fmt.Sprintf("… and %d more", len(bad)-20))
		}
		t.Errorf("%d entries disagree with their request (per case: %v):\n%s", len(bad), perCase, strings.Join(bad, "\n"))
	}
	waitPendingZero(t)
}
