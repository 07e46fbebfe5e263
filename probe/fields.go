package probe

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Prefix is the value of the probe entry's "prefix" field, so that the
// entries are told apart from the gateway's (prefix=access-log, proxy …).
const Prefix = "upstreamcause-probe"

// The keys of the probe entry's fields (Result.Fields), with the type of
// their values.
const (
	FieldPrefix       = "prefix"               // Prefix (string)
	FieldTarget       = "probe_target"         // Result.Target, "host:port" (string)
	FieldTriggerFlag  = "probe_trigger_flag"   // Result.TriggerFlag, e.g. "UCT" (string); only when not ""
	FieldVerdict      = "probe_verdict"        // Result.Verdict (string)
	FieldDNSMs        = "probe_dns_ms"         // Result.DNS (float64, milliseconds, µs precision); only when the host was looked up (not an IP literal)
	FieldDNSError     = "probe_dns_error"      // Result.DNSErr (string); only when the lookup failed
	FieldAddrs        = "probe_addrs"          // Result.Addrs joined by "," (string, e.g. "10.0.3.17,10.0.3.18"); only when any
	FieldConnect      = "probe_connect"        // one "ip:port outcome Nms" per connect, joined by ", " (string, e.g. "10.0.3.17:8080 timeout 3000.2ms, 10.0.3.18:8080 ok 0.4ms"); only when any
	FieldConnectError = "probe_connect_error"  // the error text of the first connect whose outcome is "unreachable" or "error" (string, e.g. "dial tcp 10.0.3.17:8080: connect: no route to host"); only then
	FieldTLSVerify    = "probe_tls_verify"     // TLSResult.Verify, "ok" or the verification error (string); only when a certificate arrived
	FieldTLSVersion   = "probe_tls_version"    // TLSResult.Version, e.g. "TLS 1.3" (string); only when known
	FieldTLSSubject   = "probe_tls_subject"    // TLSResult.Subject (string); only when not ""
	FieldTLSIssuer    = "probe_tls_issuer"     // TLSResult.Issuer (string); only when not ""
	FieldTLSSANs      = "probe_tls_sans"       // TLSResult.SANs (string); only when not ""
	FieldTLSNotBefore = "probe_tls_not_before" // TLSResult.NotBefore (string, RFC 3339 UTC, e.g. "2024-01-15T00:00:00Z"); only when a certificate arrived
	FieldTLSNotAfter  = "probe_tls_not_after"  // TLSResult.NotAfter (string, RFC 3339 UTC); only when a certificate arrived
	FieldTLSError     = "probe_tls_error"      // TLSResult.HandshakeErr (string); only when the handshake failed
	FieldMs           = "probe_ms"             // Result.Total (float64, milliseconds, µs precision)
	FieldDropped      = "probe_dropped"        // Result.Dropped (int64); only when > 0
	FieldNode         = "gateway_node"         // Result.Node (string); only when not "" (the access log's key for the node)
)

// Message returns the probe entry's message: "upstream probe: TARGET WHAT
// from node NODE" ("from this node" when Node is ""), WHAT being
// "unreachable", "refuses connections", "does not resolve", "fails TLS" or
// "reachable now" for the five verdicts, e.g. "upstream probe:
// orders.internal:8080 unreachable from node gw-a". For VerdictInvalidTarget
// it is "upstream probe: invalid target TARGET".
func (r *Result) Message() string {
	var what string
	switch r.Verdict {
	case VerdictUnreachable:
		what = "unreachable"
	case VerdictRefused:
		what = "refuses connections"
	case VerdictDNS:
		what = "does not resolve"
	case VerdictTLSInvalid:
		what = "fails TLS"
	case VerdictReachable:
		what = "reachable now"
	case VerdictInvalidTarget:
		return "upstream probe: invalid target " + r.Target
	default:
		what = r.Verdict
	}
	if r.Node == "" {
		return "upstream probe: " + r.Target + " " + what + " from this node"
	}
	return "upstream probe: " + r.Target + " " + what + " from node " + r.Node
}

// Fields returns the probe entry's fields, keyed by the Field constants
// above (whose comments give each value's type and when it is present); the
// map can be passed to logrus as logrus.Fields. Every value is a string, a
// float64 or an int64, already sanitised: it can be written as is. Fields is
// called on the Prober's worker goroutine; it allocates the map and the
// joined strings.
func (r *Result) Fields() map[string]interface{} {
	f := make(map[string]interface{}, 20)
	f[FieldPrefix] = Prefix
	f[FieldTarget] = r.Target
	if r.TriggerFlag != "" {
		f[FieldTriggerFlag] = r.TriggerFlag
	}
	f[FieldVerdict] = r.Verdict
	if r.lookedUp() {
		f[FieldDNSMs] = ms(r.DNS)
	}
	if r.DNSErr != "" {
		f[FieldDNSError] = r.DNSErr
	}
	if len(r.Addrs) > 0 {
		f[FieldAddrs] = strings.Join(r.Addrs, ",")
	}
	if len(r.Conns) > 0 {
		var b []byte
		connErr := ""
		for i := range r.Conns {
			c := &r.Conns[i]
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, c.Addr...)
			b = append(b, ' ')
			b = append(b, c.Outcome...)
			b = append(b, ' ')
			b = strconv.AppendFloat(b, ms(c.Duration), 'f', -1, 64)
			b = append(b, "ms"...)
			if connErr == "" && (c.Outcome == OutcomeUnreachable || c.Outcome == OutcomeError) {
				connErr = c.Err
			}
		}
		f[FieldConnect] = string(b)
		if connErr != "" {
			f[FieldConnectError] = connErr
		}
	}
	if t := r.TLS; t != nil {
		str := func(k, v string) {
			if v != "" {
				f[k] = v
			}
		}
		str(FieldTLSVerify, t.Verify)
		str(FieldTLSVersion, t.Version)
		str(FieldTLSSubject, t.Subject)
		str(FieldTLSIssuer, t.Issuer)
		str(FieldTLSSANs, t.SANs)
		str(FieldTLSNotBefore, classify.FormatCertTime(t.NotBefore))
		str(FieldTLSNotAfter, classify.FormatCertTime(t.NotAfter))
		str(FieldTLSError, t.HandshakeErr)
	}
	f[FieldMs] = ms(r.Total)
	if r.Dropped > 0 {
		f[FieldDropped] = r.Dropped
	}
	if r.Node != "" {
		f[FieldNode] = r.Node
	}
	return f
}

// lookedUp reports whether the probe looked the target's host up: the
// target is "host:port" and host is not an IP literal.
func (r *Result) lookedUp() bool {
	if r.Verdict == VerdictInvalidTarget {
		return false
	}
	host, _, err := net.SplitHostPort(r.Target)
	if err != nil || host == "" {
		return false
	}
	_, err = netip.ParseAddr(host)
	return err != nil
}

// ms converts d to milliseconds with microsecond precision, e.g. 1.234
// (as the access log's *_ms fields).
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
