package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// analyticsKey is the Redis list the gateway appends its analytics records
// to (msgpack-encoded), when analytics_config.enable_multiple_analytics_keys
// is off.
const analyticsKey = "analytics-tyk-system-analytics"

// pluginLoadErrors are texts the gateway logs when it cannot load a Go
// plugin (gateway/mw_go_plugin.go, goplugin/goplugin.go) or Go's plugin
// package refuses it.
var pluginLoadErrors = []string{
	"Could not load Go-plugin",
	"plugin was built with a different version",
	"plugin.Open",
	"could not cast function symbol",
}

// sent is one request of the run and what it must produce.
type sent struct {
	kind   string
	n      int
	dc     cases.DemoCase
	method string
	path   string
	token  string // the last path segment, unique in the run
	want   cases.Want
	gw     *gwCase  // a gateway-produced answer (gateway.go) instead of a demo case
	status int      // what the client got (0: no answer)
	err    error    // the client's error, if any
	ps     []string // the Proxy-Status field lines the client got
}

func (s *sent) label() string {
	name := s.dc.Case
	if s.gw != nil {
		name = s.gw.Name
	}
	return fmt.Sprintf("%-7s %02d %-21s %-4s", s.kind, s.n, name, s.method)
}

// title is what the request shows.
func (s *sent) title() string {
	if s.gw != nil {
		return s.gw.Title
	}
	return s.dc.Title
}

// run sends the requests and checks what the gateway logged and recorded.
func run(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var (
		gw       = fs.String("gw", "http://127.0.0.1:8080", "the gateway's base URL (loopback)")
		secret   = fs.String("secret", "", "the gateway's API secret (to add the OAS APIs)")
		logFile  = fs.String("log", "", "the gateway's log (stdout and stderr), JSON lines")
		redis    = fs.String("redis", "127.0.0.1:6379", "the gateway's Redis")
		envFile  = fs.String("env", "", "upstream URLs written by e2e serve")
		oasDir   = fs.String("oas", "", "OAS API definitions to add through the gateway API (POST /tyk/apis/oas)")
		version  = fs.String("version", "", "the gateway's version (vX.Y.Z): from 5.12 on the gateway classifies failures itself")
		kinds    = fs.String("kinds", KindClassic+","+KindOAS, "API kinds to send every case through")
		gwCases  = fs.Bool("gateway-cases", true, "also reproduce the answers the gateway produces itself (gateway.go: NHU, CBO, enforced timeout, 4xx)")
		verbose  = fs.Bool("v", false, "print every checked access-log entry")
		probeOn  = fs.Bool("probe", false, "the gateway runs with UPSTREAMCAUSE_PROBE=on: check its probe entries and upstream_probe")
		proxySt  = fs.Bool("proxy-status", false, "the gateway runs with UPSTREAMCAUSE_PROXY_STATUS=on and _DETAILS=on: check the clients' Proxy-Status")
		startMax = fs.Duration("start-timeout", 60*time.Second, "how long to wait for the gateway to answer")
		mode     = fs.String("names", "tyk", "the gateway runs with UPSTREAMCAUSE_FIELD_NAMES=`MODE` (tyk, ecs or otel): read the entries under that mode's keys and validate them against schema/access-log.MODE.json")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	base, err := url.Parse(*gw)
	if err != nil || cases.LoopbackOnly(base.Host) != nil {
		fmt.Fprintf(os.Stderr, "e2e run: -gw %q is not a loopback URL\n", *gw)
		return 2
	}
	if *logFile == "" || *envFile == "" {
		fmt.Fprintln(os.Stderr, "e2e run: -log and -env are required")
		return 2
	}
	names, err := schema.NamesFor(*mode)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e run: -names:", err)
		return 2
	}
	if *gwCases && names != &accesslog.TykNames {
		// gateway.go checks the gateway-produced answers under Tyk's names.
		fmt.Fprintln(os.Stderr, "e2e run: -gateway-cases needs -names tyk (use -gateway-cases=false)")
		return 2
	}
	tyk512, err := atLeast(*version, 5, 12)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e run:", err)
		return 2
	}
	env, err := readEnv(*envFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e run:", err)
		return 1
	}
	client := cases.NewClient()
	defer client.CloseIdleConnections()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "e2e run: "+format+"\n", a...)
		if problems := logProblems(*logFile); len(problems) > 0 {
			fmt.Fprintln(os.Stderr, "e2e run: the gateway log says:")
			printProblems(os.Stderr, problems)
		}
		return 1
	}

	// 1. The gateway is up and has loaded the classic APIs from app_path.
	if err := waitFor(*startMax, func() error {
		return expectStatus(client, http.MethodGet, *gw+"/hello", "", nil, http.StatusOK)
	}); err != nil {
		return fail("the gateway did not answer /hello within %v: %v", *startMax, err)
	}

	// 2. The OAS APIs are added the way an operator adds them: through the
	// gateway API, which stores them in app_path, then a reload.
	kindList := strings.Split(*kinds, ",")
	if contains(kindList, KindOAS) {
		files, _ := filepath.Glob(filepath.Join(*oasDir, "*.json"))
		if len(files) == 0 {
			return fail("no OAS API definition in %q", *oasDir)
		}
		for _, f := range files {
			body, err := os.ReadFile(f)
			if err != nil {
				return fail("%v", err)
			}
			if err := expectStatus(client, http.MethodPost, *gw+"/tyk/apis/oas", *secret, body, http.StatusOK); err != nil {
				return fail("adding %s: %v", filepath.Base(f), err)
			}
		}
		if err := expectStatus(client, http.MethodGet, *gw+"/tyk/reload?block=true", *secret, nil, http.StatusOK); err != nil {
			return fail("reload: %v", err)
		}
	}
	probe := 0
	for _, kind := range kindList {
		if err := waitFor(30*time.Second, func() error {
			if len(logProblems(*logFile)) > 0 {
				return nil // reported below
			}
			probe++
			return expectStatus(client, http.MethodGet, fmt.Sprintf("%s%sprobe-%d", *gw, listenPath(kind, cases.OK), probe), "", nil, http.StatusOK)
		}); err != nil {
			return fail("the %s API of case %q does not answer 200: %v", kind, cases.OK, err)
		}
	}
	if len(logProblems(*logFile)) > 0 {
		return fail("the gateway could not load the plugin")
	}

	// 3. One request per demo case and kind, in the demo's order.
	var reqs []*sent
	for _, kind := range kindList {
		for i, dc := range cases.Demo {
			method := dc.HTTPMethod()
			if env["URL_"+dc.Case] == "" {
				return fail("the upstreams have no case %q", dc.Case)
			}
			lp := listenPath(kind, dc.Case)
			if dc.Warm {
				warm := fmt.Sprintf("%swarm-%s-%d", lp, kind, i+1)
				if status, err := cases.Send(client, *gw+warm, http.MethodGet, 0); err != nil || status != http.StatusOK {
					return fail("warm-up %s: status %d, err %v", warm, status, err)
				}
			}
			s := &sent{kind: kind, n: i + 1, dc: dc, method: method, want: cases.WantFor(dc)}
			s.token = tokenPrefix(*mode) + fmt.Sprintf("%s-%d", kind, i+1)
			s.path = lp + s.token
			var h http.Header
			s.status, h, s.err = cases.SendHeader(client, *gw+s.path, method, dc.Cancel)
			s.ps = h.Values("Proxy-Status")
			reqs = append(reqs, s)
		}
	}

	// 3b. The answers the gateway produces itself.
	// A failure to set one up is reported at the end; what was sent is
	// checked.
	var gwErr error
	if *gwCases {
		var gws []*sent
		gws, gwErr = runGatewayCases(client, *gw, *secret, *logFile, env)
		reqs = append(reqs, gws...)
	}

	// 4. Their access-log entries and analytics records.
	var entries map[string]map[string]any
	_ = waitFor(15*time.Second, func() error {
		entries = accessEntries(*logFile)
		for _, s := range reqs {
			if entries[s.token] == nil {
				return errors.New("missing")
			}
		}
		return nil
	})
	var records map[string]map[string]any
	var redisErr error
	_ = waitFor(15*time.Second, func() error {
		records, redisErr = analyticsRecords(*redis)
		if redisErr != nil {
			return redisErr
		}
		for _, s := range reqs {
			if records[s.token] == nil {
				return errors.New("missing")
			}
		}
		return nil
	})

	// 5. The checks.
	tykMode := "5.8–5.11 (the plugin writes Tyk 5.12's keys too)"
	if tyk512 {
		tykMode = "5.12+ (the gateway writes response_flag & co.; the plugin keeps them)"
	}
	fmt.Printf("e2e: gateway %s, mode %s, field names %s; %d requests\n", *version, tykMode, *mode, len(reqs))
	passed, failed := 0, 0
	for _, s := range reqs {
		var bad []string
		wantStatus := s.want.Status
		if s.gw != nil {
			wantStatus = s.gw.Status
		}
		if s.dc.Cancel == 0 && s.status != wantStatus {
			bad = append(bad, fmt.Sprintf("client got status %d (err %v), want %d", s.status, s.err, wantStatus))
		}
		e := entries[s.token]
		host := ""
		if s.gw != nil {
			host = gwUpstreamHost(s.gw, env)
		} else if u, err := url.Parse(env["URL_"+s.dc.Case]); err == nil {
			host = u.Host
		}
		var tags []string
		rec := records[s.token]
		if rec == nil {
			if redisErr != nil {
				bad = append(bad, "analytics: "+redisErr.Error())
			} else {
				bad = append(bad, fmt.Sprintf("no analytics record for %s in %s", s.path, analyticsKey))
			}
		} else {
			tags = stringList(rec["Tags"])
		}
		if e == nil {
			bad = append(bad, "no access-log entry for "+s.path)
		} else if s.gw != nil {
			bad = append(bad, s.gw.check(e, host, tags, rec != nil, tyk512)...)
		} else {
			var says *cases.GatewaySays
			if g, ok := cases.Tyk512Says[cases.RequestKey(s.dc)]; ok && tyk512 {
				says = &g
			}
			bad = append(bad, s.want.CheckNames(names, e, host, tags, rec != nil, says)...)
		}
		if e != nil {
			if err := schema.Validate(*mode, e); err != nil {
				bad = append(bad, "schema: "+err.Error())
			}
		}
		if *proxySt {
			bad = append(bad, checkProxyStatus(s, s.ps)...)
		} else if len(s.ps) != 0 {
			bad = append(bad, fmt.Sprintf("Proxy-Status %q with the setting off", s.ps))
		}
		if len(bad) == 0 {
			passed++
			fmt.Printf("ok    %s %s%s\n", s.label(), summary(e, tyk512, names), psSummary(s.ps))
		} else {
			failed++
			fmt.Printf("FAIL  %s %s%s\n", s.label(), summary(e, tyk512, names), psSummary(s.ps))
			fmt.Printf("      %s\n", s.title())
			for _, b := range bad {
				fmt.Printf("      - %s\n", b)
			}
		}
		if e != nil && (*verbose || len(bad) > 0) {
			line, _ := json.Marshal(e)
			fmt.Printf("      entry: %s\n", line)
			if rec != nil {
				fmt.Printf("      tags:  %q\n", tags)
			}
		}
	}
	if gwErr != nil {
		fmt.Printf("FAIL  gateway-produced answers: %v\n", gwErr)
		failed++
	}
	// 6. From the node itself: the probe's entries, and the verdict in the
	// next failure's entry; received-status through the response hook.
	if *probeOn {
		failed += checkProbes(client, *gw, *logFile, env, *mode)
	} else if n := len(probeEntries(*logFile)); n > 0 {
		fmt.Printf("FAIL  %d probe entries with the probe off\n", n)
		failed++
	}
	if *proxySt {
		failed += checkReceivedStatus(client, *gw)
	}
	// 7. Every access-log and probe entry of the log, the checked ones and
	// all others (warm-ups, readiness requests, the probe's), line by line
	// as the gateway wrote them, against the schema of the mode.
	failed += checkLogSchema(*logFile, *mode)
	if problems := logProblems(*logFile); len(problems) > 0 {
		fmt.Println("FAIL  the gateway log has plugin errors or warnings:")
		printProblems(os.Stdout, problems)
		failed++
	}
	fmt.Printf("e2e: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// tokenPrefix is the start of the last path segment of the run's requests
// in naming mode mode: "e2e-", or "e2e-<mode>-" for a mode other than tyk,
// so that the records a run with another mode leaves in Redis are not
// taken for this run's.
func tokenPrefix(mode string) string {
	if mode == "tyk" {
		return "e2e-"
	}
	return "e2e-" + mode + "-"
}

// summary is the part of an entry the run prints for every request, under
// the keys of names (with the target and peer in a mode that splits them).
func summary(e map[string]any, tyk512 bool, n *accesslog.Names) string {
	if e == nil {
		return "(no access-log entry)"
	}
	keys := []string{"status", n.Flag, n.Type, n.Detail, n.Phase, n.Source, n.Intermediary}
	if n != &accesslog.TykNames {
		keys = append(keys, n.Target, n.TargetPort, n.Peer, n.PeerPort)
	}
	if tyk512 {
		keys = append(keys, "response_flag", "response_code_details")
	}
	keys = append(keys, "circuit_breaker_state")
	var b strings.Builder
	for _, k := range keys {
		if v, ok := e[k]; ok {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%v", k, v)
		}
	}
	return b.String()
}

// accessEntries reads the gateway log and returns its access-log entries by
// the last segment of their path (the later one wins): the path an entry
// names is the one sent upstream, without the listen path when the API
// strips it.
func accessEntries(path string) map[string]map[string]any {
	out := map[string]map[string]any{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"access-log"`)) {
			continue
		}
		var e map[string]any
		if json.Unmarshal(line, &e) != nil || e["prefix"] != "access-log" {
			continue
		}
		if p, ok := e["path"].(string); ok {
			out[lastSegment(p)] = e
		}
	}
	return out
}

// logProblems returns the gateway log lines that say a plugin could not be
// loaded, and the plugin's own warnings.
func logProblems(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		bad := strings.Contains(line, `"prefix":"upstreamcause"`)
		for _, s := range pluginLoadErrors {
			bad = bad || strings.Contains(line, s)
		}
		if bad {
			out = append(out, line)
		}
	}
	return out
}

// printProblems prints the first few problem lines, shortened.
func printProblems(w io.Writer, problems []string) {
	const show, width = 5, 400
	for i, p := range problems {
		if i == show {
			fmt.Fprintf(w, "      … and %d more\n", len(problems)-show)
			break
		}
		if len(p) > width {
			p = p[:width] + "…"
		}
		fmt.Fprintln(w, "      "+p)
	}
}

// analyticsRecords reads the analytics records from Redis and returns them
// by the last segment of their path.
func analyticsRecords(addr string) (map[string]map[string]any, error) {
	items, err := redisLRange(addr, analyticsKey)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for i, raw := range items {
		v, _, err := decodeMsgpack(raw)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		rec, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record %d is a %T, not a map", i, v)
		}
		for _, k := range []string{"RawPath", "Path"} {
			if p, ok := rec[k].(string); ok && p != "" {
				out[lastSegment(p)] = rec
			}
		}
	}
	return out, nil
}

func lastSegment(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// atLeast reports whether version (vX.Y.Z, v optional) is at least
// major.minor.
func atLeast(version string, major, minor int) (bool, error) {
	v := strings.TrimPrefix(version, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false, fmt.Errorf("version %q is not vX.Y.Z", version)
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("version %q is not vX.Y.Z", version)
	}
	return ma > major || (ma == major && mi >= minor), nil
}

// expectStatus sends a request (with the gateway secret, if any) and fails
// unless it is answered with status.
func expectStatus(c *http.Client, method, u, secret string, body []byte, status int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if secret != "" {
		req.Header.Set("X-Tyk-Authorization", secret)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
	if res.StatusCode != status {
		return fmt.Errorf("%s %s: status %d: %s", method, u, res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// waitFor calls f every 100 ms until it succeeds or max has passed, and
// returns its last error.
func waitFor(max time.Duration, f func() error) error {
	deadline := time.Now().Add(max)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
