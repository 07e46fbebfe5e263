package triage

import "time"

// Kind says what a log line is to triage.
type Kind uint8

// The kinds of lines triage uses. Every other line is KindOther and is
// counted, not kept.
const (
	KindOther Kind = iota
	// KindAccess is an access-log entry (prefix=access-log): one request's
	// outcome, with its status and, with the plugin or on Tyk 5.12+, its
	// classification.
	KindAccess
	// KindProxyError is the gateway's "http: proxy error: <err>" line
	// (prefix=proxy, level error): a round trip that failed, the only
	// evidence on Tyk 5.8–5.11 without the plugin.
	KindProxyError
	// KindBodyCopyError is "http: proxy error during body copy: <err>".
	KindBodyCopyError
	// KindStart is a gateway process start (its version banner).
	KindStart
	// KindReload is an API (re)load.
	KindReload
	// KindShutdown is a gateway shutting down.
	KindShutdown
	// KindProbe is an entry of the plugin's connectivity probe
	// (prefix=upstreamcause-probe).
	KindProbe
)

// Origin says where an Entry's classification comes from, from the most
// to the least precise.
type Origin uint8

// The origins of a classification.
const (
	OriginNone    Origin = iota // not classified
	OriginPlugin                // the plugin's upstream_* fields (or their ECS names)
	OriginGateway               // Tyk 5.12+'s own response_flag / response_code_details
	OriginMessage               // classify.Message of a proxy-error text (Tyk 5.8–5.11 without the plugin)
	OriginStatus                // only the access-log status is known
)

// NodeSource says how an Entry's node was found.
type NodeSource uint8

// The sources of a node name, from the most to the least reliable.
const (
	NodeFromField  NodeSource = iota // the plugin's gateway_node (or host.name)
	NodeFromPrefix                   // the pod name of a kubectl --prefix wrapper
	NodeFromFile                     // the input's file name
)

// Entry is one log line that matters to triage, reduced to the fields the
// analysis uses. Strings are bounded copies (at most a few hundred bytes);
// float fields are NaN when the line does not carry them.
type Entry struct {
	Time       time.Time // the line's time (UTC); zero when it has none
	Node       string    // the gateway node that wrote the line
	NodeSource NodeSource
	Kind       Kind

	APIID  string  // api_id
	Method string  // method
	Path   string  // path, without the query
	Status int     // status of an access-log entry; 0 when absent
	Total  float64 // latency_total, milliseconds

	// Classification (classify's vocabulary): Flag is a response flag
	// ("UCT"), Detail its snake_case detail, Phase a classify.Phase name
	// ("connect"), Source a classify.Source name ("network"), Intermediary
	// an intermediary name ("aws_elb").
	Flag, Detail, Phase, Source, Intermediary string
	Origin                                    Origin

	Target string // upstream host:port (upstream_target, error_target, or the proxy error's address)
	Peer   string // ip:port connected (upstream_peer)

	Reused    bool    // the failing attempt ran on a pooled connection
	IdleMs    float64 // how long that connection had been idle, ms
	HeadersMs float64 // from request written to the failure or first byte, ms

	Error string // the error text (error field, or the proxy error's text)

	CertSubject string // tls_cert_subject
	CertExpiry  string // tls_cert_expiry, RFC 3339

	Version string // the gateway version of a KindStart line, e.g. "v5.8.15"
	Message string // the line's message, bounded

	// Probe is what a KindProbe entry says (its Target is probe_target);
	// nil for every other kind. Probe entries are few (the plugin writes
	// one after a failure, rate-limited), so each has a Probe of its own:
	// the Entry of the common lines stays as small as it was.
	Probe *Probe

	// UpstreamProbe is the verdict of the plugin's newest probe of Target
	// that a failed request's access-log entry carries (upstream_probe,
	// ECS tyk.upstream.probe), "" when none; ProbeAgeS is that verdict's
	// age at the request, seconds (upstream_probe_age_s), NaN when absent.
	UpstreamProbe string
	ProbeAgeS     float64
}

// The verdicts of the plugin's probe (probe_verdict, upstream_probe). A
// verdict not listed here is kept and shown as written; it changes no
// conclusion.
const (
	// ProbeReachable: the node resolved the target and connected to it
	// (and, for TLS, verified the handshake) right after the failure.
	ProbeReachable = "reachable_now"
	// ProbeUnreachable: the connect from the node timed out or found no
	// route.
	ProbeUnreachable = "unreachable_from_node"
	// ProbeRefused: the connect from the node was refused.
	ProbeRefused = "refused_from_node"
	// ProbeDNSFails: the node could not resolve the target's host.
	ProbeDNSFails = "dns_fails_from_node"
	// ProbeTLSInvalid: the node connected, and the upstream's certificate
	// failed verification.
	ProbeTLSInvalid = "tls_invalid"
)

// Probe is one entry of the plugin's probe (prefix=upstreamcause-probe):
// the check of the troubleshooting guide's step 2 (resolve the upstream,
// connect to it, verify its certificate), run by the plugin from the node
// itself right after a connect, DNS or TLS failure. Strings are bounded
// copies; "" when the entry does not carry them.
type Probe struct {
	Verdict     string // probe_verdict, e.g. ProbeUnreachable
	TriggerFlag string // probe_trigger_flag: the flag of the failure that set it off ("UCT")
	Addrs       string // probe_addrs: what the host resolved to, comma-separated
	Connect     string // probe_connect: "127.0.1.1:8080 timeout 3000ms", "… refused", "… ok 0.4ms"
	DNSError    string // probe_dns_error
	TLSVerify   string // probe_tls_verify: the verification error
	TLSError    string // probe_tls_error: a handshake error
	TLSSubject  string // probe_tls_subject
	TLSIssuer   string // probe_tls_issuer
	TLSNotAfter string // probe_tls_not_after, RFC 3339
	TLSSANs     string // probe_tls_sans
	TLSVersion  string // probe_tls_version
	Dropped     int    // probe_dropped: probes the plugin dropped (rate limit) before this one
}
