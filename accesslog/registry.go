package accesslog

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/capture"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// request is the correlation state of one proxied request, keyed by the id of
// the goroutine that serves it: Tyk runs the pre hook, the reverse proxy, the
// "http: proxy error" entry, the analytics plugin and the access-log entry on
// that one goroutine.
//
// Fields set before the request is published in the registry (trace, w,
// ctx, method, created, orphan) are read-only afterwards. The others are
// written and read only on the request goroutine.
type request struct {
	trace   *capture.Trace      // nil for an orphan
	w       http.ResponseWriter // the client-facing writer the pre hook got; nil for an orphan
	ctx     context.Context     // the server request's context; nil for an orphan
	method  string              // request method at the pre hook; "" for an orphan
	created time.Time
	orphan  bool // made from a "proxy error" entry of a request the pre hook did not see

	ended time.Time // when the janitor first saw ctx done; read and written only by it, under the shard lock

	// Filled by the proxy entries and the response hook.
	apiID   string // api_id of the "http: proxy error" entry, or from ctx (Config.APIIDOf)
	mw      string // the middleware that answered the request itself (classify.Gateway), e.g. "AuthKey"
	userIP  string // user_ip of the "http: proxy error" entry
	errText string // sanitised error text, "" when the round trip did not fail
	target  string // "host:port" the failure is about
	result  classify.Result
	status  int              // status of a 5xx answered by the upstream or an intermediary
	summary *capture.Summary // of the trace at the failure; nil until then, and for an orphan
}

// failed reports whether r carries a failure to write.
func (r *request) failed() bool { return r.result.Flag != "" }

const shardCount = 64

// registry maps goroutine ids to the request they serve. It is sharded to
// keep lock contention low with many concurrent requests, and bounded by max.
type registry struct {
	shards [shardCount]struct {
		mu sync.Mutex
		m  map[int64]*request
		_  [40]byte // keep shards on separate cache lines
	}
	n   atomic.Int64
	max int64
}

func newRegistry(max int) *registry {
	r := &registry{max: int64(max)}
	for i := range r.shards {
		r.shards[i].m = make(map[int64]*request)
	}
	return r
}

func (g *registry) shard(gid int64) int { return int(uint64(gid) % shardCount) }

// put stores req for gid, replacing (and returning) what the goroutine left
// behind. It refuses (returns false) when the registry is full even after
// dropping expired entries of the shard.
func (g *registry) put(gid int64, req *request, now time.Time, cfg *Config) (old *request, ok bool) {
	s := &g.shards[g.shard(gid)]
	s.mu.Lock()
	defer s.mu.Unlock()
	old = s.m[gid]
	// A new entry reserves its place in the count first, so that inserts
	// racing on other shards can never take the registry past max.
	if old == nil && !g.reserve() {
		g.sweepLocked(s.m, now, cfg)
		if !g.reserve() {
			return nil, false
		}
	}
	s.m[gid] = req
	return old, true
}

// reserve counts one more entry if that stays within max.
func (g *registry) reserve() bool {
	if g.n.Add(1) > g.max {
		g.n.Add(-1)
		return false
	}
	return true
}

// sweepLocked drops expired entries of one shard. The shard's lock is held.
func (g *registry) sweepLocked(m map[int64]*request, now time.Time, cfg *Config) {
	for gid, req := range m {
		if req.expired(now, cfg) {
			delete(m, gid)
			g.n.Add(-1)
		}
	}
}

// sweep drops, from every shard, the requests past their TTL and those
// whose context the previous sweep already found ended (so the state of a
// request the client abandoned outlives its context by at least one period,
// for its 499 access-log entry). It takes one shard lock at a time.
func (g *registry) sweep(now time.Time, cfg *Config) {
	for i := range g.shards {
		s := &g.shards[i]
		s.mu.Lock()
		for gid, req := range s.m {
			drop := req.expired(now, cfg)
			if !drop && req.ctx != nil && req.ctx.Err() != nil {
				if req.ended.IsZero() {
					req.ended = now
				} else {
					drop = true
				}
			}
			if drop {
				delete(s.m, gid)
				g.n.Add(-1)
				if req.trace != nil {
					req.trace.Finish()
				}
			}
		}
		s.mu.Unlock()
	}
}

// get returns the request gid serves, or nil.
func (g *registry) get(gid int64) *request {
	s := &g.shards[g.shard(gid)]
	s.mu.Lock()
	req := s.m[gid]
	s.mu.Unlock()
	return req
}

// take removes and returns the request gid serves, or nil.
func (g *registry) take(gid int64) *request {
	s := &g.shards[g.shard(gid)]
	s.mu.Lock()
	req := s.m[gid]
	if req != nil {
		delete(s.m, gid)
		g.n.Add(-1)
	}
	s.mu.Unlock()
	return req
}

// len returns the number of pending requests.
func (g *registry) len() int { return int(g.n.Load()) }

// expired reports whether req is too old to be attached to any entry.
func (req *request) expired(now time.Time, cfg *Config) bool {
	ttl := cfg.TTL
	if req.orphan {
		ttl = cfg.OrphanTTL
	}
	return now.Sub(req.created) > ttl
}
