package accesslog

import (
	"context"
	"math"
	"os"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Config is what can be set. The zero value is not valid; start from
// DefaultConfig or ConfigFromEnv. It is read once, when the hook is
// installed, never per request.
type Config struct {
	// Names are the keys written into the entry: TykNames (default),
	// ECSNames or OTelNames.
	Names *Names

	// Compat writes Tyk 5.12's own keys (response_flag,
	// response_code_details, error_source, error_target, upstream_status)
	// into failed requests' entries, each only when the gateway did not
	// write it itself, so that 5.12 dashboards work on 5.8–5.11. Default
	// true.
	Compat bool

	// Timings writes the per-phase durations (upstream_dns_ms …). Default
	// true.
	Timings bool

	// Node is the gateway node's name written as gateway_node. Default: the
	// host name (os.Hostname); "" writes no node field.
	Node string

	// TTL is the longest a request's capture waits for its access-log entry;
	// older state is never attached. Default 10m.
	TTL time.Duration

	// OrphanTTL is the same for the failure of a request the pre hook did not
	// see (an API without the pre hook), known only from its "http: proxy
	// error" entry. Default 10s.
	OrphanTTL time.Duration

	// MaxPending caps the number of requests with pending state; past it, new
	// requests are not captured (and the cap is reported by Pending). Default
	// 65536.
	MaxPending int

	// Grace is the period of the janitor that removes the state of requests
	// that wrote no access-log entry: such state goes between one and two
	// periods after its request context ended, so that the access-log entry
	// of a request the client abandoned (written just after its context
	// ended) still gets its fields. Default 5s.
	Grace time.Duration

	// ErrorMaxBytes caps the length of the error text written, in bytes,
	// before escaping. Default 512.
	ErrorMaxBytes int

	// Quarantine is how long a request's finished capture waits, checked
	// for late trace callbacks, before another request reuses it
	// (capture.Pool). Default 500ms. Not read from the environment: it is
	// there for benchmarks, which reach in a second the request counts a
	// gateway reaches in minutes.
	Quarantine time.Duration

	// APIIDOf returns the id of the API a request belongs to, from the
	// request context the pre hook saw ("" when it carries none); nil when
	// the host cannot tell. In Tyk it reads the API definition the gateway
	// puts in the context before the pre hook (ctx.Definition). It is
	// called only for requests that failed, on their goroutine, to tell
	// their state from one an earlier request on another API left behind.
	// Not read from the environment.
	APIIDOf func(context.Context) string

	// ProxyStatus adds an RFC 9209 Proxy-Status header to the gateway's
	// error response when the upstream round trip failed:
	// "tyk; error=connection_timeout" (the name is ProxyStatusName, the
	// error type classify.Result.Type). With the response hook wired, an
	// upstream or intermediary 5xx the gateway passes through gets
	// "tyk; received-status=503" appended to the Proxy-Status the response
	// already has. Nothing is added on success. Default false.
	ProxyStatus bool

	// ProxyStatusName is the member name of the Proxy-Status entries: an
	// RFC 8941 token. Default "tyk".
	ProxyStatusName string

	// ProxyStatusDetails adds details="<error text>" to the Proxy-Status
	// error entry (sanitised, at most 256 bytes). The text can name internal
	// host names and addresses: it goes to the client. Default false.
	ProxyStatusDetails bool

	// Probe, when not nil, is told of every round-trip failure (on the
	// request goroutine, from inside the log hook) and asked for the
	// latest verdict of a failed request's target, written as
	// upstream_probe and upstream_probe_age_s. Not read from the
	// environment: the plugin builds it from package probe's settings.
	Probe Prober
}

// Prober is the connectivity check the hook reports failures to (package
// probe's Prober, through the plugin's adapter). Both methods are called
// on request goroutines from inside the gateway's log hook: they must not
// block, log or panic (a panic is recovered and counted).
type Prober interface {
	// Failed reports that a round trip to target ("host:port") failed as
	// r says; tls is true when the target speaks TLS (the failure was in
	// the TLS phase, a handshake had started, or the port is 443). It
	// decides itself whether to probe.
	Failed(target string, tls bool, r classify.Result)

	// Latest returns the verdict of the newest finished probe of target
	// (e.g. "unreachable_from_node") and its age at now; ok is false when
	// there is none.
	Latest(target string, now time.Time) (verdict string, age time.Duration, ok bool)
}

// DefaultConfig returns the defaults: Tyk field names, compat and timings on,
// the host name as node, TTL 10m, OrphanTTL 10s, Grace 5s, MaxPending 65536,
// ErrorMaxBytes 512, Quarantine 500ms, Proxy-Status off (name "tyk",
// details off), no probe.
func DefaultConfig() Config {
	node, _ := os.Hostname()
	return Config{
		Names:         &TykNames,
		Compat:        true,
		Timings:       true,
		Node:          node,
		TTL:           10 * time.Minute,
		OrphanTTL:     10 * time.Second,
		Grace:         5 * time.Second,
		MaxPending:    65536,
		ErrorMaxBytes: 512,
		Quarantine:    500 * time.Millisecond,

		ProxyStatusName: "tyk",
	}
}

// The environment variables ConfigFromEnv reads.
const (
	EnvFieldNames    = "UPSTREAMCAUSE_FIELD_NAMES"     // "tyk" (default), "ecs" or "otel"
	EnvCompat        = "UPSTREAMCAUSE_COMPAT_FIELDS"   // "true" (default) or "false"
	EnvTimings       = "UPSTREAMCAUSE_TIMINGS"         // "true" (default) or "false"
	EnvNode          = "UPSTREAMCAUSE_NODE"            // node name; default the host name; "-" writes none
	EnvTTL           = "UPSTREAMCAUSE_TTL"             // Go duration, e.g. "10m"
	EnvOrphanTTL     = "UPSTREAMCAUSE_ORPHAN_TTL"      // Go duration, e.g. "10s"
	EnvMaxPending    = "UPSTREAMCAUSE_MAX_PENDING"     // integer > 0
	EnvErrorMaxBytes = "UPSTREAMCAUSE_ERROR_MAX_BYTES" // integer, 64..65536

	EnvProxyStatus        = "UPSTREAMCAUSE_PROXY_STATUS"         // "on" or "off" (default)
	EnvProxyStatusName    = "UPSTREAMCAUSE_PROXY_STATUS_NAME"    // RFC 8941 token; default "tyk"
	EnvProxyStatusDetails = "UPSTREAMCAUSE_PROXY_STATUS_DETAILS" // "on" or "off" (default): reveals internal host names to clients
)

// ConfigFromEnv returns DefaultConfig changed by the variables above, read
// through getenv (os.Getenv in the plugin). Switches take on/off,
// true/false, 1/0 or yes/no. A value that does not parse, or is out of
// range, leaves the default and is reported in the returned problems, one
// sentence each; the caller decides whether to print them.
func ConfigFromEnv(getenv func(string) string) (cfg Config, problems []string) {
	cfg = DefaultConfig()
	env := Env{Getenv: getenv}
	switch v := env.Value(EnvFieldNames); strings.ToLower(v) {
	case "":
	case "tyk":
		cfg.Names = &TykNames
	case "ecs":
		cfg.Names = &ECSNames
	case "otel":
		cfg.Names = &OTelNames
	default:
		env.Bad(EnvFieldNames, v, `"tyk", "ecs" or "otel"`)
	}
	env.Switch(EnvCompat, &cfg.Compat)
	env.Switch(EnvTimings, &cfg.Timings)
	env.Switch(EnvProxyStatus, &cfg.ProxyStatus)
	env.Switch(EnvProxyStatusDetails, &cfg.ProxyStatusDetails)
	if v := env.Value(EnvProxyStatusName); v != "" {
		if isToken(v) {
			cfg.ProxyStatusName = v
		} else {
			env.Bad(EnvProxyStatusName, v, "an RFC 8941 token such as tyk or gw-eu-1")
		}
	}
	if v := env.Value(EnvNode); v == "-" {
		cfg.Node = ""
	} else if v != "" {
		cfg.Node = v
	}
	const positive = "a positive Go duration such as 10m"
	env.Duration(EnvTTL, time.Nanosecond, math.MaxInt64, positive, &cfg.TTL)
	env.Duration(EnvOrphanTTL, time.Nanosecond, math.MaxInt64, positive, &cfg.OrphanTTL)
	env.Int(EnvMaxPending, 1, 1<<24, &cfg.MaxPending)
	env.Int(EnvErrorMaxBytes, 64, 65536, &cfg.ErrorMaxBytes)
	return cfg, env.Problems
}

// ParseSwitch reads an on/off setting: "on", "true", "1", "yes" are true;
// "off", "false", "0", "no" false (any case). ok is false for anything
// else.
func ParseSwitch(v string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "1", "yes", "t":
		return true, true
	case "off", "false", "0", "no", "f":
		return false, true
	}
	return false, false
}
