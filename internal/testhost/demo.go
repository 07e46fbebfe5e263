//go:build goplugin

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// DemoCase is one request the demo sends through the host.
type DemoCase struct {
	Title  string
	Case   string        // upstream case name
	Method string        // default GET
	Cancel time.Duration // the client gives up after this long (0: never)
	Warm   bool          // first send a GET on the same upstream to leave a kept-alive connection
}

// DemoCases are the demo's requests, in order.
var DemoCases = []DemoCase{
	{Title: "success: the upstream answers 200", Case: CaseOK},
	{Title: "connection refused: nothing listens on the upstream port", Case: CaseRefused},
	{Title: "connect timeout: the upstream never completes the TCP handshake", Case: CaseConnectTimeout},
	{Title: "response-header timeout: the upstream takes the request and never answers", Case: CaseHeaderTimeout},
	{Title: "reset before response: the upstream resets the connection after reading the request", Case: CaseResetBeforeResponse},
	{Title: "POST on a kept-alive connection the upstream has closed", Case: CaseIdleClose, Method: http.MethodPost, Warm: true},
	{Title: "TLS: certificate signed by an unknown authority", Case: CaseTLSUnknownAuthority},
	{Title: "TLS: expired certificate", Case: CaseTLSExpired},
	{Title: "TLS: certificate for another host name", Case: CaseTLSWrongHost},
	{Title: "TLS to a plain-HTTP port", Case: CaseTLSToPlain},
	{Title: "DNS: NXDOMAIN", Case: CaseDNSNXDomain},
	{Title: "DNS: SERVFAIL", Case: CaseDNSServFail},
	{Title: "upstream answers 503 (nginx)", Case: CaseStatus503},
	{Title: "502 from an intermediary (AWS ELB) in front of the upstream", Case: CaseIntermediary502},
	{Title: "reset mid-body after a 200", Case: CaseResetMidBody},
	{Title: "client disconnects while the upstream is silent", Case: CaseHeaderTimeout, Cancel: 100 * time.Millisecond},
}

// NewClient returns a keep-alive HTTP/1.1 client that dials only loopback
// addresses.
func NewClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := loopbackOnly(addr); err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// Send sends one request to the host and reads the whole answer. cancel > 0
// abandons the request after that long. It returns the status (0 if no
// answer) and the error of the exchange, if any.
func Send(c *http.Client, url, method string, cancel time.Duration) (int, error) {
	ctx := context.Background()
	if cancel > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, cancel)
		defer stop()
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"order":42}`)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}

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
	client := NewClient()
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
	for i, dc := range DemoCases {
		method := dc.Method
		if method == "" {
			method = http.MethodGet
		}
		if dc.Warm {
			path := fmt.Sprintf("/case/%s/warm-%d", dc.Case, i+1)
			_, _ = Send(client, srv.URL+path, http.MethodGet, 0)
			wait(path)
		}
		path := fmt.Sprintf("/case/%s/demo-%d", dc.Case, i+1)
		_, _ = Send(client, srv.URL+path, method, dc.Cancel)
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
