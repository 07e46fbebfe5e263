package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// classifyResult is classify.Result as the classify command prints it.
type classifyResult struct {
	Flag         string `json:"flag"`
	Type         string `json:"type"`
	Detail       string `json:"detail"`
	Phase        string `json:"phase"`
	Source       string `json:"source"`
	Timeout      bool   `json:"timeout"`
	Intermediary string `json:"intermediary,omitempty"`
}

func resultOf(r classify.Result) classifyResult {
	return classifyResult{
		Flag: r.Flag, Type: r.Type, Detail: r.Detail, Phase: r.Phase.String(),
		Source: r.Source.String(), Timeout: r.Timeout, Intermediary: r.Intermediary,
	}
}

// runClassify is "upstreamcause classify [-json] TEXT...": the words of
// TEXT joined by spaces are one error text or log line. With TEXT "-",
// every line of stdin is one, and each gets one line of output.
func runClassify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: upstreamcause classify [-json] TEXT...
       upstreamcause classify [-json] -     (one text per line of stdin)

Prints how the plugin classifies an error text as the gateway logs it, e.g.
  upstreamcause classify 'http: proxy error: dial tcp 10.0.3.17:8080: i/o timeout'
Exit status: 0 recognised as a failure, 1 not, 2 usage.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	if fs.NArg() == 1 && fs.Arg(0) == "-" {
		return classifyLines(stdin, stdout, stderr, *asJSON)
	}

	r := resultOf(classify.Message(strings.Join(fs.Args(), " ")))
	if *asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintf(stdout, "%s\n", b)
	} else if r.Flag == "" {
		fmt.Fprintln(stdout, "not classified: no error text found")
	} else {
		fmt.Fprintf(stdout, "flag:    %s\ntype:    %s\ndetail:  %s\nphase:   %s\nsource:  %s\ntimeout: %t\n",
			r.Flag, orDash(r.Type), r.Detail, r.Phase, r.Source, r.Timeout)
		if r.Intermediary != "" {
			fmt.Fprintf(stdout, "intermediary: %s\n", r.Intermediary)
		}
	}
	if r.Flag == "" {
		return 1
	}
	return 0
}

// classifyLines classifies each line of in: tab-separated flag, detail,
// phase, source and the line, or one JSON object per line with its text.
// The status is 0 if any line was recognised.
func classifyLines(in io.Reader, stdout, stderr io.Writer, asJSON bool) int {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(stdout)
	status := 1
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		r := resultOf(classify.Message(line))
		if r.Flag != "" {
			status = 0
		}
		if asJSON {
			b, _ := json.Marshal(struct {
				classifyResult
				Text string `json:"text"`
			}{r, line})
			fmt.Fprintf(w, "%s\n", b)
		} else {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", orDash(r.Flag), orDash(r.Detail), r.Phase, r.Source, line)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "upstreamcause classify: %v\n", err)
		return 2
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "upstreamcause classify: reading stdin: %v\n", err)
		return 2
	}
	return status
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
