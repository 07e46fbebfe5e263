//go:build goplugin

package main

import (
	"net"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// Server serves a Host on a loopback listener, HTTP/1.1 and h2c (HTTP/2
// with prior knowledge or by Upgrade) on the same port.
type Server struct {
	Addr string // "127.0.0.1:PORT"
	URL  string // "http://127.0.0.1:PORT"
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Serve starts serving h on addr, which must be a loopback address
// ("127.0.0.1:0" picks a free port).
func Serve(h http.Handler, addr string) (*Server, error) {
	if err := cases.LoopbackOnly(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr: ln.Addr().String(),
		URL:  "http://" + ln.Addr().String(),
		ln:   ln,
		done: make(chan struct{}),
		srv: &http.Server{
			Handler:           h2c.NewHandler(h, &http2.Server{}),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       90 * time.Second,
			ErrorLog:          nil,
		},
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server at once, closing every connection.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
}

// Tap is a logrus.Formatter that formats every entry with Inner and shows
// the entry and its formatted line to Sink, after the logger's hooks (the
// plugin's among them) have run. Sink returns whether the line is written.
type Tap struct {
	Inner logrus.Formatter
	Sink  func(e *logrus.Entry, line []byte) bool
}

// Format implements logrus.Formatter. logrus calls it under the logger's
// lock, on the goroutine that logs.
func (t *Tap) Format(e *logrus.Entry) ([]byte, error) {
	line, err := t.Inner.Format(e)
	if err != nil || t.Sink == nil {
		return line, err
	}
	if !t.Sink(e, line) {
		return nil, nil
	}
	return line, nil
}
