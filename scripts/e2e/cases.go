package main

import (
	"net/http"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// Upstream case names, as in internal/testhost (main.go).
const (
	CaseOK                  = "ok"
	CaseRefused             = "refused"
	CaseConnectTimeout      = "connect_timeout"
	CaseHeaderTimeout       = "header_timeout"
	CaseResetBeforeResponse = "reset_before_response"
	CaseIdleClose           = "idle_close"
	CaseTLSUnknownAuthority = "tls_unknown_authority"
	CaseTLSExpired          = "tls_expired"
	CaseTLSWrongHost        = "tls_wrong_host"
	CaseTLSToPlain          = "tls_to_plain"
	CaseDNSNXDomain         = "dns_nxdomain"
	CaseDNSServFail         = "dns_servfail"
	CaseDNSOK               = "dns_ok"
	CaseStatus503           = "status_503"
	CaseIntermediary502     = "intermediary_502"
	CaseResetMidBody        = "reset_mid_body"
)

// caseURLs maps the case names to the upstreams of s, like
// internal/testhost.CaseURLs.
func caseURLs(s *upstreams.Set) map[string]string {
	m := map[string]string{
		CaseOK:                  s.OK,
		CaseRefused:             s.Refused,
		CaseConnectTimeout:      s.ConnectTimeout,
		CaseHeaderTimeout:       s.HeaderTimeout,
		CaseResetBeforeResponse: s.ResetBeforeResponse,
		CaseIdleClose:           s.IdleClose,
		CaseTLSUnknownAuthority: s.TLSUnknownAuthority,
		CaseTLSExpired:          s.TLSExpired,
		CaseTLSWrongHost:        s.TLSWrongHost,
		CaseTLSToPlain:          s.TLSToPlain,
		CaseDNSNXDomain:         s.DNSNXDomain,
		CaseDNSServFail:         s.DNSServFail,
		CaseDNSOK:               s.DNSOK,
		CaseStatus503:           s.Status503,
		CaseIntermediary502:     s.Intermediary502,
		CaseResetMidBody:        s.ResetMidBody,
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// demoCase is one request of the demo (internal/testhost/demo.go DemoCases).
type demoCase struct {
	Title  string
	Case   string
	Method string        // default GET
	Cancel time.Duration // the client gives up after this long (0: never)
	Warm   bool          // first a GET on the same upstream leaves a kept-alive connection
}

// demoCases are internal/testhost's DemoCases, in order
// (expect_test.go checks that they agree).
var demoCases = []demoCase{
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

// want is what one request's access-log entry and analytics record must say
// (the want type of internal/testhost/cases_test.go).
type want struct {
	status int
	ok     bool // a success: no error field at all, no upstream tag

	flag, typ, detail, phase, source string // upstream_flag … upstream_error_source; typ "" means absent
	noError                          bool   // no "error" field is required (an upstream that answered 5xx)
	intermediary                     string // upstream_intermediary, "" means absent
}

// caseWant, wantPostIdleClose and wantClientGone are the values of
// internal/testhost/cases_test.go (expect_test.go checks that they agree).
var caseWant = map[string]want{
	CaseOK:        {status: 200, ok: true},
	CaseDNSOK:     {status: 200, ok: true},
	CaseIdleClose: {status: 200, ok: true},

	CaseRefused:             {status: 500, flag: "UCF", typ: "connection_refused", detail: "connection_refused", phase: "connect", source: "upstream"},
	CaseConnectTimeout:      {status: 500, flag: "UCT", typ: "connection_timeout", detail: "connection_timeout", phase: "connect", source: "network"},
	CaseHeaderTimeout:       {status: 504, flag: "URT", typ: "http_response_timeout", detail: "response_headers_timeout", phase: "response_headers", source: "gateway"},
	CaseResetBeforeResponse: {status: 500, flag: "URR", typ: "connection_terminated", detail: "connection_reset_before_response", phase: "response_headers", source: "upstream"},
	CaseTLSUnknownAuthority: {status: 500, flag: "TLN", typ: "tls_certificate_error", detail: "tls_unknown_authority", phase: "tls", source: "upstream"},
	CaseTLSExpired:          {status: 500, flag: "TLE", typ: "tls_certificate_error", detail: "tls_certificate_expired", phase: "tls", source: "upstream"},
	CaseTLSWrongHost:        {status: 500, flag: "TLM", typ: "tls_certificate_error", detail: "tls_hostname_mismatch", phase: "tls", source: "upstream"},
	CaseTLSToPlain:          {status: 500, flag: "TLP", typ: "tls_protocol_error", detail: "tls_protocol_error", phase: "tls", source: "upstream"},
	CaseDNSNXDomain:         {status: 500, flag: "DNS", typ: "dns_error", detail: "dns_not_found", phase: "dns", source: "dns"},
	CaseDNSServFail:         {status: 500, flag: "DNS", typ: "dns_error", detail: "dns_server_failure", phase: "dns", source: "dns"},
	CaseStatus503:           {status: 503, flag: "URS", detail: "upstream_response_5xx", phase: "response_headers", source: "upstream", noError: true},
	CaseIntermediary502:     {status: 502, flag: "URS", detail: "intermediary_response_5xx", phase: "response_headers", source: "intermediary", noError: true, intermediary: "aws_elb"},
	CaseResetMidBody:        {status: 200, flag: "URR", typ: "http_response_incomplete", detail: "connection_reset_during_body", phase: "response_body", source: "upstream"},
}

var wantPostIdleClose = want{status: 500, flag: "UCC", typ: "connection_terminated", detail: "idle_connection_closed_by_upstream", phase: "response_headers", source: "upstream"}

var wantClientGone = want{status: 499, flag: "CDC", detail: "client_disconnected", phase: "response_headers", source: "client"}

// gatewaySays is what a gateway that classifies failures itself (Tyk 5.12
// and later) writes into the access-log entry.
type gatewaySays struct {
	flag    string // response_flag
	details string // response_code_details; alternatives a|b
	source  string // error_source
}

// tyk512Says is what Tyk 5.12 says for each demo request (requestKey), as
// internal/testhost/cases_test.go's TestTyk512KeepsGatewayClassification
// and the README's "Tyk 5.12 says" column have it (expect_test.go checks the
// former); the plugin must leave it as it is. A request missing here is one
// the gateway does not classify (an error during the body copy): there the
// plugin's compat keys carry its own values, as on 5.8.
var tyk512Says = map[string]gatewaySays{
	CaseRefused: {"UCF", "connection_refused", "ReverseProxy"},
	// context_deadline_exceeded or request_timeout, depending on whether the
	// dial context or the socket deadline fired first.
	CaseConnectTimeout:      {"URT", "context_deadline_exceeded|request_timeout", "ReverseProxy"},
	CaseHeaderTimeout:       {"URT", "context_deadline_exceeded", "ReverseProxy"},
	CaseResetBeforeResponse: {"URR", "connection_reset", "ReverseProxy"},
	keyPostIdleClose:        {"UPE", "upstream_error", "ReverseProxy"},
	CaseTLSUnknownAuthority: {"TLN", "tls_unknown_authority", "ReverseProxy"},
	CaseTLSExpired:          {"TLE", "tls_certificate_expired", "ReverseProxy"},
	CaseTLSWrongHost:        {"TLM", "tls_hostname_mismatch", "ReverseProxy"},
	CaseTLSToPlain:          {"TLP", "tls_protocol_error", "ReverseProxy"},
	CaseDNSNXDomain:         {"DNS", "dns_not_found", "ReverseProxy"},
	CaseDNSServFail:         {"DNS", "dns_resolution_failed", "ReverseProxy"},
	CaseStatus503:           {"URS", "upstream_response_5xx", "Upstream"},
	CaseIntermediary502:     {"URS", "upstream_response_5xx", "Upstream"},
	keyClientGone:           {"CDC", "client_disconnected", "ReverseProxy"},
}

// Request keys of the two demo requests whose case alone does not say what
// they produce.
const (
	keyPostIdleClose = CaseIdleClose + "/POST"
	keyClientGone    = "client_gone"
)

// requestKey names what the request of dc produces: its case, or one of
// the keys above.
func requestKey(dc demoCase) string {
	switch {
	case dc.Cancel > 0:
		return keyClientGone
	case dc.Case == CaseIdleClose && dc.Method == http.MethodPost:
		return keyPostIdleClose
	}
	return dc.Case
}

// wantFor returns what the request of dc must produce.
func wantFor(dc demoCase) want {
	switch requestKey(dc) {
	case keyClientGone:
		return wantClientGone
	case keyPostIdleClose:
		return wantPostIdleClose
	}
	return caseWant[dc.Case]
}

// errorKeys are the fields the plugin writes into a failed request's entry
// (internal/testhost/main_test.go); a success entry has none of them.
var errorKeys = []string{
	"error", "upstream_flag", "upstream_error_type", "upstream_error_detail",
	"upstream_error_phase", "upstream_error_source", "upstream_intermediary",
	"upstream_target", "upstream_peer", "upstream_attempts",
	"upstream_conn_reused", "upstream_conn_idle_ms", "upstream_dns_ms",
	"upstream_connect_ms", "upstream_tls_ms", "upstream_request_write_ms",
	"upstream_response_headers_ms", "gateway_node",
	"response_flag", "response_code_details", "error_source", "error_target",
	"upstream_status",
}
