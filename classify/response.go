package classify

import "net/http"

// Response classifies an upstream response by its status code (an HTTP
// status, e.g. 503) and response header. It returns the zero Result for a
// status outside 500–599 and FlagURS for a 5xx, in PhaseResponseHeaders.
//
// When the upstream itself answered: Source SourceUpstream, Detail
// "upstream_response_5xx" (Tyk's word) and an empty Type, since RFC 9209
// has no error type for a response the next hop did send.
//
// When a load balancer or CDN in front of the upstream answered in its
// place: Source SourceIntermediary, Detail "intermediary_response_5xx",
// Intermediary naming it, and Type the RFC 9209 error type the status
// implies, or empty where it implies none. The intermediary is recognised
// from the header alone (a nil header is an empty one):
//
//	Server: awselb/…                                 aws_elb
//	Server: cloudflare or CF-RAY, status 520–527/530 cloudflare
//	Server: envoy|istio-envoy, no X-Envoy-Upstream-Service-Time  envoy
//	Server: AkamaiGHost                              akamai
//	Proxy-Status with an error parameter (RFC 9209)  other, unless named above
//
// Type is, in this order: the error parameter of the first (closest to the
// upstream) Proxy-Status member that has one, if it is an RFC 9209 type;
// Cloudflare's documented meaning of its own codes (521 connection_refused,
// 522 connection_timeout, 523 destination_ip_unroutable, 524
// http_response_timeout, 525 tls_protocol_error, 526 tls_certificate_error);
// 503 destination_unavailable (the intermediary has no healthy or
// registered target); 504 http_response_timeout. A 502 is left empty: the
// intermediary's next hop refused, reset, timed out or answered badly, and
// the status does not say which. Timeout is true for 504, 522 and 524 and
// for the timeout types of Proxy-Status.
//
// Response reads only the header fields named above, at most 4 KiB of
// Proxy-Status, and allocates nothing.
func Response(status int, header http.Header) Result {
	if status < 500 || status > 599 {
		return Result{}
	}
	r := Result{
		Flag:    FlagURS,
		Detail:  DetailUpstreamResponse5xx,
		Phase:   PhaseResponseHeaders,
		Source:  SourceUpstream,
		Timeout: status == 504,
	}
	name := intermediaryOf(status, header)
	psType, psError := proxyStatusError(header)
	if name == "" && !psError {
		return r
	}
	if name == "" {
		name = IntermediaryOther
	}
	r.Source = SourceIntermediary
	r.Intermediary = name
	r.Detail = DetailIntermediaryResponse5xx
	r.Type = psType
	if r.Type == "" {
		r.Type = statusType(status, name)
	}
	switch r.Type {
	case TypeDNSTimeout, TypeConnectionTimeout, TypeConnectionReadTimeout, TypeConnectionWriteTimeout, TypeHTTPResponseTimeout:
		r.Timeout = true
	}
	if status == 522 || status == 524 {
		r.Timeout = true
	}
	return r
}

func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return trimSpace(v[0])
	}
	return ""
}

// intermediaryOf names the intermediary that produced a 5xx response, or "".
func intermediaryOf(status int, h http.Header) string {
	server := headerValue(h, "Server")
	switch {
	case hasPrefixFold(server, "awselb"):
		return IntermediaryAWSELB
	case equalFold(server, "envoy"), equalFold(server, "istio-envoy"):
		if headerValue(h, "X-Envoy-Upstream-Service-Time") == "" {
			return IntermediaryEnvoy
		}
	case hasPrefixFold(server, "akamaighost"):
		return IntermediaryAkamai
	}
	if cloudflareStatus(status) && (equalFold(server, "cloudflare") || headerValue(h, "Cf-Ray") != "") {
		return IntermediaryCloudflare
	}
	return ""
}

// cloudflareStatus reports the status codes only Cloudflare's edge sends.
func cloudflareStatus(status int) bool {
	return status >= 520 && status <= 527 || status == 530
}

// statusType is the RFC 9209 type an intermediary's status implies, or "".
func statusType(status int, name string) string {
	if name == IntermediaryCloudflare {
		switch status {
		case 521:
			return TypeConnectionRefused
		case 522:
			return TypeConnectionTimeout
		case 523:
			return TypeDestinationIPUnroutable
		case 524:
			return TypeHTTPResponseTimeout
		case 525:
			return TypeTLSProtocolError
		case 526:
			return TypeTLSCertificateError
		}
	}
	switch status {
	case 503:
		return TypeDestinationUnavailable
	case 504:
		return TypeHTTPResponseTimeout
	}
	return ""
}

// proxyStatusError reads the Proxy-Status header (RFC 9209, a structured
// field list: `proxy; error=connection_timeout; details="…", other;
// received-status=503`). It reports whether a member carries an error
// parameter and, for the first such member, the error type as one of this
// package's Type constants ("" for a type RFC 9209 does not define).
func proxyStatusError(h http.Header) (typ string, found bool) {
	budget := maxScan
	for _, v := range h["Proxy-Status"] {
		if len(v) > budget {
			v = v[:budget]
		}
		budget -= len(v)
		if typ, found = scanProxyStatus(v); found {
			return typ, true
		}
		if budget <= 0 {
			break
		}
	}
	return "", false
}

// scanProxyStatus scans one Proxy-Status field line for the first member
// with an error parameter.
func scanProxyStatus(v string) (string, bool) {
	i := 0
	for i < len(v) {
		// One member: an item (token or string) then ;key=value parameters.
		i = skipItem(v, i)
		for i < len(v) && v[i] != ',' {
			if v[i] != ';' {
				i++
				continue
			}
			i++
			for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
				i++
			}
			k := i
			for i < len(v) && v[i] != '=' && v[i] != ';' && v[i] != ',' {
				i++
			}
			key := trimSpace(v[k:i])
			if i >= len(v) || v[i] != '=' {
				continue // a boolean parameter
			}
			i++
			start := i
			i = skipItem(v, i)
			if key == "error" {
				val := trimSpace(v[start:i])
				if len(val) >= 2 && val[0] == '"' {
					val = val[1 : len(val)-1]
				}
				return rfc9209Type(val), true
			}
		}
		i++ // the comma
	}
	return "", false
}

// skipItem skips a token or quoted string starting at i (after spaces) and
// returns the index of the following ';', ',' or end.
func skipItem(v string, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	if i < len(v) && v[i] == '"' {
		for i++; i < len(v); i++ {
			if v[i] == '\\' {
				i++
				continue
			}
			if v[i] == '"' {
				i++
				break
			}
		}
	}
	for i < len(v) && v[i] != ';' && v[i] != ',' {
		i++
	}
	return i
}

// rfc9209Type returns the Type constant spelled s, or "".
func rfc9209Type(s string) string {
	switch s {
	case TypeDNSTimeout:
		return TypeDNSTimeout
	case TypeDNSError:
		return TypeDNSError
	case TypeDestinationNotFound:
		return TypeDestinationNotFound
	case TypeDestinationUnavailable:
		return TypeDestinationUnavailable
	case TypeDestinationIPProhibited:
		return TypeDestinationIPProhibited
	case TypeDestinationIPUnroutable:
		return TypeDestinationIPUnroutable
	case TypeConnectionRefused:
		return TypeConnectionRefused
	case TypeConnectionTerminated:
		return TypeConnectionTerminated
	case TypeConnectionTimeout:
		return TypeConnectionTimeout
	case TypeConnectionReadTimeout:
		return TypeConnectionReadTimeout
	case TypeConnectionWriteTimeout:
		return TypeConnectionWriteTimeout
	case TypeConnectionLimitReached:
		return TypeConnectionLimitReached
	case TypeTLSProtocolError:
		return TypeTLSProtocolError
	case TypeTLSCertificateError:
		return TypeTLSCertificateError
	case TypeTLSAlertReceived:
		return TypeTLSAlertReceived
	case TypeHTTPRequestError:
		return TypeHTTPRequestError
	case TypeHTTPRequestDenied:
		return TypeHTTPRequestDenied
	case TypeHTTPResponseIncomplete:
		return TypeHTTPResponseIncomplete
	case TypeHTTPResponseHeaderSectionSize:
		return TypeHTTPResponseHeaderSectionSize
	case TypeHTTPResponseHeaderSize:
		return TypeHTTPResponseHeaderSize
	case TypeHTTPResponseBodySize:
		return TypeHTTPResponseBodySize
	case TypeHTTPResponseTrailerSectionSize:
		return TypeHTTPResponseTrailerSectionSize
	case TypeHTTPResponseTrailerSize:
		return TypeHTTPResponseTrailerSize
	case TypeHTTPResponseTransferCoding:
		return TypeHTTPResponseTransferCoding
	case TypeHTTPResponseContentCoding:
		return TypeHTTPResponseContentCoding
	case TypeHTTPResponseTimeout:
		return TypeHTTPResponseTimeout
	case TypeHTTPUpgradeFailed:
		return TypeHTTPUpgradeFailed
	case TypeHTTPProtocolError:
		return TypeHTTPProtocolError
	case TypeProxyInternalResponse:
		return TypeProxyInternalResponse
	case TypeProxyInternalError:
		return TypeProxyInternalError
	case TypeProxyConfigurationError:
		return TypeProxyConfigurationError
	case TypeProxyLoopDetected:
		return TypeProxyLoopDetected
	}
	return ""
}
