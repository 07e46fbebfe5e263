package cases

import (
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

// Want is what one request's access-log entry and analytics record must say.
// The keys named here are Tyk's (accesslog.TykNames); CheckNames reads the
// entry under the keys of any naming mode.
type Want struct {
	Status int  // the response status the client gets and the entry names
	OK     bool // a success: no error field at all, no upstream tag

	Flag   string // upstream_flag
	Type   string // upstream_error_type; "" means absent
	Detail string // upstream_error_detail
	Phase  string // upstream_error_phase
	Source string // upstream_error_source

	NoError      bool   // no "error" field is required (an upstream that answered 5xx)
	Intermediary string // upstream_intermediary; "" means absent
	// NoPeer: no upstream_peer is required: the round trip never reached
	// an address (a DNS failure: then there must be none), or the entry is
	// of a 5xx answer, which the plugin classifies from the response
	// without its trace fields. Otherwise the peer is required (but for a
	// client that went away), and is the target itself when the target's
	// host is an IP address.
	NoPeer bool
}

// WantByCase is the contract for every upstream case, requested with GET
// unless said otherwise.
var WantByCase = map[string]Want{
	OK:    {Status: 200, OK: true},
	DNSOK: {Status: 200, OK: true},
	// A GET on a kept-alive connection the upstream closed is retried by the
	// transport on a new connection and succeeds: nothing to report.
	IdleClose: {Status: 200, OK: true},

	Refused:             {Status: 500, Flag: "UCF", Type: "connection_refused", Detail: "connection_refused", Phase: "connect", Source: "upstream"},
	ConnectTimeout:      {Status: 500, Flag: "UCT", Type: "connection_timeout", Detail: "connection_timeout", Phase: "connect", Source: "network"},
	HeaderTimeout:       {Status: 504, Flag: "URT", Type: "http_response_timeout", Detail: "response_headers_timeout", Phase: "response_headers", Source: "gateway"},
	ResetBeforeResponse: {Status: 500, Flag: "URR", Type: "connection_terminated", Detail: "connection_reset_before_response", Phase: "response_headers", Source: "upstream"},
	TLSUnknownAuthority: {Status: 500, Flag: "TLN", Type: "tls_certificate_error", Detail: "tls_unknown_authority", Phase: "tls", Source: "upstream"},
	TLSExpired:          {Status: 500, Flag: "TLE", Type: "tls_certificate_error", Detail: "tls_certificate_expired", Phase: "tls", Source: "upstream"},
	TLSWrongHost:        {Status: 500, Flag: "TLM", Type: "tls_certificate_error", Detail: "tls_hostname_mismatch", Phase: "tls", Source: "upstream"},
	TLSToPlain:          {Status: 500, Flag: "TLP", Type: "tls_protocol_error", Detail: "tls_protocol_error", Phase: "tls", Source: "upstream"},
	DNSNXDomain:         {Status: 500, Flag: "DNS", Type: "dns_error", Detail: "dns_not_found", Phase: "dns", Source: "dns", NoPeer: true},
	DNSServFail:         {Status: 500, Flag: "DNS", Type: "dns_error", Detail: "dns_server_failure", Phase: "dns", Source: "dns", NoPeer: true},
	Status503:           {Status: 503, Flag: "URS", Detail: "upstream_response_5xx", Phase: "response_headers", Source: "upstream", NoError: true, NoPeer: true},
	Intermediary502:     {Status: 502, Flag: "URS", Detail: "intermediary_response_5xx", Phase: "response_headers", Source: "intermediary", NoError: true, Intermediary: "aws_elb", NoPeer: true},
	ResetMidBody:        {Status: 200, Flag: "URR", Type: "http_response_incomplete", Detail: "connection_reset_during_body", Phase: "response_body", Source: "upstream"},
}

// WantPostIdleClose is a POST on a kept-alive connection the upstream
// closed: not replayable, so not retried.
var WantPostIdleClose = Want{Status: 500, Flag: "UCC", Type: "connection_terminated", Detail: "idle_connection_closed_by_upstream", Phase: "response_headers", Source: "upstream"}

// WantClientGone is a client that disconnected while the upstream was silent.
var WantClientGone = Want{Status: 499, Flag: "CDC", Detail: "client_disconnected", Phase: "response_headers", Source: "client"}

// WantFor returns what the request of dc must produce.
func WantFor(dc DemoCase) Want {
	switch RequestKey(dc) {
	case KeyClientGone:
		return WantClientGone
	case KeyPostIdleClose:
		return WantPostIdleClose
	}
	return WantByCase[dc.Case]
}

// GatewaySays is what a gateway that classifies failures itself (Tyk 5.12
// and later) writes into the access-log entry of a failed request.
type GatewaySays struct {
	Flag    string // response_flag
	Details string // response_code_details; alternatives a|b
	Source  string // error_source
}

// Tyk512Says is what Tyk 5.12 says for each demo request, by RequestKey (its
// classifier on Go ≥ 1.23's errors; the README's "Tyk 5.12 says" column has
// it too). The plugin must leave it as it is. A request missing here is one
// the gateway does not classify (an error during the body copy): there the
// plugin's compat keys carry its own values, as on 5.8.
var Tyk512Says = map[string]GatewaySays{
	Refused: {"UCF", "connection_refused", "ReverseProxy"},
	// Tyk 5.12 says context_deadline_exceeded or request_timeout for the
	// same connect timeout, depending on whether the dial context or the
	// socket deadline fired first (net's errTimeout matches
	// context.DeadlineExceeded, os.ErrDeadlineExceeded does not).
	ConnectTimeout:      {"URT", "context_deadline_exceeded|request_timeout", "ReverseProxy"},
	HeaderTimeout:       {"URT", "context_deadline_exceeded", "ReverseProxy"},
	ResetBeforeResponse: {"URR", "connection_reset", "ReverseProxy"},
	KeyPostIdleClose:    {"UPE", "upstream_error", "ReverseProxy"},
	TLSUnknownAuthority: {"TLN", "tls_unknown_authority", "ReverseProxy"},
	TLSExpired:          {"TLE", "tls_certificate_expired", "ReverseProxy"},
	TLSWrongHost:        {"TLM", "tls_hostname_mismatch", "ReverseProxy"},
	TLSToPlain:          {"TLP", "tls_protocol_error", "ReverseProxy"},
	DNSNXDomain:         {"DNS", "dns_not_found", "ReverseProxy"},
	DNSServFail:         {"DNS", "dns_resolution_failed", "ReverseProxy"},
	Status503:           {"URS", "upstream_response_5xx", "Upstream"},
	Intermediary502:     {"URS", "upstream_response_5xx", "Upstream"},
	KeyClientGone:       {"CDC", "client_disconnected", "ReverseProxy"},
}

// ErrorKeys are the fields the plugin writes into a failed request's entry
// with Tyk's names (on Tyk 5.8–5.11 the compat keys too); a success entry
// has none of them.
var ErrorKeys = ErrorKeysOf(&accesslog.TykNames)

// ErrorKeysOf returns the keys the plugin writes into a failed request's
// entry with names n: every key n names, then Tyk 5.12's keys.
func ErrorKeysOf(n *accesslog.Names) []string {
	var out []string
	v := reflect.ValueOf(*n)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.String && f.String() != "" {
			out = append(out, f.String())
		}
	}
	return append(out, accesslog.KeyResponseFlag, accesslog.KeyResponseDetail, accesslog.KeyErrorSource,
		accesslog.KeyErrorTarget, accesslog.KeyUpstreamStatus, accesslog.KeyCircuitBreakerState)
}

// Check is CheckNames with Tyk's names (accesslog.TykNames, the default
// naming mode).
func (w Want) Check(e map[string]any, upstreamHost string, tags []string, haveRecord bool, says *GatewaySays) []string {
	return w.CheckNames(&accesslog.TykNames, e, upstreamHost, tags, haveRecord, says)
}

// CheckNames compares one access-log entry (its fields by name), written
// with the keys n (the naming mode's: accesslog.TykNames, ECSNames or
// OTelNames), and, if haveRecord, the tags of its analytics record with w;
// upstreamHost is the host:port of the request's upstream, which the entry
// names as the mode splits it (host:port, or the host and an integer
// port). says is what the gateway itself writes for this request (Tyk
// 5.12+), which the plugin must keep; nil means the gateway wrote no
// classification of its own (5.8 to 5.11, or a failure 5.12 does not
// classify), so the plugin's compat keys are checked instead. It returns
// the disagreements, empty when all agree.
func (w Want) CheckNames(n *accesslog.Names, e map[string]any, upstreamHost string, tags []string, haveRecord bool, says *GatewaySays) []string {
	var bad []string
	eq := func(k, v string) {
		if k == "" {
			return
		}
		got, ok := e[k]
		switch {
		case v == "" && ok:
			bad = append(bad, fmt.Sprintf("%s = %v, want absent", k, got))
		case v != "" && !ok:
			bad = append(bad, fmt.Sprintf("%s absent, want %q", k, v))
		case v != "" && fmt.Sprint(got) != v:
			bad = append(bad, fmt.Sprintf("%s = %q, want %q", k, fmt.Sprint(got), v))
		}
	}
	// addr checks an address written under key (and its port under
	// portKey, an integer; the IP alone under key when hostOnly).
	addr := func(key, portKey string, hostOnly bool, want string) {
		host, port, err := net.SplitHostPort(want)
		if (portKey == "" && !hostOnly) || err != nil {
			eq(key, want)
			return
		}
		eq(key, host)
		if portKey == "" {
			return
		}
		eq(portKey, port)
		if v, ok := e[portKey]; ok && !isInteger(v) {
			bad = append(bad, fmt.Sprintf("%s = %#v, want the integer %s", portKey, v, port))
		}
	}
	eq("status", strconv.Itoa(w.Status))
	if w.OK {
		var present []string
		for _, k := range ErrorKeysOf(n) {
			if _, ok := e[k]; ok {
				present = append(present, k)
			}
		}
		if len(present) > 0 {
			bad = append(bad, "success entry carries "+strings.Join(present, ", "))
		}
		for _, tag := range tags {
			if strings.HasPrefix(tag, "upstream_") {
				bad = append(bad, "success record tagged "+tag)
			}
		}
		return bad
	}
	eq(n.Flag, w.Flag)
	eq(n.Type, w.Type)
	eq(n.Detail, w.Detail)
	eq(n.Phase, w.Phase)
	eq(n.Source, w.Source)
	eq(n.Intermediary, w.Intermediary)
	if !w.NoError && n.Error != "" && Field(e, n.Error) == "" {
		bad = append(bad, n.Error+" absent or empty")
	}
	if w.Flag != "CDC" {
		addr(n.Target, n.TargetPort, false, upstreamHost)
		switch host, _, _ := net.SplitHostPort(upstreamHost); {
		case w.NoPeer:
			if w.Phase == "dns" {
				eq(n.Peer, "")
				eq(n.PeerPort, "")
			}
		case net.ParseIP(host) != nil:
			// Nothing but that address to connect to.
			addr(n.Peer, n.PeerPort, n.PeerIPOnly, upstreamHost)
		case Field(e, n.Peer) == "":
			bad = append(bad, n.Peer+" absent or empty")
		}
	}
	if says == nil {
		// Tyk 5.12's keys, written by the plugin.
		eq("response_flag", w.Flag)
		eq("response_code_details", w.Detail)
		if w.Flag == "URS" {
			eq("error_source", "Upstream")
			eq("upstream_status", strconv.Itoa(w.Status))
		} else {
			eq("error_source", "ReverseProxy")
		}
		if w.Flag != "CDC" {
			eq("error_target", upstreamHost)
		}
	} else {
		// The gateway's own keys, kept as it wrote them.
		oneOf := func(k, alts string) {
			got := fmt.Sprint(e[k])
			for _, a := range strings.Split(alts, "|") {
				if got == a {
					return
				}
			}
			bad = append(bad, fmt.Sprintf("%s = %q, want the gateway's %q", k, got, alts))
		}
		oneOf("response_flag", says.Flag)
		oneOf("response_code_details", says.Details)
		oneOf("error_source", says.Source)
		if w.Flag == "URS" {
			eq("upstream_status", strconv.Itoa(w.Status))
		}
		// 5.12 writes host:port and, for a transport error, the path.
		if t := Field(e, "error_target"); t != upstreamHost && !strings.HasPrefix(t, upstreamHost+"/") {
			bad = append(bad, fmt.Sprintf("error_target = %q, want the gateway's %q or %q+path", t, upstreamHost, upstreamHost))
		}
	}
	if haveRecord {
		wantTags := []string{"upstream_flag:" + w.Flag, "upstream_error_phase:" + w.Phase, "upstream_error_source:" + w.Source}
		if w.Type != "" {
			wantTags = append(wantTags, "upstream_error_type:"+w.Type)
		}
		for _, wt := range wantTags {
			if !contains(tags, wt) {
				bad = append(bad, fmt.Sprintf("analytics tags %q lack %q", tags, wt))
			}
		}
	}
	return bad
}

// isInteger reports whether v is a whole number: a Go integer (an entry as
// logrus holds it), or a JSON number without a fraction (one decoded from
// a log line).
func isInteger(v any) bool {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return x == float64(int64(x))
	case interface{ Int64() (int64, error) }: // json.Number
		_, err := x.Int64()
		return err == nil
	}
	return false
}

// Field returns field k of e as text: "" if absent or nil. An entry decoded
// from JSON holds strings; one a logrus formatter saw may hold an error.
func Field(e map[string]any, k string) string {
	switch v := e[k].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
