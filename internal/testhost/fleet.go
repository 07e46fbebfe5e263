//go:build goplugin

package main

// The simulated fleet (-fleet DIR): three gateway nodes gw-a, gw-b and gw-c,
// each a separate process of this test host with the plugin loaded (a Go
// plugin is loaded once per process, and reads its node name from the
// process environment, UPSTREAMCAUSE_NODE), each writing Tyk-style JSON log
// lines to its own file DIR/<node>.log, with the lifecycle lines real Tyk
// writes at start and shutdown. The driver (RunFleet) runs the upstreams and
// one DNS server per node on loopback, sends every node client traffic like
// a load balancer in front of the fleet would, and plays a scripted incident
// on them with real failures (see fleetScript).
//
// Every upstream is a service on port 8080 of its own 127.x.y.z address,
// reached by a name under .internal that each node resolves through its own
// DNS server (never the machine's resolver), so that one name can lead to
// different places from different nodes, as it does behind per-node network
// paths.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	tyklog "github.com/TykTechnologies/tyk/log"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// The fleet's fixed facts.
const (
	// FleetVersion is the gateway version the nodes' lifecycle lines name.
	FleetVersion = "v5.8.15"
	// FleetTimeout is every node's proxy_default_timeout: Tyk uses it as
	// the dialer's connect timeout and as the transport's
	// ResponseHeaderTimeout.
	FleetTimeout = 2 * time.Second
	// FleetIdleTimeout is the idle timeout of the intermediary in front of
	// billing: a connection idle that long is closed when reused.
	FleetIdleTimeout = 3 * time.Second
	// fleetBillingEvery is how often each node sends billing a POST: rarely
	// enough that its pooled connection is always idle longer than
	// FleetIdleTimeout when reused (little traffic, not load).
	fleetBillingEvery = 4 * time.Second
	// FleetSlowDelay is how long reports takes to answer once it is slow.
	FleetSlowDelay = 4 * time.Second
	// fleetPort is the port every service listens on, each on its own
	// address.
	fleetPort = 8080
	// fleetOrg is the org id of the nodes' APIs.
	fleetOrg = "fleet-org"
	// MinFleetDuration is the shortest run the script fits in.
	MinFleetDuration = 20 * time.Second
)

// FleetNodes are the nodes' names.
var FleetNodes = []string{"gw-a", "gw-b", "gw-c"}

// fleetService is one upstream service behind one API of every node.
type fleetService struct {
	api     string  // API id and first path segment
	name    string  // API name
	host    string  // DNS name
	method  string  // method of its traffic
	rate    float64 // requests per second per node
	every   time.Duration
	jitter  time.Duration // of every
	ipIndex byte          // last byte of its address
}

// The services, in the order of their addresses. orders has a second
// address, fleetOrdersBlackholeIP, that only gw-a resolves it to after its
// restart.
var fleetServices = []fleetService{
	{api: "catalog", name: "Catalog API", host: "catalog.internal", method: http.MethodGet, rate: 8, ipIndex: 10},
	{api: "orders", name: "Orders API", host: "orders.internal", method: http.MethodGet, rate: 5, ipIndex: 11},
	{api: "inventory", name: "Inventory API", host: "inventory.internal", method: http.MethodGet, rate: 2, ipIndex: 13},
	{api: "payments", name: "Payments API", host: "payments.internal", method: http.MethodPost, rate: 2, ipIndex: 14},
	{api: "reports", name: "Reports API", host: "reports.internal", method: http.MethodGet, rate: 0.5, ipIndex: 15},
	{api: "billing", name: "Billing API", host: "billing.internal", method: http.MethodPost, every: fleetBillingEvery, jitter: 250 * time.Millisecond, ipIndex: 16},
}

const fleetOrdersBlackholeIP = 12

// FleetScenario is one failure the fleet simulated, as it was really played:
// what triage should find.
type FleetScenario struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Scope       string     `json:"scope"` // "single_node" or "all_nodes"
	Nodes       []string   `json:"nodes"`
	Target      string     `json:"target"` // host:port
	Flag        string     `json:"flag"`   // the plugin's upstream_flag
	GuideStep   int        `json:"guide_step"`
	Began       time.Time  `json:"began"` // when the failure condition began
	Ended       *time.Time `json:"ended"` // when it ended, nil if it lasted to the end
	// Trigger is "node_restart" when the failure began with a node's
	// restart (TriggerNode, TriggerTime: the new process's start), else
	// "none".
	Trigger     string     `json:"trigger"`
	TriggerNode string     `json:"trigger_node,omitempty"`
	TriggerTime *time.Time `json:"trigger_time,omitempty"`
	// IdleTimeout is the intermediary's idle timeout of an idle-close
	// scenario, else 0.
	IdleTimeout time.Duration `json:"idle_timeout"`
	// MaxLag bounds how long after Began the first failure can come: the
	// longest gap in the target's traffic, plus the timeout the failure
	// waits for, plus 3 s of margin for a loaded machine.
	MaxLag time.Duration `json:"max_lag"`
}

// FleetRun is what RunFleet did.
type FleetRun struct {
	Dir       string          `json:"dir"`
	Files     []string        `json:"files"` // DIR/<node>.log
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Scenarios []FleetScenario `json:"scenarios"`
	// Sent and Answered count the client requests per node, and the
	// answers per node and status ("200", "502", "504", "error").
	Sent     map[string]int            `json:"sent"`
	Answered map[string]map[string]int `json:"answered"`
}

// FleetOptions configure RunFleet.
type FleetOptions struct {
	Dir        string        // where the nodes' logs go (created; existing logs are replaced)
	Duration   time.Duration // of the traffic, at least MinFleetDuration
	Executable string        // this test host, built with -tags goplugin (default os.Executable)
	Plugin     string        // the plugin .so, built with the same flags as Executable
	// Log, when set, is told each step of the script as it is played.
	Log func(format string, args ...any)
}

// fleetNodeSpec is what a node process is told (-fleet-node, JSON).
type fleetNodeSpec struct {
	Node    string       `json:"node"`
	Log     string       `json:"log"`
	DNS     string       `json:"dns"`
	Timeout string       `json:"timeout"`
	Version string       `json:"version"`
	APIs    []fleetAPISp `json:"apis"`
}

type fleetAPISp struct {
	ID, Name, URL string
}

// fleetAddrs is the fleet's block of loopback addresses, 127.B1.B2.0/24.
type fleetAddrs struct{ b1, b2 byte }

func (a fleetAddrs) ip(last byte) net.IP { return net.IPv4(127, a.b1, a.b2, last).To4() }
func (a fleetAddrs) addr(last byte) string {
	return net.JoinHostPort(a.ip(last).String(), strconv.Itoa(fleetPort))
}

// fleetUpstreams are the running services.
type fleetUpstreams struct {
	addrs     fleetAddrs
	byAPI     map[string]*upstreams.Endpoint
	blackhole *upstreams.Endpoint
}

func (u *fleetUpstreams) close() {
	for _, e := range u.byAPI {
		e.Close()
	}
	if u.blackhole != nil {
		u.blackhole.Close()
	}
}

// startFleetUpstreams starts every service on a block of addresses picked
// at random in 127.64.0.0–127.254.255.0 (far from 127.0.0.1, where other
// programs listen on 8080), trying another block if one is busy.
func startFleetUpstreams(rng *rand.Rand) (*fleetUpstreams, error) {
	var lastErr error
	for try := 0; try < 8; try++ {
		u := &fleetUpstreams{
			addrs: fleetAddrs{byte(64 + rng.Intn(190)), byte(1 + rng.Intn(254))},
			byAPI: make(map[string]*upstreams.Endpoint),
		}
		err := func() error {
			for _, s := range fleetServices {
				addr := u.addrs.addr(s.ipIndex)
				var e *upstreams.Endpoint
				var err error
				switch s.api {
				case "billing":
					e, err = upstreams.ListenIdleTimeout(addr, FleetIdleTimeout)
				case "reports":
					e, err = upstreams.ListenSlow(addr)
				case "inventory":
					e, err = upstreams.ListenOKClose(addr)
				default:
					e, err = upstreams.ListenOK(addr)
				}
				if err != nil {
					return err
				}
				u.byAPI[s.api] = e
			}
			var err error
			u.blackhole, err = upstreams.ListenBlackhole(u.addrs.addr(fleetOrdersBlackholeIP))
			return err
		}()
		if err == nil {
			return u, nil
		}
		u.close()
		lastErr = err
	}
	return nil, fmt.Errorf("fleet: starting the upstreams: %w", lastErr)
}

// fleetNode is one node as the driver sees it.
type fleetNode struct {
	name string
	zone *upstreams.Zone
	log  string

	mu     sync.Mutex
	base   string // "http://127.0.0.1:PORT" while up, "" while down
	client *http.Client
	proc   *nodeProc

	sent     int
	answered map[string]int
}

// target returns the node's base URL and client, or "" while it is down.
func (n *fleetNode) target() (string, *http.Client) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.base, n.client
}

func (n *fleetNode) count(sent bool, answer string) {
	n.mu.Lock()
	if sent {
		n.sent++
	} else {
		n.answered[answer]++
	}
	n.mu.Unlock()
}

// nodeProc is one running node process.
type nodeProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	done   chan struct{}
	err    error // of Wait, after done
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 64<<10 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// driver holds one run.
type fleetDriver struct {
	opts  FleetOptions
	ups   *fleetUpstreams
	nodes []*fleetNode
	rng   *rand.Rand
	rngMu sync.Mutex
}

func (d *fleetDriver) logf(format string, args ...any) {
	if d.opts.Log != nil {
		d.opts.Log(format, args...)
	}
}

func (d *fleetDriver) jitter(base time.Duration, frac float64) time.Duration {
	d.rngMu.Lock()
	f := 1 + frac*(2*d.rng.Float64()-1)
	d.rngMu.Unlock()
	return time.Duration(float64(base) * f)
}

// startNode starts n's process and waits until it serves.
func (d *fleetDriver) startNode(n *fleetNode) error {
	var apis []fleetAPISp
	for _, s := range fleetServices {
		apis = append(apis, fleetAPISp{ID: s.api, Name: s.name, URL: "http://" + net.JoinHostPort(s.host, strconv.Itoa(fleetPort)) + "/"})
	}
	spec, err := json.Marshal(fleetNodeSpec{
		Node: n.name, Log: n.log, DNS: n.zone.Addr, Timeout: FleetTimeout.String(),
		Version: FleetVersion, APIs: apis,
	})
	if err != nil {
		return err
	}
	cmd := exec.Command(d.opts.Executable, "-plugin", d.opts.Plugin, "-fleet-node", string(spec))
	cmd.Env = append(os.Environ(), "UPSTREAMCAUSE_NODE="+n.name)
	p := &nodeProc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(io.Discard, br)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	var base string
	select {
	case line := <-ready:
		base, _ = strings.CutPrefix(line, "ready ")
	case <-time.After(90 * time.Second):
	}
	if !strings.HasPrefix(base, "http://127.") {
		p.stdin.Close()
		cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("fleet: node %s did not start (%v): %s", n.name, p.err, p.stderr.String())
	}
	n.mu.Lock()
	n.proc = p
	n.base = base
	n.client = cases.NewClient()
	n.client.Timeout = 15 * time.Second
	n.mu.Unlock()
	return nil
}

// stopNode takes n out of the traffic and stops its process the way an
// orchestrator does: SIGTERM, then SIGKILL if it has not exited in 20 s.
func (d *fleetDriver) stopNode(n *fleetNode) error {
	n.mu.Lock()
	p, client := n.proc, n.client
	n.base, n.proc, n.client = "", nil, nil
	n.mu.Unlock()
	if p == nil {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.stdin.Close()
	if client != nil {
		client.CloseIdleConnections()
	}
	if p.err != nil {
		return fmt.Errorf("fleet: node %s: %v: %s", n.name, p.err, p.stderr.String())
	}
	return nil
}

// send sends one request of service s to n, if n is up.
func (d *fleetDriver) send(n *fleetNode, s fleetService, seq int, wg *sync.WaitGroup) {
	base, client := n.target()
	if base == "" {
		return
	}
	n.count(true, "")
	wg.Add(1)
	go func() {
		defer wg.Done()
		url := fmt.Sprintf("%s/%s/%d", base, s.api, seq)
		var body io.Reader
		if s.method == http.MethodPost {
			body = strings.NewReader(`{"amount":42}`)
		}
		req, err := http.NewRequest(s.method, url, body)
		if err != nil {
			n.count(false, "error")
			return
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("User-Agent", "fleet-client/1.0")
		res, err := client.Do(req)
		if err != nil {
			n.count(false, "error")
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		n.count(false, strconv.Itoa(res.StatusCode))
	}()
}

// traffic sends s's requests to n until stop is closed.
func (d *fleetDriver) traffic(n *fleetNode, s fleetService, stop <-chan struct{}, wg *sync.WaitGroup) {
	every := s.every
	if every == 0 {
		every = time.Duration(float64(time.Second) / s.rate)
	}
	frac := 0.3
	if s.jitter > 0 {
		frac = float64(s.jitter) / float64(every)
	}
	// Start within the first second (or period), at a random phase so that
	// the nodes do not send in step.
	phase := every
	if phase > time.Second {
		phase = time.Second
	}
	first := d.jitter(phase/2, 0.9)
	t := time.NewTimer(first)
	defer t.Stop()
	for seq := 1; ; seq++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		d.send(n, s, seq, wg)
		t.Reset(d.jitter(every, frac))
	}
}

// fleetStep is one step of the script: at At (a fraction of the run), Do.
type fleetStep struct {
	At   float64
	What string
	Do   func(d *fleetDriver, run *FleetRun) error
}

func (d *fleetDriver) node(name string) *fleetNode {
	for _, n := range d.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

func (d *fleetDriver) scenario(run *FleetRun, name string) *FleetScenario {
	for i := range run.Scenarios {
		if run.Scenarios[i].Name == name {
			return &run.Scenarios[i]
		}
	}
	return nil
}

func fleetTarget(host string) string { return net.JoinHostPort(host, strconv.Itoa(fleetPort)) }

// fleetScenarios are the scenarios before they are played (Began is set by
// the script).
func fleetScenarios() []FleetScenario {
	return []FleetScenario{
		{
			Name:        "node-blackholed",
			Description: "gw-a is restarted; after its restart it cannot reach orders.internal:8080 (its connects time out: the name leads it to a listener whose accept queue is full), while gw-b and gw-c reach orders fine",
			Scope:       "single_node", Nodes: []string{"gw-a"}, Target: fleetTarget("orders.internal"), Flag: "UCT", GuideStep: 3,
			Trigger: "node_restart", TriggerNode: "gw-a", MaxLag: 6 * time.Second,
		},
		{
			Name:        "idle-close",
			Description: fmt.Sprintf("an intermediary in front of billing.internal:8080 closes keep-alive connections idle for %s or more; every node POSTs to billing only every ~%s, so each reused connection is closed under its request", FleetIdleTimeout, fleetBillingEvery),
			Scope:       "all_nodes", Nodes: FleetNodes, Target: fleetTarget("billing.internal"), Flag: "UCC", GuideStep: 4,
			Trigger: "none", IdleTimeout: FleetIdleTimeout, MaxLag: 9 * time.Second,
		},
		{
			Name:        "node-resolver",
			Description: "gw-c's resolver starts answering SERVFAIL for inventory.internal (which closes its connections after each answer, so every request resolves the name anew); gw-a and gw-b resolve it fine",
			Scope:       "single_node", Nodes: []string{"gw-c"}, Target: fleetTarget("inventory.internal"), Flag: "DNS", GuideStep: 3,
			Trigger: "none", MaxLag: 4 * time.Second,
		},
		{
			Name:        "upstream-down",
			Description: "payments.internal:8080 goes down (nothing listens: connection refused) and comes back",
			Scope:       "all_nodes", Nodes: FleetNodes, Target: fleetTarget("payments.internal"), Flag: "UCF", GuideStep: 2,
			Trigger: "none", MaxLag: 4 * time.Second,
		},
		{
			Name:        "slow-upstream",
			Description: fmt.Sprintf("reports.internal:8080 becomes slower (%s) than the gateways' timeout (proxy_default_timeout %s)", FleetSlowDelay, FleetTimeout),
			Scope:       "all_nodes", Nodes: FleetNodes, Target: fleetTarget("reports.internal"), Flag: "URT", GuideStep: 5,
			Trigger: "none", MaxLag: 8 * time.Second,
		},
	}
}

// fleetScript is the incident, in the order it is played. The times are
// fractions of the run, chosen so that no two onsets are within a few
// seconds of each other in a run of MinFleetDuration or more.
var fleetScript = []fleetStep{
	{At: 0.15, What: "reports.internal becomes slower than the timeout", Do: func(d *fleetDriver, run *FleetRun) error {
		d.ups.byAPI["reports"].SetDelay(FleetSlowDelay)
		d.scenario(run, "slow-upstream").Began = time.Now().UTC()
		return nil
	}},
	{At: 0.25, What: "gw-a restarts, and comes back unable to reach orders.internal", Do: func(d *fleetDriver, run *FleetRun) error {
		n := d.node("gw-a")
		if err := d.stopNode(n); err != nil {
			return err
		}
		n.zone.SetA("orders.internal", d.ups.addrs.ip(fleetOrdersBlackholeIP))
		started := time.Now().UTC()
		if err := d.startNode(n); err != nil {
			return err
		}
		sc := d.scenario(run, "node-blackholed")
		sc.Began, sc.TriggerTime = started, &started
		return nil
	}},
	{At: 0.45, What: "gw-c's resolver fails for inventory.internal (SERVFAIL)", Do: func(d *fleetDriver, run *FleetRun) error {
		d.node("gw-c").zone.SetServFail("inventory.internal")
		d.scenario(run, "node-resolver").Began = time.Now().UTC()
		return nil
	}},
	{At: 0.55, What: "payments.internal goes down (connection refused)", Do: func(d *fleetDriver, run *FleetRun) error {
		d.ups.byAPI["payments"].Down()
		d.scenario(run, "upstream-down").Began = time.Now().UTC()
		return nil
	}},
	{At: 0.75, What: "payments.internal comes back", Do: func(d *fleetDriver, run *FleetRun) error {
		if err := d.ups.byAPI["payments"].Up(); err != nil {
			return err
		}
		t := time.Now().UTC()
		d.scenario(run, "upstream-down").Ended = &t
		return nil
	}},
}

// RunFleet runs the simulated fleet for opts.Duration and returns what it
// played. The nodes' logs are opts.Dir/gw-a.log, gw-b.log and gw-c.log.
func RunFleet(opts FleetOptions) (_ *FleetRun, err error) {
	if opts.Duration < MinFleetDuration {
		return nil, fmt.Errorf("fleet: a run takes at least %s", MinFleetDuration)
	}
	if opts.Plugin == "" {
		return nil, errors.New("fleet: the plugin .so is required")
	}
	if opts.Plugin, err = filepath.Abs(opts.Plugin); err != nil {
		return nil, err
	}
	if opts.Executable == "" {
		if opts.Executable, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	d := &fleetDriver{opts: opts, rng: rand.New(rand.NewSource(time.Now().UnixNano()))}
	if d.ups, err = startFleetUpstreams(d.rng); err != nil {
		return nil, err
	}
	defer d.ups.close()

	run := &FleetRun{Dir: opts.Dir, Scenarios: fleetScenarios(), Sent: map[string]int{}, Answered: map[string]map[string]int{}}
	for _, name := range FleetNodes {
		z, err := upstreams.StartZone()
		if err != nil {
			return nil, err
		}
		defer z.Close()
		for _, s := range fleetServices {
			z.SetA(s.host, d.ups.addrs.ip(s.ipIndex))
		}
		n := &fleetNode{name: name, zone: z, log: filepath.Join(opts.Dir, name+".log"), answered: map[string]int{}}
		if err := os.Remove(n.log); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		d.nodes = append(d.nodes, n)
		run.Files = append(run.Files, n.log)
	}
	defer func() {
		for _, n := range d.nodes {
			if e := d.stopNode(n); e != nil && err == nil {
				err = e
			}
		}
	}()
	// The nodes start one after the other, as a rolling deployment does.
	for _, n := range d.nodes {
		if err := d.startNode(n); err != nil {
			return nil, err
		}
	}
	d.logf("fleet: nodes %s serving; services on %s:%d; traffic for %s", strings.Join(FleetNodes, ", "), d.ups.addrs.ip(0), fleetPort, opts.Duration)

	run.Start = time.Now().UTC()
	for i := range run.Scenarios {
		if run.Scenarios[i].Name == "idle-close" {
			run.Scenarios[i].Began = run.Start
		}
	}
	stop := make(chan struct{})
	var gens, reqs sync.WaitGroup
	for _, n := range d.nodes {
		for _, s := range fleetServices {
			n, s := n, s
			gens.Add(1)
			go func() {
				defer gens.Done()
				d.traffic(n, s, stop, &reqs)
			}()
		}
	}
	stopTraffic := func() {
		select {
		case <-stop:
			return
		default:
		}
		close(stop)
		gens.Wait()
		reqs.Wait()
	}
	defer stopTraffic()

	for _, step := range fleetScript {
		at := run.Start.Add(time.Duration(step.At * float64(opts.Duration)))
		time.Sleep(time.Until(at))
		d.logf("fleet: +%4.1fs %s", time.Since(run.Start).Seconds(), step.What)
		if err := step.Do(d, run); err != nil {
			return nil, err
		}
	}
	time.Sleep(time.Until(run.Start.Add(opts.Duration)))
	stopTraffic()
	run.End = time.Now().UTC()
	d.logf("fleet: +%4.1fs traffic stopped; stopping the nodes", run.End.Sub(run.Start).Seconds())
	for _, n := range d.nodes {
		if err := d.stopNode(n); err != nil {
			return nil, err
		}
		n.mu.Lock()
		run.Sent[n.name] = n.sent
		run.Answered[n.name] = n.answered
		n.mu.Unlock()
	}
	return run, nil
}

// runFleetMain is -fleet DIR: run the fleet, say what is simulated, and
// where the logs are.
func runFleetMain(dir string, duration time.Duration, pluginPath string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "Simulating a fleet of three gateway nodes (%s), each a test-host process with the plugin, for %s of real loopback traffic:\n", strings.Join(FleetNodes, ", "), duration)
	for _, sc := range fleetScenarios() {
		fmt.Fprintf(stdout, "  - %s\n", sc.Description)
	}
	fmt.Fprintln(stdout, "  - and successful background traffic to catalog, orders, inventory, payments on every node")
	run, err := RunFleet(FleetOptions{Dir: dir, Duration: duration, Plugin: pluginPath, Log: func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
	}})
	if err != nil {
		fmt.Fprintln(stderr, "testhost:", err)
		return 1
	}
	var parts []string
	for _, n := range FleetNodes {
		ok := run.Answered[n]["200"]
		parts = append(parts, fmt.Sprintf("%s %d requests (%d failed)", n, run.Sent[n], run.Sent[n]-ok))
	}
	fmt.Fprintf(stdout, "Logs in %s: %s.\n", dir, strings.Join(parts, ", "))
	return 0
}

// runFleetNode is one node's process (-fleet-node SPEC): a gateway serving
// one API per service, logging Tyk's JSON lines to its file, until SIGTERM
// or SIGINT (or its standard input closes: the driver is gone).
func runFleetNode(specJSON, pluginPath string, stdout, stderr io.Writer) int {
	var spec fleetNodeSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(stderr, "testhost: -fleet-node:", err)
		return 2
	}
	timeout, err := time.ParseDuration(spec.Timeout)
	if err != nil {
		fmt.Fprintln(stderr, "testhost: -fleet-node:", err)
		return 2
	}
	f, err := os.OpenFile(spec.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(stderr, "testhost:", err)
		return 1
	}
	defer f.Close()
	// Tyk's JSON log format (TYK_LOGFORMAT=json): logrus' JSON keys,
	// timestamps in RFC 3339, level info.
	logger := tyklog.Get()
	logger.SetOutput(f)
	logger.SetFormatter(&logrus.JSONFormatter{TimestampFormat: time.RFC3339})
	logger.SetLevel(logrus.InfoLevel)
	mainLog := logger.WithField("prefix", "main")

	// The lifecycle lines are Tyk 5.8.15's own texts (gateway/server.go,
	// api_loader.go, api_definition.go), in the order it writes them.
	mainLog.Infof("Tyk API Gateway %s", spec.Version)

	p, err := LoadPlugin(pluginPath, false)
	if err != nil {
		fmt.Fprintln(stderr, "testhost: loading the plugin:", err)
		return 1
	}
	var transports []*http.Transport
	mux := http.NewServeMux()
	for _, a := range spec.APIs {
		dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Resolver: upstreams.NewResolver(spec.DNS)}
		tr := TykTransport(dialer, nil, timeout)
		transports = append(transports, tr)
		h, err := NewHost(Options{
			Tyk: Tyk58, Plugin: p.Default(), Transport: tr,
			Upstreams: map[string]string{a.ID: a.URL},
			APIID:     a.ID, APIName: a.Name, OrgID: fleetOrg,
		})
		if err != nil {
			fmt.Fprintln(stderr, "testhost:", err)
			return 1
		}
		id := a.ID
		mux.Handle("/"+id+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set(UpstreamHeader, id)
			h.ServeHTTP(w, r)
		}))
	}
	srv, err := Serve(mux, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "testhost:", err)
		return 1
	}
	_, port, _ := net.SplitHostPort(srv.Addr)

	mainLog.Infof("Tyk Gateway started (%s)", spec.Version)
	mainLog.Info("--> Listening on address: ", "127.0.0.1")
	mainLog.Info("--> Listening on port: ", port)
	mainLog.Info("--> PID: ", os.Getpid())
	mainLog.Info("Loading policies")
	for _, a := range spec.APIs {
		logger.Info("Loading API Specification from ", "/opt/tyk-gateway/apps/"+a.ID+".json")
	}
	mainLog.Printf("Detected %v APIs", len(spec.APIs))
	mainLog.Info("Loading API configurations.")
	for _, a := range spec.APIs {
		logger.WithFields(logrus.Fields{
			"org_id": fleetOrg, "api_id": a.ID, "api_name": a.Name, "type": "request",
			"prefix": "gateway", "user_ip": "--", "server_name": "--", "user_id": "--",
		}).Info("API Loaded")
	}
	mainLog.Info("Initialised API Definitions")
	mainLog.Info("API reload complete")
	fmt.Fprintf(stdout, "ready %s\n", srv.URL)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()

	mainLog.Info("Stop signal received.")
	mainLog.Info("Gracefully shutting down services...")
	mainLog.Info("Waiting for in-flight requests to complete...")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.srv.Shutdown(sctx); err != nil {
		mainLog.Warning("Shutdown timeout reached, some connections may have been terminated")
		srv.Close()
	} else {
		<-srv.done
		mainLog.Info("All HTTP servers and TCP proxies gracefully shut down")
	}
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	mainLog.Info("Closing cache stores and other resources...")
	mainLog.Info("All services gracefully shut down")
	mainLog.Info("Terminating.")
	return 0
}
