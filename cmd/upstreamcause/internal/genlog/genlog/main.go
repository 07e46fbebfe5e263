// Command genlog writes a generated Tyk JSON log of -bytes bytes to
// stdout (package genlog): for trying triage, jq and others on big logs.
//
//	go run ./internal/genlog/genlog -bytes 1073741824 > /tmp/tyk-1g.log
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/upstreamcause/tyk-upstream-cause/cmd/upstreamcause/internal/genlog"
)

func main() {
	var o genlog.Options
	flag.Int64Var(&o.Bytes, "bytes", 64<<20, "size of the log, bytes")
	flag.Int64Var(&o.Seed, "seed", 1, "random seed")
	flag.IntVar(&o.Nodes, "nodes", 4, "gateway nodes")
	flag.Parse()
	if _, err := genlog.Write(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}
