package upstreams

import (
	"net/http"
	"net/url"
	"time"
)

// SafeTimeout is the connect and response-header timeout that Transports
// gives every upstream other than the two timeout cases. It is far above any
// delay a loaded machine causes (a late DNS answer, a slow handshake, a
// handler scheduled late), so that under load no other case turns into a
// timeout, while the timeout cases stay fast.
const SafeTimeout = 30 * time.Second

// ByHost is an http.RoundTripper that sends each request through the
// transport registered for its URL's host ("host:port" as in the URL), or
// through Default. Tyk builds one transport per API, each with the API's
// own timeouts; a test that reaches every upstream through one API gets the
// same per-upstream timeouts with a ByHost. It is safe for concurrent use
// once built.
type ByHost struct {
	Default http.RoundTripper
	Hosts   map[string]http.RoundTripper
}

// RoundTrip sends r through the transport of r.URL.Host.
func (b *ByHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if rt, ok := b.Hosts[r.URL.Host]; ok {
		return rt.RoundTrip(r)
	}
	return b.Default.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of every transport that
// has the method.
func (b *ByHost) CloseIdleConnections() {
	type closer interface{ CloseIdleConnections() }
	for _, rt := range b.Hosts {
		if c, ok := rt.(closer); ok {
			c.CloseIdleConnections()
		}
	}
	if c, ok := b.Default.(closer); ok {
		c.CloseIdleConnections()
	}
}

// Transports returns a ByHost for the Set's upstreams whose transports are
// built by newTransport(connect timeout, response-header timeout): the
// ConnectTimeout upstream gets dialTimeout (and SafeTimeout for headers),
// the HeaderTimeout upstream gets headerTimeout (and SafeTimeout to
// connect), and every other upstream, DNS names included, SafeTimeout for
// both. newTransport is s.Transport or a gateway-shaped equivalent.
func (s *Set) Transports(dialTimeout, headerTimeout time.Duration, newTransport func(dial, header time.Duration) *http.Transport) *ByHost {
	return &ByHost{
		Default: newTransport(SafeTimeout, SafeTimeout),
		Hosts: map[string]http.RoundTripper{
			hostOf(s.ConnectTimeout): newTransport(dialTimeout, SafeTimeout),
			hostOf(s.HeaderTimeout):  newTransport(SafeTimeout, headerTimeout),
		},
	}
}

// hostOf returns the "host:port" of one of the Set's URLs ("" if it does not
// parse).
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}
