//go:build goplugin

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// gatewayClass is what Tyk 5.12 writes into the access log of a failed
// request: response_flag, response_code_details, error_source, error_target,
// upstream_status and, for an expired certificate, tls_cert_expiry and
// tls_cert_subject.
type gatewayClass struct {
	Flag, Details, Source, Target string
	UpstreamStatus                int
	CertExpiry                    time.Time
	CertSubject                   string
}

// gatewayClassifyError mimics the answer Tyk 5.12 gives for a failed round
// trip (its internal/errors ClassifyUpstreamError, as read in its source):
// the same tests in the same order on the same error value, so the host
// writes what the real gateway would, right or wrong. target is what the
// gateway passes: the outbound URL's host and path.
func gatewayClassifyError(err error, target string) gatewayClass {
	c := func(flag, details string) gatewayClass {
		return gatewayClass{Flag: flag, Details: details, Source: "ReverseProxy", Target: target}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}

	// Certificates and TLS records.
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	var roots x509.SystemRootsError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		g := c("TLE", "tls_certificate_expired")
		if invalid.Cert != nil {
			g.CertExpiry, g.CertSubject = invalid.Cert.NotAfter, invalid.Cert.Subject.String()
		}
		return g
	case errors.As(err, &invalid):
		return c("TLI", "tls_certificate_invalid")
	case errors.As(err, &hostname):
		return c("TLM", "tls_hostname_mismatch")
	case errors.As(err, &unknown):
		return c("TLN", "tls_unknown_authority")
	case errors.As(err, &record):
		return c("TLP", "tls_protocol_error")
	case errors.As(err, &alert):
		return c("TLA", "tls_alert_error")
	case errors.As(err, &roots):
		return c("TLC", "tls_certificate_chain_incomplete")
	}

	// Socket errors.
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ECONNREFUSED:
			return c("UCF", "connection_refused")
		case syscall.ETIMEDOUT:
			return c("UCT", "connection_timeout")
		case syscall.ECONNRESET:
			return c("URR", "connection_reset")
		case syscall.ENETUNREACH:
			return c("NRH", "network_unreachable")
		case syscall.EHOSTUNREACH:
			return c("NRH", "host_unreachable")
		case syscall.EPIPE:
			return c("EPI", "broken_pipe")
		case syscall.ECONNABORTED:
			return c("CAB", "connection_aborted")
		case syscall.ENETRESET:
			return c("NRS", "network_reset")
		}
	}

	// Resolver errors.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return c("DNS", "dns_not_found")
		case dnsErr.IsTimeout:
			return c("DNS", "dns_timeout")
		}
		return c("DNS", "dns_resolution_failed")
	}

	// Context errors come before the generic timeout test (since Go 1.23
	// the net and net/http timeout errors match context.DeadlineExceeded).
	if errors.Is(err, context.DeadlineExceeded) {
		return c("URT", "context_deadline_exceeded")
	}
	if errors.Is(err, context.Canceled) {
		return c("CDC", "client_disconnected")
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return c("URT", "request_timeout")
	}

	// Text fallbacks.
	s := strings.ToLower(err.Error())
	for _, m := range gatewayTextRules {
		for _, sub := range m.contains {
			if strings.Contains(s, sub) {
				return c(m.flag, m.details)
			}
		}
	}
	return c("UPE", "upstream_error")
}

// gatewayTextRules are Tyk 5.12's error-text fallbacks, first match wins.
var gatewayTextRules = []struct {
	contains      []string
	flag, details string
}{
	{[]string{"timeout awaiting response headers"}, "URT", "response_headers_timeout"},
	{[]string{"no such host"}, "DNS", "dns_not_found"},
	{[]string{"connection refused"}, "UCF", "connection_refused"},
	{[]string{"connection reset"}, "URR", "connection_reset"},
	{[]string{"broken pipe"}, "EPI", "broken_pipe"},
	{[]string{"protocol version not supported", "no supported versions"}, "TLP", "tls_protocol_version_error"},
	{[]string{"handshake failure", "tls: internal error", "bad certificate", "certificate required",
		"first record does not look like a tls handshake"}, "TLH", "tls_handshake_failure"},
	{[]string{"remote error: tls:"}, "TLA", "tls_alert_received"},
}

// gatewayClassifyStatus mimics Tyk 5.12's classification of an upstream
// answer with a 5xx status (whoever produced it): URS, source Upstream,
// target the upstream's host:port.
func gatewayClassifyStatus(status int, hostPort string) (gatewayClass, bool) {
	if status < 500 || status > 599 {
		return gatewayClass{}, false
	}
	return gatewayClass{Flag: "URS", Details: "upstream_response_5xx", Source: "Upstream", Target: hostPort, UpstreamStatus: status}, true
}
