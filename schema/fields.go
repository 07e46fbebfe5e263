package schema

import (
	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// The JSON types of the values, as logrus's JSON formatter emits the Go
// values the plugin writes: int as an integer, float64 as a number, bool,
// string.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
)

// Who writes a key into an entry (the x-upstreamcause-written-by of each
// property).
const (
	// ByPlugin: only the plugin writes it.
	ByPlugin = "plugin"
	// ByGateway: the gateway (Tyk) writes it; the plugin never does.
	ByGateway = "gateway"
	// ByPluginOrGateway: Tyk 5.12+ writes it itself; the plugin writes it
	// only where the gateway did not (5.8–5.11, or an answer the gateway
	// does not classify), and never changes the gateway's value.
	ByPluginOrGateway = "plugin-or-gateway"
)

// FormatDateTime is the JSON Schema format of an RFC 3339 time.
const FormatDateTime = "date-time"

// Field is one key of an entry and what its value is.
type Field struct {
	Key         string
	Type        string
	Format      string   // FormatDateTime or ""
	Enum        []string // the closed set of values, or nil
	Const       string   // the one value, or ""
	Pattern     string   // a regular expression the value matches, or ""
	Min, Max    *int64   // bounds of a number, or nil
	Description string
	Example     any
	WrittenBy   string // ByPlugin, ByGateway or ByPluginOrGateway
	// NamesField is the accesslog.Names field whose key this is (the
	// plugin's fields named by the naming mode), "" for a key that is the
	// same in every mode.
	NamesField string
}

func bound(v int64) *int64 { return &v }

// snakeCase is the pattern of the plugin's details: snake_case words.
const snakeCase = `^[a-z0-9]+(_[a-z0-9]+)*$`

// AccessLogFields returns the fields of an access-log entry written with
// names n, in the order the documents list them: the plugin's fields
// (accesslog.Names, every one n names), Tyk 5.12's keys (the plugin's
// compat keys), then the gateway's own keys.
func AccessLogFields(n *accesslog.Names) []Field {
	var out []Field
	add := func(key, namesField string, f Field) {
		if key == "" {
			return
		}
		f.Key, f.NamesField = key, namesField
		if f.WrittenBy == "" {
			f.WrittenBy = ByPlugin
		}
		out = append(out, f)
	}
	add(n.Error, "Error", Field{Type: TypeString,
		Description: "The raw error of the failed round trip, as Tyk's troubleshooting guide shows it: without the request URL (user info and query of any URL in it replaced by REDACTED), cut at UPSTREAMCAUSE_ERROR_MAX_BYTES (default 512) bytes then marked …(truncated), control characters and invalid UTF-8 escaped. Not written for a 5xx answer.",
		Example:     "dial tcp 10.0.3.17:8080: i/o timeout"})
	add(n.Flag, "Flag", Field{Type: TypeString, Enum: Flags,
		Description: "The response flag (Tyk 5.12 / Envoy vocabulary; UCC is the plugin's own). Written on every entry the plugin classifies.",
		Example:     "UCT"})
	add(n.Type, "Type", Field{Type: TypeString, Enum: ErrorTypes,
		Description: "The RFC 9209 Proxy-Status error type; absent where RFC 9209 has none (a 5xx from the upstream itself, a client that went away).",
		Example:     "connection_timeout"})
	add(n.Detail, "Detail", Field{Type: TypeString, Pattern: snakeCase,
		Description: "A finer snake_case reason; Tyk 5.12's word where Tyk has one.",
		Example:     "connection_timeout"})
	add(n.Phase, "Phase", Field{Type: TypeString, Enum: Phases,
		Description: "The phase of the upstream round trip the failure happened in.",
		Example:     "connect"})
	add(n.Source, "Source", Field{Type: TypeString, Enum: Sources,
		Description: "Who produced the failure: the upstream, an intermediary in front of it, the network, DNS, the gateway (its own timeout, its own answer), the client.",
		Example:     "network"})
	add(n.Intermediary, "Intermediary", Field{Type: TypeString, Enum: Intermediaries,
		Description: "For a 5xx answered by a load balancer or CDN in front of the upstream: which one.",
		Example:     "aws_elb"})
	if n.TargetPort != "" {
		add(n.Target, "Target", Field{Type: TypeString,
			Description: "The host (name or IP) of the upstream the round trip was for, without its port (" + n.TargetPort + "); the whole host:port if it has no valid port.",
			Example:     "orders.internal"})
		add(n.TargetPort, "TargetPort", Field{Type: TypeInteger, Min: bound(0), Max: bound(65535),
			Description: "The port of the upstream the round trip was for (" + n.Target + " holds its host).",
			Example:     8080})
	} else {
		add(n.Target, "Target", Field{Type: TypeString,
			Description: "The host:port of the upstream the round trip was for.",
			Example:     "orders.internal:8080"})
	}
	switch {
	case n.PeerPort != "":
		add(n.Peer, "Peer", Field{Type: TypeString,
			Description: "The IP address the round trip connected (or tried to connect) to, without its port (" + n.PeerPort + "): which of several upstream instances failed; the whole address if it has no valid port.",
			Example:     "10.0.3.17"})
		add(n.PeerPort, "PeerPort", Field{Type: TypeInteger, Min: bound(0), Max: bound(65535),
			Description: "The port the round trip connected (or tried to connect) to (" + n.Peer + " holds its IP).",
			Example:     8080})
	case n.PeerIPOnly:
		add(n.Peer, "Peer", Field{Type: TypeString,
			Description: "The IP address the round trip connected (or tried to connect) to: which of several upstream instances failed. Its port is the target's (" + n.TargetPort + "); the whole address if it has no valid port.",
			Example:     "10.0.3.17"})
	default:
		add(n.Peer, "Peer", Field{Type: TypeString,
			Description: "The resolved ip:port the round trip connected (or tried to connect) to: which of several upstream instances failed.",
			Example:     "10.0.3.17:8080"})
	}
	add(n.Attempts, "Attempts", Field{Type: TypeInteger, Min: bound(0),
		Description: "Attempts the transport made (it retries an idempotent request whose reused connection was closed under it).",
		Example:     2})
	add(n.Reused, "Reused", Field{Type: TypeBoolean,
		Description: "The failing attempt ran on a pooled keep-alive connection.",
		Example:     true})
	add(n.IdleMs, "IdleMs", Field{Type: TypeNumber, Min: bound(0),
		Description: "How long that pooled connection had been idle, in milliseconds.",
		Example:     89012.4})
	ms := func(key, namesField, what string, example float64) {
		add(key, namesField, Field{Type: TypeNumber, Min: bound(0),
			Description: what + ", in milliseconds with microsecond precision (UPSTREAMCAUSE_TIMINGS=false writes none).",
			Example:     example})
	}
	ms(n.DNSMs, "DNSMs", "Duration of the DNS lookup of the last attempt; a lookup still open at the failure is measured up to it", 300.555)
	ms(n.ConnectMs, "ConnectMs", "Duration of the TCP connect of the last attempt; a connect still open at the failure is measured up to it", 300.555)
	ms(n.TLSMs, "TLSMs", "Duration of the TLS handshake of the last attempt; a handshake still open at the failure is measured up to it", 300.555)
	ms(n.WriteMs, "WriteMs", "From connection obtained to request written", 0.069)
	ms(n.HeadersMs, "HeadersMs", "From request written to the first response byte, or to the failure", 500.878)
	add(n.Node, "Node", Field{Type: TypeString,
		Description: "The gateway node (UPSTREAMCAUSE_NODE, default the host name), to isolate a failing node.",
		Example:     "gw-eu-2"})
	add(n.Probe, "Probe", Field{Type: TypeString, Enum: Verdicts,
		Description: "With UPSTREAMCAUSE_PROBE=on: the verdict of the newest probe of the target from this node.",
		Example:     "unreachable_from_node"})
	add(n.ProbeAgeS, "ProbeAgeS", Field{Type: TypeInteger, Min: bound(0),
		Description: "The age of that verdict, in whole seconds.",
		Example:     10})
	cert := func(key, namesField string, f Field) {
		if key == KeyTLSCertSubject || key == KeyTLSCertExpiry {
			f.WrittenBy = ByPluginOrGateway
			f.Description += " Tyk 5.12+'s own key (it writes it for expired certificates only; then its value is kept)."
		}
		add(key, namesField, f)
	}
	cert(n.CertSubject, "CertSubject", Field{Type: TypeString,
		Description: "For every certificate failure (unknown authority, host mismatch, expired, not yet valid, invalid): the subject (pkix.Name.String(), Tyk's format) of the certificate the failed verification names; escaped, at most 256 bytes.",
		Example:     "CN=127.0.0.1,O=upstreamcause test"})
	cert(n.CertExpiry, "CertExpiry", Field{Type: TypeString, Format: FormatDateTime,
		Description: "That certificate's NotAfter, RFC 3339 in UTC.",
		Example:     "2026-11-20T15:17:19Z"})
	cert(n.CertIssuer, "CertIssuer", Field{Type: TypeString,
		Description: "That certificate's issuer (for an unknown authority, the CA the gateway does not trust); escaped, at most 256 bytes.",
		Example:     "CN=upstreamcause test CA"})
	cert(n.CertSANs, "CertSANs", Field{Type: TypeString,
		Description: "That certificate's DNS names then IPs, comma-separated, at most 8 (then ,+N more), at most 256 bytes.",
		Example:     "wrong-host.example,127.0.0.2"})
	cert(n.CertNotBefore, "CertNotBefore", Field{Type: TypeString, Format: FormatDateTime,
		Description: "That certificate's NotBefore, RFC 3339 in UTC (a certificate not yet valid is usually a clock skew).",
		Example:     "2026-11-19T15:17:19Z"})

	// Tyk 5.12's keys: the same in every naming mode.
	compat := func(key string, f Field) {
		f.Key, f.WrittenBy = key, ByPluginOrGateway
		out = append(out, f)
	}
	compat(accesslog.KeyResponseFlag, Field{Type: TypeString, Pattern: `^[A-Z]{3}$`,
		Description: "Tyk 5.12's response flag. Written by the plugin (UPSTREAMCAUSE_COMPAT_FIELDS, default on) only where the gateway did not write it: on 5.8–5.11, and on 5.12+ for an answer the gateway does not classify.",
		Example:     "UCT"})
	compat(accesslog.KeyResponseDetail, Field{Type: TypeString,
		Description: "Tyk 5.12's response_code_details, written by the plugin only where the gateway did not.",
		Example:     "connection_timeout"})
	compat(accesslog.KeyErrorSource, Field{Type: TypeString,
		Description: "As Tyk 5.14: Upstream for a 5xx answer, the rejecting middleware's name for a gateway 4xx (AuthKey, JWTMiddleware, RateLimitAndQuotaCheck …), ReverseProxy otherwise; written by the plugin only where the gateway did not.",
		Example:     "ReverseProxy"})
	compat(accesslog.KeyErrorTarget, Field{Type: TypeString,
		Description: "The upstream the failure is about: host:port as the plugin writes it (Tyk 5.12+ writes host and path, kept).",
		Example:     "orders.internal:8080"})
	compat(accesslog.KeyUpstreamStatus, Field{Type: TypeInteger, Min: bound(100), Max: bound(599),
		Description: "The upstream's 5xx status, as Tyk 5.12.",
		Example:     503})
	compat(accesslog.KeyCircuitBreakerState, Field{Type: TypeString,
		Description: "With response_flag CBO: the circuit breaker's state, as Tyk 5.12+ writes it (the plugin writes OPEN, only where the gateway did not).",
		Example:     "OPEN"})
	// Tyk 5.12+'s certificate keys, when the naming mode puts the plugin's
	// certificate facts elsewhere.
	have := map[string]bool{}
	for _, f := range out {
		have[f.Key] = true
	}
	if !have[KeyTLSCertSubject] {
		out = append(out, Field{Key: KeyTLSCertSubject, Type: TypeString, WrittenBy: ByGateway,
			Description: "Tyk 5.12+'s own key: the subject of an expired upstream certificate. The plugin writes its certificate facts under this mode's names.",
			Example:     "CN=127.0.0.1,O=upstreamcause test"})
	}
	if !have[KeyTLSCertExpiry] {
		out = append(out, Field{Key: KeyTLSCertExpiry, Type: TypeString, Format: FormatDateTime, WrittenBy: ByGateway,
			Description: "Tyk 5.12+'s own key: the expiry of an expired upstream certificate, RFC 3339. The plugin writes its certificate facts under this mode's names.",
			Example:     "2026-11-20T15:17:19Z"})
	}
	return append(out, gatewayFields()...)
}

// Tyk 5.12+'s own certificate keys.
const (
	KeyTLSCertSubject = "tls_cert_subject"
	KeyTLSCertExpiry  = "tls_cert_expiry"
)

// PrefixAccessLog is the prefix of the gateway's access-log entries.
const PrefixAccessLog = "access-log"

// gatewayFields are the gateway's own keys of an access-log entry (Tyk
// 5.8–5.14, internal/httputil/accesslog, and the fields of the middleware
// logger an entry of a refused request carries), with logrus's own keys.
// Which appear depends on the gateway version and access_logs.template;
// only prefix is required.
func gatewayFields() []Field {
	g := func(key, typ, desc string, example any) Field {
		return Field{Key: key, Type: typ, WrittenBy: ByGateway, Description: desc, Example: example}
	}
	prefix := g("prefix", TypeString, "The gateway's entry kind: access-log.", PrefixAccessLog)
	prefix.Const = PrefixAccessLog
	status := g("status", TypeInteger, "The response status the gateway sent the client (499: the client went away).", 500)
	status.Min, status.Max = bound(100), bound(599)
	tm := g("time", TypeString, "logrus's time of the entry, RFC 3339 (Tyk's JSON log format).", "2026-12-01T10:31:18Z")
	tm.Format = FormatDateTime
	lat := func(key, desc string) Field {
		f := g(key, TypeInteger, desc+", in whole milliseconds.", 0)
		f.Min = bound(0)
		return f
	}
	return []Field{
		prefix,
		status,
		g("method", TypeString, "The request method.", "POST"),
		g("path", TypeString, "The request path (without the listen path when the API strips it).", "/orders"),
		g("api_id", TypeString, "The API's id (5.8 leaves it out of the reverse proxy's error entries).", "orders"),
		g("api_name", TypeString, "The API's name.", "Orders API"),
		g("org_id", TypeString, "The API's organisation id.", "default"),
		g("api_key", TypeString, "The request's key, obfuscated or hashed (-- for none).", "--"),
		g("client_ip", TypeString, "The client's IP address.", "127.0.0.1"),
		g("remote_addr", TypeString, "The client connection's address.", "127.0.0.1:46096"),
		g("host", TypeString, "The request's Host.", "127.0.0.1:8080"),
		g("protocol", TypeString, "The request's protocol.", "HTTP/1.1"),
		g("user_agent", TypeString, "The request's User-Agent.", "Go-http-client/1.1"),
		g("upstream_addr", TypeString, "The upstream URL (scheme, host and path) the gateway proxied to.", "http://orders.internal:8080/orders"),
		lat("latency_total", "The request's total latency"),
		lat("latency_gateway", "The gateway's share of the latency (Tyk 5.12+)"),
		lat("upstream_latency", "The upstream's share of the latency"),
		g("original_path", TypeString, "The client's path before URL rewrites (Tyk 5.14).", "/gw/jwt/e2e-gw-jwt-expired"),
		g("api_type", TypeString, "The API's kind: classic, oas, graphql, mcp (Tyk 5.14).", "classic"),
		g("trace_id", TypeString, "The OpenTelemetry trace id, when tracing is on (Tyk 5.12+).", "4bf92f3577b34da6a3ce929d0e0e4736"),
		g("mw", TypeString, "The middleware that refused the request (entries of the gateway's own answers).", "RateLimitAndQuotaCheck"),
		g("key", TypeString, "The middleware logger's obfuscated key.", "****d221"),
		g("origin", TypeString, "The middleware logger's client address.", "127.0.0.1"),
		g("type", TypeString, "The middleware logger's entry type.", "request"),
		g("level", TypeString, "logrus's level of the entry.", "info"),
		g("msg", TypeString, "logrus's message (empty for access-log entries); Tyk 5.14's JSON format names it message.", ""),
		g("message", TypeString, "logrus's message, as Tyk 5.14's JSON format names it.", ""),
		tm,
		g("logrus_error", TypeString, "Tyk's JSON formatter's copy of an error field.", "dial tcp 10.0.3.17:8080: i/o timeout"),
	}
}

// ProbeFields returns the fields of the probe's entry (package probe's
// Field constants, the same in every naming mode), with logrus's keys.
func ProbeFields() []Field {
	p := func(key, typ, desc string, example any) Field {
		return Field{Key: key, Type: typ, WrittenBy: ByPlugin, Description: desc, Example: example}
	}
	prefix := p(probe.FieldPrefix, TypeString, "The probe entry's kind: "+probe.Prefix+".", probe.Prefix)
	prefix.Const = probe.Prefix
	trigger := p(probe.FieldTriggerFlag, TypeString, "The flag of the failure that started the probe.", "UCT")
	trigger.Enum = Flags
	verdict := p(probe.FieldVerdict, TypeString, "unreachable_from_node (no address connects: timeouts, no route), refused_from_node (every address refuses), dns_fails_from_node, tls_invalid (connects, but the handshake fails or the certificate does not verify for the host), reachable_now.", "unreachable_from_node")
	verdict.Enum = Verdicts
	msNum := func(key, desc string, example float64) Field {
		f := p(key, TypeNumber, desc, example)
		f.Min = bound(0)
		return f
	}
	date := func(key, desc, example string) Field {
		f := p(key, TypeString, desc, example)
		f.Format = FormatDateTime
		return f
	}
	dropped := p(probe.FieldDropped, TypeInteger, "Triggers dropped since the previous probe entry (queue or table full); only when any.", 12)
	dropped.Min = bound(1)
	level := Field{Key: "level", Type: TypeString, Enum: ProbeLevels, WrittenBy: ByGateway,
		Description: "logrus's level: warning when the target is not reachable from the node, info when it is.", Example: "warning"}
	tm := Field{Key: "time", Type: TypeString, Format: FormatDateTime, WrittenBy: ByGateway,
		Description: "logrus's time of the entry, RFC 3339 (Tyk's JSON log format).", Example: "2026-12-02T02:02:28Z"}
	return []Field{
		prefix,
		p(probe.FieldTarget, TypeString, "The host:port probed (the failed round trip's target).", "orders.internal:8080"),
		trigger,
		verdict,
		msNum(probe.FieldDNSMs, "The lookup, in milliseconds (absent for an IP target).", 0.41),
		p(probe.FieldDNSError, TypeString, "The lookup's error.", "lookup servfail.upstream.test on 127.0.0.1:53: server misbehaving"),
		p(probe.FieldAddrs, TypeString, "The addresses resolved, comma-separated.", "10.0.3.17,10.0.3.18"),
		p(probe.FieldConnect, TypeString, "One result per address: ip:port, ok, refused, timeout, unreachable or error, and how long it took.", "10.0.3.17:8080 timeout 3000ms, 10.0.3.18:8080 ok 0.4ms"),
		p(probe.FieldConnectError, TypeString, "The error text of the first connect whose outcome is unreachable or error.", "dial tcp 10.0.3.17:8080: connect: no route to host"),
		p(probe.FieldTLSVerify, TypeString, "ok, or why the certificate does not verify for the host.", "x509: certificate signed by unknown authority"),
		p(probe.FieldTLSVersion, TypeString, "The TLS version negotiated.", "TLS 1.3"),
		p(probe.FieldTLSSubject, TypeString, "The subject of the leaf certificate presented.", "CN=127.0.0.1"),
		p(probe.FieldTLSIssuer, TypeString, "Its issuer.", "CN=upstreamcause test CA"),
		p(probe.FieldTLSSANs, TypeString, "Its DNS names then IPs, comma-separated.", "127.0.0.1"),
		date(probe.FieldTLSNotBefore, "Its NotBefore, RFC 3339 in UTC.", "2026-11-19T15:17:19Z"),
		date(probe.FieldTLSNotAfter, "Its NotAfter, RFC 3339 in UTC.", "2026-11-20T15:17:19Z"),
		p(probe.FieldTLSError, TypeString, "The TLS handshake's own error.", "remote error: tls: handshake failure"),
		msNum(probe.FieldMs, "The whole probe, in milliseconds.", 2006.6),
		dropped,
		p(probe.FieldNode, TypeString, "The node the probe ran on (UPSTREAMCAUSE_NODE, default the host name).", "gw-eu-2"),
		level,
		Field{Key: "msg", Type: TypeString, WrittenBy: ByPlugin, Description: "The probe's sentence (Tyk 5.14's JSON format names it message).", Example: "upstream probe: 127.0.0.1:49051 unreachable from node vm"},
		Field{Key: "message", Type: TypeString, WrittenBy: ByPlugin, Description: "The probe's sentence, as Tyk 5.14's JSON format names it.", Example: "upstream probe: 127.0.0.1:49051 unreachable from node vm"},
		tm,
	}
}
