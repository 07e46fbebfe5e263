package classify_test

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Every input below is an error text produced by a real run (Go 1.26,
// Linux) of net/http, net, crypto/tls or crypto/x509 — most of them by the
// fixtures of this package — or, for errors that cannot be produced on
// loopback (unreachable networks, exhausted ports), the exact text Go gives
// the corresponding *net.OpError.
func TestMessage(t *testing.T) {
	const ws = "                                                                " // padding
	tests := []struct {
		msg  string
		want want
	}{
		// Connect.
		{"http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused", wRefused},
		{"dial tcp 127.0.0.1:41569: connect: connection refused", wRefused},
		{`Get "http://127.0.0.1:1/p": dial tcp 127.0.0.1:1: connect: connection refused`, wRefused},
		{"dial tcp 127.0.0.1:8080: connectex: No connection could be made because the target machine actively refused it.", wRefused},
		{"HTTP: PROXY ERROR: DIAL TCP 127.0.0.1:1: CONNECT: CONNECTION REFUSED", wRefused},
		{"dial tcp 127.0.0.1:9: i/o timeout", wConnectTimeout},
		{"http: proxy error: dial tcp 127.0.0.1:45703: i/o timeout", wConnectTimeout},
		{"dial tcp 192.0.2.1:80: connect: connection timed out", wConnectTimeout},
		{"dial tcp 192.0.2.1:80: connect: no route to host", want{"NRH", "destination_ip_unroutable", "host_unreachable", pConnect, sNetwork, false}},
		{"dial tcp [2001:db8::1]:443: connect: network is unreachable", want{"NRH", "destination_ip_unroutable", "network_unreachable", pConnect, sNetwork, false}},
		{"dial tcp 192.0.2.1:80: connect: permission denied", want{"UCF", "destination_ip_prohibited", "connection_not_permitted", pConnect, sNetwork, false}},
		{"dial tcp 192.0.2.1:80: connect: cannot assign requested address", want{"UCF", "proxy_internal_error", "local_address_unavailable", pConnect, sGateway, false}},
		{"dial tcp 192.0.2.1:80: socket: too many open files", want{"UCF", "proxy_internal_error", "file_descriptors_exhausted", pConnect, sGateway, false}},
		{"dial tcp 127.0.0.1:36477: connect: connection reset by peer", want{"URR", "connection_terminated", "connection_reset", pConnect, sUpstream, false}},

		// DNS.
		{"dial tcp: lookup nxdomain.upstream.test on 127.0.0.1:53: no such host", wNXDomain},
		{"http: proxy error: dial tcp: lookup nxdomain.upstream.test on 10.255.255.53:53: no such host", wNXDomain},
		{"dial tcp: lookup servfail.upstream.test on 10.255.255.53:53: server misbehaving", wServFail},
		{"lookup slow.upstream.test on 10.255.255.53:53: dial udp 127.0.0.1:41988: i/o timeout", wDNSTimeout},
		{"dial tcp: lookup slow.upstream.test: i/o timeout", wDNSTimeout},
		{"dial tcp: lookup api.upstream.test on 127.0.0.53:53: dial udp 127.0.0.53:53: connect: connection refused", want{"DNS", "dns_error", "dns_resolution_failed", pDNS, sDNS, false}},

		// TLS.
		{"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-21T14:58:46Z is after 2026-11-20T14:58:46Z", wExpired},
		{"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-21T14:58:46Z is before 2026-11-22T14:58:46Z", wNotYetValid},
		{"x509: certificate signed by unknown authority", wUnknownCA},
		{"http: proxy error: tls: failed to verify certificate: x509: certificate signed by unknown authority", wUnknownCA},
		{"x509: certificate is valid for wrong-host.example, not 127.0.0.1", wWrongHost},
		{"tls: failed to verify certificate: x509: certificate is valid for wrong-host.example, not api.upstream.test", wWrongHost},
		{"tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs", wWrongHost},
		{"tls: failed to verify certificate: x509: certificate specifies an incompatible key usage", want{"TLI", "tls_certificate_error", "tls_certificate_invalid", pTLS, sUpstream, false}},
		{"x509: failed to load system roots and no roots provided", want{"TLC", "tls_certificate_error", "tls_system_roots_unavailable", pTLS, sGateway, false}},
		{"tls: first record does not look like a TLS handshake", wTLSToPlain},
		{"remote error: tls: handshake failure", wTLSHandshake},
		{"remote error: tls: internal error", wTLSHandshake},
		{"remote error: tls: protocol version not supported", wTLSVersion},
		{"remote error: tls: certificate required", wTLSClientCert},
		{"remote error: tls: bad certificate", want{"TLH", "tls_alert_received", "tls_client_certificate_rejected", pTLS, sUpstream, false}},
		{"remote error: tls: unknown certificate authority", want{"TLA", "tls_alert_received", "tls_client_certificate_rejected", pTLS, sUpstream, false}},
		{"remote error: tls: unrecognized name", want{"TLA", "tls_alert_received", "tls_unrecognized_name", pTLS, sUpstream, false}},
		{"remote error: tls: illegal parameter", want{"TLA", "tls_alert_received", "tls_alert_received", pTLS, sUpstream, false}},
		{"local error: tls: bad record MAC", want{"TLP", "tls_protocol_error", "tls_protocol_error", pTLS, sUpstream, false}},
		{"tls: server selected unsupported protocol version 301", want{"TLP", "tls_protocol_error", "tls_protocol_version_error", pTLS, sUpstream, false}},
		{"net/http: TLS handshake timeout", wTLSTimeout},
		{"http: proxy error: net/http: TLS handshake timeout", wTLSTimeout},

		// Waiting for the response.
		{"net/http: timeout awaiting response headers", wHeaderTimeout},
		{"http: proxy error: net/http: timeout awaiting response headers", wHeaderTimeout},
		{"http: proxy error: read tcp 127.0.0.1:35172->127.0.0.1:37903: read: connection reset by peer", wResetBefore.at(pUnknown)},
		{"read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer", want{"URR", "connection_terminated", "connection_reset", pUnknown, sUpstream, false}},
		{"write tcp 127.0.0.1:5->127.0.0.1:6: write: connection reset by peer", want{"URR", "connection_terminated", "connection_reset_during_request", pWrite, sUpstream, false}},
		{"write tcp 127.0.0.1:36170->127.0.0.1:38293: write: broken pipe", wBrokenPipe},
		{"net/http: HTTP/1.x transport connection broken: write tcp 127.0.0.1:5->127.0.0.1:6: write: broken pipe", wBrokenPipe},
		{"http: server closed idle connection", wIdleClosed.at(pUnknown)},
		{`Post "http://127.0.0.1:8080/p": http: server closed idle connection`, wIdleClosed.at(pUnknown)},
		{"EOF", wClosedBefore.at(pUnknown)},
		{"http: proxy error: EOF", wClosedBefore.at(pUnknown)},
		{"EOF\n", wClosedBefore.at(pUnknown)},
		{"net/http: HTTP/1.x transport connection broken: unexpected EOF", wHeadersPartial},
		{"http: proxy error: unexpected EOF", wHeadersPartial.at(pUnknown)},
		{`net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH_9.6"`, wMalformed},
		{`malformed HTTP response "garbage"`, wMalformed},
		{`net/http: HTTP/1.x transport connection broken: malformed HTTP status code "2x0"`, wMalformed},
		{`net/http: HTTP/1.x transport connection broken: malformed MIME header: missing colon: "Content-Ty"`, wMalformed},
		{"net/http: HTTP/1.x transport connection broken: net/http: server response headers exceeded 1024 bytes; aborted", wHeadersLarge},
		{"stream error: stream ID 1; INTERNAL_ERROR; received from peer", wStreamReset.at(pUnknown)},
		{`http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=""`, wClosedBefore.at(pUnknown)},
		{"read tcp 127.0.0.1:5->127.0.0.1:6: read: software caused connection abort", want{"CAB", "connection_terminated", "connection_aborted", pUnknown, sNetwork, false}},
		{"read tcp 127.0.0.1:5->127.0.0.1:6: read: network dropped connection on reset", want{"NRS", "connection_terminated", "network_reset", pUnknown, sNetwork, false}},
		{"read tcp 127.0.0.1:5->127.0.0.1:6: read: connection timed out", want{"UCT", "connection_terminated", "connection_timeout", pUnknown, sNetwork, true}},

		// Reading the body (Tyk logs these "during body copy").
		{"http: proxy error during body copy: read tcp 127.0.0.1:49814->127.0.0.1:41891: read: connection reset by peer", wResetBody},
		{"http: proxy error during body copy: unexpected EOF", wBodyPartial},
		{"unexpected EOF", wBodyPartial.at(pUnknown)},
		{"http: proxy error during body copy: context deadline exceeded", wDeadline.at(pBody)},
		{"http: proxy error during body copy: invalid byte in chunk length", wChunked},
		{"http: proxy error during body copy: stream error: stream ID 3; PROTOCOL_ERROR; received from peer", want{"URR", "http_response_incomplete", "stream_reset_by_upstream", pBody, sUpstream, false}},

		// The gateway's deadline and the client.
		{"context deadline exceeded", wDeadline.at(pUnknown)},
		{"http: proxy error: context deadline exceeded", wDeadline.at(pUnknown)},
		{`Get "http://127.0.0.1:1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, wDeadline.at(pUnknown)},
		{"context canceled", wCanceled.at(pUnknown)},
		{"http: proxy error: context canceled", wCanceled.at(pUnknown)},
		{"dial tcp: lookup api.upstream.test: operation was canceled", wCanceled.at(pDNS)},
		{"net/http: request canceled", wCanceled.at(pUnknown)},
		{"read tcp 127.0.0.1:5->127.0.0.1:6: i/o timeout", want{"URT", "http_response_timeout", "request_timeout", pUnknown, sGateway, true}},

		// Robustness.
		{`time="2026-11-21T14:58:46Z" level=error msg="http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused" api_id=a org_id=o prefix=proxy`, wRefused},
		{"\xff\xfe\x00 dial tcp 127.0.0.1:1: connect: connection refused", wRefused},
		{"dial tcp 127.0.0.1:1:\nconnect: connection refused\n", wRefused},
		{ws + "EOF" + ws, wClosedBefore.at(pUnknown)},
		{"mock: not an upstream error", wUnknown},
		{"XEOF", wUnknown},
		{"\xff\xfe\xfd", wUnknown},
	}
	for _, tt := range tests {
		check(t, strings.ReplaceAll(tt.msg, "\n", `\n`), classify.Message(tt.msg), tt.want)
	}
}

func TestMessageEmpty(t *testing.T) {
	for _, msg := range []string{"", " ", "\n\t", "http: proxy error: ", "http: proxy error during body copy:", `Get "http://h/": `} {
		if got := classify.Message(msg); got != (classify.Result{}) {
			t.Errorf("Message(%q) = %s, want the zero Result", msg, show(got))
		}
	}
}

// Message reads only the first 4 KiB: a pattern further in is not seen, and
// a huge message costs no more than 4 KiB.
func TestMessageHuge(t *testing.T) {
	pad := strings.Repeat("x", 8<<10)
	check(t, "pattern first", classify.Message("dial tcp 127.0.0.1:1: connect: connection refused"+pad), wRefused)
	check(t, "pattern beyond 4 KiB", classify.Message(pad+"connection refused"), wUnknown)
	big := strings.Repeat("a", 16<<20)
	if got := classify.Message(big); got != wUnknown.result() {
		t.Errorf("16 MiB message: %s", show(got))
	}
	if n := testing.AllocsPerRun(10, func() { classify.Message(big) }); n != 0 {
		t.Errorf("16 MiB message: %v allocs", n)
	}
}

// TestRequestBodyEndedByClient: the transport copying the request body into
// the upstream connection reports the client's short body as "readfrom tcp
// A->B: unexpected EOF" (seen in the test host when a client leaves while its
// POST body is streamed): the client's doing, CDC, by type and by text.
func TestRequestBodyEndedByClient(t *testing.T) {
	err := &net.OpError{Op: "readfrom", Net: "tcp", Err: io.ErrUnexpectedEOF}
	for _, r := range []classify.Result{
		classify.Error(err, classify.PhaseRequestWrite),
		classify.Message("http: proxy error: " + "readfrom tcp 127.0.0.1:58754->127.0.0.1:45279: unexpected EOF"),
	} {
		if r.Flag != classify.FlagCDC || r.Source != classify.SourceClient {
			t.Errorf("got %s %s %v, want CDC client_disconnected client", r.Flag, r.Detail, r.Source)
		}
	}
}
