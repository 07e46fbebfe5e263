package probe

import (
	"testing"
	"time"
)

// heldProber returns a Prober whose probe of req has been queued and is
// held (its DNS lookup waits until the benchmark ends), so that every
// further Trigger of req takes the rate-limited path.
func heldProber(b *testing.B, req Request) *Prober {
	b.Helper()
	release := make(chan struct{})
	cfg := DefaultConfig()
	cfg.Interval = time.Hour
	cfg.DNSTimeout = time.Minute
	cfg.Resolver = holdingResolver(release, shared.DNSAddr)
	p := New(cfg, nil)
	b.Cleanup(func() {
		p.Close()
		close(release)
	})
	if !p.Trigger(req) {
		b.Fatal("the first trigger was not queued")
	}
	return p
}

// BenchmarkTriggerRateLimited is Trigger on the request path for a target
// already probed: one read-locked map lookup, no allocation.
func BenchmarkTriggerRateLimited(b *testing.B) {
	req := Request{Target: "orders.bench.test:8443", TLS: true, Flag: "UCT"}
	p := heldProber(b, req)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p.Trigger(req) {
			b.Fatal("queued")
		}
	}
}

// BenchmarkTriggerRateLimitedParallel is the same from all the
// benchmark's goroutines at once (a failure storm on many connections).
func BenchmarkTriggerRateLimitedParallel(b *testing.B) {
	req := Request{Target: "orders.bench.test:8443", TLS: true, Flag: "UCT"}
	p := heldProber(b, req)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p.Trigger(req) {
				panic("queued")
			}
		}
	})
}

// BenchmarkLatest is Latest for a remembered target.
func BenchmarkLatest(b *testing.B) {
	req := Request{Target: "orders.bench.test:8443", TLS: true, Flag: "UCT"}
	p := heldProber(b, req)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Latest(req.Target, now)
	}
}
