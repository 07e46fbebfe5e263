package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// The soak (e2e soak, scripts/e2e.sh with E2E_SOAK=1) sends tens of
// thousands of concurrent requests, each with a unique last path segment
// (its token), through three sorts of APIs:
//
//   - hooked: the case's own classic and OAS APIs (the examples' wiring:
//     pre hook and analytics plugin);
//   - hookless: the classic example without any plugin (KindPlain);
//   - do_not_track: the classic example with do_not_track (KindDNT), whose
//     failures write no access-log entry, so that the state the pre hook
//     left is still there when the next request on the same server
//     goroutine (an HTTP/1.1 keep-alive connection) is served;
//
// to a mix of upstream cases, over HTTP/1.1 keep-alive and h2c, some of
// them cancelled by the client. Besides the mixed clients, a few A/B
// clients each alternate, on one keep-alive connection, a request A on a
// do_not_track API that fails (refused: 500, no access-log entry) and a
// request B on a hookless API that the client cancels (the gateway logs
// 499): B's entry must never carry A's failure.
//
// Every access-log entry is then matched to its request by the token and
// checked: fields (soakFieldKeys) only on the entry of a request that
// failed, and only those of its own case and upstream; on a cancelled
// request, CDC or none. The gateway's RSS, heap (after a GC) and goroutine
// count are read before (after a warm-up) and after, and must be flat
// within a tolerance.

// soakFieldKeys are the keys only the plugin writes into an access-log
// entry (the gateway's own, on 5.12+, are response_flag & co.).
var soakFieldKeys = func() []string {
	var out []string
	for _, k := range cases.ErrorKeys {
		if strings.HasPrefix(k, "upstream_") && k != "upstream_status" {
			out = append(out, k)
		}
	}
	return out
}()

// soakMix is the mix of upstream cases of the mixed clients, by weight.
var soakMix = []struct {
	c      string
	method string
	weight int
}{
	{cases.OK, http.MethodGet, 30},
	{cases.Refused, http.MethodGet, 12},
	{cases.ResetBeforeResponse, http.MethodGet, 10},
	{cases.Status503, http.MethodGet, 10},
	{cases.Intermediary502, http.MethodGet, 6},
	{cases.ResetMidBody, http.MethodGet, 6},
	{cases.IdleClose, http.MethodGet, 5},
	{cases.IdleClose, http.MethodPost, 4},
	{cases.HeaderTimeout, http.MethodGet, 4},
	{cases.TLSExpired, http.MethodGet, 3},
	{cases.ConnectTimeout, http.MethodGet, 2},
	{cases.DNSNXDomain, http.MethodGet, 2},
}

// soakKinds are the API kinds of the mixed clients, by weight.
var soakKinds = []struct {
	kind   string
	weight int
}{{KindClassic, 25}, {KindOAS, 25}, {KindPlain, 25}, {KindDNT, 25}}

// The A/B clients' requests: A on a do_not_track API whose upstream
// refuses, B on a hookless API whose upstream is silent, cancelled after
// abCancel.
const (
	abCaseA  = cases.Refused
	abCaseB  = cases.HeaderTimeout
	abCancel = 100 * time.Millisecond
)

// soakReq is one request of the soak.
type soakReq struct {
	seq      int
	token    string
	kind     string // KindClassic, KindOAS, KindPlain, KindDNT
	c        string // upstream case
	method   string
	proto    string        // "h1" or "h2c"
	cancel   time.Duration // the client cancels after this long (0: never)
	role     byte          // 'A' or 'B' for the A/B clients, else 0
	warm     bool          // sent in the warm-up
	status   int           // what the client got (0: no answer)
	err      error         // the client's error, if any
	canceled bool          // the client's cancel fired before the exchange ended
	reused   bool          // the client sent it on a reused connection
}

func (r *soakReq) hooked() bool { return r.kind != KindPlain }

func (r *soakReq) path() string { return listenPath(r.kind, r.c) + r.token }

func (r *soakReq) label() string {
	role := ""
	if r.role != 0 {
		role = " " + string(r.role)
	}
	return fmt.Sprintf("%s %s %s/%s %s%s", r.token, r.proto, r.kind, r.c, r.method, role)
}

// soakFlags are the soak's settings.
type soakFlags struct {
	gw, logFile, envFile, pid, version string
	n, warm, clients, abClients, h2c   int
	cancelRate                         float64
	seed                               uint64
	max, settle                        time.Duration
	verbose                            bool
}

func soak(args []string) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	var f soakFlags
	fs.StringVar(&f.gw, "gw", "http://127.0.0.1:8080", "the gateway's base URL (loopback)")
	fs.StringVar(&f.logFile, "log", "", "the gateway's log (stdout and stderr), JSON lines")
	fs.StringVar(&f.envFile, "env", "", "upstream URLs written by e2e serve")
	fs.StringVar(&f.pid, "pid", "", "the gateway's pid (RSS and threads from /proc)")
	fs.StringVar(&f.version, "version", "", "the gateway's version (vX.Y.Z)")
	fs.IntVar(&f.n, "n", 50000, "requests of the soak (after the warm-up)")
	fs.IntVar(&f.warm, "warm", 2000, "requests of the warm-up (checked too), before the 'before' figures")
	fs.IntVar(&f.clients, "c", 64, "concurrent clients in all")
	fs.IntVar(&f.abClients, "ab", 4, "of them, A/B clients (HTTP/1.1)")
	fs.IntVar(&f.h2c, "h2c", 16, "of them, h2c clients (when the gateway serves h2c)")
	fs.Float64Var(&f.cancelRate, "cancel-rate", 0.05, "share of the mixed clients' requests cancelled by the client after a random 0–80 ms")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed (0: from the clock; printed)")
	fs.DurationVar(&f.max, "max", 20*time.Minute, "stop sending after this long, however many were sent")
	fs.DurationVar(&f.settle, "settle", 12*time.Second, "idle time before reading the gateway's figures (more than two janitor periods)")
	fs.BoolVar(&f.verbose, "v", false, "print every mismatching entry (else the first few of each kind)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	base, err := url.Parse(f.gw)
	if err != nil || cases.LoopbackOnly(base.Host) != nil {
		fmt.Fprintf(os.Stderr, "e2e soak: -gw %q is not a loopback URL\n", f.gw)
		return 2
	}
	if f.logFile == "" || f.envFile == "" || f.n <= 0 || f.clients <= f.abClients || f.abClients < 0 || f.h2c < 0 {
		fmt.Fprintln(os.Stderr, "e2e soak: -log and -env are required; -n > 0, -c > -ab ≥ 0, -h2c ≥ 0")
		return 2
	}
	env, err := readEnv(f.envFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e soak:", err)
		return 1
	}
	hosts := map[string]string{}
	for _, m := range soakMix {
		u, err := url.Parse(env["URL_"+m.c])
		if err != nil || u.Host == "" {
			fmt.Fprintf(os.Stderr, "e2e soak: the upstreams have no case %q\n", m.c)
			return 1
		}
		hosts[m.c] = u.Host
	}
	if f.seed == 0 {
		f.seed = uint64(time.Now().UnixNano())
	}
	tyk512, _ := atLeast(f.version, 5, 12)
	return runSoak(&f, hosts, tyk512)
}

func runSoak(f *soakFlags, hosts map[string]string, tyk512 bool) int {
	h1 := cases.NewClient()
	h2 := cases.NewH2CClient()
	defer h1.CloseIdleConnections()
	defer h2.CloseIdleConnections()

	// Can the gateway serve h2c (prior knowledge) on its HTTP port?
	h2cClients := f.h2c
	if err := expectStatus(h2, http.MethodGet, f.gw+"/hello", "", nil, http.StatusOK); err != nil {
		fmt.Printf("soak: h2c: the gateway does not answer h2c with prior knowledge (%v): HTTP/1.1 only\n", err)
		h2cClients = 0
	} else {
		fmt.Println("soak: h2c: the gateway answers h2c with prior knowledge on its HTTP port")
	}
	if h2cClients > f.clients-f.abClients {
		h2cClients = f.clients - f.abClients
	}
	mixedH1 := f.clients - f.abClients - h2cClients
	fmt.Printf("soak: %d + %d requests (warm-up + soak), %d clients: %d mixed HTTP/1.1, %d mixed h2c, %d A/B (HTTP/1.1); cancel rate %.2f; seed %d\n",
		f.warm, f.n, f.clients, mixedH1, h2cClients, f.abClients, f.cancelRate, f.seed)

	var (
		mu   sync.Mutex
		reqs []*soakReq
	)
	deadline := time.Now().Add(f.max)
	phase := func(total int, warm bool) time.Duration {
		var next atomic.Int64
		take := func() (int, bool) {
			i := int(next.Add(1)) - 1
			return i, i < total && time.Now().Before(deadline)
		}
		record := func(r *soakReq) {
			mu.Lock()
			r.seq = len(reqs)
			r.token = fmt.Sprintf("soak-%d", r.seq)
			reqs = append(reqs, r)
			mu.Unlock()
		}
		start := time.Now()
		var wg sync.WaitGroup
		worker := 0
		spawn := func(fn func(rng *rand.Rand)) {
			rng := rand.New(rand.NewPCG(f.seed, uint64(worker)<<1|b2u(warm)))
			worker++
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn(rng)
			}()
		}
		mixed := func(c *http.Client, proto string) func(*rand.Rand) {
			return func(rng *rand.Rand) {
				for {
					if _, ok := take(); !ok {
						return
					}
					r := mixedRequest(rng, f.cancelRate)
					r.proto, r.warm = proto, warm
					record(r)
					sendSoak(c, f.gw, r)
				}
			}
		}
		for i := 0; i < mixedH1; i++ {
			spawn(mixed(h1, "h1"))
		}
		for i := 0; i < h2cClients; i++ {
			spawn(mixed(h2, "h2c"))
		}
		for i := 0; i < f.abClients; i++ {
			// One connection per A/B client: B follows A on it.
			c := cases.NewClient()
			c.Transport.(*http.Transport).MaxConnsPerHost = 1
			spawn(func(*rand.Rand) {
				defer c.CloseIdleConnections()
				for {
					if _, ok := take(); !ok {
						return
					}
					a := &soakReq{kind: KindDNT, c: abCaseA, method: http.MethodGet, proto: "h1", role: 'A', warm: warm}
					record(a)
					sendSoak(c, f.gw, a)
					if _, ok := take(); !ok {
						return
					}
					b := &soakReq{kind: KindPlain, c: abCaseB, method: http.MethodGet, proto: "h1", role: 'B', cancel: abCancel, warm: warm}
					record(b)
					sendSoak(c, f.gw, b)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}

	if f.warm > 0 {
		phase(f.warm, true)
	}
	h1.CloseIdleConnections()
	h2.CloseIdleConnections()
	time.Sleep(f.settle)
	before := readGatewayStats(f.gw, f.pid)
	took := phase(f.n, false)
	sent := len(reqs)
	h1.CloseIdleConnections()
	h2.CloseIdleConnections()
	if time.Now().After(deadline) {
		fmt.Printf("soak: stopped after -max %v\n", f.max)
	}
	fmt.Printf("soak: %d requests in %.1fs (%.0f/s)\n", f.n, took.Seconds(), float64(sent-f.warm)/took.Seconds())
	time.Sleep(f.settle)
	after := readGatewayStats(f.gw, f.pid)

	// The entries: wait until every request that must have one has it, or
	// the log stops growing.
	var entries map[string]map[string]any
	lastN, stable := -1, 0
	_ = waitFor(60*time.Second, func() error {
		entries = accessEntries(f.logFile)
		n := 0
		for _, r := range reqs {
			if entries[r.token] != nil {
				n++
			}
		}
		if n == lastN {
			stable++
		} else {
			lastN, stable = n, 0
		}
		if stable >= 20 {
			return nil
		}
		return errors.New("growing")
	})

	rep := newSoakReport()
	for _, r := range reqs {
		v, why := judgeSoak(r, entries[r.token], hosts, tyk512)
		rep.add(r, v, why, entries[r.token])
	}
	ok := rep.print(os.Stdout, f.verbose)
	if !before.compare(os.Stdout, after) {
		ok = false
	}
	if ok {
		fmt.Println("soak: PASS")
		return 0
	}
	fmt.Println("soak: FAIL")
	return 1
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// mixedRequest draws a mixed client's request.
func mixedRequest(rng *rand.Rand, cancelRate float64) *soakReq {
	r := &soakReq{}
	total := 0
	for _, k := range soakKinds {
		total += k.weight
	}
	n := rng.IntN(total)
	for _, k := range soakKinds {
		if n < k.weight {
			r.kind = k.kind
			break
		}
		n -= k.weight
	}
	total = 0
	for _, m := range soakMix {
		total += m.weight
	}
	n = rng.IntN(total)
	for _, m := range soakMix {
		if n < m.weight {
			r.c, r.method = m.c, m.method
			break
		}
		n -= m.weight
	}
	if rng.Float64() < cancelRate {
		r.cancel = time.Duration(rng.IntN(80000)+1) * time.Microsecond
	}
	return r
}

// sendSoak sends r and reads its answer whole.
func sendSoak(c *http.Client, gw string, r *soakReq) {
	limit := 20 * time.Second
	if r.cancel > 0 {
		limit = r.cancel
	}
	ctx, stop := context.WithTimeout(context.Background(), limit)
	defer stop()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { r.reused = i.Reused },
	})
	var body io.Reader
	if r.method == http.MethodPost {
		body = strings.NewReader(`{"order":42}`)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, gw+r.path(), body)
	if err != nil {
		r.err = err
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err == nil {
		r.status = res.StatusCode
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	r.err = err
	r.canceled = r.cancel > 0 && ctx.Err() != nil
}

// The verdicts on one request's entry.
const (
	vOK          = "ok"                            // as it must be
	vOKFields    = "ok, hookless with fields"      // its own failure, classified from the gateway's proxy-error line alone
	vNoEntryOK   = "no entry (expected)"           // a do_not_track failure, or a cancelled request
	vNoEntry     = "no entry"                      // an entry is missing
	vForeign     = "MISMATCH: foreign fields"      // another case's flag or another upstream
	vOnSuccess   = "MISMATCH: fields on a success" // a request that did not fail carries fields
	vWrong       = "MISMATCH: wrong fields"        // its own flag, other details than its case's
	vMissing     = "MISMATCH: failure without fields"
	vWrongStatus = "MISMATCH: entry status"
)

// judgeSoak checks the entry e (nil: none) of request r; hosts are the
// upstreams' host:port by case.
func judgeSoak(r *soakReq, e map[string]any, hosts map[string]string, tyk512 bool) (verdict, why string) {
	dc := cases.DemoCase{Case: r.c, Method: r.method}
	want := cases.WantFor(dc)
	lenient := r.canceled || r.cancel > 0 && r.err != nil
	if e == nil {
		if lenient || r.kind == KindDNT && (r.status >= 500 || r.err != nil) {
			return vNoEntryOK, ""
		}
		return vNoEntry, fmt.Sprintf("client got %d, err %v", r.status, r.err)
	}
	status := entryStatus(e)
	var present []string
	for _, k := range soakFieldKeys {
		if _, ok := e[k]; ok {
			present = append(present, k)
		}
	}
	flag := cases.Field(e, "upstream_flag")
	target := cases.Field(e, "upstream_target")
	if r.status != 0 && status != r.status && !lenient {
		return vWrongStatus, fmt.Sprintf("entry status %d, client got %d", status, r.status)
	}
	failed := status >= 500 || status == 499 || !want.OK && want.Status == status && status < 400
	if len(present) == 0 {
		if r.hooked() && failed && status != 499 && !lenient {
			return vMissing, fmt.Sprintf("status %d, want %s", status, want.Flag)
		}
		return vOK, ""
	}
	if !failed {
		return vOnSuccess, fmt.Sprintf("status %d carries %s (flag %q, target %q)", status, strings.Join(present, ","), flag, target)
	}
	if target != "" && target != hosts[r.c] {
		return vForeign, fmt.Sprintf("upstream_target %q, its own upstream is %q (flag %q)", target, hosts[r.c], flag)
	}
	acceptable := map[string]bool{}
	if !want.OK {
		acceptable[want.Flag] = true
	}
	if r.cancel > 0 || status == 499 {
		acceptable["CDC"] = true
	}
	if status == 504 {
		acceptable["URT"] = true // its own request timed out at the gateway
	}
	if !acceptable[flag] {
		return vForeign, fmt.Sprintf("upstream_flag %q (status %d), want %s", flag, status, keys(acceptable))
	}
	// Its own flag: the details must be its case's (or, for CDC, a client
	// that went away). A request its client cancelled while the gateway was
	// serving it may carry its own failure classified from the gateway's
	// text alone (the plugin does not adopt state whose context has ended
	// unless the text says the client went away): its own flag and upstream
	// are enough there.
	if r.canceled && flag != "CDC" {
		if !r.hooked() {
			return vOKFields, ""
		}
		return vOK, ""
	}
	var bad []string
	check := func(k, v string) {
		if got := cases.Field(e, k); got != v {
			bad = append(bad, fmt.Sprintf("%s=%q want %q", k, got, v))
		}
	}
	switch {
	case flag == "CDC":
		check("upstream_error_detail", cases.WantClientGone.Detail)
		check("upstream_error_source", cases.WantClientGone.Source)
	case flag == want.Flag && r.hooked():
		check("upstream_error_type", want.Type)
		check("upstream_error_detail", want.Detail)
		check("upstream_error_phase", want.Phase)
		check("upstream_error_source", want.Source)
		check("upstream_intermediary", want.Intermediary)
		if target == "" {
			bad = append(bad, "upstream_target absent")
		}
	}
	if len(bad) > 0 {
		return vWrong, strings.Join(bad, ", ")
	}
	if !r.hooked() {
		return vOKFields, ""
	}
	return vOK, ""
}

// entryStatus returns the status of an access-log entry (a JSON number).
func entryStatus(e map[string]any) int {
	switch v := e["status"].(type) {
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, "|")
}

// soakReport counts the verdicts.
type soakReport struct {
	byVerdict map[string]int
	byGroup   map[string]map[string]int // verdict → kind/case/role → count
	examples  map[string][]string
	// exampleGroups[v][i] is the group of examples[v][i].
	exampleGroups map[string][]string
	requests      int
	byKind        map[string]int
	canceled      int
	h2c           int
	ab            struct{ pairs, bReused, bEntries, b499, bWithA int }
}

func newSoakReport() *soakReport {
	return &soakReport{
		byVerdict:     map[string]int{},
		byGroup:       map[string]map[string]int{},
		examples:      map[string][]string{},
		exampleGroups: map[string][]string{},
		byKind:        map[string]int{},
	}
}

func (p *soakReport) add(r *soakReq, verdict, why string, e map[string]any) {
	p.requests++
	p.byKind[r.kind]++
	if r.canceled {
		p.canceled++
	}
	if r.proto == "h2c" {
		p.h2c++
	}
	if r.role == 'B' {
		p.ab.pairs++
		if r.reused {
			p.ab.bReused++
		}
		if e != nil {
			p.ab.bEntries++
			if entryStatus(e) == 499 {
				p.ab.b499++
			}
			if cases.Field(e, "upstream_flag") == cases.WantByCase[abCaseA].Flag {
				p.ab.bWithA++
			}
		}
	}
	p.byVerdict[verdict]++
	if p.byGroup[verdict] == nil {
		p.byGroup[verdict] = map[string]int{}
	}
	group := r.kind + "/" + r.c + "/" + r.method
	if r.role != 0 {
		group += "/" + string(r.role)
	}
	p.byGroup[verdict][group]++
	if strings.HasPrefix(verdict, "MISMATCH") || verdict == vNoEntry {
		line := fmt.Sprintf("%s (client: status %d, err %v): %s", r.label(), r.status, r.err, why)
		if e != nil {
			b, _ := json.Marshal(e)
			line += "\n        entry: " + string(b)
		}
		p.examples[verdict] = append(p.examples[verdict], line)
		p.exampleGroups[verdict] = append(p.exampleGroups[verdict], group)
	}
}

// print writes the report and returns whether it passes: no mismatch and
// no missing entry.
func (p *soakReport) print(w io.Writer, verbose bool) bool {
	fmt.Fprintf(w, "soak: checked %d requests: hooked classic %d, hooked OAS %d, hookless %d, hooked do_not_track %d; %d over h2c; %d cancelled by the client\n",
		p.requests, p.byKind[KindClassic], p.byKind[KindOAS], p.byKind[KindPlain], p.byKind[KindDNT], p.h2c, p.canceled)
	fmt.Fprintf(w, "soak: A/B: %d pairs, B on A's connection %d, B entries %d (499: %d), B entries with A's flag %s: %d\n",
		p.ab.pairs, p.ab.bReused, p.ab.bEntries, p.ab.b499, cases.WantByCase[abCaseA].Flag, p.ab.bWithA)
	verdicts := make([]string, 0, len(p.byVerdict))
	for v := range p.byVerdict {
		verdicts = append(verdicts, v)
	}
	sort.Strings(verdicts)
	mismatches, ok := 0, true
	for _, v := range verdicts {
		fmt.Fprintf(w, "soak:   %-36s %6d  %s\n", v, p.byVerdict[v], groups(p.byGroup[v]))
		if strings.HasPrefix(v, "MISMATCH") {
			mismatches += p.byVerdict[v]
			ok = false
		}
		if v == vNoEntry {
			ok = false
		}
	}
	for _, v := range verdicts {
		ex := p.examples[v]
		if len(ex) == 0 {
			continue
		}
		pick := ex
		if !verbose {
			pick = sampleByGroup(ex, p.exampleGroups[v], 8)
		}
		fmt.Fprintf(w, "soak: %s, %d of %d (the first of each group):\n", v, len(pick), len(ex))
		for _, l := range pick {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	fmt.Fprintf(w, "soak: %d mismatches\n", mismatches)
	return ok
}

// sampleByGroup returns up to n of lines: the first of each group (in
// order), then the next ones.
func sampleByGroup(lines, group []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	taken := make([]bool, len(lines))
	for i, g := range group {
		if len(out) == n {
			return out
		}
		if !seen[g] {
			seen[g], taken[i] = true, true
			out = append(out, lines[i])
		}
	}
	for i := range lines {
		if len(out) == n {
			break
		}
		if !taken[i] {
			out = append(out, lines[i])
		}
	}
	return out
}

// groups formats the counts by group, largest first.
func groups(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	var b strings.Builder
	for i, e := range l {
		if i == 6 {
			fmt.Fprintf(&b, " …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", e.k, e.v)
	}
	return b.String()
}

// gatewayStats are the gateway process's figures; -1 when unknown.
type gatewayStats struct {
	rssKiB, threads, goroutines int64
	heapAlloc                   int64 // bytes, after a GC

	// stacks is the goroutine profile (debug=1: identical stacks grouped,
	// with their counts), to say which goroutines grew.
	stacks string
}

// readGatewayStats reads the gateway's figures: heap after a GC and the
// goroutine count from its pprof endpoints (tyk start --httpprofile), RSS
// and threads from /proc/<pid>/status.
func readGatewayStats(gw, pid string) gatewayStats {
	s := gatewayStats{rssKiB: -1, threads: -1, goroutines: -1, heapAlloc: -1}
	c := cases.NewClient()
	defer c.CloseIdleConnections()
	get := func(path string) string {
		res, err := c.Get(gw + path)
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return ""
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<20))
		return string(b)
	}
	if heap := get("/debug/pprof/heap?gc=1&debug=1"); heap != "" {
		s.heapAlloc = fieldAfter(heap, "# HeapAlloc = ")
	}
	if g := get("/debug/pprof/goroutine?debug=1"); g != "" {
		s.goroutines = fieldAfter(g, "goroutine profile: total ")
		s.stacks = g
	}
	if pid != "" {
		if raw, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
			s.rssKiB = fieldAfter(string(raw), "VmRSS:")
			s.threads = fieldAfter(string(raw), "Threads:")
		}
	}
	return s
}

// fieldAfter returns the integer following the first occurrence of label
// in text (spaces skipped), or -1.
func fieldAfter(text, label string) int64 {
	i := strings.Index(text, label)
	if i < 0 {
		return -1
	}
	sc := bufio.NewScanner(strings.NewReader(text[i+len(label):]))
	sc.Split(bufio.ScanWords)
	if !sc.Scan() {
		return -1
	}
	n, err := strconv.ParseInt(sc.Text(), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// compare prints before and after and reports whether the figures are
// flat: goroutines within +20 % + 50, heap within +25 % + 16 MiB, RSS
// within +50 % + 64 MiB (RSS includes what the runtime has not returned to
// the system yet). Unknown figures are printed, not judged.
func (s gatewayStats) compare(w io.Writer, after gatewayStats) bool {
	ok := true
	line := func(name string, b, a int64, unit string, div float64, slack int64, pct int64) {
		if b < 0 || a < 0 {
			fmt.Fprintf(w, "soak: gateway %-10s before %s, after %s: not known\n", name, fmtStat(b, div, unit), fmtStat(a, div, unit))
			return
		}
		limit := b + max(slack, b*pct/100)
		verdict := "flat"
		if a > limit {
			verdict = "GROWN past the tolerance"
			ok = false
		}
		fmt.Fprintf(w, "soak: gateway %-10s before %s, after %s (limit %s): %s\n", name, fmtStat(b, div, unit), fmtStat(a, div, unit), fmtStat(limit, div, unit), verdict)
	}
	line("goroutines", s.goroutines, after.goroutines, "", 1, 50, 20)
	if !ok {
		for _, g := range grownStacks(s.stacks, after.stacks, 5) {
			fmt.Fprintf(w, "soak:   %+d goroutines in %s\n", g.n, g.where)
		}
	}
	line("heap", s.heapAlloc, after.heapAlloc, " MiB", 1<<20, 16<<20, 25)
	line("RSS", s.rssKiB, after.rssKiB, " MiB", 1<<10, 64<<10, 50)
	if s.threads >= 0 && after.threads >= 0 {
		fmt.Fprintf(w, "soak: gateway threads    before %d, after %d\n", s.threads, after.threads)
	}
	return ok
}

// stackGroup is a number of goroutines and where they wait.
type stackGroup struct {
	n     int64
	where string
}

// grownStacks compares two goroutine profiles (debug=1) and returns the at
// most top groups of goroutines that grew most, each named by the
// innermost frame of its stack outside the runtime and the first two
// frames outside the runtime, net and syscall packages.
func grownStacks(before, after string, top int) []stackGroup {
	count := func(profile string) map[string]int64 {
		m := map[string]int64{}
		if _, rest, ok := strings.Cut(profile, "\n"); ok && strings.HasPrefix(profile, "goroutine profile:") {
			profile = rest
		}
		for _, rec := range strings.Split(profile, "\n\n") {
			lines := strings.Split(strings.TrimSpace(rec), "\n")
			if len(lines) < 2 {
				continue
			}
			n, err := strconv.ParseInt(strings.Fields(lines[0])[0], 10, 64)
			if err != nil {
				continue
			}
			// The innermost frame outside the runtime, then the first
			// frames of the code that made the goroutine wait (outside
			// the net and syscall packages), which say whose it is.
			var frames []string
			for _, l := range lines[1:] {
				f := strings.Fields(strings.TrimPrefix(l, "#"))
				if len(f) < 2 || strings.HasPrefix(f[1], "runtime.") || strings.HasPrefix(f[1], "internal/poll.") {
					continue
				}
				if len(frames) == 0 || !(strings.HasPrefix(f[1], "net.") || strings.HasPrefix(f[1], "syscall.")) {
					frames = append(frames, f[1])
				}
				if len(frames) == 3 {
					break
				}
			}
			m[strings.Join(frames, " < ")] += n
		}
		return m
	}
	b, a := count(before), count(after)
	var out []stackGroup
	for where, n := range a {
		if d := n - b[where]; d > 0 {
			out = append(out, stackGroup{d, where})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n > out[j].n })
	if len(out) > top {
		out = out[:top]
	}
	return out
}

func fmtStat(v int64, div float64, unit string) string {
	if v < 0 {
		return "?"
	}
	if div == 1 {
		return strconv.FormatInt(v, 10) + unit
	}
	return strconv.FormatFloat(float64(v)/div, 'f', 1, 64) + unit
}
