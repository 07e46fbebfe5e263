package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// The probe and Proxy-Status part of "e2e run" (-probe, -proxy-status):
// the gateway runs with UPSTREAMCAUSE_PROBE=on and
// UPSTREAMCAUSE_PROXY_STATUS=on (details on), and the run checks what a
// client and an operator see of them.

// probeVerdicts is the verdict the plugin's probe must reach, from the
// gateway's node, for the target of each demo case whose failure is in the
// DNS, connect or TLS phase; no other case's target may be probed.
var probeVerdicts = map[string]string{
	cases.Refused:             "refused_from_node",
	cases.ConnectTimeout:      "unreachable_from_node",
	cases.TLSUnknownAuthority: "tls_invalid",
	cases.TLSExpired:          "tls_invalid",
	cases.TLSWrongHost:        "tls_invalid",
	cases.TLSToPlain:          "tls_invalid",
	cases.DNSNXDomain:         "dns_fails_from_node",
	cases.DNSServFail:         "dns_fails_from_node",
}

// checkProxyStatus returns what is wrong with the Proxy-Status a client got
// for demo case s (header: the field lines, or none): "tyk; error=<the
// case's RFC 9209 type>; details=…" for a failed round trip, nothing for a
// success, a client that went away, a 5xx passed on by an API without the
// response hook, or a body that broke after the headers were sent.
func checkProxyStatus(s *sent, header []string) []string {
	if s.gw != nil || s.dc.Cancel != 0 {
		return nil
	}
	if s.want.OK || s.want.Type == "" || s.want.Phase == "response_body" {
		if len(header) != 0 {
			return []string{fmt.Sprintf("Proxy-Status %q, want none", header)}
		}
		return nil
	}
	want := "tyk; error=" + s.want.Type + `; details="`
	if len(header) != 1 || !strings.HasPrefix(header[0], want) || !strings.HasSuffix(header[0], `"`) {
		return []string{fmt.Sprintf("Proxy-Status %q, want one member %s…\"", header, want)}
	}
	return nil
}

// psSummary is the Proxy-Status the client got, as the run prints it after
// the entry's summary: ` Proxy-Status="…"`, or "" for none.
func psSummary(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf(" Proxy-Status=%q", strings.Join(lines, ", "))
}

// probeEntries reads the gateway log's probe entries (prefix
// upstreamcause-probe), in order.
func probeEntries(path string) []map[string]any {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"upstreamcause-probe"`)) {
			continue
		}
		var e map[string]any
		if json.Unmarshal(line, &e) == nil && e["prefix"] == "upstreamcause-probe" {
			out = append(out, e)
		}
	}
	return out
}

// checkProbes waits for the probe entries of every demo case in
// probeVerdicts (one per target: the second kind's failure is within the
// probe interval), checks each, checks that no other target was probed,
// then sends each such case once more through the classic API and checks
// that its access-log entry carries the verdict (upstream_probe,
// upstream_probe_age_s, or their names in naming mode mode). Each probe
// entry must validate against schema/probe-entry.json. It prints one line
// per target and returns the number of failed checks.
func checkProbes(client *http.Client, gw, logFile string, env map[string]string, mode string) (failed int) {
	type expect struct {
		c, verdict, flag string
	}
	want := map[string]expect{} // by target "host:port"
	for c, v := range probeVerdicts {
		u, err := url.Parse(env["URL_"+c])
		if err != nil || u.Host == "" {
			fmt.Printf("FAIL  probe: case %s has no upstream URL\n", c)
			failed++
			continue
		}
		want[u.Host] = expect{c: c, verdict: v, flag: cases.WantByCase[c].Flag}
	}
	byTarget := map[string][]map[string]any{}
	_ = waitFor(20*time.Second, func() error {
		byTarget = map[string][]map[string]any{}
		for _, e := range probeEntries(logFile) {
			t, _ := e["probe_target"].(string)
			byTarget[t] = append(byTarget[t], e)
		}
		for t := range want {
			if len(byTarget[t]) == 0 {
				return fmt.Errorf("no probe of %s", t)
			}
		}
		return nil
	})
	targets := make([]string, 0, len(byTarget)+len(want))
	for t := range want {
		targets = append(targets, t)
	}
	for t := range byTarget {
		if _, ok := want[t]; !ok {
			targets = append(targets, t)
		}
	}
	sort.Strings(targets)
	for _, t := range targets {
		w, expected := want[t]
		es := byTarget[t]
		var bad []string
		switch {
		case !expected:
			bad = append(bad, fmt.Sprintf("probed %d time(s), but no demo case fails there in the DNS, connect or TLS phase", len(es)))
		case len(es) == 0:
			bad = append(bad, "no probe entry")
		case len(es) > 1:
			bad = append(bad, fmt.Sprintf("%d probe entries within the interval, want 1", len(es)))
		}
		if expected && len(es) > 0 {
			e := es[0]
			str := func(k string) string { v, _ := e[k].(string); return v }
			if v := str("probe_verdict"); v != w.verdict {
				bad = append(bad, fmt.Sprintf("probe_verdict %q, want %q", v, w.verdict))
			}
			if v := str("probe_trigger_flag"); v != w.flag {
				bad = append(bad, fmt.Sprintf("probe_trigger_flag %q, want %q", v, w.flag))
			}
			if v := str("level"); v != "warning" {
				bad = append(bad, fmt.Sprintf("level %q, want warning", v))
			}
			if str("gateway_node") == "" {
				bad = append(bad, "no gateway_node")
			}
			if err := schema.ValidateProbe(e); err != nil {
				bad = append(bad, "schema: "+err.Error())
			}
			host, _, _ := strings.Cut(t, ":")
			if _, ok := e["probe_dns_ms"].(float64); !ok && net.ParseIP(host) == nil {
				bad = append(bad, "no probe_dns_ms for a name")
			}
			switch w.verdict {
			case "dns_fails_from_node":
				if str("probe_dns_error") == "" {
					bad = append(bad, "no probe_dns_error")
				}
			case "tls_invalid":
				if str("probe_tls_verify") == "" && str("probe_tls_error") == "" {
					bad = append(bad, "neither probe_tls_verify nor probe_tls_error")
				}
				fallthrough
			default:
				if !strings.HasPrefix(str("probe_connect"), str("probe_addrs")) || str("probe_addrs") == "" {
					bad = append(bad, fmt.Sprintf("probe_connect %q does not start with probe_addrs %q", str("probe_connect"), str("probe_addrs")))
				}
			}
		}
		if expected && len(bad) == 0 {
			bad = append(bad, checkProbeVerdictInEntry(client, gw, logFile, w.c, w.verdict, mode)...)
		}
		label := fmt.Sprintf("probe   %-21s %s", w.c, t)
		line := ""
		if len(es) > 0 {
			line = fmt.Sprintf("verdict=%v", es[0]["probe_verdict"])
			for _, k := range []string{"probe_connect", "probe_dns_error", "probe_tls_verify", "probe_tls_error"} {
				if v, ok := es[0][k]; ok {
					line += fmt.Sprintf(" %s=%q", k, v)
				}
			}
		}
		if len(bad) == 0 {
			fmt.Printf("ok    %s %s\n", label, line)
			continue
		}
		failed++
		fmt.Printf("FAIL  %s %s\n", label, line)
		for _, b := range bad {
			fmt.Printf("      - %s\n", b)
		}
		for _, e := range es {
			j, _ := json.Marshal(e)
			fmt.Printf("      entry: %s\n", j)
		}
	}
	return failed
}

// checkProbeVerdictInEntry sends case c once more through its classic API
// and checks that the access-log entry names the probe's verdict and its
// age (an integer) under the keys of naming mode mode, and validates
// against that mode's schema.
func checkProbeVerdictInEntry(client *http.Client, gw, logFile, c, verdict, mode string) []string {
	n, err := schema.NamesFor(mode)
	if err != nil {
		return []string{err.Error()}
	}
	token := tokenPrefix(mode) + "probed-" + c
	if _, err := cases.Send(client, gw+listenPath(KindClassic, c)+token, http.MethodGet, 0); err != nil {
		return []string{"the request after the probe: " + err.Error()}
	}
	var e map[string]any
	_ = waitFor(10*time.Second, func() error {
		if e = accessEntries(logFile)[token]; e == nil {
			return fmt.Errorf("no entry")
		}
		return nil
	})
	if e == nil {
		return []string{"no access-log entry for the request after the probe"}
	}
	var bad []string
	if e[n.Probe] != verdict {
		bad = append(bad, fmt.Sprintf("the next failure's entry has %s=%v, want %s", n.Probe, e[n.Probe], verdict))
	}
	if age, ok := e[n.ProbeAgeS].(float64); !ok || age < 0 || age != float64(int64(age)) {
		bad = append(bad, fmt.Sprintf("the next failure's entry has %s=%v, want whole seconds", n.ProbeAgeS, e[n.ProbeAgeS]))
	}
	if err := schema.Validate(mode, e); err != nil {
		bad = append(bad, "the next failure's entry: schema: "+err.Error())
	}
	return bad
}

// checkReceivedStatus sends one request to each receivedStatusAPIs API (the
// response hook wired) and checks that the client's Proxy-Status ends with
// "tyk; received-status=<the upstream's status>". It prints a line each and
// returns the number of failed checks.
func checkReceivedStatus(client *http.Client, gw string) (failed int) {
	paths := make([]string, 0, len(receivedStatusAPIs))
	for p := range receivedStatusAPIs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		status, h, err := cases.SendHeader(client, gw+p+"received", http.MethodGet, 0)
		got := h.Values("Proxy-Status")
		want := fmt.Sprintf("tyk; received-status=%d", status)
		label := fmt.Sprintf("proxy-status %-21s", receivedStatusAPIs[p])
		if err == nil && status >= 500 && len(got) > 0 && got[len(got)-1] == want {
			fmt.Printf("ok    %s status=%d Proxy-Status=%q\n", label, status, got)
			continue
		}
		failed++
		fmt.Printf("FAIL  %s status=%d err=%v Proxy-Status=%q, want it to end with %q\n", label, status, err, got, want)
	}
	return failed
}
