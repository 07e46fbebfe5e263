package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upstreamcause/tyk-upstream-cause/triage"
)

// Tyk's fixed transport values and defaults (gateway/reverse_proxy.go and
// gateway/server.go, the same in 5.8.15 and 5.14.0).
const (
	tykDefaultProxyTimeout = 30.0 // defaultProxyTimeout, when proxy_default_timeout is 0
	tykIdleConnTimeout     = 90.0 // idleConnTimeout: IdleConnTimeout of every API's transport
	tykTLSHandshake        = 10.0 // TLSHandshakeTimeout
	tykServerTimeout       = 120  // http_server_options read/write_timeout when 0
	goIdlePerHost          = 2    // net/http's DefaultMaxIdleConnsPerHost, when max_idle_connections_per_host is 0
)

// tykConfig is what --config and --apps say: the gateway settings that
// decide timeouts and connection reuse toward upstreams (tyk.conf keys as in
// Tyk 5.8–5.14 config/config.go) and, per API definition, its targets and
// enforced timeouts (apidef).
type tykConfig struct {
	File string // tyk.conf read, "" if none
	Apps string // directory of API definitions read, "" if none

	ProxyDefaultTimeout   *float64 `json:"proxy_default_timeout"`
	ProxyCloseConnections *bool    `json:"proxy_close_connections"`
	MaxIdleConns          *int     `json:"max_idle_connections"`
	MaxIdleConnsPerHost   *int     `json:"max_idle_connections_per_host"`
	MaxConnTime           *int64   `json:"max_conn_time"`
	ProxyEnableHTTP2      *bool    `json:"proxy_enable_http2"`
	ProxySSLInsecure      *bool    `json:"proxy_ssl_insecure_skip_verify"`
	HTTPServerOptions     struct {
		ReadTimeout  *int `json:"read_timeout"`
		WriteTimeout *int `json:"write_timeout"`
	} `json:"http_server_options"`
	AppPath string `json:"app_path"`

	APIs []tykAPI `json:"-"`
}

// tykAPI is one API definition, classic or OAS.
type tykAPI struct {
	ID       string               `json:"api_id"`
	Name     string               `json:"name"`
	File     string               `json:"file"`
	Targets  []string             `json:"targets"` // host:port
	Insecure bool                 `json:"ssl_insecure_skip_verify,omitempty"`
	Hard     []triage.HardTimeout `json:"hard_timeouts,omitempty"`
}

// readTykConfig reads the gateway configuration file conf and the API
// definitions (*.json) in apps; either may be "". Without apps, the
// configuration's app_path is read if it exists on this machine.
func readTykConfig(conf, apps string) (*tykConfig, error) {
	c := &tykConfig{}
	if conf != "" {
		b, err := os.ReadFile(conf)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, c); err != nil {
			return nil, fmt.Errorf("%s: %v", conf, err)
		}
		c.File = conf
		if apps == "" && c.AppPath != "" {
			if fi, err := os.Stat(c.AppPath); err == nil && fi.IsDir() {
				apps = c.AppPath
			}
		}
	}
	if apps != "" {
		files, err := filepath.Glob(filepath.Join(apps, "*.json"))
		if err == nil && len(files) == 0 {
			if _, err = os.Stat(apps); err == nil {
				err = fmt.Errorf("%s: no API definitions (*.json)", apps)
			}
		}
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			a, err := readAPIDefinition(f)
			if err != nil {
				return nil, err
			}
			if a != nil {
				c.APIs = append(c.APIs, *a)
			}
		}
		c.Apps = apps
	}
	return c, nil
}

// classicAPI is the part of a classic API definition read here.
type classicAPI struct {
	APIID string `json:"api_id"`
	Name  string `json:"name"`
	Proxy struct {
		TargetURL           string   `json:"target_url"`
		EnableLoadBalancing bool     `json:"enable_load_balancing"`
		TargetList          []string `json:"target_list"`
		Transport           struct {
			SSLInsecureSkipVerify bool `json:"ssl_insecure_skip_verify"`
		} `json:"transport"`
	} `json:"proxy"`
	VersionData struct {
		Versions map[string]struct {
			ExtendedPaths struct {
				HardTimeouts []struct {
					Disabled bool   `json:"disabled"`
					Path     string `json:"path"`
					Method   string `json:"method"`
					TimeOut  int    `json:"timeout"`
				} `json:"hard_timeouts"`
			} `json:"extended_paths"`
		} `json:"versions"`
	} `json:"version_data"`
}

// oasAPI is the part of an OAS API definition read here.
type oasAPI struct {
	Paths map[string]map[string]struct {
		OperationID string `json:"operationId"`
	} `json:"paths"`
	Tyk *struct {
		Info struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"info"`
		Upstream struct {
			URL string `json:"url"`
		} `json:"upstream"`
		Middleware struct {
			Operations map[string]struct {
				EnforceTimeout *struct {
					Enabled bool `json:"enabled"`
					Value   int  `json:"value"`
				} `json:"enforcedTimeout"`
			} `json:"operations"`
		} `json:"middleware"`
	} `json:"x-tyk-api-gateway"`
}

// readAPIDefinition reads one API definition; nil for a JSON file that is
// neither a classic nor an OAS API definition.
func readAPIDefinition(file string) (*tykAPI, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var o oasAPI
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if o.Tyk != nil {
		a := &tykAPI{ID: o.Tyk.Info.ID, Name: o.Tyk.Info.Name, File: file, Targets: hostPorts(o.Tyk.Upstream.URL)}
		ops := map[string][2]string{} // operationId → method, path
		for path, methods := range o.Paths {
			for m, op := range methods {
				ops[op.OperationID] = [2]string{strings.ToUpper(m), path}
			}
		}
		for id, op := range o.Tyk.Middleware.Operations {
			if t := op.EnforceTimeout; t != nil && t.Enabled && t.Value > 0 {
				mp := ops[id]
				a.Hard = append(a.Hard, triage.HardTimeout{APIID: a.ID, Method: mp[0], Path: mp[1], TimeoutS: float64(t.Value)})
			}
		}
		sortHard(a.Hard)
		return a, nil
	}
	var c classicAPI
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if c.APIID == "" && c.Proxy.TargetURL == "" {
		return nil, nil
	}
	a := &tykAPI{ID: c.APIID, Name: c.Name, File: file, Insecure: c.Proxy.Transport.SSLInsecureSkipVerify}
	if c.Proxy.EnableLoadBalancing && len(c.Proxy.TargetList) > 0 {
		for _, t := range c.Proxy.TargetList {
			a.Targets = append(a.Targets, hostPorts(t)...)
		}
	} else {
		a.Targets = hostPorts(c.Proxy.TargetURL)
	}
	for _, v := range c.VersionData.Versions {
		for _, h := range v.ExtendedPaths.HardTimeouts {
			if !h.Disabled && h.TimeOut > 0 {
				a.Hard = append(a.Hard, triage.HardTimeout{APIID: a.ID, Method: h.Method, Path: h.Path, TimeoutS: float64(h.TimeOut)})
			}
		}
	}
	sortHard(a.Hard)
	return a, nil
}

func sortHard(h []triage.HardTimeout) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].Path != h[j].Path {
			return h[i].Path < h[j].Path
		}
		return h[i].Method < h[j].Method
	})
}

// hostPorts returns the host:port of a target URL (the scheme's port when
// it names none), or nothing for an empty or unparsable URL.
func hostPorts(target string) []string {
	u, err := url.Parse(strings.TrimSpace(target))
	if err != nil || u.Host == "" {
		return nil
	}
	if u.Port() != "" {
		return []string{u.Host}
	}
	port := "80"
	if strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "wss") {
		port = "443"
	}
	return []string{net.JoinHostPort(u.Hostname(), port)}
}

// settings returns what the analysis needs to know of the configuration.
func (c *tykConfig) settings() triage.TykSettings {
	s := triage.TykSettings{Known: c.File != ""}
	if c.ProxyDefaultTimeout != nil {
		s.ProxyDefaultTimeoutS = *c.ProxyDefaultTimeout
	}
	if c.ProxyCloseConnections != nil {
		s.ProxyCloseConnections = *c.ProxyCloseConnections
	}
	if c.MaxIdleConnsPerHost != nil {
		s.MaxIdleConnsPerHost = *c.MaxIdleConnsPerHost
	}
	if c.MaxConnTime != nil {
		s.MaxConnTimeS = *c.MaxConnTime
	}
	for _, a := range c.APIs {
		s.HardTimeouts = append(s.HardTimeouts, a.Hard...)
	}
	return s
}

// proxyTimeout is the upstream dial and response-header timeout in force.
func (c *tykConfig) proxyTimeout() float64 {
	if c.ProxyDefaultTimeout != nil && *c.ProxyDefaultTimeout > 0 {
		return *c.ProxyDefaultTimeout
	}
	return tykDefaultProxyTimeout
}

// tykSetting is one setting as the report shows it.
type tykSetting struct {
	Key     string `json:"key"`
	Value   any    `json:"value"`
	Default bool   `json:"default"` // not set: Tyk's default in force
	Meaning string `json:"meaning"`
}

// tykReport is the section on the configuration: the key "tyk_config" of
// the JSON report.
type tykReport struct {
	Config   string       `json:"config,omitempty"`
	Apps     string       `json:"apps,omitempty"`
	Settings []tykSetting `json:"settings"`
	APIs     []tykAPI     `json:"apis"`
	// Notes compare the configuration with what the logs show, one
	// sentence each.
	Notes []string `json:"notes"`
}

// report compares the configuration with the report's findings.
func (c *tykConfig) report(rep *triage.Report) *tykReport {
	out := &tykReport{Config: c.File, Apps: c.Apps, APIs: c.APIs, Settings: c.table(), Notes: c.notes(rep)}
	if out.APIs == nil {
		out.APIs = []tykAPI{}
	}
	return out
}

func (c *tykConfig) table() []tykSetting {
	if c.File == "" {
		return []tykSetting{}
	}
	var t []tykSetting
	add := func(key string, set bool, value any, meaning string) {
		t = append(t, tykSetting{Key: key, Value: value, Default: !set, Meaning: meaning})
	}
	add("proxy_default_timeout", c.ProxyDefaultTimeout != nil && *c.ProxyDefaultTimeout > 0, c.proxyTimeout(),
		"seconds: the upstream dial timeout and response-header timeout (TYK_GW_PROXYDEFAULTTIMEOUT)")
	closeConns := c.ProxyCloseConnections != nil && *c.ProxyCloseConnections
	add("proxy_close_connections", c.ProxyCloseConnections != nil, closeConns,
		"no keep-alive toward upstreams when true (TYK_GW_PROXYCLOSECONNECTIONS)")
	perHost, note := goIdlePerHost, "idle connections kept per upstream host; 0 means net/http's 2 (Tyk recommends 500)"
	if c.MaxIdleConnsPerHost != nil && *c.MaxIdleConnsPerHost > 0 {
		perHost = *c.MaxIdleConnsPerHost
	}
	add("max_idle_connections_per_host", c.MaxIdleConnsPerHost != nil && *c.MaxIdleConnsPerHost > 0, perHost, note)
	maxIdle := 0
	if c.MaxIdleConns != nil {
		maxIdle = *c.MaxIdleConns
	}
	add("max_idle_connections", c.MaxIdleConns != nil, maxIdle, "idle connections kept in all; 0 means no limit")
	var maxConn int64
	if c.MaxConnTime != nil {
		maxConn = *c.MaxConnTime
	}
	add("max_conn_time", c.MaxConnTime != nil, maxConn, "seconds after which an API's transport and its connections are replaced; 0 never")
	if c.ProxyEnableHTTP2 != nil {
		add("proxy_enable_http2", true, *c.ProxyEnableHTTP2, "HTTP/2 toward upstreams")
	}
	if c.ProxySSLInsecure != nil {
		add("proxy_ssl_insecure_skip_verify", true, *c.ProxySSLInsecure, "upstream certificates not verified when true")
	}
	rt, wt := tykServerTimeout, tykServerTimeout
	if v := c.HTTPServerOptions.ReadTimeout; v != nil && *v > 0 {
		rt = *v
	}
	if v := c.HTTPServerOptions.WriteTimeout; v != nil && *v > 0 {
		wt = *v
	}
	add("http_server_options.read_timeout", rt != tykServerTimeout || c.HTTPServerOptions.ReadTimeout != nil, rt, "seconds: reading a client's request")
	add("http_server_options.write_timeout", wt != tykServerTimeout || c.HTTPServerOptions.WriteTimeout != nil, wt,
		"seconds: writing the response to the client; must exceed proxy_default_timeout")
	add("(fixed) IdleConnTimeout", false, tykIdleConnTimeout, "seconds a pooled upstream connection may stay idle; not configurable")
	add("(fixed) TLSHandshakeTimeout", false, tykTLSHandshake, "seconds for the upstream TLS handshake; not configurable")
	return t
}

// notes compares the configuration with the findings.
func (c *tykConfig) notes(rep *triage.Report) []string {
	notes := []string{}
	pt := c.proxyTimeout()
	closeConns := c.ProxyCloseConnections != nil && *c.ProxyCloseConnections
	if c.File != "" {
		if v := c.HTTPServerOptions.WriteTimeout; pt > tykServerTimeout && (v == nil || float64(*v) <= pt) {
			notes = append(notes, fmt.Sprintf("proxy_default_timeout is %s s but http_server_options.write_timeout is not above it: clients are cut off before a slow upstream answers", num(pt)))
		}
	}
	targets := map[string]bool{}
	for _, a := range c.APIs {
		for _, t := range a.Targets {
			targets[strings.ToLower(t)] = true
		}
	}
	for _, f := range rep.Findings {
		who := fmt.Sprintf("finding #%d (%s", f.Rank, f.Flag)
		if f.Target != "" {
			who += " to " + f.Target
		}
		who += ")"
		if v := f.IdleTimeoutS; v != nil {
			switch {
			case c.File != "" && closeConns:
				notes = append(notes, fmt.Sprintf("%s: reused connections were closed after %s s idle, yet proxy_close_connections is true here: the gateways that wrote these logs do not run this configuration (an environment variable TYK_GW_PROXYCLOSECONNECTIONS=false?)", who, num(*v)))
			case *v < tykIdleConnTimeout:
				notes = append(notes, fmt.Sprintf("%s: reused connections were closed after about %s s idle, shorter than the %s s the gateway keeps idle connections (IdleConnTimeout, fixed in Tyk): a load balancer or the upstream closes them first; raise its idle timeout above %s s, or set proxy_close_connections: true (no reuse)", who, num(*v), num(tykIdleConnTimeout), num(tykIdleConnTimeout)))
			}
		}
		if v := f.TimeoutS; v != nil {
			notes = append(notes, who+": "+c.timeoutNote(*v, f.APIIDs))
		} else if f.Flag == "URT" && c.File != "" {
			notes = append(notes, fmt.Sprintf("%s: the gateway gives up waiting for response headers after proxy_default_timeout, %s s here", who, num(pt)))
		}
		if len(c.APIs) > 0 && f.Target != "" && !targets[strings.ToLower(f.Target)] {
			notes = append(notes, fmt.Sprintf("%s: %s is no API definition's target here (service discovery, a rewrite to another host, or definitions other than those read)", who, f.Target))
		}
	}
	return notes
}

// timeoutNote says which setting a cluster of latencies near v seconds
// matches.
func (c *tykConfig) timeoutNote(v float64, apis []string) string {
	near := func(x float64) bool { return math.Abs(v-x) <= math.Max(0.15*x, 0.5) }
	pt := c.proxyTimeout()
	if near(pt) {
		return fmt.Sprintf("latencies cluster near %s s, the proxy_default_timeout in force (%s s): the gateway's own timeout; the upstream is slower than it", num(v), num(pt))
	}
	for _, a := range c.APIs {
		if len(apis) > 0 && !contains(apis, a.ID) {
			continue
		}
		for _, h := range a.Hard {
			if near(h.TimeoutS) {
				return fmt.Sprintf("latencies cluster near %s s, the enforced timeout of API %s on %s %s (%s s)", num(v), a.ID, h.Method, h.Path, num(h.TimeoutS))
			}
		}
	}
	if near(tykTLSHandshake) {
		return fmt.Sprintf("latencies cluster near %s s, the gateway's TLS handshake timeout (%s s, fixed)", num(v), num(tykTLSHandshake))
	}
	return fmt.Sprintf("latencies cluster near %s s, which matches no timeout read here (proxy_default_timeout %s s and the APIs' enforced timeouts): another component's timeout, e.g. a load balancer's, or a configuration other than this one", num(v), num(pt))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// num formats seconds without needless decimals.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

func (c *tykConfig) sources() string {
	var parts []string
	if c.File != "" {
		parts = append(parts, c.File)
	}
	if c.Apps != "" {
		parts = append(parts, fmt.Sprintf("%d API definition%s in %s", len(c.APIs), plural(len(c.APIs)), c.Apps))
	}
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func value(v any) string {
	if f, ok := v.(float64); ok {
		return num(f)
	}
	return fmt.Sprint(v)
}

// writeText writes the section in the text report's style.
func (c *tykConfig) writeText(w io.Writer, rep *triage.Report) error {
	r := c.report(rep)
	var b strings.Builder
	fmt.Fprintf(&b, "\nTYK CONFIGURATION (%s)\n", c.sources())
	if len(r.Settings) > 0 {
		width := 0
		for _, s := range r.Settings {
			width = max(width, len(s.Key))
		}
		for _, s := range r.Settings {
			d := ""
			if s.Default {
				d = " (default)"
			}
			fmt.Fprintf(&b, "  %-*s  %-16s %s\n", width, s.Key, value(s.Value)+d, s.Meaning)
		}
	}
	for _, a := range r.APIs {
		fmt.Fprintf(&b, "  API %s → %s\n", a.ID, orDash(strings.Join(a.Targets, ", ")))
		for _, h := range a.Hard {
			fmt.Fprintf(&b, "      enforced timeout %s s on %s %s\n", num(h.TimeoutS), orDash(h.Method), orDash(h.Path))
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(&b, "  Compared with the logs:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	fmt.Fprintf(&b, "  (Environment variables TYK_GW_… on the gateways override these keys; they are not seen here.)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdown writes the section as Markdown.
func (c *tykConfig) writeMarkdown(w io.Writer, rep *triage.Report) error {
	r := c.report(rep)
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Tyk configuration\n\nRead: %s. Environment variables `TYK_GW_…` on the gateways override these keys; they are not seen here.\n", mdEscape(c.sources()))
	if len(r.Settings) > 0 {
		b.WriteString("\n| setting | value | meaning |\n|---|---|---|\n")
		for _, s := range r.Settings {
			d := ""
			if s.Default {
				d = " (default)"
			}
			fmt.Fprintf(&b, "| `%s` | %s%s | %s |\n", s.Key, value(s.Value), d, mdEscape(s.Meaning))
		}
	}
	if len(r.APIs) > 0 {
		b.WriteString("\n| API | targets | enforced timeouts |\n|---|---|---|\n")
		for _, a := range r.APIs {
			var hs []string
			for _, h := range a.Hard {
				hs = append(hs, fmt.Sprintf("%s s on %s %s", num(h.TimeoutS), h.Method, h.Path))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", mdEscape(a.ID), mdEscape(strings.Join(a.Targets, ", ")), mdEscape(strings.Join(hs, "; ")))
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nCompared with the logs:\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// htmlSection is the section as the HTML report shows it (after its
// tables): the settings, the API definitions and the notes; the triage
// package escapes every string.
func (c *tykConfig) htmlSection(rep *triage.Report) triage.HTMLSection {
	r := c.report(rep)
	s := triage.HTMLSection{
		ID:         "tyk-config",
		Title:      "Tyk configuration",
		Intro:      "Read: " + c.sources() + ". Environment variables `TYK_GW_…` on the gateways override these keys; they are not seen here.",
		NotesTitle: "Compared with the logs:",
		Notes:      r.Notes,
	}
	if len(r.Settings) > 0 {
		t := triage.HTMLTable{Caption: "Settings", Head: []string{"setting", "value", "meaning"}, Code: []bool{true}}
		for _, st := range r.Settings {
			v := value(st.Value)
			if st.Default {
				v += " (default)"
			}
			t.Rows = append(t.Rows, []string{st.Key, v, st.Meaning})
		}
		s.Tables = append(s.Tables, t)
	}
	if len(r.APIs) > 0 {
		t := triage.HTMLTable{Caption: "API definitions", Head: []string{"API", "name", "targets", "enforced timeouts"}, Code: []bool{true, false, true}}
		for _, a := range r.APIs {
			var hs []string
			for _, h := range a.Hard {
				hs = append(hs, fmt.Sprintf("%s s on %s %s", num(h.TimeoutS), orDash(h.Method), orDash(h.Path)))
			}
			t.Rows = append(t.Rows, []string{a.ID, a.Name, strings.Join(a.Targets, ", "), strings.Join(hs, "; ")})
		}
		s.Tables = append(s.Tables, t)
	}
	return s
}

// mdEscape keeps a string from the configuration from breaking a Markdown
// table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`, "[", `\[`)
	return r.Replace(s)
}
