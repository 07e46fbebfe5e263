package main

// e2e fleet: three real gateway processes as the nodes gw-a, gw-b and gw-c of
// one fleet (one Redis, the same APIs), with node-only failures made for
// real inside the e2e's network namespace, then the triage command over their
// real logs (scripts/e2e.sh with E2E_FLEET).
//
// Every upstream is a service on port 8080 of its own 127.0.1.x address,
// reached by a name under .internal. Each node resolves names through the
// resolver its own /etc/resolv.conf names (the node runs in a mount
// namespace of its own with that file bind-mounted): gw-a and gw-b through
// 127.0.2.1, gw-c through 127.0.2.3, two DNS servers of this command. gw-a
// runs as another user (nobody), so that an nftables rule can drop what that
// node alone sends to one upstream (meta skuid), as a security group or a
// host firewall of one node would.
//
// The incident (fleetIncident): gw-a restarts and comes back with its
// packets to orders.internal:8080 dropped (connect timeouts on gw-a only;
// trigger: its restart); gw-c's resolver starts answering SERVFAIL for
// inventory.internal (DNS failures on gw-c only); payments.internal goes
// down and comes back (refused on every node); an intermediary in front of
// billing.internal closes keep-alive connections idle for 3 s while every
// node POSTs to it only every 4 s (closes on reused connections on every
// node, at low traffic). The triage report of the three logs must rank and
// name each as internal/testhost's simulated fleet does (fleetWant).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// The fleet's fixed facts.
const (
	fleetUpstreamPort = 8080
	// fleetIdle is the idle timeout of the intermediary in front of
	// billing; fleetBillingEvery how often each node POSTs to it.
	fleetIdle         = 3 * time.Second
	fleetBillingEvery = 4 * time.Second
	// fleetTimeout is every node's proxy_default_timeout (s).
	fleetTimeout = 2
	// fleetUID is the user gw-a runs as, which the nftables rule matches.
	fleetUID = 65534
	// The resolvers: resolv.conf names no port, so each is port 53 of its
	// own loopback address.
	fleetResolverAB = "127.0.2.1"
	fleetResolverC  = "127.0.2.3"
)

// fleetNode is one gateway process of the fleet.
type fleetNode struct {
	Name     string
	Port     int
	Resolver string // the nameserver its resolv.conf names
	UID      int    // 0: the caller's user

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	up   bool // serving; the load balancer sends it traffic
}

// fleetService is one upstream behind one API of every node.
type fleetService struct {
	Name string // the API's name, its listen path and its host's first label
	IP   string // 127.0.1.x
	ep   *upstreams.Endpoint
}

func (s *fleetService) host() string { return s.Name + ".internal" }
func (s *fleetService) target() string {
	return net.JoinHostPort(s.host(), strconv.Itoa(fleetUpstreamPort))
}
func (s *fleetService) addr() string { return net.JoinHostPort(s.IP, strconv.Itoa(fleetUpstreamPort)) }

// fleetWant is what the triage report must say of one scenario.
type fleetWant struct {
	Service   string
	Flag      string
	Scope     string
	Nodes     []string
	GuideStep int
	Trigger   string // node_restart or none
	Began     time.Time
	MaxLag    time.Duration
	// PluginOnly: only logs with the plugin show it (an idle time, a close
	// on a reused connection).
	PluginOnly bool
	// TriggerTime: the restart (the new process's start).
	TriggerTime time.Time
}

type fleetFlags struct {
	tyk, version, plugin, examples, templates, dir, triage, report string
	redisPort                                                      int
	duration                                                       time.Duration
	probe                                                          bool // the nodes run with UPSTREAMCAUSE_PROBE=on (with the plugin only)
}

func fleet(args []string) int {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	var f fleetFlags
	fs.StringVar(&f.tyk, "tyk", "", "the gateway binary")
	fs.StringVar(&f.version, "version", "", "the gateway's version (vX.Y.Z)")
	fs.StringVar(&f.plugin, "plugin", "", "path the API definitions name for the plugin (…/middleware/upstreamcause.so); empty: APIs without the plugin")
	fs.StringVar(&f.examples, "examples", "examples", "the repository's examples folder")
	fs.StringVar(&f.templates, "templates", "", "the gateway's templates folder")
	fs.StringVar(&f.dir, "dir", "", "folder to work in (nodes' configs, logs/<node>.log)")
	fs.StringVar(&f.triage, "triage", "", "the upstreamcause command")
	fs.StringVar(&f.report, "report", "", "folder to copy the reports into (report.txt, .md, .json, .html and, with chromium, triage-report.png); empty: none")
	fs.IntVar(&f.redisPort, "redis-port", 6380, "the fleet's Redis on 127.0.0.1")
	fs.DurationVar(&f.duration, "duration", 40*time.Second, "how long the incident runs")
	fs.BoolVar(&f.probe, "probe", true, "with the plugin: run the nodes with UPSTREAMCAUSE_PROBE=on and check the probes from gw-a and gw-c")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if f.tyk == "" || f.version == "" || f.templates == "" || f.dir == "" || f.triage == "" {
		fmt.Fprintln(os.Stderr, "e2e fleet: -tyk, -version, -templates, -dir and -triage are required")
		return 2
	}
	if f.duration < 30*time.Second {
		fmt.Fprintln(os.Stderr, "e2e fleet: -duration must be 30s or more (the incident's steps are fractions of it)")
		return 2
	}
	wants, logs, err := runFleet(&f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e fleet:", err)
		return 1
	}
	if !checkFleet(&f, wants, logs) {
		return 1
	}
	return 0
}

// runFleet starts the upstreams, the resolvers and the nodes, plays the
// incident under load-balancer-like traffic, stops the nodes, and returns
// what triage must find and the nodes' log files.
func runFleet(f *fleetFlags) ([]fleetWant, []string, error) {
	services := []*fleetService{
		{Name: "orders", IP: "127.0.1.1"},
		{Name: "payments", IP: "127.0.1.2"},
		{Name: "inventory", IP: "127.0.1.3"},
		{Name: "billing", IP: "127.0.1.4"},
	}
	for _, s := range services {
		var err error
		switch s.Name {
		case "inventory": // closes after each answer: every request resolves anew
			s.ep, err = upstreams.ListenOKClose(s.addr())
		case "billing":
			s.ep, err = upstreams.ListenIdleTimeout(s.addr(), fleetIdle)
		default:
			s.ep, err = upstreams.ListenOK(s.addr())
		}
		if err != nil {
			return nil, nil, fmt.Errorf("upstream %s: %w", s.Name, err)
		}
		defer s.ep.Close()
	}
	zones := map[string]*upstreams.Zone{}
	for _, ip := range []string{fleetResolverAB, fleetResolverC} {
		z, err := upstreams.StartZoneAt(net.JoinHostPort(ip, "53"))
		if err != nil {
			return nil, nil, fmt.Errorf("resolver %s: %w", ip, err)
		}
		defer z.Close()
		for _, s := range services {
			z.SetA(s.host(), net.ParseIP(s.IP))
		}
		zones[ip] = z
	}

	redis := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(f.redisPort),
		"--save", "", "--appendonly", "no", "--dir", f.dir, "--logfile", filepath.Join(f.dir, "redis-fleet.log"))
	if err := os.MkdirAll(filepath.Join(f.dir, "logs"), 0o755); err != nil {
		return nil, nil, err
	}
	if err := redis.Start(); err != nil {
		return nil, nil, fmt.Errorf("redis-server: %w", err)
	}
	defer func() { redis.Process.Kill(); redis.Wait() }()

	nodes := []*fleetNode{
		{Name: "gw-a", Port: 8181, Resolver: fleetResolverAB, UID: fleetUID},
		{Name: "gw-b", Port: 8182, Resolver: fleetResolverAB},
		{Name: "gw-c", Port: 8183, Resolver: fleetResolverC},
	}
	for _, n := range nodes {
		if err := writeFleetNode(f, n, services); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n.Name, err)
		}
	}
	defer func() {
		for _, n := range nodes {
			n.stop()
		}
	}()
	for _, n := range nodes {
		if err := n.start(f); err != nil {
			return nil, nil, err
		}
	}

	lb := &fleetLB{nodes: nodes, client: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	byName := map[string]*fleetService{}
	for _, s := range services {
		byName[s.Name] = s
	}
	// Client traffic like a load balancer's in front of the fleet: orders
	// and payments busy, inventory steady, billing rare (one POST per node
	// every fleetBillingEvery, so its pooled connections idle past the
	// intermediary's timeout).
	for _, t := range []struct {
		svc    string
		every  time.Duration
		method string
	}{
		{"orders", 100 * time.Millisecond, http.MethodGet},
		{"payments", 150 * time.Millisecond, http.MethodGet},
		{"inventory", 200 * time.Millisecond, http.MethodGet},
		{"billing", fleetBillingEvery / time.Duration(len(nodes)), http.MethodPost},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lb.drive(ctx, t.svc, t.every, t.method)
		}()
	}

	started := time.Now()
	at := func(frac float64) {
		time.Sleep(time.Until(started.Add(time.Duration(frac * float64(f.duration)))))
	}
	var wants []fleetWant
	var stepErr error
	all := []string{"gw-a", "gw-b", "gw-c"}

	at(0.2)
	log("fleet: gw-a restarts and comes back with its packets to orders.internal dropped (nftables, meta skuid %d)", fleetUID)
	a := nodes[0]
	a.setUp(false) // drained before its SIGTERM
	a.stop()
	if err := nftDrop(fleetUID, byName["orders"].IP, fleetUpstreamPort); err != nil {
		stepErr = err
	}
	restart := time.Now().UTC()
	if err := a.start(f); err != nil && stepErr == nil {
		stepErr = err
	}
	wants = append(wants, fleetWant{Service: "orders", Flag: "UCT", Scope: "single_node", Nodes: []string{"gw-a"},
		GuideStep: 3, Trigger: "node_restart", Began: restart, TriggerTime: restart, MaxLag: 8 * time.Second})

	at(0.4)
	log("fleet: gw-c's resolver answers SERVFAIL for inventory.internal")
	zones[fleetResolverC].SetServFail(byName["inventory"].host())
	wants = append(wants, fleetWant{Service: "inventory", Flag: "DNS", Scope: "single_node", Nodes: []string{"gw-c"},
		GuideStep: 3, Trigger: "none", Began: time.Now().UTC(), MaxLag: 4 * time.Second})

	at(0.6)
	log("fleet: payments.internal goes down")
	byName["payments"].ep.Down()
	wants = append(wants, fleetWant{Service: "payments", Flag: "UCF", Scope: "all_nodes", Nodes: all,
		GuideStep: 2, Trigger: "none", Began: time.Now().UTC(), MaxLag: 4 * time.Second})
	at(0.75)
	log("fleet: payments.internal comes back")
	if err := byName["payments"].ep.Up(); err != nil && stepErr == nil {
		stepErr = err
	}
	wants = append(wants, fleetWant{Service: "billing", Flag: "UCC", Scope: "all_nodes", Nodes: all,
		GuideStep: 4, Trigger: "none", Began: started.UTC(), MaxLag: 12 * time.Second, PluginOnly: true})

	at(1)
	cancel()
	wg.Wait()
	for _, n := range nodes {
		n.stop()
	}
	log("fleet: %d requests sent (%d not answered: node restarting)", lb.sent.Load(), lb.unanswered.Load())
	if stepErr != nil {
		return nil, nil, stepErr
	}
	var files []string
	for _, n := range nodes {
		files = append(files, n.logFile())
	}
	return wants, files, nil
}

// writeFleetNode writes the node's tyk.conf (the example's, on its own port,
// with the fleet's Redis), its APIs (one classic API per service, the
// example's wiring, or without any plugin when f.plugin is empty) and its
// resolv.conf.
func writeFleetNode(f *fleetFlags, n *fleetNode, services []*fleetService) error {
	n.dir = filepath.Join(f.dir, n.Name)
	if err := os.MkdirAll(filepath.Join(n.dir, "apps"), 0o755); err != nil {
		return err
	}
	var conf map[string]any
	if err := readJSON(filepath.Join(f.examples, "tyk.conf"), &conf); err != nil {
		return err
	}
	storage, _ := conf["storage"].(map[string]any)
	pol, _ := conf["policies"].(map[string]any)
	if storage == nil || pol == nil {
		return fmt.Errorf("examples/tyk.conf lacks storage or policies")
	}
	policies := filepath.Join(n.dir, "policies.json")
	if err := os.WriteFile(policies, []byte("{}\n"), 0o644); err != nil {
		return err
	}
	conf["listen_address"] = "127.0.0.1"
	conf["listen_port"] = n.Port
	conf["secret"] = "fleet-secret-" + n.Name
	conf["template_path"] = f.templates
	conf["app_path"] = filepath.Join(n.dir, "apps")
	conf["proxy_default_timeout"] = fleetTimeout
	storage["host"], storage["port"] = "127.0.0.1", f.redisPort
	pol["policy_record_name"] = policies
	if f.plugin != "" {
		conf["middleware_path"] = filepath.Dir(f.plugin)
	}
	if err := writeJSON(filepath.Join(n.dir, "tyk.conf"), conf); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(f.examples, exampleFiles[KindClassic]))
	if err != nil {
		return err
	}
	for _, s := range services {
		def, err := apiFromExample(KindClassic, raw, s.Name, "http://"+s.target()+"/", f.plugin)
		if err != nil {
			return err
		}
		if f.plugin == "" {
			delete(def, "custom_middleware")
			delete(def, "analytics_plugin")
		}
		def["api_id"], def["name"] = "fleet-"+s.Name, s.Name
		def["proxy"].(map[string]any)["listen_path"] = "/" + s.Name + "/"
		if err := writeJSON(filepath.Join(n.dir, "apps", s.Name+".json"), def); err != nil {
			return err
		}
	}
	resolv := fmt.Sprintf("nameserver %s\noptions timeout:2 attempts:1\n", n.Resolver)
	if err := os.WriteFile(filepath.Join(n.dir, "resolv.conf"), []byte(resolv), 0o644); err != nil {
		return err
	}
	if n.UID != 0 {
		// Tyk 5.8 writes into its working directory; the node's user
		// owns it and its log.
		for _, p := range []string{n.dir, n.logFile()} {
			if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					return err
				}
			}
			if err := os.Chown(p, n.UID, n.UID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *fleetNode) logFile() string {
	return filepath.Join(filepath.Dir(n.dir), "logs", n.Name+".log")
}

// start starts the node's gateway in a mount namespace of its own (its
// resolv.conf bind-mounted over the system's), as its user, appending to its
// log, and waits until it serves its APIs.
func (n *fleetNode) start(f *fleetFlags) error {
	out, err := os.OpenFile(n.logFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	resolv, err := filepath.EvalSymlinks("/etc/resolv.conf")
	if err != nil {
		return err
	}
	script := `mount --bind "$1" "$2" && shift 2 && exec "$@"`
	argv := []string{"unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		filepath.Join(n.dir, "resolv.conf"), resolv}
	if n.UID != 0 {
		argv = append(argv, "setpriv", "--reuid", strconv.Itoa(n.UID), "--regid", strconv.Itoa(n.UID), "--clear-groups")
	}
	argv = append(argv, f.tyk, "start", "--conf", filepath.Join(n.dir, "tyk.conf"))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = n.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "UPSTREAMCAUSE_NODE="+n.Name, "TYK_LOGLEVEL=info")
	if f.plugin != "" && f.probe {
		cmd.Env = append(cmd.Env, "UPSTREAMCAUSE_PROBE=on")
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", n.Name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	hello := fmt.Sprintf("http://127.0.0.1:%d/hello", n.Port)
	err = waitFor(60*time.Second, func() error {
		select {
		case <-done:
			return fmt.Errorf("exited: %s", cmd.ProcessState)
		default:
		}
		if err := expectStatus(http.DefaultClient, http.MethodGet, hello, "", nil, http.StatusOK); err != nil {
			return err
		}
		// the APIs are loaded: a request reaches a listen path
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/orders/", n.Port))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return errors.New("the APIs are not loaded yet")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s did not come up: %w (see %s)", n.Name, err, n.logFile())
	}
	n.setUp(true)
	return nil
}

// stop sends the node's gateway SIGTERM (it logs its shutdown) and waits up
// to 20 s, then kills it.
func (n *fleetNode) stop() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd, n.up = nil, false
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	// unshare and sh exec into the gateway: the process is the gateway.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// nftDrop adds, in this network namespace, a rule dropping every packet that
// the user uid sends to ip:port.
func nftDrop(uid int, ip string, port int) error {
	rules := fmt.Sprintf(`table inet upstreamcause_fleet {
	chain out {
		type filter hook output priority 0; policy accept;
		meta skuid %d ip daddr %s tcp dport %d drop
	}
}
`, uid, ip, port)
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, out)
	}
	return nil
}

// fleetLB sends client traffic to the nodes that are up, round robin per
// service.
type fleetLB struct {
	nodes      []*fleetNode
	client     *http.Client
	sent       atomic.Int64
	unanswered atomic.Int64
}

// setUp says whether the load balancer sends the node traffic.
func (n *fleetNode) setUp(up bool) {
	n.mu.Lock()
	n.up = up
	n.mu.Unlock()
}

func (lb *fleetLB) drive(ctx context.Context, svc string, every time.Duration, method string) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	next := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var n *fleetNode
		for i := 0; i < len(lb.nodes) && n == nil; i++ {
			c := lb.nodes[next%len(lb.nodes)]
			next++
			c.mu.Lock()
			if c.up {
				n = c
			}
			c.mu.Unlock()
		}
		if n == nil {
			continue
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			var body io.Reader
			if method == http.MethodPost {
				body = strings.NewReader(`{"invoice":"fleet"}`)
			}
			req, _ := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d/%s/", n.Port, svc), body)
			lb.sent.Add(1)
			resp, err := lb.client.Do(req)
			if err != nil {
				lb.unanswered.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
}

// fleetFinding is what checkFleet reads of a finding (triage/SCHEMA.md).
type fleetFinding struct {
	Rank      int        `json:"rank"`
	Scope     string     `json:"scope"`
	Nodes     []string   `json:"nodes"`
	Target    string     `json:"target"`
	Flag      string     `json:"flag"`
	Detail    string     `json:"detail"`
	Failures  int        `json:"failures"`
	Onset     time.Time  `json:"onset"`
	End       *time.Time `json:"end"`
	GuideStep int        `json:"guide_step"`
	Trigger   struct {
		Kind string     `json:"kind"`
		Node string     `json:"node"`
		Time *time.Time `json:"time"`
	} `json:"trigger"`
	IdleTimeoutS *float64 `json:"idle_timeout_s"`
	ProbeCheck   *string  `json:"probe_check"`
	Summary      string   `json:"summary"`
}

type fleetReport struct {
	Findings []fleetFinding `json:"findings"`
	Inputs   struct {
		Lines   int      `json:"lines"`
		Skipped int      `json:"skipped"`
		Nodes   []string `json:"nodes"`
	} `json:"inputs"`
}

// checkFleet runs the triage command over the nodes' logs as files and as
// one `kubectl logs --prefix` stream, checks each report against wants, and
// writes the reports into f.report when set.
func checkFleet(f *fleetFlags, wants []fleetWant, logs []string) bool {
	ok := true
	// kubectl logs --prefix -l app=tyk-gateway: each line prefixed with
	// its pod and container.
	kube := filepath.Join(f.dir, "kubectl-prefix.log")
	if err := writeKubectlPrefix(kube, logs); err != nil {
		log("fleet: %v", err)
		return false
	}
	nodeNames := []string{"gw-a", "gw-b", "gw-c"}
	for _, in := range []struct {
		name  string
		args  []string
		nodes []string
	}{
		{"files", logs, nodeNames},
		{"kubectl --prefix", []string{kube}, podNames(nodeNames, f.plugin == "")},
	} {
		rep, raw, err := runTriage(f.triage, append([]string{"triage", "--format", "json"}, in.args...)...)
		if err != nil {
			log("fleet: triage of the %s: %v", in.name, err)
			ok = false
			continue
		}
		log("fleet: triage of the %s: %d lines, %d skipped, nodes %v, %d findings", in.name, rep.Inputs.Lines, rep.Inputs.Skipped, rep.Inputs.Nodes, len(rep.Findings))
		if problems := judgeFleet(rep, wants, in.nodes, f.plugin != "", f.plugin != "" && f.probe, notJSON(logs)); len(problems) > 0 {
			ok = false
			for _, p := range problems {
				log("fleet: FAIL (%s): %s", in.name, p)
			}
			os.Stderr.Write(raw)
		}
	}
	if f.plugin != "" && f.probe {
		for _, p := range judgeFleetProbes(logs) {
			ok = false
			log("fleet: FAIL (probe): %s", p)
		}
	}
	text, _, err := runTriageRaw(f.triage, append([]string{"triage", "--format", "text"}, logs...)...)
	if err != nil {
		log("fleet: triage --format text: %v", err)
		ok = false
	}
	os.Stderr.Write(text)
	if f.report != "" {
		if err := writeFleetReports(f, logs, text); err != nil {
			log("fleet: reports: %v", err)
			ok = false
		}
	}
	if ok {
		log("fleet: PASS: every scenario ranked and named right, from the files and from kubectl --prefix")
	}
	return ok
}

// podNames are the pods of the kubectl form; the node names triage reports
// for them: the plugin's gateway_node when the logs carry it, else the pod.
func podNames(nodes []string, byPod bool) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n
		if byPod {
			out[i] = fleetPod(n)
		}
	}
	return out
}

func fleetPod(node string) string { return "tyk-gateway-" + node[len(node)-1:] + "-7d9f5c" }

// writeKubectlPrefix writes the nodes' logs as `kubectl logs --prefix` does
// for several pods: "[pod/NAME/CONTAINER] line", interleaved in time order
// (each file's own order kept).
func writeKubectlPrefix(out string, logs []string) error {
	type line struct {
		t    time.Time
		text string
	}
	var all []line
	for _, p := range logs {
		node := strings.TrimSuffix(filepath.Base(p), ".log")
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var last time.Time
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e struct {
				Time time.Time `json:"time"`
			}
			if json.Unmarshal(sc.Bytes(), &e) == nil && !e.Time.IsZero() {
				last = e.Time
			}
			all = append(all, line{last, "[pod/" + fleetPod(node) + "/tyk-gateway] " + sc.Text()})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	var b bytes.Buffer
	for _, l := range all {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

func runTriageRaw(bin string, args ...string) ([]byte, []byte, error) {
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil // 1: findings
	} else if err == nil {
		err = errors.New("exit status 0: no findings")
	}
	if err != nil {
		return out, stderr.Bytes(), fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, stderr.Bytes(), nil
}

func runTriage(bin string, args ...string) (*fleetReport, []byte, error) {
	out, _, err := runTriageRaw(bin, args...)
	if err != nil {
		return nil, out, err
	}
	var rep fleetReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, out, fmt.Errorf("the JSON report: %w", err)
	}
	return &rep, out, nil
}

// judgeFleet checks a report against the scenarios: the node-only failure
// after gw-a's restart is ranked first; every scenario has a finding with
// its scope, nodes, flag, guide step, trigger and an onset within MaxLag
// after it began.
//
// Skipped lines must be exactly the logs' lines that are not JSON objects
// (the gateway's stderr: Go's log package prints "… terminated" when Tyk
// 5.8 gets SIGTERM): unknown to triage, counted, never a finding.
//
// With probe (the nodes ran the plugin's probe), the node-only failures
// (orders from gw-a, inventory from gw-c) must have probe_check "failed":
// the probe from the failing node confirms it.
func judgeFleet(rep *fleetReport, wants []fleetWant, nodes []string, plugin, probe bool, notJSON int) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if rep.Inputs.Skipped != notJSON {
		bad("%d of %d lines skipped, want the %d that are not JSON", rep.Inputs.Skipped, rep.Inputs.Lines, notJSON)
	}
	if strings.Join(rep.Inputs.Nodes, ",") != strings.Join(nodes, ",") {
		bad("nodes %v, want %v", rep.Inputs.Nodes, nodes)
	}
	rename := map[string]string{"gw-a": nodes[0], "gw-b": nodes[1], "gw-c": nodes[2]}
	for _, w := range wants {
		if w.PluginOnly && !plugin {
			continue
		}
		target := net.JoinHostPort(w.Service+".internal", strconv.Itoa(fleetUpstreamPort))
		flags := []string{w.Flag}
		if !plugin && w.Flag == "UCT" {
			// Tyk 5.12+'s own flag for a dropped connect
			flags = append(flags, "URT")
		}
		var f *fleetFinding
		for i := range rep.Findings {
			if rep.Findings[i].Target == target && contains(flags, rep.Findings[i].Flag) {
				f = &rep.Findings[i]
				break
			}
		}
		if f == nil {
			bad("%s: no finding with target %s and flag %s", w.Service, target, w.Flag)
			continue
		}
		wantNodes := make([]string, len(w.Nodes))
		for i, n := range w.Nodes {
			wantNodes[i] = rename[n]
		}
		if w.Trigger == "node_restart" && f.Rank != 1 {
			bad("%s: rank %d, want 1 (the node-only failure after a restart)", w.Service, f.Rank)
		}
		if f.Scope != w.Scope || strings.Join(f.Nodes, ",") != strings.Join(wantNodes, ",") {
			bad("%s: scope %s on %v, want %s on %v", w.Service, f.Scope, f.Nodes, w.Scope, wantNodes)
		}
		if f.GuideStep != w.GuideStep {
			bad("%s: guide step %d, want %d", w.Service, f.GuideStep, w.GuideStep)
		}
		if f.Onset.Before(w.Began.Add(-time.Second)) || f.Onset.After(w.Began.Add(w.MaxLag)) {
			bad("%s: onset %s, want within %s after %s", w.Service, f.Onset.Format(time.RFC3339), w.MaxLag, w.Began.Format(time.RFC3339))
		}
		if f.Trigger.Kind != w.Trigger {
			bad("%s: trigger %q, want %q", w.Service, f.Trigger.Kind, w.Trigger)
		} else if w.Trigger == "node_restart" {
			if f.Trigger.Node != rename["gw-a"] {
				bad("%s: trigger node %q, want %q", w.Service, f.Trigger.Node, rename["gw-a"])
			}
			if tt := f.Trigger.Time; tt == nil || tt.Before(w.TriggerTime.Add(-3*time.Second)) || tt.After(w.TriggerTime.Add(10*time.Second)) {
				bad("%s: trigger time %v, want the restart at %s", w.Service, tt, w.TriggerTime.Format(time.RFC3339))
			}
		}
		if probe && w.Scope == "single_node" {
			if f.ProbeCheck == nil || *f.ProbeCheck != "failed" {
				got := "null"
				if f.ProbeCheck != nil {
					got = *f.ProbeCheck
				}
				bad("%s: probe_check %s, want failed (the probe from %v fails too)", w.Service, got, wantNodes)
			}
		}
		if w.Flag == "UCC" {
			if v := f.IdleTimeoutS; v == nil || *v < fleetIdle.Seconds()-0.1 || *v > fleetBillingEvery.Seconds()+0.5 {
				bad("%s: idle_timeout_s %v, want between %.1f and %.1f", w.Service, v, fleetIdle.Seconds()-0.1, fleetBillingEvery.Seconds()+0.5)
			}
		}
	}
	return problems
}

// fleetProbeWant is the verdict the probe of each node must reach for the
// node-only failures: gw-a, whose packets to orders are dropped, finds it
// unreachable from itself; gw-c, whose resolver fails inventory, finds the
// name does not resolve. No node may find either of them reachable while
// the incident lasts, and gw-b, which both work from, must not probe them.
var fleetProbeWant = map[string]map[string]string{ // node -> target -> verdict
	"gw-a": {"orders.internal:8080": "unreachable_from_node"},
	"gw-c": {"inventory.internal:8080": "dns_fails_from_node"},
	"gw-b": {},
}

// judgeFleetProbes checks the probe entries of the nodes' logs (logs in
// the order gw-a, gw-b, gw-c) against fleetProbeWant.
func judgeFleetProbes(logs []string) []string {
	var problems []string
	for i, node := range []string{"gw-a", "gw-b", "gw-c"} {
		if i >= len(logs) {
			break
		}
		want := fleetProbeWant[node]
		seen := map[string][]string{}
		for _, e := range probeEntries(logs[i]) {
			t, _ := e["probe_target"].(string)
			v, _ := e["probe_verdict"].(string)
			seen[t] = append(seen[t], v)
			if n, _ := e["gateway_node"].(string); n != node {
				problems = append(problems, fmt.Sprintf("%s: a probe entry names node %q", node, n))
			}
		}
		for t, v := range want {
			if len(seen[t]) == 0 || seen[t][0] != v {
				problems = append(problems, fmt.Sprintf("%s: probe verdicts of %s %v, want %s first", node, t, seen[t], v))
			}
		}
		for _, t := range []string{"orders.internal:8080", "inventory.internal:8080"} {
			if _, mine := want[t]; !mine && len(seen[t]) > 0 {
				problems = append(problems, fmt.Sprintf("%s: probed %s (%v), which fails only on another node", node, t, seen[t]))
			}
		}
		log("fleet: probes from %s: %v", node, seen)
	}
	return problems
}

// notJSON counts the lines of the logs that do not begin with "{".
func notJSON(logs []string) int {
	n := 0
	for _, p := range logs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, l := range bytes.Split(raw, []byte("\n")) {
			if len(l) > 0 && l[0] != '{' {
				n++
			}
		}
	}
	return n
}

// writeFleetReports writes the text, Markdown, JSON and HTML reports of the
// nodes' logs into f.report, and a PNG of the HTML report taken with
// headless Chromium when it is installed.
func writeFleetReports(f *fleetFlags, logs []string, text []byte) error {
	if err := os.MkdirAll(f.report, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.report, "report.txt"), text, 0o644); err != nil {
		return err
	}
	for _, format := range []string{"markdown", "json"} {
		out, _, err := runTriageRaw(f.triage, append([]string{"triage", "--format", format}, logs...)...)
		if err != nil {
			return err
		}
		ext := map[string]string{"markdown": "md", "json": "json"}[format]
		if err := os.WriteFile(filepath.Join(f.report, "report."+ext), out, 0o644); err != nil {
			return err
		}
	}
	html := filepath.Join(f.report, "report.html")
	if _, _, err := runTriageRaw(f.triage, append([]string{"triage", "--format", "text", "--html", html}, logs...)...); err != nil {
		return err
	}
	for _, p := range logs {
		if err := copyFile(p, filepath.Join(f.report, filepath.Base(p))); err != nil {
			return err
		}
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		log("fleet: no chromium: no screenshot")
		return nil
	}
	profile, err := os.MkdirTemp(f.dir, "chromium")
	if err != nil {
		return err
	}
	png := filepath.Join(f.report, "triage-report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile, "--window-size=1280,1800", "--screenshot="+png, "file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("chromium: %v: %s", err, out)
	}
	log("fleet: screenshot %s", png)
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

func log(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", a...)
}
