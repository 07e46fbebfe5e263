package accesslog

// Names are the keys the hook writes into a failed request's access-log
// entry. An empty name means the field is not written.
type Names struct {
	Error        string // raw error text, sanitised (string)
	Flag         string // refined response flag, classify.Result.Flag (string, e.g. "UCT")
	Type         string // RFC 9209 Proxy-Status error type (string)
	Detail       string // finer snake_case reason (string)
	Phase        string // phase of the round trip (string, e.g. "connect")
	Source       string // who produced the failure (string, e.g. "network")
	Intermediary string // which intermediary answered a 5xx (string, e.g. "aws_elb")
	Target       string // upstream "host:port" the round trip was for (string); the host alone when TargetPort is set
	TargetPort   string // when not "": the target's port (int), and Target holds the host alone
	Peer         string // "ip:port" dialled or connected to (string); the IP alone when PeerPort or PeerIPOnly is set
	PeerPort     string // when not "": the peer's port (int), and Peer holds the IP alone
	PeerIPOnly   bool   // Peer holds the IP alone, and its port is not written (it is the target's)
	Attempts     string // attempts the transport made (int)
	Reused       string // the failing attempt reused a pooled connection (bool)
	IdleMs       string // how long that connection had been idle (float64, milliseconds)
	DNSMs        string // DNS lookup duration (float64, milliseconds)
	ConnectMs    string // TCP connect duration (float64, milliseconds)
	TLSMs        string // TLS handshake duration (float64, milliseconds)
	WriteMs      string // from connection obtained to request written (float64, milliseconds)
	HeadersMs    string // from request written to first response byte or failure (float64, milliseconds)
	Node         string // gateway node name (string)
	Probe        string // verdict of the newest probe of Target from this node (string, e.g. "unreachable_from_node"; package probe)
	ProbeAgeS    string // age of that verdict (int, seconds)

	// The certificate a failed TLS verification names (classify.Certificate),
	// for every certificate failure: unknown authority, host mismatch,
	// expired, not yet valid, invalid. Strings are escaped and at most 256
	// bytes; times are RFC 3339 in UTC, as Tyk 5.12+ writes tls_cert_expiry.
	CertSubject   string // subject, pkix.Name.String() (string, e.g. "CN=api.internal,O=Example")
	CertExpiry    string // NotAfter (string, RFC 3339)
	CertIssuer    string // issuer, pkix.Name.String() (string)
	CertSANs      string // DNS names then IPs, comma-separated, at most 8 (string)
	CertNotBefore string // NotBefore (string, RFC 3339)
}

// TykNames are the default keys: snake_case like Tyk's own access-log fields.
var TykNames = Names{
	Error:        "error",
	Flag:         "upstream_flag",
	Type:         "upstream_error_type",
	Detail:       "upstream_error_detail",
	Phase:        "upstream_error_phase",
	Source:       "upstream_error_source",
	Intermediary: "upstream_intermediary",
	Target:       "upstream_target",
	Peer:         "upstream_peer",
	Attempts:     "upstream_attempts",
	Reused:       "upstream_conn_reused",
	IdleMs:       "upstream_conn_idle_ms",
	DNSMs:        "upstream_dns_ms",
	ConnectMs:    "upstream_connect_ms",
	TLSMs:        "upstream_tls_ms",
	WriteMs:      "upstream_request_write_ms",
	HeadersMs:    "upstream_response_headers_ms",
	Node:         "gateway_node",
	Probe:        "upstream_probe",
	ProbeAgeS:    "upstream_probe_age_s",

	CertSubject:   "tls_cert_subject", // Tyk 5.12+'s own key (it writes it for expired certificates only)
	CertExpiry:    "tls_cert_expiry",  // Tyk 5.12+'s own key, same format
	CertIssuer:    "upstream_tls_cert_issuer",
	CertSANs:      "upstream_tls_cert_sans",
	CertNotBefore: "upstream_tls_cert_not_before",
}

// ECSNames map the same fields onto Elastic Common Schema names where one
// exists (ECS 8.x field reference: error.message, error.code, error.type,
// event.reason, server.address with server.port, server.ip, host.name,
// tls.server.*) and onto a tyk.upstream.* namespace where none does. The
// target is split as ECS wants it: server.address the host name (or IP) the
// gateway dialled, server.port its port (int); server.ip is the IP address
// connected to.
var ECSNames = Names{
	Error:        "error.message",
	Flag:         "error.code",
	Type:         "error.type",
	Detail:       "event.reason",
	Phase:        "tyk.upstream.phase",
	Source:       "tyk.upstream.source",
	Intermediary: "tyk.upstream.intermediary",
	Target:       "server.address",
	TargetPort:   "server.port",
	Peer:         "server.ip",
	PeerIPOnly:   true,
	Attempts:     "tyk.upstream.attempts",
	Reused:       "tyk.upstream.connection_reused",
	IdleMs:       "tyk.upstream.connection_idle_ms",
	DNSMs:        "tyk.upstream.dns_ms",
	ConnectMs:    "tyk.upstream.connect_ms",
	TLSMs:        "tyk.upstream.tls_ms",
	WriteMs:      "tyk.upstream.request_write_ms",
	HeadersMs:    "tyk.upstream.response_headers_ms",
	Node:         "host.name",
	Probe:        "tyk.upstream.probe",
	ProbeAgeS:    "tyk.upstream.probe_age_s",

	CertSubject:   "tls.server.subject",
	CertExpiry:    "tls.server.not_after",
	CertIssuer:    "tls.server.issuer",
	CertSANs:      "tls.server.x509.alternative_names",
	CertNotBefore: "tls.server.not_before",
}

// OTelNames map the same fields onto OpenTelemetry semantic conventions
// where one exists (error.type, error.message, server.address with
// server.port, network.peer.address with network.peer.port, host.name,
// tls.server.*) and onto tyk.upstream.* where none does. The response
// flag, which OpenTelemetry has no attribute for, is tyk.upstream.flag;
// error.type carries the RFC 9209 type, the low-cardinality class of error
// OpenTelemetry asks for. The gateway's own status key (status) is Tyk's
// and is left alone: a collector maps it to http.response.status_code
// (examples/shipping).
var OTelNames = Names{
	Error:        "error.message",
	Flag:         "tyk.upstream.flag",
	Type:         "error.type",
	Detail:       "tyk.upstream.error_detail",
	Phase:        "tyk.upstream.phase",
	Source:       "tyk.upstream.source",
	Intermediary: "tyk.upstream.intermediary",
	Target:       "server.address",
	TargetPort:   "server.port",
	Peer:         "network.peer.address",
	PeerPort:     "network.peer.port",
	Attempts:     "tyk.upstream.attempts",
	Reused:       "tyk.upstream.connection_reused",
	IdleMs:       "tyk.upstream.connection_idle_ms",
	DNSMs:        "tyk.upstream.dns_ms",
	ConnectMs:    "tyk.upstream.connect_ms",
	TLSMs:        "tyk.upstream.tls_ms",
	WriteMs:      "tyk.upstream.request_write_ms",
	HeadersMs:    "tyk.upstream.response_headers_ms",
	Node:         "host.name",
	Probe:        "tyk.upstream.probe",
	ProbeAgeS:    "tyk.upstream.probe_age_s",

	CertSubject:   "tls.server.subject",
	CertExpiry:    "tls.server.not_after",
	CertIssuer:    "tls.server.issuer",
	CertSANs:      "tyk.upstream.tls_cert_sans",
	CertNotBefore: "tls.server.not_before",
}

// Tyk 5.12's own classification keys, written (when Config.Compat is on) only
// where the gateway did not write them.
const (
	KeyResponseFlag   = "response_flag"         // Tyk 5.12 response flag, e.g. "UCF"
	KeyResponseDetail = "response_code_details" // Tyk 5.12 details, e.g. "connection_refused"
	KeyErrorSource    = "error_source"          // "ReverseProxy" for transport errors, "Upstream" for a 5xx
	KeyErrorTarget    = "error_target"          // upstream "host:port"
	KeyUpstreamStatus = "upstream_status"       // status of an upstream 5xx (int)

	// KeyCircuitBreakerState is Tyk 5.12+'s circuit_breaker_state, written
	// with response_flag CBO: "OPEN", the only state Tyk writes.
	KeyCircuitBreakerState = "circuit_breaker_state"
)
