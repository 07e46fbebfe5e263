package capture

import (
	"sync"
	"time"
)

// Pool keeps finished Traces for reuse, so that capturing a request does not
// allocate a Trace and its hooks each time. A Trace given back (Put) is
// reused only if Finish found it quiet, and only after it has spent
// Quarantine in the pool without receiving any callback: a goroutine of the
// transport that fetched the hooks before the request ended (a dial started
// for a request that then got a pooled connection) reports within
// microseconds of normal scheduling, and the quarantine leaves it orders of
// magnitude more. Traces that are not quiet, that received a callback
// after Finish, or that do not fit (Max) are left to the garbage collector.
//
// A Pool is safe for concurrent use. Its zero value is not usable: set
// Quarantine and Max. It holds at most Max Traces (about 1 KB each).
type Pool struct {
	// Quarantine is how long a finished Trace waits before reuse.
	Quarantine time.Duration
	// Max is the number of Traces the pool holds at most.
	Max int

	mu   sync.Mutex
	ring []parked // FIFO of finished Traces, oldest at head
	head int
	n    int
}

type parked struct {
	t  *Trace
	at time.Time // when it was put
}

// Get returns a Trace for a new request whose time offsets count from now:
// the oldest pooled Trace that has served its quarantine and stayed clean,
// Reset, or a new one. now is the caller's clock reading (time.Now()).
func (p *Pool) Get(now time.Time) *Trace {
	p.mu.Lock()
	for p.n > 0 {
		e := &p.ring[p.head]
		if now.Sub(e.at) < p.Quarantine {
			break
		}
		t := e.t
		*e = parked{}
		p.head++
		if p.head == len(p.ring) {
			p.head = 0
		}
		p.n--
		if t.clean() {
			p.mu.Unlock()
			t.Reset()
			return t
		}
	}
	p.mu.Unlock()
	return New()
}

// Put finishes t (Trace.Finish) and keeps it for reuse if it was quiet and
// the pool has room. now is the caller's clock reading. The caller must not
// use t afterwards.
func (p *Pool) Put(t *Trace, now time.Time) {
	if t == nil || !t.Finish() {
		return
	}
	p.mu.Lock()
	if p.ring == nil && p.Max > 0 {
		p.ring = make([]parked, p.Max)
	}
	if p.n < len(p.ring) {
		i := p.head + p.n
		if i >= len(p.ring) {
			i -= len(p.ring)
		}
		p.ring[i] = parked{t: t, at: now}
		p.n++
	}
	p.mu.Unlock()
}

// Len returns the number of Traces the pool holds.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
