// Package cases is test equipment shared by the test host and the
// real-gateway check: the failure cases, what each must be classified as,
// and a loopback-only client.
//
// internal/testhost (the stand-in gateway of `make demo` and the goplugin
// tests) and scripts/e2e (the helper of scripts/e2e.sh, which drives a real
// Tyk gateway) both send the demo's requests and check every access-log
// entry and analytics record against the same expectations, all of them
// defined here once. The package imports nothing of Tyk's and has no build
// tags; it is not part of the plugin.
package cases

import (
	"net/http"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// The case names: one per upstream of an upstreams.Set, used in paths
// (/case/<name>/...) and API names.
const (
	OK                  = "ok"                    // upstreams.Set.OK
	Refused             = "refused"               // upstreams.Set.Refused
	ConnectTimeout      = "connect_timeout"       // upstreams.Set.ConnectTimeout
	HeaderTimeout       = "header_timeout"        // upstreams.Set.HeaderTimeout
	ResetBeforeResponse = "reset_before_response" // upstreams.Set.ResetBeforeResponse
	IdleClose           = "idle_close"            // upstreams.Set.IdleClose
	TLSUnknownAuthority = "tls_unknown_authority" // upstreams.Set.TLSUnknownAuthority
	TLSExpired          = "tls_expired"           // upstreams.Set.TLSExpired
	TLSWrongHost        = "tls_wrong_host"        // upstreams.Set.TLSWrongHost
	TLSToPlain          = "tls_to_plain"          // upstreams.Set.TLSToPlain
	DNSNXDomain         = "dns_nxdomain"          // upstreams.Set.DNSNXDomain
	DNSServFail         = "dns_servfail"          // upstreams.Set.DNSServFail
	DNSOK               = "dns_ok"                // upstreams.Set.DNSOK
	Status503           = "status_503"            // upstreams.Set.Status503
	Intermediary502     = "intermediary_502"      // upstreams.Set.Intermediary502
	ResetMidBody        = "reset_mid_body"        // upstreams.Set.ResetMidBody
)

// URLs maps the case names to the upstreams of s; a case whose upstream s
// does not have is left out.
func URLs(s *upstreams.Set) map[string]string {
	m := map[string]string{
		OK:                  s.OK,
		Refused:             s.Refused,
		ConnectTimeout:      s.ConnectTimeout,
		HeaderTimeout:       s.HeaderTimeout,
		ResetBeforeResponse: s.ResetBeforeResponse,
		IdleClose:           s.IdleClose,
		TLSUnknownAuthority: s.TLSUnknownAuthority,
		TLSExpired:          s.TLSExpired,
		TLSWrongHost:        s.TLSWrongHost,
		TLSToPlain:          s.TLSToPlain,
		DNSNXDomain:         s.DNSNXDomain,
		DNSServFail:         s.DNSServFail,
		DNSOK:               s.DNSOK,
		Status503:           s.Status503,
		Intermediary502:     s.Intermediary502,
		ResetMidBody:        s.ResetMidBody,
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// DemoCase is one request the demo sends through the gateway.
type DemoCase struct {
	Title  string        // what the request shows, as the demo prints it
	Case   string        // upstream case name
	Method string        // default GET
	Cancel time.Duration // the client gives up after this long (0: never)
	Warm   bool          // first send a GET on the same upstream to leave a kept-alive connection
}

// HTTPMethod returns the method of the request: dc.Method, GET if empty.
func (dc DemoCase) HTTPMethod() string {
	if dc.Method == "" {
		return http.MethodGet
	}
	return dc.Method
}

// Demo is the demo's requests, in order: what `make demo` prints and what
// scripts/e2e.sh sends through each API of a real gateway.
var Demo = []DemoCase{
	{Title: "success: the upstream answers 200", Case: OK},
	{Title: "connection refused: nothing listens on the upstream port", Case: Refused},
	{Title: "connect timeout: the upstream never completes the TCP handshake", Case: ConnectTimeout},
	{Title: "response-header timeout: the upstream takes the request and never answers", Case: HeaderTimeout},
	{Title: "reset before response: the upstream resets the connection after reading the request", Case: ResetBeforeResponse},
	{Title: "POST on a kept-alive connection the upstream has closed", Case: IdleClose, Method: http.MethodPost, Warm: true},
	{Title: "TLS: certificate signed by an unknown authority", Case: TLSUnknownAuthority},
	{Title: "TLS: expired certificate", Case: TLSExpired},
	{Title: "TLS: certificate for another host name", Case: TLSWrongHost},
	{Title: "TLS to a plain-HTTP port", Case: TLSToPlain},
	{Title: "DNS: NXDOMAIN", Case: DNSNXDomain},
	{Title: "DNS: SERVFAIL", Case: DNSServFail},
	{Title: "upstream answers 503 (nginx)", Case: Status503},
	{Title: "502 from an intermediary (AWS ELB) in front of the upstream", Case: Intermediary502},
	{Title: "reset mid-body after a 200", Case: ResetMidBody},
	{Title: "client disconnects while the upstream is silent", Case: HeaderTimeout, Cancel: 100 * time.Millisecond},
}

// Request keys of the two demo requests whose case alone does not say what
// they produce; RequestKey returns them.
const (
	KeyPostIdleClose = IdleClose + "/POST" // a POST on the idle-close upstream
	KeyClientGone    = "client_gone"       // a request the client abandons
)

// RequestKey names what the request of dc produces: its case, or
// KeyClientGone or KeyPostIdleClose.
func RequestKey(dc DemoCase) string {
	switch {
	case dc.Cancel > 0:
		return KeyClientGone
	case dc.Case == IdleClose && dc.Method == http.MethodPost:
		return KeyPostIdleClose
	}
	return dc.Case
}
