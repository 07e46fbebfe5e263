// Command upstreamcause reads Tyk API Gateway logs and says why requests
// failed.
//
// Usage:
//
//	upstreamcause triage [flags] [FILE|DIR|-]...
//	upstreamcause classify [-json] TEXT...
//
// triage walks Tyk's 502 troubleshooting guide over the logs of a whole
// fleet: which nodes fail, since when, to which upstream, for which cause,
// whether it followed a restart or a reload, and what to check next. It
// reads Tyk's JSON and text log formats, plain or gzip, in files,
// directories or stdin ("-", the default when stdin is not a terminal),
// also inside kubectl --prefix, Docker json-file and CRI wrappers. It
// prints a report (--format text, json or markdown) and can write a
// self-contained HTML report (--html FILE). Its exit status is 0 when the
// logs show no failures, 1 when there are findings, 2 for a usage error or
// an input that cannot be read.
//
// classify prints how the plugin classifies one error text as the gateway
// logs it ("http: proxy error: dial tcp 10.0.0.5:80: i/o timeout"): flag,
// RFC 9209 type, detail, phase and source. Its exit status is 0 when the
// text is recognised as a failure, 1 when not.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  upstreamcause triage [flags] [FILE|DIR|-]...   why requests failed, across a fleet's logs
  upstreamcause classify [-json] TEXT...          how one error text is classified

Run "upstreamcause triage -h" for the triage flags.
`

// run is the command: args without the program name. It returns the exit
// status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "triage":
		return runTriage(args[1:], stdin, stdout, stderr)
	case "classify":
		return runClassify(args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "upstreamcause: unknown command %q\n%s", args[0], usage)
	return 2
}
