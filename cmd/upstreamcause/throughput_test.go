package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/cmd/upstreamcause/internal/genlog"
)

// jqPipeline is what an operator would type instead of triage: the failed
// requests per node and flag. jq stops at the first line that is not JSON
// (exit 2, "parse error"), and a gateway's log has some, so the lines are
// read raw and parsed with fromjson? (bad lines skipped), as one must.
const jqPipeline = `jq -cR 'fromjson? | select(.prefix=="access-log" and .status>=500) | [.gateway_node,.upstream_flag]' "$1" | sort | uniq -c`

// benchBytes is the size of the generated log: TRIAGE_BENCH_BYTES (bytes;
// suffixes k, M, G of 1024), default 64 MiB.
func benchBytes(b *testing.B) int64 {
	s := strings.TrimSpace(os.Getenv("TRIAGE_BENCH_BYTES"))
	if s == "" {
		return 64 << 20
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult, s = 1<<10, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1<<20, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		b.Fatalf("TRIAGE_BENCH_BYTES=%q: want a size in bytes (suffix k, M or G)", os.Getenv("TRIAGE_BENCH_BYTES"))
	}
	return n * mult
}

// BenchmarkTriageThroughput generates a Tyk JSON log of a fleet
// (genlog, TRIAGE_BENCH_BYTES, default 64 MiB) in a temporary directory
// and measures on that one file:
//
//   - triage: the triage command in process (runTriage: read, analyze,
//     report), MB/s of the file;
//   - cli-vs-jq: in each iteration, the built command as a subprocess
//     (upstreamcause triage FILE) and then the jq pipeline (jqPipeline):
//     cli_MB/s, jq_MB/s, their ratio x_jq, and the command's peak RSS
//     (peak_RSS_MB, the largest of the iterations). Skipped without jq.
//
// The 1 GB figures of the README:
//
//	TRIAGE_BENCH_BYTES=1G go test -run '^$' -bench TriageThroughput -benchtime 1x -timeout 1h
func BenchmarkTriageThroughput(b *testing.B) {
	size := benchBytes(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "tyk-fleet.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	n, err := genlog.Write(f, genlog.Options{Bytes: size, Seed: 1})
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	mb := float64(n) / 1e6

	b.Run("triage", func(b *testing.B) {
		b.SetBytes(n)
		for i := 0; i < b.N; i++ {
			if code := runTriage([]string{"--progress", "never", path}, nil, io.Discard, io.Discard); code != 1 {
				b.Fatalf("triage exit status %d, want 1 (findings)", code)
			}
		}
	})

	b.Run("cli-vs-jq", func(b *testing.B) {
		if _, err := exec.LookPath("jq"); err != nil {
			b.Skip("jq is not installed")
		}
		b.StopTimer()
		bin := filepath.Join(dir, "upstreamcause")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		b.StartTimer()
		var cli, jq time.Duration
		var rss int64
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(bin, "triage", "--progress", "never", path)
			start := time.Now()
			err := cmd.Run()
			cli += time.Since(start)
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
				b.Fatalf("upstreamcause triage: %v, want exit status 1 (findings)", err)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = max(rss, ru.Maxrss) // KiB on Linux
			}

			var out bytes.Buffer
			cmd = exec.Command("sh", "-c", jqPipeline, "sh", path)
			cmd.Stdout, cmd.Stderr = &out, os.Stderr
			start = time.Now()
			err = cmd.Run()
			jq += time.Since(start)
			if err != nil || !strings.Contains(out.String(), `"UCT"]`) {
				b.Fatalf("jq pipeline: %v\n%s", err, out.String())
			}
		}
		cliRate := mb * float64(b.N) / cli.Seconds()
		jqRate := mb * float64(b.N) / jq.Seconds()
		b.ReportMetric(cliRate, "cli_MB/s")
		b.ReportMetric(jqRate, "jq_MB/s")
		b.ReportMetric(cliRate/jqRate, "x_jq")
		if rss > 0 {
			b.ReportMetric(float64(rss)/1024, "peak_RSS_MB")
		}
	})
}
