package probe

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// logSink collects the Results a Prober logs.
type logSink struct {
	mu  sync.Mutex
	got []*Result
	ch  chan *Result
}

func newLogSink() *logSink { return &logSink{ch: make(chan *Result, 1024)} }

func (s *logSink) log(r *Result) {
	s.mu.Lock()
	s.got = append(s.got, r)
	s.mu.Unlock()
	select {
	case s.ch <- r:
	default:
	}
}

func (s *logSink) results() []*Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Result(nil), s.got...)
}

// next waits for the next logged Result.
func (s *logSink) next(t *testing.T) *Result {
	t.Helper()
	select {
	case r := <-s.ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no probe logged in 10s")
		return nil
	}
}

// checkCounts checks that each trigger was counted once.
func checkCounts(t *testing.T, s Stats) {
	t.Helper()
	if s.Queued+s.RateLimited+s.Dropped != s.Triggered {
		t.Errorf("queued %d + rate limited %d + dropped %d != triggered %d", s.Queued, s.RateLimited, s.Dropped, s.Triggered)
	}
}

// closeWithin runs p.Close and fails the test if it has not returned
// within wait.
func closeWithin(t *testing.T, p *Prober, wait time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		p.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatalf("Close did not return within %v", wait)
	}
}

// TestTriggerRateLimitAndLatest: a second trigger within Interval is rate
// limited; after the probe finished and Interval passed, the target is
// probed again; Latest gives the newest verdict.
func TestTriggerRateLimitAndLatest(t *testing.T) {
	sink := newLogSink()
	cfg := testConfig()
	cfg.Interval = 50 * time.Millisecond
	p := New(cfg, sink.log)
	defer p.Close()
	target := hostPort(t, shared.Refused)

	if _, _, ok := p.Latest(target, time.Now()); ok {
		t.Error("Latest before any probe")
	}
	if !p.Trigger(Request{Target: target, Flag: "UCF"}) {
		t.Fatal("first trigger not queued")
	}
	if p.Trigger(Request{Target: target, Flag: "UCF"}) {
		t.Fatal("second trigger at once was queued, want rate limited")
	}
	r := sink.next(t)
	if r.Verdict != VerdictRefused || r.TriggerFlag != "UCF" || r.Target != target || r.Node != "gw-test" {
		t.Fatalf("logged %+v", r)
	}
	verdict, age, ok := p.Latest(target, time.Now())
	if !ok || verdict != VerdictRefused || age < 0 {
		t.Fatalf("Latest = %q, %v, %v", verdict, age, ok)
	}
	if _, _, ok := p.Latest("other.test:80", time.Now()); ok {
		t.Error("Latest of a target never probed")
	}
	// Once Interval has passed since the probe started, it is probed again.
	eventually(t, 10*time.Second, "the target was never probed again", func() bool {
		return p.Trigger(Request{Target: target, Flag: "UCF"})
	})
	sink.next(t)
	s := p.Stats()
	if s.Queued != 2 || s.RateLimited < 1 || s.Dropped != 0 || s.Finished != 2 || s.Started != 2 || s.Targets != 1 {
		t.Errorf("stats %+v", s)
	}
	checkCounts(t, s)
}

// TestTriggerRateLimitedWhilePending: a probe still running, even past
// Interval, keeps its target rate limited: never two probes of one target
// at once.
func TestTriggerRateLimitedWhilePending(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	cfg := testConfig()
	cfg.Interval = time.Nanosecond
	cfg.DNSTimeout = time.Minute
	cfg.Resolver = holdingResolver(release, shared.DNSAddr)
	p := New(cfg, nil)
	defer closeWithin(t, p, 10*time.Second)
	if !p.Trigger(Request{Target: "held.probe.test:80"}) {
		t.Fatal("not queued")
	}
	eventually(t, 10*time.Second, "the probe never started", func() bool { return p.Stats().Started == 1 })
	for i := 0; i < 10; i++ {
		if p.Trigger(Request{Target: "held.probe.test:80"}) {
			t.Fatal("a second probe of a target whose probe is running was queued")
		}
	}
}

// TestBurstIsBounded: 10,000 triggers for 1,000 distinct targets while the
// first probes are held (their DNS lookups wait for the test): at most
// Concurrency probes start and at most Concurrency+Queue are queued, the
// table stays within MaxTargets, every other trigger is counted as rate
// limited or dropped, and the drops are reported in the probes' entries.
func TestBurstIsBounded(t *testing.T) {
	release := make(chan struct{})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	sink := newLogSink()
	cfg := testConfig()
	cfg.Interval = time.Hour
	cfg.DNSTimeout = time.Minute // a held lookup lasts until release
	cfg.Concurrency = 2
	cfg.Queue = 64
	cfg.MaxTargets = 4096
	cfg.Resolver = holdingResolver(release, shared.DNSAddr) // then NXDOMAIN
	p := New(cfg, sink.log)
	defer closeWithin(t, p, 10*time.Second)
	limit := int64(cfg.Concurrency + cfg.Queue)

	targets := make([]string, 2000)
	for i := range targets {
		targets[i] = fmt.Sprintf("t%d.burst.test:443", i)
	}
	for i := 0; i < 10000; i++ {
		p.Trigger(Request{Target: targets[i%1000], TLS: true, Flag: "UCT"})
	}
	s := p.Stats()
	checkCounts(t, s)
	if s.Triggered != 10000 || s.Queued > limit || s.Queued < int64(cfg.Queue) || s.Started > int64(cfg.Concurrency) {
		t.Fatalf("after the burst: %+v (queue %d, concurrency %d)", s, cfg.Queue, cfg.Concurrency)
	}
	if s.RateLimited == 0 || s.Dropped == 0 || s.Targets > cfg.MaxTargets || int64(s.Targets) != s.Queued {
		t.Fatalf("after the burst: %+v", s)
	}

	// The workers take Concurrency probes and hold; a second burst of new
	// targets fills the queue again and no more.
	eventually(t, 10*time.Second, "the workers never started", func() bool {
		return p.Stats().Started == int64(cfg.Concurrency)
	})
	for i := 1000; i < 2000; i++ {
		p.Trigger(Request{Target: targets[i], Flag: "UCT"})
	}
	s = p.Stats()
	checkCounts(t, s)
	if s.Queued != limit || s.Started != int64(cfg.Concurrency) || int64(s.Targets) != limit {
		t.Fatalf("with the workers held: %+v, want %d queued, %d started", s, limit, cfg.Concurrency)
	}
	if len(sink.results()) != 0 {
		t.Fatal("a probe finished while held")
	}

	// Released, every queued probe runs (NXDOMAIN from the loopback server).
	close(release)
	released = true
	eventually(t, 20*time.Second, "the queued probes never all finished", func() bool {
		return p.Stats().Finished == limit && len(sink.results()) == int(limit)
	})
	s = p.Stats()
	checkCounts(t, s)
	if s.Started != limit || s.Recovered != 0 {
		t.Errorf("after release: %+v", s)
	}
	var dropped int64
	seen := make(map[string]bool)
	for _, r := range sink.results() {
		if r.Verdict != VerdictDNS || seen[r.Target] {
			t.Errorf("logged %s %s (twice: %v)", r.Target, r.Verdict, seen[r.Target])
		}
		seen[r.Target] = true
		dropped += r.Dropped
	}
	if dropped != s.Dropped {
		t.Errorf("the entries report %d drops, the counter %d", dropped, s.Dropped)
	}
	if v, _, ok := p.Latest(targets[0], time.Now()); !ok || v != VerdictDNS {
		t.Errorf("Latest(%s) = %q %v", targets[0], v, ok)
	}
}

// TestTargetTableBounded: with MaxTargets 8 and every entry fresh, new
// targets are dropped; once Interval has passed, old entries are evicted
// and new targets are probed; the table never exceeds MaxTargets.
func TestTargetTableBounded(t *testing.T) {
	release := make(chan struct{})
	cfg := testConfig()
	cfg.Interval = 50 * time.Millisecond
	cfg.DNSTimeout = time.Minute
	cfg.MaxTargets = 8
	cfg.Resolver = holdingResolver(release, shared.DNSAddr)
	p := New(cfg, nil)
	defer closeWithin(t, p, 10*time.Second)

	for i := 0; i < 100; i++ {
		p.Trigger(Request{Target: fmt.Sprintf("t%d.table.test:80", i)})
	}
	s := p.Stats()
	checkCounts(t, s)
	if s.Queued != 8 || s.Dropped != 92 || s.Targets != 8 {
		t.Fatalf("stats %+v, want 8 queued, 92 dropped, 8 targets", s)
	}
	close(release)
	eventually(t, 20*time.Second, "the 8 probes never finished", func() bool { return p.Stats().Finished == 8 })
	eventually(t, 10*time.Second, "no entry was ever evicted", func() bool {
		return p.Trigger(Request{Target: "late.table.test:80"})
	})
	if s := p.Stats(); s.Targets > 8 {
		t.Errorf("table holds %d targets, max 8", s.Targets)
	}
	checkCounts(t, p.Stats())
}

// TestTriggerDropsInvalidTargets: a target that is not "host:port" is never
// queued.
func TestTriggerDropsInvalidTargets(t *testing.T) {
	p := New(testConfig(), nil)
	defer p.Close()
	for _, target := range []string{"", "nohost", "host:", ":80", "host:x"} {
		if p.Trigger(Request{Target: target}) {
			t.Errorf("%q queued", target)
		}
	}
	if s := p.Stats(); s.Dropped != 5 || s.Queued != 0 || s.Targets != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestLogPanicRecovered: a panicking log function is recovered and
// counted; the verdict is remembered and the worker goes on.
func TestLogPanicRecovered(t *testing.T) {
	cfg := testConfig()
	cfg.Concurrency = 1
	p := New(cfg, func(*Result) { panic("log failed") })
	defer p.Close()
	refused := hostPort(t, shared.Refused)
	if !p.Trigger(Request{Target: refused}) {
		t.Fatal("not queued")
	}
	eventually(t, 10*time.Second, "the panic was not recovered", func() bool { return p.Stats().Recovered == 1 })
	if v, _, ok := p.Latest(refused, time.Now()); !ok || v != VerdictRefused {
		t.Errorf("Latest = %q %v", v, ok)
	}
	if !p.Trigger(Request{Target: hostPort(t, shared.OK)}) {
		t.Fatal("not queued")
	}
	eventually(t, 10*time.Second, "the worker did not go on", func() bool { return p.Stats().Recovered == 2 })
	if s := p.Stats(); s.Finished != 2 {
		t.Errorf("stats %+v", s)
	}
}

// TestProbePanicRecovered: a panic in a probe is recovered and counted;
// the target is no longer pending (it can be probed again) and nothing is
// logged.
func TestProbePanicRecovered(t *testing.T) {
	sink := newLogSink()
	cfg := testConfig()
	cfg.Interval = 20 * time.Millisecond
	p := newProber(cfg, sink.log, func(context.Context, Config, Request) *Result { panic("probe failed") })
	defer p.Close()
	if !p.Trigger(Request{Target: "panic.test:80"}) {
		t.Fatal("not queued")
	}
	eventually(t, 10*time.Second, "the panic was not recovered", func() bool { return p.Stats().Recovered == 1 })
	eventually(t, 10*time.Second, "the target stayed pending", func() bool {
		return p.Trigger(Request{Target: "panic.test:80"})
	})
	eventually(t, 10*time.Second, "the second panic was not recovered", func() bool { return p.Stats().Recovered == 2 })
	if s := p.Stats(); s.Finished != 0 || s.Started != 2 || len(sink.results()) != 0 {
		t.Errorf("stats %+v, logged %d", s, len(sink.results()))
	}
	if _, _, ok := p.Latest("panic.test:80", time.Now()); ok {
		t.Error("Latest after a panicked probe")
	}
}

// TestCloseStopsEverything: Close cancels held probes, returns, leaves no
// goroutine behind, and later Triggers return false uncounted.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	release := make(chan struct{})
	sink := newLogSink()
	cfg := testConfig()
	cfg.Concurrency = 4
	cfg.DNSTimeout = time.Minute
	cfg.Resolver = holdingResolver(release, shared.DNSAddr)
	p := New(cfg, sink.log)
	for i := 0; i < 10; i++ {
		p.Trigger(Request{Target: fmt.Sprintf("t%d.close.test:80", i)})
	}
	p.Trigger(Request{Target: hostPort(t, shared.ConnectTimeout)})
	eventually(t, 10*time.Second, "the workers never started", func() bool { return p.Stats().Started == 4 })
	closeWithin(t, p, 10*time.Second)
	p.Close() // idempotent
	close(release)
	s := p.Stats()
	if p.Trigger(Request{Target: "after.close.test:80"}) || p.Stats().Triggered != s.Triggered {
		t.Error("a trigger after Close was queued or counted")
	}
	if s.Finished != 0 || len(sink.results()) != 0 {
		t.Errorf("probes cut short by Close were logged: %+v", s)
	}
	eventually(t, 10*time.Second, fmt.Sprintf("goroutines did not settle back to %d", before), func() bool {
		return runtime.NumGoroutine() <= before
	})
}

// TestNilProber: the methods of a nil *Prober do nothing.
func TestNilProber(t *testing.T) {
	var p *Prober
	if p.Trigger(Request{Target: "a.test:80"}) {
		t.Error("Trigger on nil")
	}
	if _, _, ok := p.Latest("a.test:80", time.Now()); ok {
		t.Error("Latest on nil")
	}
	if p.Stats() != (Stats{}) {
		t.Error("Stats on nil")
	}
	p.Close()
}

// TestTriggerRateLimitedAllocatesNothing: the rate-limited path and Latest
// allocate nothing.
func TestTriggerRateLimitedAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	release := make(chan struct{})
	defer close(release)
	cfg := testConfig()
	cfg.Interval = time.Hour
	cfg.DNSTimeout = time.Minute
	cfg.Resolver = holdingResolver(release, shared.DNSAddr)
	p := New(cfg, nil)
	defer p.Close()
	req := Request{Target: "alloc.probe.test:443", TLS: true, Flag: "UCT"}
	if !p.Trigger(req) {
		t.Fatal("not queued")
	}
	if n := testing.AllocsPerRun(1000, func() { p.Trigger(req) }); n != 0 {
		t.Errorf("rate-limited Trigger: %v allocations, want 0", n)
	}
	now := time.Now()
	if n := testing.AllocsPerRun(1000, func() { p.Latest(req.Target, now) }); n != 0 {
		t.Errorf("Latest: %v allocations, want 0", n)
	}
}
