package upstreams

import (
	"runtime"
	"strings"
	"time"
)

// WaitNoLeaks waits, up to wait, until no goroutine's stack contains any of
// markers (substrings of function names, e.g. "internal/upstreams.handle",
// "github.com/miekg/dns"), polling every 20 ms, and returns "" then; when
// the wait runs out it returns the stacks of the goroutines still matching,
// separated by blank lines. The calling goroutine is never counted. Tests
// call it from TestMain after closing what
// they started.
func WaitNoLeaks(wait time.Duration, markers ...string) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "upstreams.WaitNoLeaks(") {
				continue // the caller's own goroutine
			}
			for _, m := range markers {
				if strings.Contains(g, m) {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
