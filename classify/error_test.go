package classify_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// realErrors are failures produced for real on loopback by the fixtures,
// with the phase the capture would see them in and the expected class.
var realErrors = []struct {
	name  string
	make  func(testing.TB) error
	phase classify.Phase
	want  want
}{
	{"refused", errRefused, pConnect, wRefused},
	{"connect_timeout", errConnectTimeout, pConnect, wConnectTimeout},
	// The request deadline (Tyk's enforced timeout) expiring while dialing: net/http
	// returns the context's error, not the dialer's.
	{"connect_deadline", errConnectDeadline, pConnect, wDeadline.at(pConnect)},
	{"header_timeout", errHeaderTimeout, pHeaders, wHeaderTimeout},
	{"reset_before_response", errResetBeforeResponse, pHeaders, wResetBefore},
	{"closed_before_response", errClosedBeforeResponse, pHeaders, wClosedBefore},
	{"idle_closed", errIdleClosed, pHeaders, wIdleClosed},
	{"idle_closed_during_write", errIdleClosed, pWrite, wIdleClosed.at(pWrite)},
	{"malformed_response", errMalformedResponse, pHeaders, wMalformed},
	{"malformed_status", errMalformedStatus, pHeaders, wMalformed},
	{"headers_incomplete", errHeadersIncomplete, pHeaders, wHeadersPartial},
	{"headers_too_large", errHeadersTooLarge, pHeaders, wHeadersLarge},
	{"body_truncated", errBodyTruncated, pBody, wBodyPartial},
	{"reset_mid_body", errResetMidBody, pBody, wResetBody},
	{"chunked", errChunked, pBody, wChunked},
	{"broken_pipe", errBrokenPipe, pWrite, wBrokenPipe},
	{"reset_during_write", errResetDuringWrite, pWrite, want{"URR", "connection_terminated", "connection_reset_during_request", pWrite, sUpstream, false}},
	{"canceled", errCanceled, pHeaders, wCanceled},
	{"deadline", errDeadline, pHeaders, wDeadline},
	{"deadline_mid_body", errDeadlineMidBody, pBody, wDeadline.at(pBody)},
	{"read_timeout_headers", errReadTimeout, pHeaders, wHeaderTimeout},
	{"read_timeout_body", errReadTimeout, pBody, want{"URT", "connection_read_timeout", "response_body_timeout", pBody, sGateway, true}},
	{"read_timeout_tls", errReadTimeout, pTLS, wTLSTimeout},
	{"read_timeout_unknown", errReadTimeout, pUnknown, want{"URT", "http_response_timeout", "request_timeout", pUnknown, sGateway, true}},
	{"tls_expired", errTLSExpired, pTLS, wExpired},
	{"tls_not_yet_valid", errTLSNotYetValid, pTLS, wNotYetValid},
	{"tls_wrong_host_ip", errTLSWrongHost, pTLS, wWrongHost},
	{"tls_wrong_host_name", errTLSWrongHostName, pTLS, wWrongHost},
	{"tls_unknown_authority", errTLSUnknownAuthority, pTLS, wUnknownCA},
	{"tls_to_plain", errTLSToPlain, pTLS, wTLSToPlain},
	{"tls_handshake_timeout", errTLSHandshakeTimeout, pTLS, wTLSTimeout},
	{"tls_closed", errTLSClosedDuringHandshake, pTLS, wTLSClosed},
	{"tls_version", errTLSProtocolVersion, pTLS, wTLSVersion},
	{"tls_handshake_failure", errTLSHandshakeFailure, pTLS, wTLSHandshake},
	// TLS 1.3: the client's handshake is done when the server's alert
	// arrives, so the capture sees it waiting for the response headers.
	{"tls_client_cert_required", errTLSClientCertRequired, pHeaders, wTLSClientCert},
	{"dns_nxdomain", errDNSNXDomain, pDNS, wNXDomain},
	{"dns_servfail", errDNSServFail, pDNS, wServFail},
	{"dns_timeout", errDNSTimeout, pDNS, wDNSTimeout},
	{"dns_timeout_dial", errDNSTimeoutDial, pDNS, wDNSTimeout},
	{"h2_stream_reset", errH2StreamReset, pHeaders, wStreamReset},
}

func TestErrorReal(t *testing.T) {
	t.Parallel()
	for _, tt := range realErrors {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.make(t)
			t.Logf("%T %q", err, err.Error())
			check(t, "Error", classify.Error(err, tt.phase), tt.want)
			// The phase the error proves wins over the capture's; where
			// the error proves none, PhaseUnknown stays unknown.
			// And the logged text classifies alike.
			prefix := "http: proxy error: "
			if tt.phase == pBody {
				prefix = "http: proxy error during body copy: "
			}
			checkClass(t, "Message", classify.Message(prefix+err.Error()), messageWant(tt.name, tt.want))
		})
	}
}

// messageWant is what Message gives for the logged text of a real error
// where the text alone says less than the error value and its phase.
func messageWant(name string, w want) want {
	switch name {
	case "tls_closed": // "EOF": the text does not say the handshake was on
		return wClosedBefore
	case "idle_closed_during_write", "read_timeout_headers", "read_timeout_tls", "read_timeout_unknown":
		// An i/o timeout outside connect, without a phase, is Tyk's
		// request_timeout.
		if name != "idle_closed_during_write" {
			return want{"URT", "http_response_timeout", "request_timeout", pUnknown, sGateway, true}
		}
	}
	return w
}

// panicky is a broken error whose methods panic.
type panicky struct{}

func (panicky) Error() string { panic("broken") }
func (panicky) Unwrap() error { panic("broken") }

// opErr builds the *net.OpError net returns for a failed syscall, for the
// errnos that cannot be provoked on loopback.
func opErr(op, syscallName string, errno syscall.Errno) error {
	return &net.OpError{
		Op:     op,
		Net:    "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000},
		Addr:   &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 80},
		Err:    os.NewSyscallError(syscallName, errno),
	}
}

func TestErrorSynthetic(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		phase classify.Phase
		want  want
	}{
		{"nil", nil, pConnect, want{}},
		{"ehostunreach", opErr("dial", "connect", syscall.EHOSTUNREACH), pUnknown, want{"NRH", "destination_ip_unroutable", "host_unreachable", pConnect, sNetwork, false}},
		{"enetunreach", opErr("dial", "connect", syscall.ENETUNREACH), pUnknown, want{"NRH", "destination_ip_unroutable", "network_unreachable", pConnect, sNetwork, false}},
		{"etimedout_connect", opErr("dial", "connect", syscall.ETIMEDOUT), pConnect, wConnectTimeout},
		{"etimedout_read", opErr("read", "read", syscall.ETIMEDOUT), pBody, want{"UCT", "http_response_incomplete", "connection_timeout", pBody, sNetwork, true}},
		{"econnaborted", opErr("read", "read", syscall.ECONNABORTED), pHeaders, want{"CAB", "connection_terminated", "connection_aborted", pHeaders, sNetwork, false}},
		{"enetreset", opErr("read", "read", syscall.ENETRESET), pHeaders, want{"NRS", "connection_terminated", "network_reset", pHeaders, sNetwork, false}},
		{"eaddrnotavail", opErr("dial", "connect", syscall.EADDRNOTAVAIL), pConnect, want{"UCF", "proxy_internal_error", "local_address_unavailable", pConnect, sGateway, false}},
		{"emfile", opErr("dial", "socket", syscall.EMFILE), pConnect, want{"UCF", "proxy_internal_error", "file_descriptors_exhausted", pConnect, sGateway, false}},
		{"eacces", opErr("dial", "connect", syscall.EACCES), pConnect, want{"UCF", "destination_ip_prohibited", "connection_not_permitted", pConnect, sNetwork, false}},
		{"eacces_not_dial", opErr("read", "read", syscall.EACCES), pBody, wUnknown.at(pBody)},
		{"econnreset_tls", opErr("read", "read", syscall.ECONNRESET), pTLS, want{"URR", "connection_terminated", "connection_reset_during_tls_handshake", pTLS, sUpstream, false}},
		{"econnreset_unknown", opErr("read", "read", syscall.ECONNRESET), pUnknown, want{"URR", "connection_terminated", "connection_reset", pUnknown, sUpstream, false}},
		{"econnreset_write", opErr("write", "write", syscall.ECONNRESET), pUnknown, want{"URR", "connection_terminated", "connection_reset_during_request", pWrite, sUpstream, false}},
		{"bare_errno", syscall.ECONNREFUSED, pUnknown, wRefused},
		{"system_roots", &tls.CertificateVerificationError{Err: x509.SystemRootsError{}}, pTLS, want{"TLC", "tls_certificate_error", "tls_system_roots_unavailable", pTLS, sGateway, false}},
		{"incompatible_usage", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.IncompatibleUsage}}, pTLS, want{"TLI", "tls_certificate_error", "tls_certificate_invalid", pTLS, sUpstream, false}},
		{"cert_verify_other", &tls.CertificateVerificationError{Err: errors.New("some verifier said no")}, pTLS, want{"TLI", "tls_certificate_error", "tls_certificate_invalid", pTLS, sUpstream, false}},
		{"alert_error", tls.AlertError(40), pTLS, want{"TLA", "tls_protocol_error", "tls_alert_error", pTLS, sUpstream, false}},
		{"dns_other", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "dial udp 127.0.0.53:53: connect: connection refused", Name: "h", Server: "127.0.0.53:53"}}, pConnect, want{"DNS", "dns_error", "dns_resolution_failed", pDNS, sDNS, false}},
		{"deadline_connect", context.DeadlineExceeded, pConnect, wDeadline.at(pConnect)},
		{"deadline_dns", context.DeadlineExceeded, pDNS, wDeadline.at(pDNS)},
		{"deadline_unknown", context.DeadlineExceeded, pUnknown, wDeadline.at(pUnknown)},
		{"canceled_body", context.Canceled, pBody, wCanceled.at(pBody)},
		{"url_error", &url.Error{Op: "Get", URL: "http://h/", Err: io.EOF}, pHeaders, wClosedBefore},
		{"eof_body", io.EOF, pBody, wBodyPartial},
		{"eof_unknown", io.EOF, pUnknown, wClosedBefore.at(pUnknown)},
		{"unexpected_eof_headers", io.ErrUnexpectedEOF, pHeaders, wHeadersPartial},
		{"unexpected_eof_tls", io.ErrUnexpectedEOF, pTLS, wTLSClosed},
		{"unexpected_eof_unknown", io.ErrUnexpectedEOF, pUnknown, wBodyPartial.at(pUnknown)},
		{"wrapped_unexpected_eof", fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", io.ErrUnexpectedEOF), pUnknown, wHeadersPartial},
		{"wrapped_reset", fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", opErr("read", "read", syscall.ECONNRESET)), pUnknown, wResetBefore},
		{"custom_wrapped_eof", fmt.Errorf("my round tripper: %w", io.EOF), pHeaders, wClosedBefore},
		{"joined", errors.Join(io.ErrUnexpectedEOF, errors.New("other")), pBody, wBodyPartial},
		{"unknown", errors.New("mock: not an upstream error"), pHeaders, wUnknown.at(pHeaders)},
		{"phase_out_of_range", io.EOF, classify.Phase(200), wClosedBefore.at(pUnknown)},
		{"typed_nil_url_error", (*url.Error)(nil), pHeaders, wUnknown.at(pHeaders)},
		{"typed_nil_op_error", (*net.OpError)(nil), pUnknown, wUnknown},
		{"op_error_nil_err", &net.OpError{Op: "read", Net: "tcp"}, pBody, wUnknown.at(pBody)},
		{"panicking_error", panicky{}, pUnknown, wUnknown},
	}
	for _, tt := range tests {
		check(t, tt.name, classify.Error(tt.err, tt.phase), tt.want)
	}
}

// Error(err, PhaseUnknown) and Message(err.Error()) agree for every real
// error, bare and as http.Client wraps it in a *url.Error.
func TestErrorMessageAgree(t *testing.T) {
	t.Parallel()
	for _, tt := range realErrors {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.make(t)
			for _, e := range []error{err, &url.Error{Op: "Post", URL: `http://h/a "quoted" path`, Err: err}} {
				byErr := classify.Error(e, pUnknown)
				byMsg := classify.Message(e.Error())
				if byErr != byMsg {
					t.Errorf("%q:\n Error   %s\n Message %s", e.Error(), show(byErr), show(byMsg))
				}
			}
		})
	}
}
