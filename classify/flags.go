package classify

// Response flags: the values of Result.Flag.
//
// They are Tyk 5.12's codes (gateway/internal/errors.ResponseFlag), which
// follow Envoy's response flags, so that a Result can stand in for, or sit
// next to, what Tyk writes as response_flag. Only FlagUCC is ours: Tyk has no
// code for an upstream that closes the connection before answering.
const (
	// FlagUCF is an upstream connection failure: the TCP connect was refused
	// or could not be made. From syscall.ECONNREFUSED under *net.OpError{Op:
	// "dial"} ("dial tcp H:P: connect: connection refused"), and from the
	// gateway running out of local ports or file descriptors while dialing
	// ("connect: cannot assign requested address", "socket: too many open
	// files") or a local firewall refusing the connect ("connect: permission
	// denied"). Tyk UCF; Envoy UF.
	FlagUCF = "UCF"

	// FlagUCT is an upstream connection timeout: the TCP connect did not
	// complete in time. From *net.OpError{Op: "dial"} whose Timeout() is true
	// ("dial tcp H:P: i/o timeout": net.Dialer.Timeout), from any timeout in
	// PhaseConnect, and from syscall.ETIMEDOUT ("connect: connection timed
	// out", the kernel giving up on SYN retransmissions; "read: connection
	// timed out" on an established connection). Tyk UCT (Tyk 5.12 only for
	// ETIMEDOUT: it reports a dial i/o timeout as URT); Envoy UF with a
	// connect timeout.
	//
	// When the request's own deadline (Tyk's enforced timeout) expires while
	// connecting, net/http returns context.DeadlineExceeded instead: that is
	// FlagURT with Phase connect.
	FlagUCT = "UCT"

	// FlagURR is an upstream reset: the upstream (or a middlebox) sent a TCP
	// RST. From syscall.ECONNRESET ("read tcp A->B: read: connection reset by
	// peer", "write: connection reset by peer"), and from an HTTP/2 stream
	// reset by the upstream ("stream error: stream ID 1; INTERNAL_ERROR;
	// received from peer"). Detail says in which phase. Tyk URR; Envoy UR
	// (upstream remote reset).
	FlagURR = "URR"

	// FlagURT is an upstream request timeout enforced by the gateway: the
	// upstream did not answer in time. From "net/http: timeout awaiting
	// response headers" (http.Transport.ResponseHeaderTimeout),
	// context.DeadlineExceeded ("context deadline exceeded": Tyk's enforced
	// timeout, in whatever phase it expired) and from any other net.Error
	// whose Timeout() is true outside DNS, connect and TLS ("read tcp A->B:
	// i/o timeout"). Tyk URT; Envoy UT.
	FlagURT = "URT"

	// FlagUCC is an upstream connection close (our addition: Tyk 5.12 has no
	// code and reports these as UPE/upstream_error): the upstream closed the
	// connection (FIN) before the response was complete. From io.EOF
	// ("EOF": closed before any byte of the response, or during the TLS
	// handshake), "http: server closed idle connection" (closed a kept-alive
	// connection as the gateway reused it), io.ErrUnexpectedEOF ("unexpected
	// EOF": closed inside the headers or the body) and an HTTP/2 GOAWAY
	// ("http2: server sent GOAWAY and closed the connection"). Envoy UC
	// (upstream connection termination).
	FlagUCC = "UCC"

	// FlagEPI is a broken pipe: the gateway wrote the request on a connection
	// the upstream had already closed. From syscall.EPIPE ("write tcp A->B:
	// write: broken pipe"). Tyk EPI; Envoy UC.
	FlagEPI = "EPI"

	// FlagCAB is a connection aborted by the gateway host's own TCP stack.
	// From syscall.ECONNABORTED ("software caused connection abort"). Tyk
	// CAB.
	FlagCAB = "CAB"

	// FlagNRS is a connection reset by the network. From syscall.ENETRESET
	// ("network dropped connection on reset"). Tyk NRS.
	FlagNRS = "NRS"

	// FlagNRH is no route to the upstream. From syscall.EHOSTUNREACH
	// ("connect: no route to host") and syscall.ENETUNREACH ("connect:
	// network is unreachable"). Tyk NRH; Envoy UF.
	FlagNRH = "NRH"

	// FlagDNS is a failed resolution of the upstream host name. From
	// *net.DNSError ("dial tcp: lookup H on NS: no such host", "... server
	// misbehaving", "... i/o timeout"). Tyk DNS; Envoy DF.
	FlagDNS = "DNS"

	// FlagTLE is an upstream certificate outside its validity period. From
	// x509.CertificateInvalidError{Reason: x509.Expired} ("x509: certificate
	// has expired or is not yet valid: current time T is after|before T2").
	// Tyk TLE.
	FlagTLE = "TLE"

	// FlagTLI is an otherwise invalid upstream certificate. From
	// x509.CertificateInvalidError with any reason but Expired, and from a
	// *tls.CertificateVerificationError wrapping nothing more specific. Tyk
	// TLI.
	FlagTLI = "TLI"

	// FlagTLM is an upstream certificate that is not valid for the host name
	// or IP dialed. From x509.HostnameError ("x509: certificate is valid for
	// A, not B", "x509: cannot validate certificate for IP because it doesn't
	// contain any IP SANs"). Tyk TLM.
	FlagTLM = "TLM"

	// FlagTLN is an upstream certificate not signed by a trusted authority.
	// From x509.UnknownAuthorityError ("x509: certificate signed by unknown
	// authority"). Tyk TLN.
	FlagTLN = "TLN"

	// FlagTLH is a failed TLS handshake. From the handshake_failure,
	// internal_error, bad_certificate and certificate_required alerts sent
	// by the upstream ("remote error: tls: handshake failure"), and from
	// "net/http: TLS handshake timeout"; any timeout in phase tls (http.Transport.TLSHandshakeTimeout;
	// Tyk 5.12 reports that one as URT). Tyk TLH.
	FlagTLH = "TLH"

	// FlagTLP is a TLS protocol error. From tls.RecordHeaderError ("tls:
	// first record does not look like a TLS handshake": the upstream does not
	// speak TLS on that port), the protocol_version alert ("remote error:
	// tls: protocol version not supported"), local TLS errors ("local error:
	// tls: bad record MAC", "tls: server selected unsupported protocol
	// version 301"). Tyk TLP.
	FlagTLP = "TLP"

	// FlagTLA is a TLS alert not covered by TLH or TLP: any other alert sent
	// by the upstream ("remote error: tls: unrecognized name") and a
	// tls.AlertError. Tyk TLA.
	FlagTLA = "TLA"

	// FlagTLC is Tyk's code for x509.SystemRootsError ("x509: failed to load
	// system roots and no roots provided"): the gateway had no trust store.
	// Tyk TLC (which Tyk words "certificate chain incomplete").
	FlagTLC = "TLC"

	// FlagCDC is a downstream client that went away, which cancelled the
	// upstream round trip. From context.Canceled ("context canceled",
	// "operation was canceled") and net/http's "net/http: request canceled".
	// Tyk CDC; Envoy DC.
	FlagCDC = "CDC"

	// FlagURS is an upstream response with a 5xx status (see Response). Tyk
	// URS.
	FlagURS = "URS"

	// FlagUPE is an upstream protocol error: a response that is not valid
	// HTTP ("malformed HTTP response", "malformed HTTP status code",
	// "malformed MIME header", a bad chunked encoding, oversized headers, a
	// local HTTP/2 stream or connection error), and the fallback for every
	// error this package does not recognise (Detail "upstream_error", Type
	// empty, as Tyk). Tyk UPE; Envoy UPE.
	FlagUPE = "UPE"
)

// Error types: the values of Result.Type. They are the error types of the
// Proxy-Status HTTP response header field, RFC 9209 section 2.3, whose
// wording is quoted. Response also recognises them in an intermediary's
// Proxy-Status header.
const (
	TypeDNSTimeout                     = "dns_timeout"                        // 2.3.1: "a timeout when trying to find an IP address for the next-hop hostname"
	TypeDNSError                       = "dns_error"                          // 2.3.2: "a DNS error when trying to find an IP address for the next-hop hostname" (NXDOMAIN, SERVFAIL …)
	TypeDestinationNotFound            = "destination_not_found"              // 2.3.3: "cannot determine the appropriate next hop"
	TypeDestinationUnavailable         = "destination_unavailable"            // 2.3.4: "considers the next hop to be unavailable" (e.g. a load balancer with no healthy target)
	TypeDestinationIPProhibited        = "destination_ip_prohibited"          // 2.3.5: "configured to prohibit connections to the next-hop IP address"
	TypeDestinationIPUnroutable        = "destination_ip_unroutable"          // 2.3.6: "cannot find a route to the next-hop IP address"
	TypeConnectionRefused              = "connection_refused"                 // 2.3.7: "connection to the next hop was refused"
	TypeConnectionTerminated           = "connection_terminated"              // 2.3.8: "closed before any part of the response was received"
	TypeConnectionTimeout              = "connection_timeout"                 // 2.3.9: "attempt to open a connection to the next hop timed out"
	TypeConnectionReadTimeout          = "connection_read_timeout"            // 2.3.10: "expecting data on a connection … but did not receive any new data in a configured time limit"
	TypeConnectionWriteTimeout         = "connection_write_timeout"           // 2.3.11: "attempting to write data to a connection but was not able to"
	TypeConnectionLimitReached         = "connection_limit_reached"           // 2.3.12: "limit the number of connections it has to the next hop, and that limit has been exceeded"
	TypeTLSProtocolError               = "tls_protocol_error"                 // 2.3.13: "a TLS error when communicating with the next hop"
	TypeTLSCertificateError            = "tls_certificate_error"              // 2.3.14: "an error when verifying the certificate presented by the next hop"
	TypeTLSAlertReceived               = "tls_alert_received"                 // 2.3.15: "received a TLS alert from the next hop"
	TypeHTTPRequestError               = "http_request_error"                 // 2.3.16: "generating a client (4xx) response on the origin's behalf"
	TypeHTTPRequestDenied              = "http_request_denied"                // 2.3.17: "the request was denied by the intermediary"
	TypeHTTPResponseIncomplete         = "http_response_incomplete"           // 2.3.18: "received an incomplete response to the request from the next hop"
	TypeHTTPResponseHeaderSectionSize  = "http_response_header_section_size"  // 2.3.19: "received a response … with a header section that was too large"
	TypeHTTPResponseHeaderSize         = "http_response_header_size"          // 2.3.20: "a response … with a header field that was too large"
	TypeHTTPResponseBodySize           = "http_response_body_size"            // 2.3.21: "a response … with a body that was too large"
	TypeHTTPResponseTrailerSectionSize = "http_response_trailer_section_size" // 2.3.22: "a trailer section that was too large"
	TypeHTTPResponseTrailerSize        = "http_response_trailer_size"         // 2.3.23: "a trailer field that was too large"
	TypeHTTPResponseTransferCoding     = "http_response_transfer_coding"      // 2.3.24: "an error decoding the transfer coding of the response"
	TypeHTTPResponseContentCoding      = "http_response_content_coding"       // 2.3.25: "an error decoding the content coding of the response"
	TypeHTTPResponseTimeout            = "http_response_timeout"              // 2.3.26: "reached a configured time limit waiting for the complete response from the next hop"
	TypeHTTPUpgradeFailed              = "http_upgrade_failed"                // 2.3.27: "the HTTP Upgrade … failed"
	TypeHTTPProtocolError              = "http_protocol_error"                // 2.3.28: "an HTTP protocol error when communicating with the next hop"
	TypeProxyInternalResponse          = "proxy_internal_response"            // 2.3.29: "generated the response locally, without attempting to connect to the next hop"
	TypeProxyInternalError             = "proxy_internal_error"               // 2.3.30: "an internal error unrelated to the origin"
	TypeProxyConfigurationError        = "proxy_configuration_error"          // 2.3.31: "an error regarding its configuration"
	TypeProxyLoopDetected              = "proxy_loop_detected"                // 2.3.32: "a request loop"
)

// Details: the values of Result.Detail, a finer reason than Type. Where Tyk
// 5.12 has a word for the same case the detail is Tyk's word (marked "Tyk");
// the others are ours.
const (
	// Connect (phase connect).
	DetailConnectionRefused        = "connection_refused"         // Tyk. ECONNREFUSED: "connect: connection refused"
	DetailConnectionTimeout        = "connection_timeout"         // Tyk. dial i/o timeout or ETIMEDOUT: "dial tcp H:P: i/o timeout", "connect: connection timed out"; also ETIMEDOUT after connect
	DetailHostUnreachable          = "host_unreachable"           // Tyk. EHOSTUNREACH: "connect: no route to host"
	DetailNetworkUnreachable       = "network_unreachable"        // Tyk. ENETUNREACH: "connect: network is unreachable"
	DetailConnectionNotPermitted   = "connection_not_permitted"   // EACCES/EPERM on connect (a local firewall): "connect: permission denied"
	DetailLocalAddressUnavailable  = "local_address_unavailable"  // EADDRNOTAVAIL on connect, usually no free ephemeral port: "connect: cannot assign requested address"
	DetailFileDescriptorsExhausted = "file_descriptors_exhausted" // EMFILE/ENFILE: "socket: too many open files"

	// The connection, any phase.
	DetailConnectionReset                = "connection_reset"                       // Tyk. ECONNRESET, phase unknown: "read: connection reset by peer"
	DetailConnectionResetDuringTLS       = "connection_reset_during_tls_handshake"  // ECONNRESET in phase tls
	DetailConnectionResetDuringRequest   = "connection_reset_during_request"        // ECONNRESET in phase request_write: "write: connection reset by peer"
	DetailConnectionResetBeforeResponse  = "connection_reset_before_response"       // ECONNRESET in phase response_headers, or logged as "http: proxy error: …"
	DetailConnectionResetDuringBody      = "connection_reset_during_body"           // ECONNRESET in phase response_body, or "http: proxy error during body copy: …"
	DetailStreamResetByUpstream          = "stream_reset_by_upstream"               // HTTP/2 RST_STREAM from the upstream: "stream error: …; received from peer"
	DetailBrokenPipe                     = "broken_pipe"                            // Tyk. EPIPE: "write: broken pipe"
	DetailConnectionAborted              = "connection_aborted"                     // Tyk. ECONNABORTED
	DetailNetworkReset                   = "network_reset"                          // Tyk. ENETRESET
	DetailConnectionClosedBeforeResponse = "connection_closed_before_response"      // io.EOF before any byte of the response: "EOF"; HTTP/2 GOAWAY; an unexpected EOF in phase request_write
	DetailConnectionClosedDuringTLS      = "connection_closed_during_tls_handshake" // io.EOF or io.ErrUnexpectedEOF in phase tls: "EOF"
	DetailIdleConnectionClosedByUpstream = "idle_connection_closed_by_upstream"     // "http: server closed idle connection"
	DetailResponseHeadersIncomplete      = "response_headers_incomplete"            // io.ErrUnexpectedEOF inside the headers: "net/http: HTTP/1.x transport connection broken: unexpected EOF", or "http: proxy error: unexpected EOF"
	DetailResponseBodyIncomplete         = "response_body_incomplete"               // io.ErrUnexpectedEOF (or io.EOF, GOAWAY) reading the body: "unexpected EOF"; also a bare "unexpected EOF" in an unknown phase, where net/http reports it

	// DNS (phase dns).
	DetailDNSNotFound         = "dns_not_found"         // Tyk. DNSError.IsNotFound: "no such host" (NXDOMAIN or no address)
	DetailDNSServerFailure    = "dns_server_failure"    // DNSError "server misbehaving": SERVFAIL (or another error rcode)
	DetailDNSTimeout          = "dns_timeout"           // Tyk. DNSError.IsTimeout: "lookup H: i/o timeout"
	DetailDNSResolutionFailed = "dns_resolution_failed" // Tyk. any other DNSError

	// TLS (phase tls).
	DetailTLSCertificateExpired        = "tls_certificate_expired"         // Tyk. x509.Expired, "current time … is after …"
	DetailTLSCertificateNotYetValid    = "tls_certificate_not_yet_valid"   // x509.Expired, "current time … is before …" (often a clock skew)
	DetailTLSCertificateInvalid        = "tls_certificate_invalid"         // Tyk. other x509.CertificateInvalidError
	DetailTLSHostnameMismatch          = "tls_hostname_mismatch"           // Tyk. x509.HostnameError
	DetailTLSUnknownAuthority          = "tls_unknown_authority"           // Tyk. x509.UnknownAuthorityError
	DetailTLSSystemRootsUnavailable    = "tls_system_roots_unavailable"    // x509.SystemRootsError (Tyk words it tls_certificate_chain_incomplete)
	DetailTLSProtocolError             = "tls_protocol_error"              // Tyk. tls.RecordHeaderError, local TLS errors
	DetailTLSProtocolVersionError      = "tls_protocol_version_error"      // Tyk. alert protocol_version, "tls: server selected unsupported protocol version"
	DetailTLSHandshakeFailure          = "tls_handshake_failure"           // Tyk. alerts handshake_failure, internal_error
	DetailTLSHandshakeTimeout          = "tls_handshake_timeout"           // "net/http: TLS handshake timeout"; any timeout in phase tls
	DetailTLSClientCertificateRequired = "tls_client_certificate_required" // alert certificate_required: the upstream wants a client certificate
	DetailTLSClientCertificateRejected = "tls_client_certificate_rejected" // alerts bad_certificate, unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown, unknown_ca: the upstream rejected the gateway's client certificate
	DetailTLSUnrecognizedName          = "tls_unrecognized_name"           // alert unrecognized_name: the upstream serves no certificate for the SNI name
	DetailTLSAlertReceived             = "tls_alert_received"              // Tyk. any other alert from the upstream
	DetailTLSAlertError                = "tls_alert_error"                 // Tyk. tls.AlertError (an alert raised locally)

	// Timeouts and cancellations.
	DetailResponseHeadersTimeout  = "response_headers_timeout"  // Tyk's word (which Tyk 5.12 never reaches for the real error). "net/http: timeout awaiting response headers"; any timeout in phase response_headers
	DetailContextDeadlineExceeded = "context_deadline_exceeded" // Tyk. context.DeadlineExceeded: the gateway's enforced timeout
	DetailRequestTimeout          = "request_timeout"           // Tyk. another net.Error timeout, phase unknown: "read tcp A->B: i/o timeout"
	DetailRequestWriteTimeout     = "request_write_timeout"     // a net.Error timeout in phase request_write
	DetailResponseBodyTimeout     = "response_body_timeout"     // a net.Error timeout in phase response_body
	DetailClientDisconnected      = "client_disconnected"       // Tyk. context.Canceled, "operation was canceled", "net/http: request canceled"

	// Responses.
	DetailMalformedResponse         = "malformed_response"          // "malformed HTTP response", "malformed HTTP status code", "malformed MIME header", local HTTP/2 stream errors
	DetailResponseHeadersTooLarge   = "response_headers_too_large"  // "net/http: server response headers exceeded N bytes; aborted"
	DetailMalformedTransferEncoding = "malformed_transfer_encoding" // "malformed chunked encoding", "invalid byte in chunk length", "unsupported transfer encoding"
	DetailUpstreamResponse5xx       = "upstream_response_5xx"       // Tyk. the upstream itself answered 5xx
	DetailIntermediaryResponse5xx   = "intermediary_response_5xx"   // a load balancer or CDN in front of the upstream answered 5xx
	DetailUpstreamError             = "upstream_error"              // Tyk. fallback: not recognised
)

// Intermediaries: the values of Result.Intermediary, set by Response when a
// load balancer or CDN in front of the upstream produced the 5xx response
// (Source is then SourceIntermediary). Only intermediaries whose own
// responses can be told from the responses they relay, by headers alone, are
// recognised.
const (
	// IntermediaryAWSELB is an AWS Application, Network-HTTP or Classic
	// load balancer: responses it generates itself carry "Server:
	// awselb/2.0"; responses relayed from targets keep the target's Server.
	IntermediaryAWSELB = "aws_elb"

	// IntermediaryCloudflare is Cloudflare, recognised only by its own
	// status codes 520–527 and 530 with "Server: cloudflare" or a CF-RAY
	// header. Cloudflare stamps those headers on every response it relays,
	// so a 500–504 through Cloudflare is left to the upstream.
	IntermediaryCloudflare = "cloudflare"

	// IntermediaryEnvoy is an Envoy proxy (also Istio, Contour, Ambassador
	// …) answering locally: "Server: envoy" without
	// X-Envoy-Upstream-Service-Time, which Envoy's router adds to every
	// response it relays from an upstream. A route with
	// suppress_envoy_headers also matches.
	IntermediaryEnvoy = "envoy"

	// IntermediaryAkamai is Akamai's edge: "Server: AkamaiGHost" is the
	// Server of the responses the edge generates itself (their body carries
	// a "Reference #" error string); relayed responses keep the origin's.
	IntermediaryAkamai = "akamai"

	// IntermediaryOther is an intermediary identified only by an RFC 9209
	// Proxy-Status header whose member carries an error parameter.
	IntermediaryOther = "other"
)

// Response flags of answers the gateway produced itself, without an upstream
// failure: the values of Result.Flag set by Gateway. They are Tyk 5.14's
// codes (gateway/internal/errors.ResponseFlag, internal/errors/
// classification.go, the same in 5.12.1), which Tyk 5.12.1 and 5.14.0 write
// as response_flag; Tyk 5.8 writes none. The answer texts quoted are the
// "error" of Tyk's JSON error body ({"error": "…"}); the log lines are the
// entries Tyk writes on the request goroutine before the access-log entry.
// classify/testdata/gateway-produced.md has the file:line of each.
const (
	// FlagNHU is no healthy upstream: load balancing is on
	// (enable_load_balancing) with check_host_against_uptime_tests, and the
	// uptime tests mark every target down. Tyk 5.8–5.14 log
	// "[PROXY] [LOAD BALANCING] all hosts are down, uptime tests are failing"
	// (Error, mw=ReverseProxy; gateway/reverse_proxy.go nextTarget and the
	// director) and proxy the request to an internal listener that answers 503
	// "all hosts are down". Tyk 5.14 NHU, internal/errors/classification.go:34,
	// set by ClassifyNoHealthyUpstreamsError (classifier.go:310).
	FlagNHU = "NHU"

	// FlagCBO is circuit breaker open: a circuit_breakers entry of the
	// endpoint tripped and the gateway answers 503 "Service temporarily
	// unavailable." without contacting the upstream (gateway/reverse_proxy.go,
	// WrappedServeHTTP). Tyk logs it at Debug only. Tyk 5.14 CBO,
	// classification.go:37, ClassifyCircuitBreakerError (classifier.go:302),
	// which also writes circuit_breaker_state "OPEN".
	FlagCBO = "CBO"

	// FlagRLT is rate limited: 429 "Rate Limit Exceeded" (the key's rate,
	// RateLimitAndQuotaCheck) or "API Rate Limit Exceeded" (the API's
	// global_rate_limit, RateLimitForAPI), both also logged at Info with the
	// same text. Tyk 5.14 RLT, classification.go:49.
	FlagRLT = "RLT"

	// FlagQEX is quota exceeded: 403 "Quota exceeded", logged at Info as
	// "Key quota limit exceeded." (RateLimitAndQuotaCheck). Tyk 5.14 QEX,
	// classification.go:50.
	FlagQEX = "QEX"

	// FlagAMF is auth field missing: no credentials in the request. 401
	// "Authorization field missing" (AuthKey, logged at Info as "Attempted
	// access with malformed header, no auth header found."; basic auth), 400
	// (JWT, logged "Attempted access with malformed header, no JWT auth
	// header found."; OAuth). Tyk 5.14 AMF, classification.go:51.
	FlagAMF = "AMF"

	// FlagAKI is API key invalid: the key or OAuth token is not found. 403
	// "Access to this API has been disallowed" (AuthKey, logged at Info as
	// "Attempted access with non-existent key." or "… non-existent cert.")
	// and 403 "Key not authorised" (OAuth, logged at Warn as "Attempted
	// access with non-existent key."). Tyk 5.14 AKI, classification.go:52.
	FlagAKI = "AKI"

	// FlagTKE is token or certificate expired: 401 "Key not authorized:
	// token has expired" (JWT exp claim), 403 "Certificate has expired"
	// (AuthKey with a client certificate) and, our addition with Detail
	// key_expired, 401 "Key has expired, please renew" (KeyExpired, logged at
	// Info as "Attempted access from expired key."), which Tyk 5.14 does not
	// classify. Tyk 5.14 TKE, classification.go:53.
	FlagTKE = "TKE"

	// FlagTKI is token invalid: 403 "Key not authorized" (JWT signature or
	// key not valid, logged at Info as "Attempted JWT access with
	// non-existent key." and at Error as "JWT validation error") and 403
	// "Key not authorized: Unexpected signing method". Tyk 5.14 TKI,
	// classification.go:54.
	FlagTKI = "TKI"

	// FlagTCV is token claims invalid: 401 "Key not authorized: <claim
	// error>" from the JWT time claims ("token used before issued", "token is
	// not valid yet") and, in 5.14, the issuer, audience and jti checks. Tyk
	// 5.14 TCV, classification.go:55.
	FlagTCV = "TCV"

	// FlagEAD is external auth denied: the OAuth client of the token was
	// deleted, 403 "Key not authorised. OAuth client access was revoked",
	// logged at Warn as "Attempted access for deleted OAuth client.". Tyk
	// 5.14 EAD, classification.go:56.
	FlagEAD = "EAD"

	// FlagBTL is body too large: 400 "Request is too large", logged at Info
	// as "Attempted access with large request size, blocked."
	// (RequestSizeLimitMiddleware: size_limits, global_size_limit). Tyk 5.14
	// BTL, classification.go:57.
	FlagBTL = "BTL"

	// FlagCLM is Content-Length missing: 411 "Content length is required for
	// this request" (RequestSizeLimitMiddleware, a body without
	// Content-Length, e.g. chunked), not logged. Tyk 5.14 CLM,
	// classification.go:58.
	FlagCLM = "CLM"

	// FlagBIV is body invalid: 400 "JSON parsing error: …" and 422 (or the
	// configured error_response_code) with the schema errors (ValidateJSON,
	// validate_json), 422 "request validation error: …" (ValidateRequest,
	// OAS validateRequest), and 400 "Body do not contain username|password"
	// (basic auth with extract_from_body). Not logged. Tyk 5.14 BIV,
	// classification.go:59.
	FlagBIV = "BIV"

	// FlagIHD is invalid header: 400 "Bearer token malformed" (OAuth, logged
	// at Info with the same text) and 400 "Attempted access with malformed
	// header, …" (basic auth: header not in basic auth format, auth data not
	// encoded correctly, values not in basic auth format; logged at Info).
	// Tyk 5.14 IHD, classification.go:60.
	FlagIHD = "IHD"

	// FlagCRQ is certificate required: 401 "Client certificate required"
	// (AuthKey with use_certificate and no client certificate), not logged.
	// Tyk 5.14 CRQ, classification.go:61.
	FlagCRQ = "CRQ"

	// FlagCMM is certificate mismatch: 401 "Access to this API has been
	// disallowed" (AuthKey: no key for the client certificate; in 5.12+ also
	// a certificate not bound to the token, logged at Info as "Attempted
	// access with incorrect certificate."). Tyk 5.14 CMM,
	// classification.go:62.
	FlagCMM = "CMM"
)

// Details of answers the gateway produced itself: the values of
// Result.Detail set by Gateway. All but DetailKeyExpired are Tyk 5.14's
// words (internal/errors/classifier.go for the first two,
// internal/errors/classification.go:122–166 for the others), which Tyk
// 5.12.1 and 5.14.0 write as response_code_details.
const (
	DetailNoHealthyUpstreams = "no_healthy_upstreams" // Tyk. NHU: every load-balanced target down per the uptime tests
	DetailCircuitBreakerOpen = "circuit_breaker_open" // Tyk. CBO: the endpoint's circuit breaker is open

	DetailAuthFieldMissing = "auth_field_missing"  // Tyk. AMF from AuthKey (and when the middleware is not known)
	DetailAuthKeyNotFound  = "auth_key_not_found"  // Tyk. AKI: "Attempted access with non-existent key."
	DetailAuthCertNotFound = "auth_cert_not_found" // Tyk. AKI: "Attempted access with non-existent cert."
	DetailAuthCertExpired  = "auth_cert_expired"   // Tyk. TKE: "Certificate has expired"
	DetailAuthCertRequired = "auth_cert_required"  // Tyk. CRQ: "Client certificate required"
	DetailAuthCertMismatch = "auth_cert_mismatch"  // Tyk. CMM: 401 "Access to this API has been disallowed"

	DetailOAuthFieldMissing   = "oauth_field_missing"   // Tyk. AMF from Oauth2KeyExists
	DetailOAuthFieldMalformed = "oauth_field_malformed" // Tyk. IHD: "Bearer token malformed"
	DetailOAuthKeyNotFound    = "oauth_key_not_found"   // Tyk. AKI: "Key not authorised" from Oauth2KeyExists
	DetailOAuthClientDeleted  = "oauth_client_deleted"  // Tyk. EAD: "Key not authorised. OAuth client access was revoked"

	DetailSessionRateLimited    = "session_rate_limited"     // Tyk. RLT: "Rate Limit Exceeded" (the key's rate)
	DetailAPIRateLimited        = "api_rate_limited"         // Tyk. RLT: "API Rate Limit Exceeded" (global_rate_limit)
	DetailQuotaExceeded         = "quota_exceeded"           // Tyk. QEX: "Quota exceeded"
	DetailGenericRateLimitError = "generic_rate_limit_error" // Tyk. RLT: the rate limiter failed (500 "there was a problem proxying the request")

	DetailJWTFieldMissing            = "jwt_field_missing"             // Tyk. AMF from JWTMiddleware (400)
	DetailJWTClaimsInvalid           = "jwt_claims_invalid"            // Tyk. TCV: 401 "Key not authorized: <claim error>"
	DetailJWTTokenExpired            = "jwt_token_expired"             // Tyk. TKE: "Key not authorized: token has expired"
	DetailJWTTokenInvalid            = "jwt_token_invalid"             // Tyk. TKI: 403 "Key not authorized"
	DetailJWTUnexpectedSigningMethod = "jwt_unexpected_signing_method" // Tyk. TKI: "Key not authorized: Unexpected signing method"

	DetailBasicAuthFieldMissing        = "basic_auth_field_missing"         // Tyk. AMF from BasicAuthKeyIsValid (401)
	DetailBasicAuthHeaderMalformed     = "basic_auth_header_malformed"      // Tyk. IHD: "… header not in basic auth format"
	DetailBasicAuthEncodingInvalid     = "basic_auth_encoding_invalid"      // Tyk. IHD: "… auth data not encoded correctly"
	DetailBasicAuthValuesMalformed     = "basic_auth_values_malformed"      // Tyk. IHD: "… values not in basic auth format"
	DetailBasicAuthBodyUsernameMissing = "basic_auth_body_username_missing" // Tyk. BIV: "Body do not contain username"
	DetailBasicAuthBodyPasswordMissing = "basic_auth_body_password_missing" // Tyk. BIV: "Body do not contain password"

	DetailContentLengthMissing   = "content_length_missing"   // Tyk. CLM: "Content length is required for this request"
	DetailBodyTooLarge           = "body_too_large"           // Tyk. BTL: "Request is too large"
	DetailJSONParseError         = "json_parse_error"         // Tyk. BIV: "JSON parsing error: …"
	DetailSchemaValidationFailed = "schema_validation_failed" // Tyk. BIV: schema errors (validate_json, OAS validateRequest)

	DetailKeyExpired = "key_expired" // TKE: "Key has expired, please renew" (KeyExpired); Tyk 5.14 writes no flag for it
)
