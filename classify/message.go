package classify

// maxScan bounds how much of a message is read: error texts that matter are
// short, and a log message can be arbitrarily long.
const maxScan = 4 << 10

// Message classifies a failed upstream round trip from the text of its error
// alone, as the gateway logs it, e.g.
//
//	http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused
//	http: proxy error during body copy: unexpected EOF
//	Get "http://h/p": net/http: timeout awaiting response headers
//	EOF
//
// The prefixes Tyk's reverse proxy logs ("http: proxy error: " for a failed
// round trip, so nothing of the response had arrived, and "http: proxy error
// during body copy: " for a failure reading the response body, which implies
// PhaseResponseBody) and url.Error's `Method "URL": ` are stripped, as are
// net/http's own wrappers ("net/http: HTTP/1.x transport connection broken:
// ", which implies the request was written and the response is incomplete).
// The phase is derived from the text where the text proves it (dial →
// connect, lookup → dns, tls/x509 → tls, write → request_write, "timeout
// awaiting response headers" → response_headers, body copy → response_body)
// and is PhaseUnknown otherwise.
//
// Matching is ASCII case-insensitive, reads at most the first 4 KiB of msg,
// accepts any bytes (invalid UTF-8, newlines) and allocates nothing. Message
// recognises the texts of every error Error recognises by type, so
// Message(err.Error()) and Error(err, PhaseUnknown) agree on Flag, Type and
// Detail for the errors net/http returns. An empty or blank msg (or one that
// is only a prefix) returns the zero Result; any other unrecognised text
// returns FlagUPE with Detail "upstream_error", as Tyk.
func Message(msg string) Result {
	var ev evidence
	t := ev.strip(msg)
	if t == "" {
		return Result{}
	}
	ev.text(t)
	return ev.result(PhaseUnknown)
}

// strip removes the log and wrapper prefixes from msg, noting what they
// imply, and returns the error text proper, trimmed.
func (ev *evidence) strip(msg string) string {
	if len(msg) > maxScan {
		msg = msg[:maxScan]
	}
	if i := indexFold(msg, "http: proxy error during body copy:"); i >= 0 {
		ev.body = true
		msg = msg[i+len("http: proxy error during body copy:"):]
	} else if i := indexFold(msg, "http: proxy error:"); i >= 0 {
		ev.beforeResponse = true
		msg = msg[i+len("http: proxy error:"):]
	}
	for range 8 {
		msg = trimSpace(msg)
		switch {
		case hasPrefixFold(msg, "net/http: http/1.x transport connection broken:"):
			ev.broken = true
			msg = msg[len("net/http: http/1.x transport connection broken:"):]
		case hasPrefixFold(msg, "net/http: transport failed to read from server:"):
			ev.beforeResponse = true
			msg = msg[len("net/http: transport failed to read from server:"):]
		case hasPrefixFold(msg, "readlooppeekfaillocked:"):
			msg = msg[len("readlooppeekfaillocked:"):]
		default:
			rest, ok := stripURLError(msg)
			if !ok {
				return msg
			}
			msg = rest
		}
	}
	return trimSpace(msg)
}

// stripURLError removes a leading url.Error text, `Method "URL": `, where
// Method is an HTTP method in url.Error's spelling ("Get", "Post", …) and
// URL is Go-quoted (%q).
func stripURLError(s string) (string, bool) {
	i := 0
	for i < len(s) && i < 32 && isTokenByte(s[i]) {
		i++
	}
	if i == 0 || i+1 >= len(s) || s[i] != ' ' || s[i+1] != '"' {
		return s, false
	}
	for j := i + 2; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++ // skip the escaped byte
		case '"':
			if j+1 < len(s) && s[j+1] == ':' {
				return s[j+2:], true
			}
			return s, false
		}
	}
	return s, false
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// textOp finds the operation of a *net.OpError in its text: "dial tcp …",
// "… connect: …" (dial), "write tcp …" (write), "read tcp …" (read).
func textOp(t string) op {
	switch {
	case hasWordAt(t, "dial "), hasFold(t, "connect: "), hasWordAt(t, "socket: "):
		return opDial
	case hasWordAt(t, "write "), hasFold(t, "write: "):
		return opWrite
	case hasWordAt(t, "read "), hasFold(t, "read: "):
		return opRead
	}
	return opNone
}

// text classifies an error text t, already stripped of prefixes. It keeps an
// op already known from the error's types.
func (ev *evidence) text(t string) {
	if ev.op == opNone {
		ev.op = textOp(t)
	}
	if hasWordAt(t, "lookup ") {
		ev.lookup = true
	}
	ev.kind = textKind(t, ev)
}

func textKind(t string, ev *evidence) kind {
	switch {
	// Cancellation first: it is never the upstream's doing.
	case hasFold(t, "context canceled"), hasFold(t, "operation was canceled"),
		hasFold(t, "request canceled") && !hasFold(t, "timeout"):
		return kCanceled

	// net/http's own timeouts (unexported types, known by text only).
	case hasFold(t, "timeout awaiting response headers"):
		return kHeaderTimeout
	case hasFold(t, "tls handshake timeout"):
		return kTLSHandshakeTimeout

	// DNS: "lookup H on NS: …" (*net.DNSError).
	case hasWordAt(t, "lookup "):
		switch {
		case hasFold(t, "no such host"):
			return kDNSNotFound
		case hasFold(t, "server misbehaving"):
			return kDNSServFail
		case hasFold(t, "timeout"), hasFold(t, "timed out"), hasFold(t, "deadline exceeded"):
			return kDNSTimeout
		}
		return kDNSOther
	case hasFold(t, "no such host"):
		return kDNSNotFound

	// Certificates: "tls: failed to verify certificate: x509: …".
	case hasFold(t, "x509: "):
		switch {
		case hasFold(t, "signed by unknown authority"):
			return kTLSUnknownAuthority
		case hasFold(t, "certificate is valid for"), hasFold(t, "not valid for any names"),
			hasFold(t, "doesn't contain any ip sans"), hasFold(t, "relies on legacy common name field"):
			return kTLSHostname
		case hasFold(t, "has expired or is not yet valid"):
			if hasFold(t, "is before") {
				return kTLSNotYetValid
			}
			return kTLSExpired
		case hasFold(t, "failed to load system roots"):
			return kTLSSystemRoots
		}
		return kTLSInvalid
	case hasFold(t, "tls: failed to verify certificate"):
		return kTLSInvalid

	// Alerts sent by the upstream: "remote error: tls: handshake failure".
	case hasFold(t, "remote error: tls: "):
		ev.alert = alertUnknown
		for _, a := range alertTexts {
			if hasFold(t, a.text) {
				ev.alert = a.code
				break
			}
		}
		return kTLSAlert

	// tls.RecordHeaderError.
	case hasFold(t, "first record does not look like a tls handshake"), hasFold(t, "oversized record received"),
		hasFold(t, "unsupported sslv2 handshake received"), hasFold(t, "received record with version"):
		return kTLSRecordHeader
	case hasFold(t, "protocol version not supported"), hasFold(t, "no supported versions satisfy"),
		hasFold(t, "unsupported protocol version"):
		return kTLSVersion

	// syscall.Errno texts (Linux, BSD/macOS and Windows wordings).
	case hasFold(t, "connection refused"), hasFold(t, "actively refused"):
		return kRefused
	case hasFold(t, "connection reset"), hasFold(t, "forcibly closed by the remote host"):
		return kReset
	case hasFold(t, "broken pipe"):
		return kBrokenPipe
	case hasFold(t, "no route to host"):
		return kHostUnreachable
	case hasFold(t, "network is unreachable"):
		return kNetUnreachable
	case hasFold(t, "connection timed out"), hasFold(t, "did not properly respond after a period of time"):
		return kTimedOut
	case hasFold(t, "software caused connection abort"), hasFold(t, "connection was aborted by the software"):
		return kAborted
	case hasFold(t, "network dropped connection on reset"):
		return kNetReset
	case hasFold(t, "cannot assign requested address"), hasFold(t, "can't assign requested address"):
		return kAddrNotAvail
	case hasFold(t, "too many open files"):
		return kTooManyFiles
	case ev.op == opDial && (hasFold(t, "permission denied") || hasFold(t, "operation not permitted")):
		return kNotPermitted

	// net/http and HTTP/2 response errors.
	case hasFold(t, "server closed idle connection"):
		return kIdleClosed
	case hasFold(t, "server response headers exceeded"), hasFold(t, "header list larger than"):
		return kHeadersTooLarge
	case hasFold(t, "chunked encoding"), hasFold(t, "chunk length"), hasFold(t, "unsupported transfer encoding"),
		hasFold(t, "too many transfer encodings"):
		return kTransferCoding
	case hasFold(t, "malformed http"), hasFold(t, "malformed mime header"), hasFold(t, "bad content-length"),
		hasFold(t, "multiple content-length"), hasFold(t, "invalid trailer"):
		return kMalformed
	case hasFold(t, "stream error: ") && hasFold(t, "received from peer"):
		return kStreamReset
	case hasFold(t, "goaway"):
		return kGoAway
	case hasFold(t, "stream error: "), hasFold(t, "connection error: "):
		return kMalformed

	// The gateway's own deadline.
	case hasFold(t, "context deadline exceeded"), hasFold(t, "client.timeout exceeded"):
		return kDeadline
	case hasFold(t, "i/o timeout"):
		if ev.op == opDial {
			return kConnectTimeout
		}
		return kTimeout

	case isWord(t, "unexpected eof"):
		return kUnexpectedEOF
	case isWord(t, "eof"):
		return kEOF

	// Other TLS errors raised locally.
	case hasFold(t, "handshake failure"):
		return kTLSHandshakeFailure
	case hasFold(t, "local error: tls: "), hasPrefixFold(t, "tls: "), hasFold(t, ": tls: "):
		return kTLSProtocol

	case hasFold(t, "timeout"), hasFold(t, "timed out"):
		if ev.op == opDial {
			return kConnectTimeout
		}
		return kTimeout
	}
	return kUnknown
}
