package classify_test

import (
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// TestTykGetsWrong covers, with real errors, every case Tyk 5.12's
// ClassifyUpstreamError (internal/errors/classifier.go) was measured to get
// wrong. tyk is what Tyk 5.12 logs for the same error.
func TestTykGetsWrong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		make  func(testing.TB) error
		phase classify.Phase
		tyk   string
		want  want
	}{
		// Tyk: the dial error is a net.Error, and with a context-driven
		// dial it is also errors.Is(context.DeadlineExceeded).
		{"connect_timeout", errConnectTimeout, pConnect, "URT context_deadline_exceeded (or request_timeout)", wConnectTimeout},
		// Tyk: any net.Error is URT request_timeout.
		{"tls_handshake_timeout", errTLSHandshakeTimeout, pTLS, "URT request_timeout", wTLSTimeout},
		// Tyk: net/http's timeoutError Is(context.DeadlineExceeded).
		{"response_header_timeout", errHeaderTimeout, pHeaders, "URT context_deadline_exceeded", wHeaderTimeout},
		// Tyk: no type, no string pattern: the fallback.
		{"eof_before_response", errClosedBeforeResponse, pHeaders, "UPE upstream_error", wClosedBefore},
		{"server_closed_idle_connection", errIdleClosed, pHeaders, "UPE upstream_error", wIdleClosed},
		{"unexpected_eof_in_headers", errHeadersIncomplete, pHeaders, "UPE upstream_error", wHeadersPartial},
		{"unexpected_eof_in_body", errBodyTruncated, pBody, "(not classified: body errors are only logged)", wBodyPartial},
		{"malformed_http_response", errMalformedResponse, pHeaders, "UPE upstream_error", wMalformed},
		{"malformed_http_status_code", errMalformedStatus, pHeaders, "UPE upstream_error", wMalformed},
		{"tls_closed_during_handshake", errTLSClosedDuringHandshake, pTLS, "UPE upstream_error", wTLSClosed},
		// Less wrong than imprecise: Tyk has a class, but not this one.
		{"tls_not_yet_valid", errTLSNotYetValid, pTLS, "TLE tls_certificate_expired", wNotYetValid},
		{"dns_servfail", errDNSServFail, pDNS, "DNS dns_resolution_failed", wServFail},
		{"reset_before_response", errResetBeforeResponse, pHeaders, "URR connection_reset", wResetBefore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.make(t)
			got := classify.Error(err, tt.phase)
			check(t, "Error (Tyk 5.12: "+tt.tyk+")", got, tt.want)
			prefix := "http: proxy error: "
			if tt.phase == pBody {
				prefix = "http: proxy error during body copy: "
			}
			msgWant := tt.want
			if tt.name == "tls_closed_during_handshake" {
				msgWant = wClosedBefore // "EOF" alone does not say the handshake was on
			}
			checkClass(t, "Message (Tyk 5.12: "+tt.tyk+")", classify.Message(prefix+err.Error()), msgWant)
		})
	}
}
