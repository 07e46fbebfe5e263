package probe

import (
	"reflect"
	"testing"
	"time"
)

// TestFieldsGolden: the exact fields of two hand-built Results (values, not
// errors): a name whose two addresses fail, and a TLS probe.
func TestFieldsGolden(t *testing.T) {
	unreachable := &Result{
		Target:      "orders.internal:8080",
		TriggerFlag: "UCT",
		Verdict:     VerdictUnreachable,
		Node:        "gw-a",
		Total:       3001234567 * time.Nanosecond,
		DNS:         1234567 * time.Nanosecond,
		Addrs:       []string{"10.0.3.17", "10.0.3.18"},
		Conns: []AddrResult{
			{Addr: "10.0.3.17:8080", Outcome: OutcomeTimeout, Duration: 3000 * time.Millisecond, Err: "dial tcp 10.0.3.17:8080: i/o timeout"},
			{Addr: "10.0.3.18:8080", Outcome: OutcomeUnreachable, Duration: 412 * time.Microsecond, Err: "dial tcp 10.0.3.18:8080: connect: no route to host"},
		},
		Dropped: 3,
	}
	want := map[string]interface{}{
		"prefix":              "upstreamcause-probe",
		"probe_target":        "orders.internal:8080",
		"probe_trigger_flag":  "UCT",
		"probe_verdict":       "unreachable_from_node",
		"probe_dns_ms":        1.234,
		"probe_addrs":         "10.0.3.17,10.0.3.18",
		"probe_connect":       "10.0.3.17:8080 timeout 3000ms, 10.0.3.18:8080 unreachable 0.412ms",
		"probe_connect_error": "dial tcp 10.0.3.18:8080: connect: no route to host",
		"probe_ms":            3001.234,
		"probe_dropped":       int64(3),
		"gateway_node":        "gw-a",
	}
	if got := unreachable.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields()\n got %#v\nwant %#v", got, want)
	}
	if got, want := unreachable.Message(), "upstream probe: orders.internal:8080 unreachable from node gw-a"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}

	tlsProbe := &Result{
		Target:  "10.0.3.17:8443",
		Verdict: VerdictTLSInvalid,
		Total:   5 * time.Millisecond,
		Addrs:   []string{"10.0.3.17"},
		Conns:   []AddrResult{{Addr: "10.0.3.17:8443", Outcome: OutcomeOK, Duration: 400 * time.Microsecond}},
		TLS: &TLSResult{
			Version:   "TLS 1.2",
			Verify:    "x509: certificate has expired or is not yet valid: current time 2025-02-01T00:00:00Z is after 2025-01-15T00:00:00Z",
			Subject:   "CN=orders.internal,O=Example",
			Issuer:    "CN=Example CA",
			SANs:      "orders.internal,10.0.3.17",
			NotBefore: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
			NotAfter:  time.Date(2025, 1, 15, 1, 0, 0, 0, time.FixedZone("CET", 3600)),
		},
	}
	want = map[string]interface{}{
		"prefix":               "upstreamcause-probe",
		"probe_target":         "10.0.3.17:8443",
		"probe_verdict":        "tls_invalid",
		"probe_addrs":          "10.0.3.17",
		"probe_connect":        "10.0.3.17:8443 ok 0.4ms",
		"probe_tls_verify":     "x509: certificate has expired or is not yet valid: current time 2025-02-01T00:00:00Z is after 2025-01-15T00:00:00Z",
		"probe_tls_version":    "TLS 1.2",
		"probe_tls_subject":    "CN=orders.internal,O=Example",
		"probe_tls_issuer":     "CN=Example CA",
		"probe_tls_sans":       "orders.internal,10.0.3.17",
		"probe_tls_not_before": "2024-01-15T00:00:00Z",
		"probe_tls_not_after":  "2025-01-15T00:00:00Z",
		"probe_ms":             5.0,
	}
	if got := tlsProbe.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields()\n got %#v\nwant %#v", got, want)
	}
	if got, want := tlsProbe.Message(), "upstream probe: 10.0.3.17:8443 fails TLS from this node"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
}

func TestMessages(t *testing.T) {
	for verdict, want := range map[string]string{
		VerdictUnreachable:   "upstream probe: a.test:80 unreachable from node n1",
		VerdictRefused:       "upstream probe: a.test:80 refuses connections from node n1",
		VerdictDNS:           "upstream probe: a.test:80 does not resolve from node n1",
		VerdictTLSInvalid:    "upstream probe: a.test:80 fails TLS from node n1",
		VerdictReachable:     "upstream probe: a.test:80 reachable now from node n1",
		VerdictInvalidTarget: "upstream probe: invalid target a.test:80",
	} {
		r := &Result{Target: "a.test:80", Verdict: verdict, Node: "n1"}
		if got := r.Message(); got != want {
			t.Errorf("%s: %q, want %q", verdict, got, want)
		}
	}
}
