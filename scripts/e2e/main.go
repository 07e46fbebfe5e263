// Command e2e is the helper of scripts/e2e.sh, which checks the plugin
// inside a real Tyk gateway binary. It is test equipment, not part of the
// plugin, and imports nothing of Tyk's.
//
//	e2e serve  -dns 127.0.0.1:53 -ca ca.pem -env upstreams.env
//	    starts the failing upstreams of internal/upstreams and a DNS server
//	    on -dns that answers from their DNS server (NXDOMAIN, SERVFAIL …),
//	    writes the test CA and the upstream URLs, and serves until SIGTERM.
//	e2e config -examples examples -dir DIR -env upstreams.env …
//	    writes DIR/tyk.conf and one classic and one OAS API definition per
//	    upstream case, and the APIs of the gateway-produced answers
//	    (gateway.go), all derived from the files in examples/.
//	e2e run    -gw http://127.0.0.1:8080 -log gateway.log -redis 127.0.0.1:6379 [-names tyk|ecs|otel] [-probe] [-proxy-status] …
//	    sends one request per demo case through the gateway, then checks each
//	    request's access-log entry (under the naming mode's keys, and against
//	    its schema) and analytics record against the values
//	    internal/cases expects (the test host's tests check the same), the
//	    clients' Proxy-Status and the probe's entries when those are on, and
//	    the answers the gateway produces itself against gatewayCases
//	    (gateway.go); exits 1 on any difference.
//	e2e soak   -gw http://127.0.0.1:8080 -log gateway.log -env upstreams.env -pid PID …
//	    sends tens of thousands of concurrent mixed requests (HTTP/1.1 and
//	    h2c, some cancelled) through hooked, hookless and do_not_track APIs,
//	    matches every access-log entry to its own request and checks that no
//	    entry carries another request's failure; reads the gateway's RSS,
//	    heap and goroutines before and after (see soak.go).
//	e2e fleet  -tyk BIN -version V -templates DIR -dir DIR -triage BIN [-plugin SO] [-report DIR]
//	    runs three real gateway processes as the nodes of one fleet with
//	    node-only failures made for real (an nftables drop for one node's
//	    user, one node's own resolver), then the triage command over their
//	    logs, as files and as kubectl --prefix output; checks that each
//	    scenario is ranked and named right (see fleet.go).
//	e2e otelcol -bin OTELCOL -config examples/shipping/otelcol.yaml -log gateway.log -env upstreams.env
//	    runs a collector (internal/otelcol) with the shipping example over a
//	    copy of the gateway's log and over its otel-mode twin, the exporter
//	    swapped for the file exporter; checks every demo case's record
//	    (error.type, server.address, server.port, status … with their OTLP
//	    types) and that every entry is shipped as the example maps it, the
//	    same in both routes (see otelcol.go).
//
// All addresses are on loopback; scripts/e2e.sh runs the three inside a
// network namespace of its own whose resolv.conf names 127.0.0.1.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var code int
	switch os.Args[1] {
	case "serve":
		code = serve(os.Args[2:])
	case "config":
		code = config(os.Args[2:])
	case "run":
		code = run(os.Args[2:])
	case "soak":
		code = soak(os.Args[2:])
	case "fleet":
		code = fleet(os.Args[2:])
	case "otelcol":
		code = otelcolCmd(os.Args[2:])
	default:
		usage()
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: e2e serve|config|run|soak|fleet|otelcol [flags] (scripts/e2e.sh runs it; -h on a subcommand lists its flags)")
	os.Exit(2)
}
