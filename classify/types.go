// Package classify turns the failure of one upstream round trip into a
// classification: a response flag in Tyk's (and Envoy's) vocabulary, an RFC
// 9209 Proxy-Status error type, a finer snake_case detail, the phase of the
// round trip in which it happened and who produced it.
//
// Every function in this package is pure: it reads its arguments, allocates
// nothing on the heap for the known classes, and never logs. Capture (which
// phase a round trip reached) lives in package capture; writing the result
// into a log entry lives in package accesslog.
package classify

// Phase is the step of an upstream round trip in which a failure happened,
// in the order a round trip goes through them. The zero value is
// PhaseUnknown.
type Phase uint8

// The phases of one upstream round trip. The names returned by String are the
// values of the access-log field upstream_error_phase.
const (
	PhaseUnknown         Phase = iota // no trace of the round trip: "unknown"
	PhaseDNS                          // resolving the upstream host name: "dns"
	PhaseConnect                      // TCP connect to a resolved address: "connect"
	PhaseTLS                          // TLS handshake with the upstream: "tls"
	PhaseRequestWrite                 // writing request headers and body: "request_write"
	PhaseResponseHeaders              // waiting for the status line and headers: "response_headers"
	PhaseResponseBody                 // reading the body after the headers arrived: "response_body"
)

var phaseNames = [...]string{"unknown", "dns", "connect", "tls", "request_write", "response_headers", "response_body"}

// String returns the phase's snake_case name, e.g. "connect"; an out-of-range
// value returns "unknown".
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Source says who produced a failure. The names returned by String are the
// values of the access-log field upstream_error_source.
type Source uint8

// The producers of a failure.
const (
	SourceUnknown      Source = iota // "unknown"
	SourceUpstream                   // the upstream server itself refused, reset, closed, answered badly or answered 5xx: "upstream"
	SourceIntermediary               // a load balancer or CDN in front of the upstream answered for it (e.g. "Server: awselb/2.0"): "intermediary"
	SourceNetwork                    // nothing answered: timeouts on connect, unreachable routes: "network"
	SourceDNS                        // the resolver: NXDOMAIN, SERVFAIL, resolver timeout: "dns"
	SourceGateway                    // the gateway gave up itself (its response-header timeout, its enforced timeout): "gateway"
	SourceClient                     // the downstream client went away first: "client"
)

var sourceNames = [...]string{"unknown", "upstream", "intermediary", "network", "dns", "gateway", "client"}

// String returns the source's name, e.g. "network"; an out-of-range value
// returns "unknown".
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Result is one classification. The zero value means "not classified"
// (Flag == "").
//
// All string fields are constants of this package, never text taken from the
// error, so a Result can be written to a log without escaping and has a small,
// fixed cardinality.
type Result struct {
	// Flag is the response flag in Tyk 5.12's vocabulary (UCF, UCT, URR, URT,
	// DNS, TLE, TLI, TLM, TLN, TLH, TLP, TLA, TLC, NRH, EPI, CAB, NRS, CDC, URS,
	// UPE …), which follows Envoy's. Codes Tyk has no word for are documented
	// at their constant. Written as response_flag (on gateways that do not
	// write their own) and always as upstream_flag.
	Flag string

	// Type is the RFC 9209 Proxy-Status error type, e.g. "connection_timeout",
	// "dns_error", "tls_certificate_error", "http_response_timeout". Empty
	// when RFC 9209 has no type for the case (an upstream that answered 5xx, a
	// client that disconnected).
	Type string

	// Detail is a finer snake_case reason, e.g. "connect_timeout",
	// "tls_certificate_expired", "idle_connection_closed_by_upstream". Where
	// Tyk 5.12 has a word for the same case, Detail uses Tyk's word.
	Detail string

	// Phase is the phase of the round trip in which the failure happened.
	Phase Phase

	// Source is who produced the failure.
	Source Source

	// Timeout is true when the failure is something that did not happen in
	// time (connect, TLS handshake, response headers, DNS, body read).
	Timeout bool

	// Intermediary names the load balancer or CDN that produced a 5xx
	// response in front of the upstream (one of the Intermediary constants,
	// e.g. "aws_elb"), set by Response together with Source ==
	// SourceIntermediary. Empty otherwise.
	Intermediary string
}
