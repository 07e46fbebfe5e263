//go:build goplugin

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	tyklog "github.com/TykTechnologies/tyk/log"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testhost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		pluginPath    = fs.String("plugin", "", "path of the plugin .so (required unless -no-plugin)")
		noPlugin      = fs.Bool("no-plugin", false, "run the gateway without the plugin")
		tyk           = fs.String("tyk", Tyk58, "gateway version to imitate: "+Tyk58+" (5.8–5.11) or "+Tyk512)
		jsonLog       = fs.Bool("json", false, "log with logrus' JSONFormatter instead of its TextFormatter")
		demo          = fs.Bool("demo", false, "send one request per failure case and print each enriched access-log line, then exit")
		listen        = fs.String("listen", "127.0.0.1:8080", "loopback address to serve on (not in -demo)")
		dialTimeout   = fs.Duration("dial-timeout", 300*time.Millisecond, "connect timeout of the connect-timeout case (the other upstreams: 30s)")
		headerTimeout = fs.Duration("header-timeout", 500*time.Millisecond, "response-header timeout of the header-timeout case (the other upstreams: 30s)")
		fleet         = fs.String("fleet", "", "run a simulated fleet of three gateway nodes (gw-a, gw-b, gw-c: processes of this host with the plugin) through a scripted incident, writing their JSON logs to `DIR`/<node>.log, then exit")
		fleetDuration = fs.Duration("fleet-duration", 45*time.Second, "how long -fleet runs its traffic (at least 20s)")
		fleetNode     = fs.String("fleet-node", "", "used by -fleet: run one node of the fleet from its JSON `spec`")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "testhost: test equipment: loads the plugin .so the way Tyk's goplugin loader does and proxies to the failing upstreams of internal/upstreams on 127.0.0.1; not a product.")
		fmt.Fprintln(stderr, "usage: testhost -plugin upstreamcause.so [-tyk 5.8|5.12] [-json] (-demo | -listen 127.0.0.1:8080)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pluginPath == "" && !*noPlugin {
		fs.Usage()
		return 2
	}
	if *fleetNode != "" {
		return runFleetNode(*fleetNode, *pluginPath, stdout, stderr)
	}
	if *fleet != "" {
		return runFleetMain(*fleet, *fleetDuration, *pluginPath, stdout, stderr)
	}

	logger := tyklog.Get()
	logger.SetOutput(stdout)
	var inner logrus.Formatter = &logrus.TextFormatter{}
	if *jsonLog {
		inner = &logrus.JSONFormatter{}
	}

	var p *Plugin
	if !*noPlugin {
		var err error
		if p, err = LoadPlugin(*pluginPath, false); err != nil {
			fmt.Fprintln(stderr, "testhost: loading the plugin:", err)
			return 1
		}
	}

	ups, err := upstreams.Start()
	if err != nil {
		fmt.Fprintln(stderr, "testhost: starting the upstreams:", err)
		return 1
	}
	defer ups.Close()
	transport := TykTransports(ups, *dialTimeout, *headerTimeout)
	defer transport.CloseIdleConnections()

	tap := &Tap{Inner: inner}
	logger.SetFormatter(tap)
	defer logger.SetFormatter(inner)

	host, err := NewHost(Options{Tyk: *tyk, Plugin: p.Default(), Transport: transport, Upstreams: cases.URLs(ups)})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	if *demo {
		return runDemo(host, tap, stdout, stderr)
	}

	srv, err := Serve(host, *listen)
	if err != nil {
		fmt.Fprintln(stderr, "testhost:", err)
		return 1
	}
	defer srv.Close()
	urls := cases.URLs(ups)
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stderr, "testhost: imitating Tyk %s on %s (HTTP/1.1 and h2c); upstream cases (path /case/<name>/... or header %s: <name>):\n", *tyk, srv.URL, UpstreamHeader)
	for _, n := range names {
		fmt.Fprintf(stderr, "  %-24s %s\n", n, urls[n])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}
