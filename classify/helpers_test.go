package classify_test

import (
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// want is an expected Result, written compactly in the tables.
type want struct {
	flag, typ, detail string
	phase             classify.Phase
	src               classify.Source
	timeout           bool
}

func (w want) result() classify.Result {
	return classify.Result{Flag: w.flag, Type: w.typ, Detail: w.detail, Phase: w.phase, Source: w.src, Timeout: w.timeout}
}

// check compares every field of got with w (Intermediary must be empty).
func check(t testing.TB, what string, got classify.Result, w want) {
	t.Helper()
	if exp := w.result(); got != exp {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(exp))
	}
}

// checkClass compares Flag, Type and Detail only.
func checkClass(t testing.TB, what string, got classify.Result, w want) {
	t.Helper()
	if got.Flag != w.flag || got.Type != w.typ || got.Detail != w.detail {
		t.Errorf("%s:\n got  %s\n want flag=%s type=%s detail=%s", what, show(got), w.flag, w.typ, w.detail)
	}
}

func show(r classify.Result) string {
	s := "flag=" + r.Flag + " type=" + r.Type + " detail=" + r.Detail + " phase=" + r.Phase.String() + " source=" + r.Source.String()
	if r.Timeout {
		s += " timeout"
	}
	if r.Intermediary != "" {
		s += " intermediary=" + r.Intermediary
	}
	return s
}

// Short names for the tables.
const (
	pUnknown = classify.PhaseUnknown
	pDNS     = classify.PhaseDNS
	pConnect = classify.PhaseConnect
	pTLS     = classify.PhaseTLS
	pWrite   = classify.PhaseRequestWrite
	pHeaders = classify.PhaseResponseHeaders
	pBody    = classify.PhaseResponseBody

	sUnknown  = classify.SourceUnknown
	sUpstream = classify.SourceUpstream
	sInter    = classify.SourceIntermediary
	sNetwork  = classify.SourceNetwork
	sDNS      = classify.SourceDNS
	sGateway  = classify.SourceGateway
	sClient   = classify.SourceClient
)

// Expected classes, shared by the tests.
var (
	wRefused        = want{"UCF", "connection_refused", "connection_refused", pConnect, sUpstream, false}
	wConnectTimeout = want{"UCT", "connection_timeout", "connection_timeout", pConnect, sNetwork, true}
	wHeaderTimeout  = want{"URT", "http_response_timeout", "response_headers_timeout", pHeaders, sGateway, true}
	wTLSTimeout     = want{"TLH", "connection_read_timeout", "tls_handshake_timeout", pTLS, sGateway, true}
	wResetBefore    = want{"URR", "connection_terminated", "connection_reset_before_response", pHeaders, sUpstream, false}
	wResetBody      = want{"URR", "http_response_incomplete", "connection_reset_during_body", pBody, sUpstream, false}
	wClosedBefore   = want{"UCC", "connection_terminated", "connection_closed_before_response", pHeaders, sUpstream, false}
	wIdleClosed     = want{"UCC", "connection_terminated", "idle_connection_closed_by_upstream", pHeaders, sUpstream, false}
	wHeadersPartial = want{"UCC", "http_response_incomplete", "response_headers_incomplete", pHeaders, sUpstream, false}
	wBodyPartial    = want{"UCC", "http_response_incomplete", "response_body_incomplete", pBody, sUpstream, false}
	wMalformed      = want{"UPE", "http_protocol_error", "malformed_response", pHeaders, sUpstream, false}
	wHeadersLarge   = want{"UPE", "http_response_header_section_size", "response_headers_too_large", pHeaders, sUpstream, false}
	wChunked        = want{"UPE", "http_response_transfer_coding", "malformed_transfer_encoding", pBody, sUpstream, false}
	wBrokenPipe     = want{"EPI", "connection_terminated", "broken_pipe", pWrite, sUpstream, false}
	wCanceled       = want{"CDC", "", "client_disconnected", pHeaders, sClient, false}
	wDeadline       = want{"URT", "http_response_timeout", "context_deadline_exceeded", pHeaders, sGateway, true}
	wExpired        = want{"TLE", "tls_certificate_error", "tls_certificate_expired", pTLS, sUpstream, false}
	wNotYetValid    = want{"TLE", "tls_certificate_error", "tls_certificate_not_yet_valid", pTLS, sUpstream, false}
	wWrongHost      = want{"TLM", "tls_certificate_error", "tls_hostname_mismatch", pTLS, sUpstream, false}
	wUnknownCA      = want{"TLN", "tls_certificate_error", "tls_unknown_authority", pTLS, sUpstream, false}
	wTLSToPlain     = want{"TLP", "tls_protocol_error", "tls_protocol_error", pTLS, sUpstream, false}
	wTLSClosed      = want{"UCC", "connection_terminated", "connection_closed_during_tls_handshake", pTLS, sUpstream, false}
	wTLSVersion     = want{"TLP", "tls_alert_received", "tls_protocol_version_error", pTLS, sUpstream, false}
	wTLSHandshake   = want{"TLH", "tls_alert_received", "tls_handshake_failure", pTLS, sUpstream, false}
	wTLSClientCert  = want{"TLH", "tls_alert_received", "tls_client_certificate_required", pTLS, sUpstream, false}
	wNXDomain       = want{"DNS", "dns_error", "dns_not_found", pDNS, sDNS, false}
	wServFail       = want{"DNS", "dns_error", "dns_server_failure", pDNS, sDNS, false}
	wDNSTimeout     = want{"DNS", "dns_timeout", "dns_timeout", pDNS, sDNS, true}
	wStreamReset    = want{"URR", "connection_terminated", "stream_reset_by_upstream", pHeaders, sUpstream, false}
	wUnknown        = want{"UPE", "", "upstream_error", pUnknown, sUnknown, false}
)

// at returns w with another phase.
func (w want) at(p classify.Phase) want { w.phase = p; return w }
