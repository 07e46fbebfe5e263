//go:build goplugin

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// runDemo serves the host on a loopback port, sends the demo's requests and
// prints, per case, a title line and the case's access-log line. Nothing else
// the gateway logs is printed.
func runDemo(host *Host, tap *Tap, stdout, stderr io.Writer) int {
	lines := make(chan accessLine, 64)
	tap.Sink = func(e *logrus.Entry, line []byte) bool {
		if e.Data["prefix"] == "access-log" {
			path, _ := e.Data["path"].(string)
			select {
			case lines <- accessLine{path: path, line: bytes.TrimRight(line, "\n")}:
			default:
			}
		} else if e.Level <= logrus.WarnLevel && e.Data["prefix"] != "proxy" {
			stderr.Write(line) // the plugin's own warnings, if any
		}
		return false
	}
	srv, err := Serve(host, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "testhost:", err)
		return 1
	}
	defer srv.Close()
	client := cases.NewClient()
	defer client.CloseIdleConnections()

	wait := func(path string) ([]byte, bool) {
		deadline := time.After(5 * time.Second)
		for {
			select {
			case l := <-lines:
				if l.path == path {
					return l.line, true
				}
			case <-deadline:
				return nil, false
			}
		}
	}

	failed := 0
	for i, dc := range cases.Demo {
		method := dc.HTTPMethod()
		if dc.Warm {
			path := fmt.Sprintf("/case/%s/warm-%d", dc.Case, i+1)
			_, _ = cases.Send(client, srv.URL+path, http.MethodGet, 0)
			wait(path)
		}
		path := fmt.Sprintf("/case/%s/demo-%d", dc.Case, i+1)
		_, _ = cases.Send(client, srv.URL+path, method, dc.Cancel)
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "### %d. %s (%s %s)\n", i+1, dc.Title, method, path)
		if line, ok := wait(path); ok {
			fmt.Fprintf(stdout, "%s\n", line)
		} else {
			fmt.Fprintln(stdout, "(no access-log entry within 5s)")
			failed++
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

type accessLine struct {
	path string
	line []byte
}
