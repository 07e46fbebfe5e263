package classify_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// TestRealUpstreams sends real requests to the shared failing upstreams of
// package internal/upstreams through the transport Tyk uses, and checks that
// Error (with the phase a capture would see) and Message (on the line Tyk
// logs) classify each failure alike.
func TestRealUpstreams(t *testing.T) {
	t.Parallel()
	s, err := upstreams.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	// Only the two timeout cases have short timeouts: a loaded machine must
	// not turn a DNS or TLS case into a timeout.
	newTransport := func(t *testing.T) *upstreams.ByHost {
		tr := s.Transports(300*time.Millisecond, 500*time.Millisecond, s.Transport)
		t.Cleanup(tr.CloseIdleConnections)
		return tr
	}
	roundTrip := func(t *testing.T, tr http.RoundTripper, method, url string) (*http.Response, error) {
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader("payload")
		}
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			t.Fatal(err)
		}
		return tr.RoundTrip(req)
	}

	failures := []struct {
		name  string
		url   string
		phase classify.Phase
		want  want
	}{
		{"Refused", s.Refused, pConnect, wRefused},
		{"ConnectTimeout", s.ConnectTimeout, pConnect, wConnectTimeout},
		{"HeaderTimeout", s.HeaderTimeout, pHeaders, wHeaderTimeout},
		{"ResetBeforeResponse", s.ResetBeforeResponse, pHeaders, wResetBefore},
		{"TLSUnknownAuthority", s.TLSUnknownAuthority, pTLS, wUnknownCA},
		{"TLSExpired", s.TLSExpired, pTLS, wExpired},
		{"TLSWrongHost", s.TLSWrongHost, pTLS, wWrongHost},
		{"TLSToPlain", s.TLSToPlain, pTLS, wTLSToPlain},
		{"DNSNXDomain", s.DNSNXDomain, pDNS, wNXDomain},
		{"DNSServFail", s.DNSServFail, pDNS, wServFail},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := roundTrip(t, newTransport(t), http.MethodGet, tt.url)
			if err == nil {
				res.Body.Close()
				t.Fatalf("GET %s: %s, want an error", tt.url, res.Status)
			}
			t.Logf("%q", err.Error())
			check(t, "Error", classify.Error(err, tt.phase), tt.want)
			checkClass(t, "Message", classify.Message("http: proxy error: "+err.Error()), tt.want)
		})
	}

	t.Run("IdleClose", func(t *testing.T) {
		t.Parallel()
		tr := newTransport(t)
		res, err := roundTrip(t, tr, http.MethodGet, s.IdleClose)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		res, err = roundTrip(t, tr, http.MethodPost, s.IdleClose) // on the kept-alive connection
		if err == nil {
			res.Body.Close()
			t.Fatalf("POST: %s, want an error", res.Status)
		}
		t.Logf("%q", err.Error())
		check(t, "Error", classify.Error(err, pHeaders), wClosedBefore)
		checkClass(t, "Message", classify.Message("http: proxy error: "+err.Error()), wClosedBefore)
	})

	t.Run("ResetMidBody", func(t *testing.T) {
		t.Parallel()
		res, err := roundTrip(t, newTransport(t), http.MethodGet, s.ResetMidBody)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if r := classify.Response(res.StatusCode, res.Header); r != (classify.Result{}) {
			t.Errorf("Response(%d) = %s, want the zero Result", res.StatusCode, show(r))
		}
		_, err = io.Copy(io.Discard, res.Body)
		if err == nil {
			t.Fatal("body read without error")
		}
		t.Logf("%q", err.Error())
		check(t, "Error", classify.Error(err, pBody), wResetBody)
		check(t, "Message", classify.Message("http: proxy error during body copy: "+err.Error()), wResetBody)
	})

	responses := []struct {
		name string
		url  string
		want classify.Result
	}{
		{"Status503", s.Status503, classify.Result{Flag: "URS", Detail: "upstream_response_5xx", Phase: pHeaders, Source: sUpstream}},
		{"Intermediary502", s.Intermediary502, classify.Result{Flag: "URS", Detail: "intermediary_response_5xx", Phase: pHeaders, Source: sInter, Intermediary: "aws_elb"}},
		{"OK", s.OK, classify.Result{}},
		{"DNSOK", s.DNSOK, classify.Result{}},
	}
	for _, tt := range responses {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := roundTrip(t, newTransport(t), http.MethodGet, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if got := classify.Response(res.StatusCode, res.Header); got != tt.want {
				t.Errorf("Response(%d, %v):\n got  %s\n want %s", res.StatusCode, res.Header, show(got), show(tt.want))
			}
		})
	}
}
