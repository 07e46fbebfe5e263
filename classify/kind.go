package classify

// kind is what went wrong, independent of the phase. Error finds it from the
// error's types (falling back to its text), Message from the text alone; both
// then turn it into a Result with evidence.result, so that an error and its
// logged text classify alike.
type kind uint8

const (
	kNone kind = iota
	kRefused
	kConnectTimeout // a dial that did not complete in time
	kTimedOut       // ETIMEDOUT
	kReset
	kStreamReset // HTTP/2 RST_STREAM from the upstream
	kBrokenPipe
	kAborted
	kNetReset
	kHostUnreachable
	kNetUnreachable
	kNotPermitted
	kAddrNotAvail
	kTooManyFiles
	kDNSNotFound
	kDNSServFail
	kDNSTimeout
	kDNSOther
	kTLSExpired
	kTLSNotYetValid
	kTLSInvalid
	kTLSHostname
	kTLSUnknownAuthority
	kTLSSystemRoots
	kTLSRecordHeader
	kTLSVersion
	kTLSProtocol
	kTLSHandshakeFailure // a local "handshake failure" text
	kTLSAlert            // an alert sent by the upstream; its code is in evidence.alert
	kTLSLocalAlert       // tls.AlertError
	kTLSHandshakeTimeout
	kHeaderTimeout
	kDeadline
	kCanceled
	kTimeout // another timeout; the phase decides
	kEOF
	kUnexpectedEOF
	kIdleClosed
	kGoAway
	kMalformed
	kHeadersTooLarge
	kTransferCoding
	kUnknown
)

// op is the operation of the outermost *net.OpError ("dial tcp …", "read tcp
// …", "write tcp …", "readfrom tcp …").
type op uint8

const (
	opNone op = iota
	opDial
	opRead
	opWrite
	// opReadFrom is the transport copying the request body into the
	// upstream connection (net.TCPConn.ReadFrom): an EOF-like error under it
	// comes from reading the body, that is from the client, never from the
	// socket.
	opReadFrom
)

// TLS alert codes (RFC 8446 section 6) that get their own detail.
const (
	alertHandshakeFailure       = 40
	alertBadCertificate         = 42
	alertUnsupportedCertificate = 43
	alertCertificateRevoked     = 44
	alertCertificateExpired     = 45
	alertCertificateUnknown     = 46
	alertUnknownCA              = 48
	alertProtocolVersion        = 70
	alertInternalError          = 80
	alertUnrecognizedName       = 112
	alertCertificateRequired    = 116
	alertUnknown                = 255 // an alert whose text we do not know
)

// evidence is everything learned about one failure.
type evidence struct {
	kind  kind
	alert uint8 // for kTLSAlert
	op    op

	// beforeResponse: no byte of the response had been received (the
	// gateway logged "http: proxy error: …", or net/http said "Transport
	// failed to read from server").
	beforeResponse bool
	// broken: net/http said "HTTP/1.x transport connection broken": the
	// request was written, the response did not arrive complete.
	broken bool
	// body: the gateway logged "http: proxy error during body copy: …" (or
	// another proxy its words for a failure reading the response body).
	body bool
	// downstream: writing the response to the client failed (Caddy's
	// "writing: …"); whatever the error, the client went away.
	downstream bool
	// copying: the proxy's words said it was copying a connection in one
	// direction (backendToClient, clientToBackend), so the op of the error
	// tells which side failed; zero otherwise.
	copying proxyMeaning
	// certVerify: a *tls.CertificateVerificationError was in the chain.
	certVerify bool
	// lookup: the failure happened resolving the host name (a
	// *net.DNSError, or "lookup H" in the text), whatever its kind.
	lookup bool
}

// fixedPhase is the phase the failure itself proves, whatever the capture
// saw; PhaseUnknown when the failure can happen in several phases.
func (ev *evidence) fixedPhase() Phase {
	switch ev.kind {
	case kDNSNotFound, kDNSServFail, kDNSTimeout, kDNSOther:
		return PhaseDNS
	case kRefused, kConnectTimeout, kHostUnreachable, kNetUnreachable, kNotPermitted, kAddrNotAvail, kTooManyFiles:
		return PhaseConnect
	case kTLSExpired, kTLSNotYetValid, kTLSInvalid, kTLSHostname, kTLSUnknownAuthority, kTLSSystemRoots,
		kTLSRecordHeader, kTLSVersion, kTLSProtocol, kTLSHandshakeFailure, kTLSAlert, kTLSLocalAlert, kTLSHandshakeTimeout:
		return PhaseTLS
	case kHeaderTimeout, kHeadersTooLarge, kMalformed:
		return PhaseResponseHeaders
	}
	if ev.lookup {
		return PhaseDNS
	}
	if ev.op == opDial {
		return PhaseConnect
	}
	return PhaseUnknown
}

// defaultPhase is the phase the error's wording suggests, used when the
// capture did not know it.
func (ev *evidence) defaultPhase() Phase {
	switch {
	case ev.body:
		return PhaseResponseBody
	case ev.op == opWrite, ev.op == opReadFrom, ev.kind == kBrokenPipe:
		return PhaseRequestWrite
	case ev.broken:
		return PhaseResponseHeaders
	}
	return PhaseUnknown
}

// result turns the evidence into a Result. phase is what the capture saw
// (PhaseUnknown if nothing).
func (ev *evidence) result(phase Phase) Result {
	if p := ev.fixedPhase(); p != PhaseUnknown {
		phase = p
	} else if phase == PhaseUnknown || phase > PhaseResponseBody {
		phase = ev.defaultPhase()
	}
	r := Result{Phase: phase}
	set := func(flag, typ, detail string, src Source) {
		r.Flag, r.Type, r.Detail, r.Source = flag, typ, detail, src
	}
	switch ev.kind {
	case kRefused:
		set(FlagUCF, TypeConnectionRefused, DetailConnectionRefused, SourceUpstream)
	case kConnectTimeout:
		set(FlagUCT, TypeConnectionTimeout, DetailConnectionTimeout, SourceNetwork)
		r.Timeout = true
	case kTimedOut:
		typ := TypeConnectionTerminated
		switch phase {
		case PhaseConnect:
			typ = TypeConnectionTimeout
		case PhaseResponseBody:
			typ = TypeHTTPResponseIncomplete
		}
		set(FlagUCT, typ, DetailConnectionTimeout, SourceNetwork)
		r.Timeout = true
	case kHostUnreachable:
		set(FlagNRH, TypeDestinationIPUnroutable, DetailHostUnreachable, SourceNetwork)
	case kNetUnreachable:
		set(FlagNRH, TypeDestinationIPUnroutable, DetailNetworkUnreachable, SourceNetwork)
	case kNotPermitted:
		set(FlagUCF, TypeDestinationIPProhibited, DetailConnectionNotPermitted, SourceNetwork)
	case kAddrNotAvail:
		set(FlagUCF, TypeProxyInternalError, DetailLocalAddressUnavailable, SourceGateway)
	case kTooManyFiles:
		set(FlagUCF, TypeProxyInternalError, DetailFileDescriptorsExhausted, SourceGateway)

	case kReset:
		typ, detail := TypeConnectionTerminated, DetailConnectionReset
		switch phase {
		case PhaseTLS:
			detail = DetailConnectionResetDuringTLS
		case PhaseRequestWrite:
			detail = DetailConnectionResetDuringRequest
		case PhaseResponseHeaders:
			detail = DetailConnectionResetBeforeResponse
		case PhaseResponseBody:
			typ, detail = TypeHTTPResponseIncomplete, DetailConnectionResetDuringBody
		case PhaseUnknown:
			if ev.beforeResponse {
				detail = DetailConnectionResetBeforeResponse
			}
		}
		set(FlagURR, typ, detail, SourceUpstream)
	case kStreamReset:
		typ := TypeConnectionTerminated
		if phase == PhaseResponseBody {
			typ = TypeHTTPResponseIncomplete
		}
		set(FlagURR, typ, DetailStreamResetByUpstream, SourceUpstream)
	case kBrokenPipe:
		set(FlagEPI, TypeConnectionTerminated, DetailBrokenPipe, SourceUpstream)
	case kAborted:
		set(FlagCAB, TypeConnectionTerminated, DetailConnectionAborted, SourceNetwork)
	case kNetReset:
		set(FlagNRS, TypeConnectionTerminated, DetailNetworkReset, SourceNetwork)

	case kDNSNotFound:
		set(FlagDNS, TypeDNSError, DetailDNSNotFound, SourceDNS)
	case kDNSServFail:
		set(FlagDNS, TypeDNSError, DetailDNSServerFailure, SourceDNS)
	case kDNSTimeout:
		set(FlagDNS, TypeDNSTimeout, DetailDNSTimeout, SourceDNS)
		r.Timeout = true
	case kDNSOther:
		set(FlagDNS, TypeDNSError, DetailDNSResolutionFailed, SourceDNS)

	case kTLSExpired:
		set(FlagTLE, TypeTLSCertificateError, DetailTLSCertificateExpired, SourceUpstream)
	case kTLSNotYetValid:
		set(FlagTLE, TypeTLSCertificateError, DetailTLSCertificateNotYetValid, SourceUpstream)
	case kTLSInvalid:
		set(FlagTLI, TypeTLSCertificateError, DetailTLSCertificateInvalid, SourceUpstream)
	case kTLSHostname:
		set(FlagTLM, TypeTLSCertificateError, DetailTLSHostnameMismatch, SourceUpstream)
	case kTLSUnknownAuthority:
		set(FlagTLN, TypeTLSCertificateError, DetailTLSUnknownAuthority, SourceUpstream)
	case kTLSSystemRoots:
		set(FlagTLC, TypeTLSCertificateError, DetailTLSSystemRootsUnavailable, SourceGateway)
	case kTLSRecordHeader, kTLSProtocol:
		set(FlagTLP, TypeTLSProtocolError, DetailTLSProtocolError, SourceUpstream)
	case kTLSVersion:
		set(FlagTLP, TypeTLSProtocolError, DetailTLSProtocolVersionError, SourceUpstream)
	case kTLSHandshakeFailure:
		set(FlagTLH, TypeTLSProtocolError, DetailTLSHandshakeFailure, SourceUpstream)
	case kTLSAlert:
		flag, detail := alertClass(ev.alert)
		set(flag, TypeTLSAlertReceived, detail, SourceUpstream)
	case kTLSLocalAlert:
		set(FlagTLA, TypeTLSProtocolError, DetailTLSAlertError, SourceUpstream)
	case kTLSHandshakeTimeout:
		set(FlagTLH, TypeConnectionReadTimeout, DetailTLSHandshakeTimeout, SourceGateway)
		r.Timeout = true

	case kHeaderTimeout:
		set(FlagURT, TypeHTTPResponseTimeout, DetailResponseHeadersTimeout, SourceGateway)
		r.Timeout = true
	case kDeadline:
		set(FlagURT, TypeHTTPResponseTimeout, DetailContextDeadlineExceeded, SourceGateway)
		r.Timeout = true
	case kCanceled:
		set(FlagCDC, "", DetailClientDisconnected, SourceClient)
	case kTimeout:
		switch phase {
		case PhaseDNS:
			set(FlagDNS, TypeDNSTimeout, DetailDNSTimeout, SourceDNS)
		case PhaseConnect:
			set(FlagUCT, TypeConnectionTimeout, DetailConnectionTimeout, SourceNetwork)
		case PhaseTLS:
			set(FlagTLH, TypeConnectionReadTimeout, DetailTLSHandshakeTimeout, SourceGateway)
		case PhaseRequestWrite:
			set(FlagURT, TypeConnectionWriteTimeout, DetailRequestWriteTimeout, SourceGateway)
		case PhaseResponseHeaders:
			set(FlagURT, TypeHTTPResponseTimeout, DetailResponseHeadersTimeout, SourceGateway)
		case PhaseResponseBody:
			set(FlagURT, TypeConnectionReadTimeout, DetailResponseBodyTimeout, SourceGateway)
		default:
			set(FlagURT, TypeHTTPResponseTimeout, DetailRequestTimeout, SourceGateway)
		}
		r.Timeout = true

	case kEOF, kGoAway:
		switch phase {
		case PhaseTLS:
			set(FlagUCC, TypeConnectionTerminated, DetailConnectionClosedDuringTLS, SourceUpstream)
		case PhaseResponseBody:
			set(FlagUCC, TypeHTTPResponseIncomplete, DetailResponseBodyIncomplete, SourceUpstream)
		default:
			set(FlagUCC, TypeConnectionTerminated, DetailConnectionClosedBeforeResponse, SourceUpstream)
		}
	case kUnexpectedEOF:
		switch {
		case ev.op == opReadFrom:
			// "readfrom tcp A->B: unexpected EOF": the client stopped
			// sending the request body it announced; the client's doing.
			set(FlagCDC, "", DetailClientDisconnected, SourceClient)
		case phase == PhaseTLS:
			set(FlagUCC, TypeConnectionTerminated, DetailConnectionClosedDuringTLS, SourceUpstream)
		case phase == PhaseRequestWrite:
			set(FlagUCC, TypeConnectionTerminated, DetailConnectionClosedBeforeResponse, SourceUpstream)
		case phase == PhaseResponseHeaders, phase == PhaseUnknown && ev.beforeResponse:
			set(FlagUCC, TypeHTTPResponseIncomplete, DetailResponseHeadersIncomplete, SourceUpstream)
		default:
			// Body reads are where net/http reports a bare unexpected EOF
			// (a truncated body); inside the headers it says "transport
			// connection broken".
			set(FlagUCC, TypeHTTPResponseIncomplete, DetailResponseBodyIncomplete, SourceUpstream)
		}
	case kIdleClosed:
		set(FlagUCC, TypeConnectionTerminated, DetailIdleConnectionClosedByUpstream, SourceUpstream)

	case kMalformed:
		set(FlagUPE, TypeHTTPProtocolError, DetailMalformedResponse, SourceUpstream)
	case kHeadersTooLarge:
		set(FlagUPE, TypeHTTPResponseHeaderSectionSize, DetailResponseHeadersTooLarge, SourceUpstream)
	case kTransferCoding:
		set(FlagUPE, TypeHTTPResponseTransferCoding, DetailMalformedTransferEncoding, SourceUpstream)

	default:
		set(FlagUPE, "", DetailUpstreamError, SourceUnknown)
	}
	return r
}

// alertClass gives the flag and detail of an alert sent by the upstream.
// The flags are those Tyk 5.12 gives the same alert texts.
func alertClass(code uint8) (flag, detail string) {
	switch code {
	case alertHandshakeFailure, alertInternalError:
		return FlagTLH, DetailTLSHandshakeFailure
	case alertBadCertificate:
		return FlagTLH, DetailTLSClientCertificateRejected
	case alertCertificateRequired:
		return FlagTLH, DetailTLSClientCertificateRequired
	case alertUnsupportedCertificate, alertCertificateRevoked, alertCertificateExpired, alertCertificateUnknown, alertUnknownCA:
		return FlagTLA, DetailTLSClientCertificateRejected
	case alertProtocolVersion:
		return FlagTLP, DetailTLSProtocolVersionError
	case alertUnrecognizedName:
		return FlagTLA, DetailTLSUnrecognizedName
	}
	return FlagTLA, DetailTLSAlertReceived
}

// alertTexts maps the texts crypto/tls gives alerts ("tls: " + text) to
// their codes, for Message. Texts of alerts without their own detail are not
// needed: they all classify alike.
var alertTexts = [...]struct {
	text string
	code uint8
}{
	{"handshake failure", alertHandshakeFailure},
	{"internal error", alertInternalError},
	{"bad certificate", alertBadCertificate},
	{"certificate required", alertCertificateRequired},
	{"unsupported certificate", alertUnsupportedCertificate},
	{"revoked certificate", alertCertificateRevoked},
	{"expired certificate", alertCertificateExpired},
	{"unknown certificate authority", alertUnknownCA},
	{"unknown certificate", alertCertificateUnknown},
	{"protocol version not supported", alertProtocolVersion},
	{"unrecognized name", alertUnrecognizedName},
}
