package accesslog_test

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/petermattis/goid"
)

// stackGoid is the slow, sure way to the goroutine id: the header line of
// runtime.Stack, "goroutine 123 [running]:". Used only here, to check that
// goid.Get (which reads the runtime's g struct) is right for the Go version
// the tests run with.
func stackGoid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseInt(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

func TestGoidMatchesTheRuntime(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, want := goid.Get(), stackGoid(); got != want || got == 0 {
				t.Errorf("goid.Get() = %d, runtime says %d: the correlation key would be wrong on this Go version", got, want)
			}
		}()
	}
	wg.Wait()
}
