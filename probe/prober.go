package probe

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Prober runs probes in the background for the failures that ask for one
// (Trigger), at most one per target per Config.Interval and at most
// Config.Concurrency at once, and remembers each target's latest verdict
// (Latest). Create it with New. Its methods are safe for concurrent use, and
// on a nil *Prober they do nothing: Trigger returns false, Latest reports
// nothing, Stats is zero.
type Prober struct {
	cfg   Config
	log   func(*Result)
	run   func(context.Context, Config, Request) *Result // Run; replaced by tests
	queue chan Request

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the workers

	mu         sync.RWMutex
	targets    map[string]target // by Request.Target; at most cfg.MaxTargets
	closed     bool
	sweepAfter time.Time // no entry can be evicted before then

	queued, rateLimited, dropped atomic.Int64 // their sum is Stats.Triggered
	started, finished, recovered atomic.Int64
	droppedSince                 atomic.Int64 // since the last logged Result
}

// target is what a Prober remembers of one target.
type target struct {
	// last is when the newest probe was queued, then when it started: the
	// rate limit counts Interval from it.
	last time.Time
	// pending: a probe is queued or running. A pending entry is never
	// evicted, and its target is rate limited.
	pending bool
	// verdict and finished: the newest finished probe ("" when none).
	verdict  string
	finished time.Time
}

// limited reports whether a trigger at now is rate limited by t.
func (t *target) limited(now time.Time, interval time.Duration) bool {
	return t.pending || now.Sub(t.last) < interval
}

// Stats are a Prober's counters since New. Each trigger is counted in
// Triggered and in exactly one of Queued, RateLimited and Dropped (triggers
// after Close are not counted at all; one that races with Close is counted
// as dropped).
type Stats struct {
	Triggered   int64 // Trigger calls before Close
	Queued      int64 // triggers that queued a probe (Trigger returned true)
	RateLimited int64 // triggers for a target probed, queued or running within Interval
	Dropped     int64 // triggers dropped: queue full, target table full, or a target that is not "host:port"
	Started     int64 // probes a worker started
	Finished    int64 // probes that ended and were remembered and logged; not those cut short by Close
	Recovered   int64 // panics recovered, in a probe or in the log function
	Targets     int   // targets remembered now (at most Config.MaxTargets)
}

// New returns a Prober with cfg (zero fields take their defaults) and starts
// its cfg.Concurrency worker goroutines. log is called on a worker
// goroutine, never on the caller of Trigger, once per finished probe, with
// the Result (which it may keep); it may be slow (that worker waits) and a
// panic in it is recovered and counted. nil log logs nothing. The workers
// run until Close.
func New(cfg Config, log func(*Result)) *Prober { return newProber(cfg, log, Run) }

// newProber is New with the function that runs one probe (Run; tests
// pass others).
func newProber(cfg Config, log func(*Result), run func(context.Context, Config, Request) *Result) *Prober {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Prober{
		cfg:     cfg,
		log:     log,
		run:     run,
		queue:   make(chan Request, cfg.Queue),
		ctx:     ctx,
		cancel:  cancel,
		targets: make(map[string]target),
	}
	p.wg.Add(cfg.Concurrency)
	for i := 0; i < cfg.Concurrency; i++ {
		go p.worker()
	}
	return p
}

// Trigger asks for a probe of req.Target. It never blocks (it takes the
// Prober's mutex, held only for map operations — and, when the target
// table is full, for a scan of it at most once per expiry — and sends on
// the queue without waiting) and is meant to be called on the gateway's request
// goroutine, from inside a logrus hook. It returns true when a probe was
// queued; false when the target is rate limited (a probe of it was queued
// or started less than Config.Interval ago, or is still queued or running),
// when the queue or the target table is full or the target is not
// "host:port" with a numeric port (these three counted as dropped, and
// reported in the next probe's entry), or after Close. The rate-limited path
// allocates nothing; queuing copies the target string once (so the Prober
// keeps no reference to the caller's memory).
func (p *Prober) Trigger(req Request) bool {
	if p == nil {
		return false
	}
	now := time.Now()
	p.mu.RLock()
	closed := p.closed
	t, known := p.targets[req.Target]
	p.mu.RUnlock()
	if closed {
		return false
	}
	if known && t.limited(now, p.cfg.Interval) {
		p.rateLimited.Add(1)
		return false
	}
	if _, _, ok := splitTarget(req.Target); !ok {
		p.drop()
		return false
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed { // Close came in between
		p.drop()
		return false
	}
	prev, known := p.targets[req.Target] // again: another trigger may have come in between
	if known && prev.limited(now, p.cfg.Interval) {
		p.rateLimited.Add(1)
		return false
	}
	if !known && len(p.targets) >= p.cfg.MaxTargets && !p.evict(now) {
		p.drop()
		return false
	}
	req.Target = strings.Clone(req.Target)
	req.Flag = strings.Clone(req.Flag)
	next := prev
	next.last, next.pending = now, true
	p.targets[req.Target] = next
	select {
	case p.queue <- req:
		p.queued.Add(1)
		return true
	default:
		if known {
			p.targets[req.Target] = prev
		} else {
			delete(p.targets, req.Target)
		}
		p.drop()
		return false
	}
}

// drop counts a dropped trigger.
func (p *Prober) drop() {
	p.dropped.Add(1)
	p.droppedSince.Add(1)
}

// evict removes, with p.mu held, the entries that are not pending and whose
// last probe started Interval or more before now, and reports whether the
// table has room. It scans the table at most once per expiry: after a scan,
// not before the oldest remaining entry can have expired (sweepAfter), so
// that a full table of fresh entries costs a trigger one comparison.
func (p *Prober) evict(now time.Time) bool {
	if now.Before(p.sweepAfter) {
		return false
	}
	var next time.Time
	for k, t := range p.targets {
		if t.pending {
			continue // finish lowers sweepAfter when it ends
		}
		exp := t.last.Add(p.cfg.Interval)
		if !now.Before(exp) {
			delete(p.targets, k)
			continue
		}
		if next.IsZero() || exp.Before(next) {
			next = exp
		}
	}
	if next.IsZero() {
		next = now.Add(p.cfg.Interval)
	}
	p.sweepAfter = next
	return len(p.targets) < p.cfg.MaxTargets
}

// Latest returns the verdict of the newest finished probe of target
// ("host:port", as in Request.Target) and its age at now (now minus the
// time the probe finished); ok is false when none is remembered (never
// probed, still running, cut short by Close, or evicted). It takes the
// Prober's read lock for one map lookup and allocates nothing; it is called
// on request goroutines, on the failure path.
func (p *Prober) Latest(target string, now time.Time) (verdict string, age time.Duration, ok bool) {
	if p == nil {
		return "", 0, false
	}
	p.mu.RLock()
	t, known := p.targets[target]
	p.mu.RUnlock()
	if !known || t.verdict == "" {
		return "", 0, false
	}
	return t.verdict, now.Sub(t.finished), true
}

// Stats returns the counters (each read atomically, not all at one
// instant; Triggered is the sum of the three it is made of) and the number
// of targets remembered.
func (p *Prober) Stats() Stats {
	if p == nil {
		return Stats{}
	}
	p.mu.RLock()
	n := len(p.targets)
	p.mu.RUnlock()
	queued, rateLimited, dropped := p.queued.Load(), p.rateLimited.Load(), p.dropped.Load()
	return Stats{
		Queued:      queued,
		RateLimited: rateLimited,
		Dropped:     dropped,
		Triggered:   queued + rateLimited + dropped,
		Started:     p.started.Load(),
		Finished:    p.finished.Load(),
		Recovered:   p.recovered.Load(),
		Targets:     n,
	}
}

// Close stops the Prober: later Triggers return false, running probes are
// cancelled (their lookups, connects and handshakes fail at once; such a
// probe is neither remembered nor logged), queued probes are discarded, and
// Close returns when every worker goroutine has returned (a log call in
// progress is waited for). It is idempotent. Gateways never call it (a
// plugin cannot be unloaded); tests and tools do.
func (p *Prober) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// worker runs queued probes, one at a time, until Close.
func (p *Prober) worker() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case req := <-p.queue:
			if res := p.probe(req); res != nil && p.log != nil {
				p.callLog(res)
			}
		}
	}
}

// probe runs one queued probe and remembers its verdict; it returns the
// Result to log, or nil when the probe was cut short by Close or panicked.
func (p *Prober) probe(req Request) (res *Result) {
	defer func() {
		if recover() != nil {
			p.recovered.Add(1)
			res = nil
		}
		p.finish(req.Target, res)
	}()
	if p.ctx.Err() != nil {
		return nil
	}
	p.begin(req.Target)
	p.started.Add(1)
	res = p.run(p.ctx, p.cfg, req)
	if res == nil || p.ctx.Err() != nil {
		return nil
	}
	res.Dropped = p.droppedSince.Swap(0)
	p.finished.Add(1)
	return res
}

// begin sets the start of target's probe as the start of its rate limit.
func (p *Prober) begin(key string) {
	p.mu.Lock()
	if t, ok := p.targets[key]; ok {
		t.last = time.Now()
		p.targets[key] = t
	}
	p.mu.Unlock()
}

// finish ends target's pending state and, for a Result, remembers its
// verdict; the entry can then be evicted once Interval has passed since
// the probe started.
func (p *Prober) finish(key string, res *Result) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.targets[key]
	if !ok {
		return
	}
	t.pending = false
	if res != nil {
		t.verdict, t.finished = res.Verdict, now
	}
	p.targets[key] = t
	if exp := t.last.Add(p.cfg.Interval); exp.Before(p.sweepAfter) {
		p.sweepAfter = exp
	}
}

// callLog calls the log function, recovering and counting a panic in it.
func (p *Prober) callLog(res *Result) {
	defer func() {
		if recover() != nil {
			p.recovered.Add(1)
		}
	}()
	p.log(res)
}
