package classify

import "strings"

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
// The text may be a whole log line of another logger, as reverse proxies and
// the people who paste their logs write them (testdata/corpus.jsonl has
// real ones):
//
//	level=debug msg="'502 Bad Gateway' caused by: EOF"
//	{"level":"error","logger":"http.log.error","msg":"dial tcp 10.0.0.5:80: i/o timeout","request":{…}}
//	ERR error="Unable to reach the origin service. …: EOF" cfRay=… originService=…
//
// The error text proper is found first (errorText): the value of an error
// field (error=…, err=…, "error": …, "err": …) or else of a message field
// (msg=…, "msg": …), unquoted up to its closing quote, and within it what
// follows the words a proxy introduces the error with (proxyWords). Those
// words, anywhere in the line, also tell the phase: Tyk's "http: proxy error:
// " for a failed round trip, so nothing of the response had arrived, and
// "http: proxy error during body copy: " for a failure reading the response
// body, which implies PhaseResponseBody; the same for Traefik, Caddy,
// Knative, kubectl proxy and cloudflared. Then url.Error's `Method "URL": `
// and net/http's own wrappers ("net/http: HTTP/1.x transport connection
// broken: ", which implies the request was written and the response is
// incomplete) are stripped, as are the quotes, backticks, markdown marks and
// trailing punctuation around the text. The phase is derived from the text
// where the text proves it (dial → connect, lookup → dns, tls/x509 → tls,
// write → request_write, "timeout awaiting response headers" →
// response_headers, body copy → response_body) and is PhaseUnknown
// otherwise.
//
// Matching is ASCII case-insensitive, reads at most the first 4 KiB of msg,
// accepts any bytes (invalid UTF-8, newlines) and allocates nothing. Message
// recognises the texts of every error Error recognises by type, so
// Message(err.Error()) and Error(err, PhaseUnknown) agree on Flag, Type and
// Detail for the errors net/http returns. An empty or blank msg (or one that
// is only a prefix or wrapping) returns the zero Result; any other
// unrecognised text returns FlagUPE with Detail "upstream_error", as Tyk.
func Message(msg string) Result {
	var ev evidence
	t := ev.strip(msg)
	if t == "" {
		return Result{}
	}
	ev.text(t)
	return ev.result(PhaseUnknown)
}

// strip finds the error text proper in msg, a bare error text or a log line,
// notes what the words around it and its wrappers imply, and returns it
// without them.
func (ev *evidence) strip(msg string) string {
	if len(msg) > maxScan {
		msg = msg[:maxScan]
	}
	ev.proxyWords(msg)
	msg = errorText(msg)
	for range 8 {
		msg = trimWrapping(msg)
		switch {
		case hasPrefixFold(msg, "net/http: http/1.x transport connection broken:"):
			ev.broken = true
			msg = msg[len("net/http: http/1.x transport connection broken:"):]
		case hasPrefixFold(msg, "net/http: transport failed to read from server:"):
			ev.beforeResponse = true
			msg = msg[len("net/http: transport failed to read from server:"):]
		case hasPrefixFold(msg, "readlooppeekfaillocked:"):
			msg = msg[len("readlooppeekfaillocked:"):]
		case hasPrefixFold(msg, "reading:"):
			// Caddy's reverse proxy: reading the response body from the
			// upstream failed (reverseproxy/streaming.go, "reading: %w").
			ev.body = true
			msg = msg[len("reading:"):]
		case hasPrefixFold(msg, "writing:"):
			// Caddy's reverse proxy: writing the response to the client
			// failed, whatever the error (reverseproxy/streaming.go,
			// "writing: %w"): the client went away.
			ev.downstream = true
			msg = msg[len("writing:"):]
		default:
			rest, ok := stripURLError(msg)
			if !ok {
				return msg
			}
			msg = rest
		}
	}
	return trimWrapping(msg)
}

// proxyWords are the words with which reverse proxies log a failed round
// trip, in the order they are looked for; the first found anywhere in a line
// tells in which part of the round trip it failed. The words that end in a
// colon are followed by the error text itself (errorText); the others name
// the failure in a message field and leave the error to an error field.
var proxyWords = [...]struct {
	text  string
	means proxyMeaning
}{
	{"http: proxy error during body copy:", duringBody},                    // Tyk's reverse proxy
	{"httputil: reverseproxy read error during body copy:", duringBody},    // net/http/httputil.ReverseProxy (Traefik, fabio, Harbor)
	{"aborting with incomplete response", duringBody},                      // Caddy, error in "error": "reading: …" or "writing: …"
	{"reading from backend", duringBody},                                   // Caddy
	{"http: proxy error:", beforeResponse},                                 // httputil.ReverseProxy's default ErrorHandler (Tyk, kubectl proxy, oauth2-proxy, Grafana)
	{"http: proxy error", beforeResponse},                                  // the same words as a message, error in "error" (llm-d)
	{"error while proxying request:", beforeResponse},                      // k8s.io/apimachinery's proxy (kubectl proxy)
	{"error proxying data from backend to client:", backendToClient},       // k8s.io/apimachinery's upgrade-aware proxy (inlets, kubelet)
	{"error proxying data from client to backend:", clientToBackend},       // the same
	{"error reverse proxying request", beforeResponse},                     // Knative activator and queue-proxy, error in "error"
	{"caused by:", beforeResponse},                                         // Traefik: "'502 Bad Gateway' caused by: …"
	{"may not be responding to traffic from cloudflared:", beforeResponse}, // cloudflared: "Unable to reach the origin service. The service …"
	{"do http proxy request", beforeResponse},                              // frp: "do http proxy request [host: h] error: …"
}

// proxyMeaning is what a proxy's words say about where a failure happened.
type proxyMeaning uint8

const (
	beforeResponse  proxyMeaning = iota + 1 // the round trip failed: no byte of the response had arrived
	duringBody                              // reading the response body failed
	backendToClient                         // copying a (hijacked) connection from the upstream to the client failed: a read failed on the upstream, a write on the client
	clientToBackend                         // copying from the client to the upstream failed: a read failed on the client, a write on the upstream
)

// proxyWords notes what the first proxy words found in line imply.
func (ev *evidence) proxyWords(line string) {
	for _, w := range proxyWords {
		if hasFold(line, w.text) {
			switch w.means {
			case beforeResponse:
				ev.beforeResponse = true
			case duringBody:
				ev.body = true
			default:
				ev.copying = w.means
			}
			return
		}
	}
}

// errorText returns the error text within a log line: the value of its
// error field or else of its message field (fieldValue), or else the whole
// line; and within that, what follows the first proxy words ending in a
// colon. Where the line has no field but the words follow a quote, the text
// ends at the closing quote. The result is not yet trimmed.
func errorText(line string) string {
	s, quoted := fieldValue(line, "error")
	if s == "" {
		s, quoted = fieldValue(line, "err")
	}
	if s == "" {
		s, quoted = fieldValue(line, "msg")
	}
	if s == "" {
		s, quoted = line, false
	}
	for _, w := range proxyWords {
		if w.text[len(w.text)-1] != ':' {
			continue
		}
		if i := indexFold(s, w.text); i >= 0 {
			rest := s[i+len(w.text):]
			if q := openingQuote(s[:i]); !quoted && q != "" {
				rest = rest[:quotedEnd(rest, q)]
			}
			return rest
		}
	}
	return s
}

// fieldValue returns the value of the first field named key in line, in
// logfmt (key=value), JSON ("key": value, spaces allowed around the colon)
// or escaped-JSON form (\"key\":\"value\", a JSON log line inside another
// logger's JSON string), and whether it was quoted. A quoted value ends at
// its closing quote and keeps its escapes (\" stays \"); an unquoted JSON
// value ends at a comma, brace or line end, an unquoted logfmt value where
// the next "name=" field begins. The key must start the line or follow
// white space or one of ({[, so that "err" is not found in "err_id" or
// "error". Fields whose value is blank, null, an object or an array are
// skipped; it returns "" when no field is left.
func fieldValue(line, key string) (string, bool) {
	for off := 0; off < len(line); {
		i := indexFold(line[off:], key)
		if i < 0 {
			return "", false
		}
		i += off
		off = i + 1
		q := openingQuote(line[:i]) // "" for logfmt
		if start := i - len(q); start > 0 && !isSpace(line[start-1]) && strings.IndexByte("({[,", line[start-1]) < 0 {
			continue
		}
		j := i + len(key)
		if q == "" {
			if j >= len(line) || line[j] != '=' {
				continue
			}
			j++
		} else {
			if !strings.HasPrefix(line[j:], q) {
				continue
			}
			j = skipSpace(line, j+len(q))
			if j >= len(line) || line[j] != ':' {
				continue
			}
			j = skipSpace(line, j+1)
		}
		v := line[j:]
		vq := q // a quoted value is quoted as the key, and in logfmt with "
		if vq == "" {
			vq = `"`
		}
		if strings.HasPrefix(v, vq) {
			v = v[len(vq):]
			v = v[:quotedEnd(v, vq)]
		} else {
			vq = ""
			if q != "" {
				if k := strings.IndexAny(v, ",}\n"); k >= 0 {
					v = v[:k]
				}
			} else {
				v = v[:nextField(v)]
			}
		}
		if t := trimSpace(v); t == "" || vq == "" && (t[0] == '{' || t[0] == '[' || equalFold(t, "null")) {
			continue // no value, or an object, array or null: no error text
		}
		return v, vq != ""
	}
	return "", false
}

// openingQuote returns the quote s ends with: `\"` (a quote escaped inside
// another logger's JSON string), `"`, or "" if s does not end with a quote.
func openingQuote(s string) string {
	switch {
	case strings.HasSuffix(s, `\"`):
		return `\"`
	case strings.HasSuffix(s, `"`):
		return `"`
	}
	return ""
}

// quotedEnd returns the index in s, the text after an opening quote q (`"`
// or `\"`), of the quote that closes it, or len(s). A `"` quote is closed
// by the first double quote after an even number of backslashes; a `\"`
// quote by the first after exactly one (the quotes inside it are `\\\"`).
func quotedEnd(s, q string) int {
	backslashes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			backslashes++
			continue
		case '"':
			if q == `"` && backslashes%2 == 0 {
				return i
			}
			if q == `\"` && backslashes == 1 {
				return i - 1
			}
		}
		backslashes = 0
	}
	return len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// nextField returns the index in s of the space before the next logfmt
// field (" name="), or len(s).
func nextField(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			continue
		}
		j := i + 1
		for j < len(s) && (isTokenByte(s[j]) || s[j] == '.') {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '=' {
			return i
		}
	}
	return len(s)
}

// stripURLError removes a leading url.Error text, `Method "URL": `, where
// Method is an HTTP method in url.Error's spelling ("Get", "Post", …) and
// URL is Go-quoted (%q), its quotes possibly escaped by another logger
// (`Get \"URL\": `).
func stripURLError(s string) (string, bool) {
	i := 0
	for i < len(s) && i < 32 && isTokenByte(s[i]) {
		i++
	}
	if i == 0 || i+1 >= len(s) || s[i] != ' ' {
		return s, false
	}
	q := `"`
	if strings.HasPrefix(s[i+1:], `\"`) {
		q = `\"`
	} else if s[i+1] != '"' {
		return s, false
	}
	rest := s[i+1+len(q):]
	j := quotedEnd(rest, q) + len(q)
	if j >= len(rest) || rest[j] != ':' {
		return s, false
	}
	return rest[j+1:], true
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
	case hasWordAt(t, "readfrom "):
		return opReadFrom
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
	switch {
	case ev.copying == backendToClient && ev.op == opWrite, ev.copying == clientToBackend && ev.op == opRead:
		ev.downstream = true // the client's side of the copy failed
	case ev.copying == backendToClient:
		ev.body = true // reading the upstream's response failed
	}
	if hasWordAt(t, "lookup ") {
		ev.lookup = true
	}
	ev.kind = textKind(t, ev)
}

func textKind(t string, ev *evidence) kind {
	switch {
	// Cancellation first: it is never the upstream's doing. Nor is a failed
	// write to the client (Caddy's "writing: …", see strip), nor net/http's
	// HTTP/2 server error for a client that went away while its request
	// body was being read ("client disconnected": Traefik's "'502 Bad
	// Gateway' caused by: readfrom tcp A->B: client disconnected").
	case ev.downstream, hasFold(t, "context canceled"), hasFold(t, "operation was canceled"),
		hasFold(t, "request canceled") && !hasFold(t, "timeout"), hasFold(t, "client disconnected"):
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

	// tls.RecordHeaderError, and net/http's text for one whose record looks
	// like HTTP (the upstream answered plain HTTP on its https port).
	case hasFold(t, "first record does not look like a tls handshake"), hasFold(t, "oversized record received"),
		hasFold(t, "unsupported sslv2 handshake received"), hasFold(t, "received record with version"),
		hasFold(t, "server gave http response to https client"):
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
