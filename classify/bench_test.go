package classify_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// logged is the text Tyk logs for err seen in phase.
func logged(err error, phase classify.Phase) string {
	if phase == pBody {
		return "http: proxy error during body copy: " + err.Error()
	}
	return "http: proxy error: " + err.Error()
}

var (
	benchMu   sync.Mutex
	benchErrs = map[string]error{}
)

// benchErr makes the named real error once per process.
func benchErr(b *testing.B, name string, make func(testing.TB) error) error {
	benchMu.Lock()
	defer benchMu.Unlock()
	if err, ok := benchErrs[name]; ok {
		return err
	}
	err := make(b)
	benchErrs[name] = err
	return err
}

var sink classify.Result

func BenchmarkError(b *testing.B) {
	for _, tt := range realErrors {
		b.Run(tt.name, func(b *testing.B) {
			err := benchErr(b, tt.name, tt.make)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sink = classify.Error(err, tt.phase)
			}
		})
	}
}

func BenchmarkMessage(b *testing.B) {
	for _, tt := range realErrors {
		b.Run(tt.name, func(b *testing.B) {
			msg := logged(benchErr(b, tt.name, tt.make), tt.phase)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sink = classify.Message(msg)
			}
		})
	}
	b.Run("unknown", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sink = classify.Message("http: proxy error: mock: not an upstream error")
		}
	})
}

var responseCases = []struct {
	name   string
	status int
	header http.Header
}{
	{"upstream_503", 503, http.Header{"Server": {"nginx"}, "Content-Type": {"text/html"}}},
	{"aws_elb_502", 502, http.Header{"Server": {"awselb/2.0"}, "Content-Type": {"text/html"}}},
	{"cloudflare_522", 522, http.Header{"Server": {"cloudflare"}, "Cf-Ray": {"8a1b2c3d4e5f6789-AMS"}}},
	{"envoy_503", 503, http.Header{"Server": {"envoy"}, "Content-Length": {"19"}}},
	{"proxy_status_502", 502, http.Header{"Proxy-Status": {`ExampleCDN; error=connection_timeout; details="after 30s"`}}},
}

func BenchmarkResponse(b *testing.B) {
	for _, tt := range responseCases {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink = classify.Response(tt.status, tt.header)
			}
		})
	}
}

// TestZeroAlloc checks that Error, Message and Response allocate nothing for
// every known class (the benchmarks report the same as allocs/op).
func TestZeroAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	if testing.Short() {
		t.Skip("makes every real error")
	}
	type item struct {
		name  string
		err   error
		phase classify.Phase
	}
	items := make([]item, len(realErrors))
	var wg sync.WaitGroup
	for i, tt := range realErrors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run("make/"+tt.name, func(t *testing.T) { items[i] = item{tt.name, tt.make(t), tt.phase} })
		}()
	}
	wg.Wait()
	for _, it := range items {
		if it.err == nil {
			continue
		}
		msg := logged(it.err, it.phase)
		if n := testing.AllocsPerRun(1000, func() { sink = classify.Error(it.err, it.phase) }); n != 0 {
			t.Errorf("Error/%s: %v allocs", it.name, n)
		}
		if n := testing.AllocsPerRun(1000, func() { sink = classify.Message(msg) }); n != 0 {
			t.Errorf("Message/%s: %v allocs", it.name, n)
		}
	}
	for _, tt := range responseCases {
		if n := testing.AllocsPerRun(1000, func() { sink = classify.Response(tt.status, tt.header) }); n != 0 {
			t.Errorf("Response/%s: %v allocs", tt.name, n)
		}
	}
}
