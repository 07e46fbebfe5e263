package cases

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http2"
)

// LoopbackOnly refuses an address (host:port) whose host is not a loopback
// IP.
func LoopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address", addr)
	}
	return nil
}

// NewClient returns a keep-alive HTTP/1.1 client that dials only loopback
// addresses.
func NewClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := LoopbackOnly(addr); err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// NewH2CClient returns an HTTP/2 client that speaks h2c (HTTP/2 with prior
// knowledge over plain TCP) to loopback addresses only.
func NewH2CClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			if err := LoopbackOnly(addr); err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// Send sends one request with c and reads the whole answer: a POST carries
// a small JSON body; cancel > 0 abandons the request after that long. It
// returns the status (0 if no answer) and the error of the exchange, if any.
func Send(c *http.Client, url, method string, cancel time.Duration) (int, error) {
	status, _, err := SendHeader(c, url, method, cancel)
	return status, err
}

// SendHeader is Send that also returns the response's header (nil if no
// answer), e.g. to read its Proxy-Status.
func SendHeader(c *http.Client, url, method string, cancel time.Duration) (int, http.Header, error) {
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
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header, err
}
