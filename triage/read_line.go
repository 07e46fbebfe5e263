package triage

import (
	"bytes"
	"math"
	"net"
	"time"
	"unicode/utf8"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Source is the input lines come from and what its earlier lines told:
// partial lines awaiting their end (CRI "P" lines, Docker's lines split at
// 16 KiB), the node each stream turned out to be, lifecycle lines already
// seen. One Source serves the lines of one input, in order; its zero value
// with Name set is ready to use.
type Source struct {
	// Name is the input's name: a file path, or "stdin". Lines with no
	// node of their own are the node named after it (fileNode: the base
	// name without extensions).
	Name string
	// Year is ReadOptions.Year: the year of yearless text times; 0 to take
	// it from the wrapper's timestamp or ModTime.
	Year int
	// ModTime is the input's modification time (stdin: when it was
	// opened), the reference for yearless times without a wrapper
	// timestamp or Year; zero means the current time.
	ModTime time.Time

	intern  *interner
	pending []byte    // the pieces of a partial line read so far
	pendAt  time.Time // the wrapper time of its first piece
	over    bool      // the partial line grew past MaxLine: drop it at its end
	scratch []byte    // unescaped values of the current line
	inner   []byte    // the unescaped content of a Docker line
	tail    []byte    // the keys after a Docker line's log
	streams map[string]*stream
	file    *stream // the stream of lines without a kubectl prefix

	lastTimeRaw  [40]byte // the last time value parsed, and its result
	lastTimeLen  int
	lastTime     time.Time
	lastOK       bool
	lastYearless bool

	f fields
}

// stream is the lines of one process within an input: the whole input, or
// the lines of one pod under kubectl --prefix.
type stream struct {
	name    string     // the pod's or the file's node name
	from    NodeSource // NodeFromPrefix or NodeFromFile
	node    string     // the gateway_node its lines carry, once seen
	several bool       // its lines carry more than one gateway_node: do not infer
	life    lifecycle
}

// maxStreams bounds the pods tracked per input.
const maxStreams = 4096

// streamFor returns the stream of the lines with kubectl prefix pod ("" for
// none).
func (s *Source) streamFor(pod []byte) *stream {
	if len(pod) == 0 {
		if s.file == nil {
			name := "stdin"
			if s.Name != "stdin" && s.Name != "" {
				name = fileNode(s.Name)
			}
			s.file = &stream{name: name, from: NodeFromFile}
		}
		return s.file
	}
	if st, ok := s.streams[string(pod)]; ok {
		return st
	}
	if s.streams == nil {
		s.streams = make(map[string]*stream)
	}
	st := &stream{name: string(cut(pod, maxShort)), from: NodeFromPrefix}
	if len(s.streams) < maxStreams {
		s.streams[st.name] = st
	}
	return st
}

// flush drops a partial line left at the end of the input.
func (s *Source) flush() {
	s.pending, s.over = s.pending[:0], false
}

// aliases adds, for each stream whose lines carried exactly one
// gateway_node, its name → that node.
func (s *Source) aliases(m map[string]string) {
	add := func(st *stream) {
		if st != nil && st.node != "" && !st.several && st.node != st.name {
			m[st.name] = st.node
		}
	}
	add(s.file)
	for _, st := range s.streams {
		add(st)
	}
}

// wrapper is what a line's container wrapper says.
type wrapper struct {
	pod []byte    // kubectl --prefix pod name
	at  time.Time // the wrapper's timestamp (kubectl --timestamps, CRI, Docker)
}

// ParseLine reads one line of an input (with or without its line end) into
// e. ok is true when the line matters to triage (an access-log entry, a
// proxy error, a lifecycle line, a probe entry) and e holds it. Otherwise
// reason is "" for a line that is well formed but does not matter (another
// gateway line, a blank line, one piece of a partial line) or the Reason*
// it is skipped for.
//
// The line may be Tyk's JSON or text format, bare or in a wrapper: kubectl
// logs --prefix ("[pod/NAME/CONTAINER] "), with or without --timestamps
// (an RFC 3339 time and a space), Docker's json-file ({"log":"…",
// "stream":…,"time":…}), or CRI ("TIME stdout|stderr P|F …", P pieces
// joined with the F line that ends them). src keeps the state across the
// lines of one input. e's strings are copies, not the line's bytes.
func ParseLine(line []byte, src *Source, e *Entry) (ok bool, reason string) {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if len(line) > MaxLine {
		return false, ReasonTooLong
	}
	if !utf8.Valid(line) {
		return false, ReasonNotUTF8
	}
	var w wrapper
	if bytes.HasPrefix(line, []byte("[pod/")) {
		end := bytes.Index(line, []byte("] "))
		if end < 0 {
			return false, ReasonGarbage
		}
		w.pod = line[len("[pod/"):end]
		if i := bytes.IndexByte(w.pod, '/'); i >= 0 {
			w.pod = w.pod[:i]
		}
		line = line[end+2:]
	}
	if isTimestamp(line) {
		sp := bytes.IndexByte(line, ' ')
		if t, ok := parseRFC3339(line[:sp]); ok {
			w.at = t
			line = line[sp+1:]
			if cri, partial, rest := criStream(line); cri {
				if partial {
					return false, src.addPiece(rest, w.at)
				}
				if len(src.pending) > 0 || src.over {
					var r string
					line, w.at, r = src.joinPieces(rest, w.at)
					if r != "" {
						return false, r
					}
				} else {
					line = rest
				}
			}
		}
	}
	if bytes.HasPrefix(line, []byte(`{"log":`)) {
		content, at, partial, reason := src.docker(line)
		if reason != "" {
			return false, reason
		}
		if partial {
			return false, src.addPiece(content, at)
		}
		if len(src.pending) > 0 || src.over {
			var r string
			content, at, r = src.joinPieces(content, at)
			if r != "" {
				return false, r
			}
		}
		line, w.at = content, at
		for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
			line = line[:len(line)-1]
		}
		if !utf8.Valid(line) {
			return false, ReasonNotUTF8
		}
	}
	return src.content(line, w, e)
}

// isTimestamp reports whether line starts with an RFC 3339 date-time
// followed by a space ("2026-12-01T06:04:19.123456789Z ").
func isTimestamp(line []byte) bool {
	return len(line) > 21 && line[4] == '-' && line[7] == '-' && line[10] == 'T' &&
		'0' <= line[0] && line[0] <= '9' && bytes.IndexByte(line[19:min(len(line), 40)], ' ') >= 0
}

// criStream recognises the rest of a CRI line after its time: "stdout F …"
// or "stderr P …" (the tag may carry more flags after a colon).
func criStream(line []byte) (cri, partial bool, rest []byte) {
	var s []byte
	switch {
	case bytes.HasPrefix(line, []byte("stdout ")), bytes.HasPrefix(line, []byte("stderr ")):
		s = line[7:]
	default:
		return false, false, nil
	}
	sp := bytes.IndexByte(s, ' ')
	tag := s
	if sp >= 0 {
		tag, rest = s[:sp], s[sp+1:]
	}
	if i := bytes.IndexByte(tag, ':'); i >= 0 {
		tag = tag[:i]
	}
	switch string(tag) {
	case "F":
		return true, false, rest
	case "P":
		return true, true, rest
	}
	return false, false, nil
}

// addPiece keeps one piece of a partial line.
func (s *Source) addPiece(piece []byte, at time.Time) string {
	if len(s.pending) == 0 && !s.over {
		s.pendAt = at
	}
	if s.over || len(s.pending)+len(piece) > MaxLine {
		if !s.over {
			s.over = true
			s.pending = s.pending[:0]
		}
		return ""
	}
	s.pending = append(s.pending, piece...)
	return ""
}

// joinPieces ends a partial line with its last piece.
func (s *Source) joinPieces(last []byte, at time.Time) ([]byte, time.Time, string) {
	if s.over || len(s.pending)+len(last) > MaxLine {
		s.flush()
		return nil, at, ReasonTooLong
	}
	s.pending = append(s.pending, last...)
	line := s.pending
	at = s.pendAt
	s.pending = s.pending[:0] // the content is used before the next line
	return line, at, ""
}

// docker reads a Docker json-file line, {"log":"…","stream":"…",
// "time":"…"}: the log text (unescaped), its time, and whether the text is
// a piece of a longer line (it does not end with a newline).
func (s *Source) docker(line []byte) (content []byte, at time.Time, partial bool, reason string) {
	i := skipWS(line, len(`{"log":`))
	if i >= len(line) || line[i] != '"' {
		return nil, at, false, ReasonGarbage
	}
	end, ok := stringEnd(line, i+1)
	if !ok {
		return nil, at, false, ReasonTruncated
	}
	v := line[i+1 : end]
	// The other keys: scan them as an object of their own.
	rest := skipWS(line, end+1)
	if rest >= len(line) {
		return nil, at, false, ReasonTruncated
	}
	var f fields
	switch line[rest] {
	case '}':
		if r := trailing(line, rest+1); r != "" {
			return nil, at, false, r
		}
	case ',':
		s.tail = append(append(s.tail[:0], '{'), line[rest+1:]...)
		if r := scanJSON(s.tail, &f); r != "" {
			return nil, at, false, r
		}
	default:
		return nil, at, false, ReasonGarbage
	}
	s.inner = unescapeJSON(s.inner[:0], v, MaxLine+1)
	if f.ok(fTime) {
		at, _ = parseRFC3339(f.v[fTime].b)
	}
	n := len(s.inner)
	return s.inner, at, n == 0 || s.inner[n-1] != '\n', ""
}

// content reads the log line proper, unwrapped.
func (s *Source) content(line []byte, w wrapper, e *Entry) (bool, string) {
	for len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		line = line[1:]
	}
	if len(line) == 0 {
		return false, ""
	}
	f := &s.f
	f.has = 0
	switch {
	case line[0] == '{':
		if r := scanJSON(line, f); r != "" {
			return false, r
		}
		if !f.ok(fLevel) && !f.ok(fMsg) && !f.ok(fPrefix) {
			return false, ReasonUnknownFormat
		}
	case bytes.HasPrefix(line, []byte("time=")) || bytes.HasPrefix(line, []byte("level=")):
		if r := scanText(line, f); r != "" {
			return false, r
		}
		if !f.ok(fLevel) {
			return false, ReasonUnknownFormat
		}
	default:
		for _, c := range line {
			if c < 0x20 && c != '\t' {
				return false, ReasonGarbage
			}
		}
		return false, ReasonUnknownFormat
	}
	return s.entry(line, w, e)
}

// entry turns the fields of a Tyk line into e.
func (s *Source) entry(line []byte, w wrapper, e *Entry) (bool, string) {
	f := &s.f
	s.scratch = s.scratch[:0]
	kind := KindOther
	var msg []byte
	var version []byte
	prefix := f.v[fPrefix].b
	if !f.ok(fPrefix) {
		prefix = nil
	}
	switch string(prefix) {
	case "access-log":
		kind = KindAccess
	case "proxy":
		msg = s.text(fMsg, maxLong)
		switch {
		case bytes.HasPrefix(msg, []byte("http: proxy error during body copy: ")):
			kind = KindBodyCopyError
		case bytes.HasPrefix(msg, []byte("http: proxy error: ")):
			kind = KindProxyError
		}
	case probePrefix:
		kind = KindProbe
		if !s.probeValid() {
			return false, ReasonBadProbe
		}
	case "main":
		msg = s.text(fMsg, maxLong)
		kind, version = lifecycleKind(msg)
	}
	if kind == KindOther {
		return false, ""
	}
	st := s.streamFor(w.pod)

	*e = Entry{Kind: kind, Total: math.NaN(), IdleMs: math.NaN(), HeadersMs: math.NaN(), ProbeAgeS: math.NaN()}
	e.Time = s.lineTime(w)

	switch kind {
	case KindStart, KindReload, KindShutdown:
		if !st.life.keep(kind, e.Time) {
			return false, ""
		}
		e.Version = s.intern.str(version)
		e.Message = s.intern.str(msg)
	}

	// Node: the line's own, else its stream's.
	if f.ok(fNode) {
		node := s.str(fNode)
		if node != "" {
			e.Node, e.NodeSource = node, NodeFromField
			switch {
			case st.node == "":
				st.node = node
			case st.node != node:
				st.several = true
			}
		}
	}
	if e.Node == "" {
		if st.node != "" && !st.several {
			e.Node, e.NodeSource = st.node, NodeFromField
		} else {
			e.Node, e.NodeSource = st.name, st.from
		}
	}

	e.APIID = s.str(fAPIID)
	switch kind {
	case KindProbe:
		s.probe(e)
		return true, ""
	case KindAccess:
	default:
		s.problem(kind, msg, e)
		return true, ""
	}
	e.Method = s.str(fMethod)
	if p := s.text(fPath, maxShort); len(p) > 0 {
		if i := bytes.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		e.Path = s.intern.copyOf(fPath, p)
	}
	if f.ok(fStatus) {
		e.Status, _ = parseInt(unquoted(f.v[fStatus].b))
	}
	if f.ok(fLatencyTotal) {
		e.Total = parseFloat(unquoted(f.v[fLatencyTotal].b))
	}

	switch {
	case f.ok(fFlag):
		e.Origin = OriginPlugin
		e.Flag = s.str(fFlag)
		e.Detail = s.str(fDetail)
		e.Phase = s.str(fPhase)
		e.Source = s.str(fSource)
		e.Intermediary = s.str(fIntermediary)
		e.Target = s.str(fTarget)
		e.Peer = s.str(fPeer)
		// ECS and OTel names split host and port (server.address and
		// server.port, server.ip, network.peer.address and .port).
		if f.ok(fTargetPort) && e.Target != "" {
			port := string(unquoted(f.v[fTargetPort].b))
			e.Target = net.JoinHostPort(e.Target, port)
			if e.Peer != "" && !f.ok(fPeerPort) {
				e.Peer = net.JoinHostPort(e.Peer, port)
			}
		}
		if f.ok(fPeerPort) && e.Peer != "" {
			e.Peer = net.JoinHostPort(e.Peer, string(unquoted(f.v[fPeerPort].b)))
		}
		if f.ok(fReused) {
			e.Reused = string(unquoted(f.v[fReused].b)) == "true"
		}
		if f.ok(fIdleMs) {
			e.IdleMs = parseFloat(unquoted(f.v[fIdleMs].b))
		}
		if f.ok(fHeadersMs) {
			e.HeadersMs = parseFloat(unquoted(f.v[fHeadersMs].b))
		}
	case f.ok(fResponseFlag):
		e.Origin = OriginGateway
		e.Flag = s.str(fResponseFlag)
		e.Detail = s.str(fResponseDetails)
		if string(f.v[fErrorSource].b) == "Upstream" && f.ok(fErrorSource) {
			e.Source = classify.SourceUpstream.String()
		}
	case e.Status >= 500:
		e.Origin = OriginStatus
	}
	if e.Target == "" && f.ok(fErrorTarget) {
		// Tyk 5.12+ writes host and path for CBO and URT; keep host:port.
		t := s.text(fErrorTarget, maxShort)
		if i := bytes.IndexByte(t, '/'); i >= 0 {
			t = t[:i]
		}
		e.Target = s.intern.field(fErrorTarget, t)
	}
	if e.Target == "" && f.ok(fUpstreamAddr) {
		e.Target = s.intern.field(fUpstreamAddr, urlHostPort(s.text(fUpstreamAddr, maxLong)))
	}
	if f.ok(fError) {
		e.Error = s.intern.copyOf(fError, s.text(fError, maxLong))
	}
	e.CertSubject = s.str(fCertSubject)
	e.CertExpiry = s.str(fCertExpiry)
	if f.ok(fUpstreamProbe) && verdictToken(f.v[fUpstreamProbe]) {
		e.UpstreamProbe = s.str(fUpstreamProbe)
		if f.ok(fUpstreamProbeAge) {
			e.ProbeAgeS = parseFloat(unquoted(f.v[fUpstreamProbeAge].b))
		}
	}
	return true, ""
}

// probeValid says whether the probe entry's fields are what the plugin
// writes: a host:port probe_target and a snake_case probe_verdict. An
// entry that is not is a bad line (ReasonBadProbe), not evidence.
func (s *Source) probeValid() bool {
	if !s.f.ok(fProbeTarget) || !s.f.ok(fProbeVerdict) {
		return false
	}
	t := s.f.v[fProbeTarget].b
	if len(t) == 0 || len(t) > maxShort || s.f.v[fProbeTarget].enc != encRaw || !hasPort(t) {
		return false
	}
	for _, c := range t {
		if c <= ' ' || c == '/' || c == '"' {
			return false
		}
	}
	return verdictToken(s.f.v[fProbeVerdict])
}

// verdictToken says whether v may be a probe verdict: a string in
// snake_case that starts with a letter, at most 64 bytes.
func verdictToken(v value) bool {
	b := v.b
	if !v.str || len(b) == 0 || len(b) > 64 || b[0] < 'a' || b[0] > 'z' {
		return false
	}
	for _, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// probe fills the Entry of a probe entry: its target, and its facts in a
// Probe of its own.
func (s *Source) probe(e *Entry) {
	f := &s.f
	e.Target = s.str(fProbeTarget)
	p := &Probe{
		Verdict:     s.str(fProbeVerdict),
		TriggerFlag: s.str(fProbeTrigger),
		Addrs:       s.str(fProbeAddrs),
		Connect:     s.str(fProbeConnect),
		DNSError:    s.intern.copyOf(fProbeDNSError, s.text(fProbeDNSError, maxLong)),
		TLSVerify:   s.intern.copyOf(fProbeTLSVerify, s.text(fProbeTLSVerify, maxLong)),
		TLSError:    s.intern.copyOf(fProbeTLSError, s.text(fProbeTLSError, maxLong)),
		TLSSubject:  s.str(fProbeTLSSubject),
		TLSIssuer:   s.str(fProbeTLSIssuer),
		TLSNotAfter: s.str(fProbeTLSNotAfter),
		TLSSANs:     s.str(fProbeTLSSANs),
		TLSVersion:  s.str(fProbeTLSVersion),
	}
	if f.ok(fProbeDropped) {
		p.Dropped, _ = parseInt(unquoted(f.v[fProbeDropped].b))
	}
	e.Probe = p
}

// problem fills the Entry of a proxy-error line (classify.Message of its
// text; target and peer from the address the text names) or of a
// lifecycle line.
func (s *Source) problem(kind Kind, msg []byte, e *Entry) {
	if kind != KindProxyError && kind != KindBodyCopyError {
		return
	}
	text := msg
	if i := bytes.Index(text, []byte("proxy error")); i >= 0 {
		if j := bytes.Index(text[i:], []byte(": ")); j >= 0 {
			text = text[i+j+2:]
		}
	}
	e.Message = s.intern.copyOf(fMsg, msg)
	e.Error = s.intern.copyOf(fError, text)
	r := classify.Message(string(msg))
	e.Origin = OriginMessage
	e.Flag, e.Detail = r.Flag, r.Detail
	e.Phase, e.Source = r.Phase.String(), r.Source.String()
	e.Intermediary = r.Intermediary
	// The target is the API's upstream host:port as the gateway named it
	// (server_name, outreq.Host: "orders.internal:8080"), as the plugin's
	// entries name it; the address the error text names (the dialled IP)
	// is the peer. Without server_name, the error's address.
	host, peer := errorAddress(text)
	if s.f.ok(fServerName) {
		if sn := s.text(fServerName, maxShort); len(sn) > 0 {
			host = sn
		}
	}
	e.Target = s.intern.str(host)
	e.Peer = s.intern.str(peer)
}

// str returns the text of field id as a bounded, interned string; "" when
// absent.
func (s *Source) str(id fieldID) string {
	if !s.f.ok(id) {
		return ""
	}
	return s.intern.field(id, s.text(id, maxShort))
}

// text returns the decoded bytes of field id, at most max; nil when absent.
// They are valid until the next line.
func (s *Source) text(id fieldID, max int) []byte {
	if !s.f.ok(id) {
		return nil
	}
	var b []byte
	b, s.scratch = decode(s.f.v[id], s.scratch, max)
	return b
}

// unquoted returns a number written as a string ("500") as its digits.
func unquoted(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// lineTime returns the line's time, UTC: its time field (RFC 3339, or
// Tyk's yearless "Jan 02 15:04:05" placed in a year), else the wrapper's.
// The last result that did not depend on the wrapper is cached: most
// lines share their second with the line before.
func (s *Source) lineTime(w wrapper) time.Time {
	if !s.f.ok(fTime) {
		return w.at
	}
	raw := s.f.v[fTime].b
	if s.lastOK && len(raw) == s.lastTimeLen && string(raw) == string(s.lastTimeRaw[:len(raw)]) &&
		(!s.lastYearless || w.at.IsZero() || s.Year != 0) {
		return s.lastTime
	}
	t, ok := parseRFC3339(raw)
	yearless := false
	if !ok {
		month, day, sec, ok := parseStamp(raw)
		if !ok {
			return w.at
		}
		// The year comes from ReadOptions.Year, else the wrapper, else the
		// input's date.
		yearless = true
		switch {
		case s.Year != 0:
			t = stampTime(s.Year, month, day, sec)
		case !w.at.IsZero():
			return nearestYear(w.at, month, day, sec)
		default:
			ref := s.ModTime
			if ref.IsZero() {
				ref = time.Now()
			}
			t = yearBefore(ref.UTC(), month, day, sec)
		}
	}
	if len(raw) <= len(s.lastTimeRaw) {
		s.lastTimeLen = copy(s.lastTimeRaw[:], raw)
		s.lastTime, s.lastOK, s.lastYearless = t, true, yearless
	}
	return t
}

// urlHostPort returns the host:port of a URL ("http://h:8080/p" →
// "h:8080"), with the scheme's default port when it has none.
func urlHostPort(u []byte) []byte {
	i := bytes.Index(u, []byte("://"))
	if i < 0 {
		return nil
	}
	scheme, rest := u[:i], u[i+3:]
	if j := bytes.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	if j := bytes.LastIndexByte(rest, '@'); j >= 0 {
		rest = rest[j+1:]
	}
	if len(rest) == 0 {
		return nil
	}
	if hasPort(rest) {
		return rest
	}
	port := ""
	switch string(scheme) {
	case "http", "ws", "h2c":
		port = ":80"
	case "https", "wss":
		port = ":443"
	default:
		return rest
	}
	out := make([]byte, 0, len(rest)+len(port))
	return append(append(out, rest...), port...)
}

// hasPort reports whether a host ends with ":port" (IPv6 in brackets).
func hasPort(h []byte) bool {
	i := bytes.LastIndexByte(h, ':')
	if i < 0 {
		return false
	}
	if bytes.IndexByte(h, ']') > i {
		return false
	}
	if h[0] != '[' && bytes.IndexByte(h[:i], ':') >= 0 {
		return false // a bare IPv6 address
	}
	_, ok := parseInt(h[i+1:])
	return ok
}

// errorAddress finds the upstream address an error text names: the
// destination of a *net.OpError ("dial tcp 10.0.3.17:8080: …", "read tcp
// 127.0.0.1:5->10.0.3.17:8080: …"), which is both target and peer; the
// host of a DNS error ("lookup orders.internal on 10.0.0.2:53: …"), a
// target without port; or the host:port of a url.Error's URL (`Get
// "http://h:8080/p": …`).
func errorAddress(text []byte) (target, peer []byte) {
	for _, op := range [...]string{"dial ", "read ", "write ", "readfrom "} {
		i := wordIndex(text, op)
		if i < 0 {
			continue
		}
		rest := text[i+len(op):]
		sp := bytes.IndexByte(rest, ' ') // after the network ("tcp")
		if sp < 0 {
			continue
		}
		rest = rest[sp+1:]
		end := bytes.Index(rest, []byte(": "))
		if end < 0 {
			continue
		}
		addr := rest[:end]
		if j := bytes.Index(addr, []byte("->")); j >= 0 {
			addr = addr[j+2:]
		}
		if hasPort(addr) && bytes.IndexByte(addr, ' ') < 0 { // not "lookup NAME on SERVER:53"
			return addr, addr
		}
	}
	if i := wordIndex(text, "lookup "); i >= 0 {
		rest := text[i+len("lookup "):]
		end := bytes.IndexAny(rest, " :")
		if end > 0 {
			return rest[:end], nil
		}
	}
	if i := bytes.Index(text, []byte("://")); i >= 0 {
		start := bytes.LastIndexAny(text[:i], " \"") + 1
		end := bytes.IndexAny(text[i:], "\" ")
		if end < 0 {
			end = len(text) - i
		}
		return urlHostPort(text[start : i+end]), nil
	}
	return nil, nil
}

// wordIndex finds word at the start of text or after a space or quote.
func wordIndex(text []byte, word string) int {
	for off := 0; ; {
		i := bytes.Index(text[off:], []byte(word))
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || text[i-1] == ' ' || text[i-1] == '"' {
			return i
		}
		off = i + 1
	}
}
