package upstreams

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// elb502Body is, byte for byte, the body an AWS Application Load Balancer
// sends with its own 502 Bad Gateway.
const elb502Body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"

// nginx503Body is the body nginx (server_tokens off) sends with a 503.
const nginx503Body = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// midBodyDeclared is the Content-Length ResetMidBody announces; midBodySent is
// how much of it it really writes before resetting the connection.
const (
	midBodyDeclared = 65536
	midBodySent     = 1024
)

// response renders a complete HTTP/1.1 response with a Date and a
// Content-Length header. headers are "Name: value" lines without CRLF.
func response(status string, headers []string, body string) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 ")
	b.WriteString(status)
	b.WriteString("\r\n")
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("Date: ")
	b.WriteString(time.Now().UTC().Format(http.TimeFormat))
	b.WriteString("\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

func okResponse() []byte {
	return response("200 OK", []string{"Content-Type: text/plain; charset=utf-8", "Connection: keep-alive"}, "ok")
}

func badRequestResponse() []byte {
	return response("400 Bad Request", []string{"Content-Type: text/plain; charset=utf-8", "Connection: close"}, "400 Bad Request")
}

// readRequest reads one request from br, including its whole body. A first
// byte that cannot start a request line (for instance 0x16, the start of a TLS
// ClientHello) yields errMalformed at once, like any real HTTP server does,
// instead of waiting for a line end that may never come.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	b, err := br.Peek(1)
	if err != nil {
		return nil, err
	}
	if b[0] < 0x20 || b[0] >= 0x7f {
		return nil, errMalformed
	}
	req, err := http.ReadRequest(br)
	if err != nil {
		if isConnErr(err) {
			return nil, err
		}
		return nil, errMalformed
	}
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return nil, err
	}
	return req, nil
}

var errMalformed = errors.New("malformed request")

// isConnErr reports whether err comes from the connection (closed, reset,
// timed out) rather than from the bytes the client sent.
func isConnErr(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// serveHTTP1 reads requests on c one after the other and calls respond for
// each, with n counting the requests on this connection from 1. respond
// writes its answer itself and returns whether to keep the connection. A
// malformed request gets a 400 and a graceful close.
func serveHTTP1(c net.Conn, respond func(n int, req *http.Request) bool) {
	br := bufio.NewReader(c)
	for n := 1; ; n++ {
		req, err := readRequest(br)
		if err == errMalformed {
			replyBadRequestAndClose(c)
			return
		}
		if err != nil {
			return
		}
		if !respond(n, req) {
			return
		}
	}
}

// replyBadRequestAndClose answers 400 and closes gracefully: it half-closes
// its side and drains what the client still sends, so that the client reads
// the 400 instead of a reset caused by unread bytes.
func replyBadRequestAndClose(c net.Conn) {
	if _, err := c.Write(badRequestResponse()); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, c)
}

// keepAlive reports whether the client allows the connection to stay open.
func keepAlive(req *http.Request) bool {
	return !req.Close
}

// fixedHandler answers every request with the same response, keep-alive.
func fixedHandler(render func() []byte) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		serveHTTP1(c, func(_ int, req *http.Request) bool {
			if _, err := c.Write(render()); err != nil {
				return false
			}
			return keepAlive(req)
		})
	}
}

func handleOK(c *net.TCPConn) {
	fixedHandler(okResponse)(c)
}

func handleStatus503(c *net.TCPConn) {
	fixedHandler(func() []byte {
		return response("503 Service Temporarily Unavailable",
			[]string{"Server: nginx", "Content-Type: text/html", "Connection: keep-alive"}, nginx503Body)
	})(c)
}

func handleIntermediary502(c *net.TCPConn) {
	fixedHandler(func() []byte {
		// Header order and values as an AWS ALB sends them.
		var b strings.Builder
		b.WriteString("HTTP/1.1 502 Bad Gateway\r\nServer: awselb/2.0\r\nDate: ")
		b.WriteString(time.Now().UTC().Format(http.TimeFormat))
		b.WriteString("\r\nContent-Type: text/html\r\nContent-Length: ")
		b.WriteString(strconv.Itoa(len(elb502Body)))
		b.WriteString("\r\nConnection: keep-alive\r\n\r\n")
		b.WriteString(elb502Body)
		return []byte(b.String())
	})(c)
}

// handleHeaderTimeout reads one request and never answers. It holds the
// connection until the client closes it or the Set is closed.
func handleHeaderTimeout(c *net.TCPConn) {
	br := bufio.NewReader(c)
	if _, err := readRequest(br); err != nil {
		return
	}
	io.Copy(io.Discard, br)
}

// handleResetBeforeResponse reads one request and resets the connection.
func handleResetBeforeResponse(c *net.TCPConn) {
	br := bufio.NewReader(c)
	if _, err := readRequest(br); err != nil {
		return
	}
	c.SetLinger(0)
	c.Close()
}

// handleIdleClose answers the first request on a connection with keep-alive
// and closes (FIN, no answer) on any later one after reading it fully.
func handleIdleClose(c *net.TCPConn) {
	serveHTTP1(c, func(n int, req *http.Request) bool {
		if n > 1 {
			return false // plain close: the deferred Close sends FIN
		}
		if _, err := c.Write(okResponse()); err != nil {
			return false
		}
		return keepAlive(req)
	})
}

// handleResetMidBody reads one request, sends the headers of a 200 with
// Content-Length 65536 and the first 1 KiB of the body, then resets.
func handleResetMidBody(c *net.TCPConn) {
	br := bufio.NewReader(c)
	if _, err := readRequest(br); err != nil {
		return
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nDate: ")
	b.WriteString(time.Now().UTC().Format(http.TimeFormat))
	b.WriteString("\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(midBodyDeclared))
	b.WriteString("\r\n\r\n")
	b.WriteString(strings.Repeat("x", midBodySent))
	if _, err := c.Write([]byte(b.String())); err != nil {
		return
	}
	c.SetLinger(0)
	c.Close()
}

// tlsHandler serves the OK upstream over TLS with cfg. The upstreams that use
// it present certificates the client rejects, so the handshake normally fails
// and the connection is closed.
func tlsHandler(cfg *tls.Config) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		tc := tls.Server(c, cfg)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			return
		}
		tc.SetDeadline(time.Time{})
		serveHTTP1(tc, func(_ int, req *http.Request) bool {
			if _, err := tc.Write(okResponse()); err != nil {
				return false
			}
			return keepAlive(req)
		})
	}
}
