// Command sharedmods checks that building the plugin together with a gateway
// would not change the version of any module the gateway links.
//
// A Go plugin loads only if every package it shares with the gateway was
// built from the very same version; otherwise the gateway logs "plugin was
// built with a different version of package …" and every request to the APIs
// using the plugin is answered 500. Tyk's plugin compiler builds the plugin in
// a Go workspace with the gateway's module, where minimal version selection
// takes, for each module, the highest version either side requires. So any
// module this repository requires at a higher version than the gateway's
// go.mod would be raised.
//
// Usage:
//
//	go run ./scripts/sharedmods -gateway /path/to/tyk/go.mod
//
// It lists every module both sides require with both versions, marks those we
// would raise, and exits 1 if there is any (2 on a usage or read error). The
// modules of this repository are those of `go list -m all` run with
// GOWORK=off in the repository (test-only modules included: the workspace
// build sees them too).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"text/tabwriter"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Module is a module path and the version selected for it.
type Module struct {
	Path    string
	Version string
}

// Finding is one module both sides require.
type Finding struct {
	Path     string
	Gateway  string // version the gateway's go.mod requires
	Ours     string // version our build list selects
	Raised   bool   // Ours is higher: the workspace build would change the gateway's version
	Replaced bool   // the gateway replaces the module: versions are not comparable, reported only
}

// Compare returns a Finding for every module in ours that the gateway's
// go.mod requires or replaces, sorted by path.
func Compare(ours []Module, gateway *modfile.File) []Finding {
	req := make(map[string]string, len(gateway.Require))
	for _, r := range gateway.Require {
		req[r.Mod.Path] = r.Mod.Version
	}
	repl := make(map[string]bool, len(gateway.Replace))
	for _, r := range gateway.Replace {
		repl[r.Old.Path] = true
	}
	var out []Finding
	for _, m := range ours {
		gv, required := req[m.Path]
		if !required && !repl[m.Path] {
			continue
		}
		f := Finding{Path: m.Path, Gateway: gv, Ours: m.Version, Replaced: repl[m.Path]}
		f.Raised = !f.Replaced && semver.Compare(m.Version, gv) > 0
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// buildList runs `go list -m -json all` with GOWORK=off in dir and returns
// every module but the main one.
func buildList(dir string) ([]Module, error) {
	cmd := exec.Command("go", "list", "-m", "-json", "all")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m all: %v: %s", err, stderr.String())
	}
	var mods []Module
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path, Version string
			Main          bool
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if !m.Main && m.Version != "" {
			mods = append(mods, Module{m.Path, m.Version})
		}
	}
	return mods, nil
}

func main() {
	gw := flag.String("gateway", "", "path to the gateway's go.mod")
	repo := flag.String("repo", ".", "this repository's root")
	flag.Parse()
	if *gw == "" {
		fmt.Fprintln(os.Stderr, "usage: sharedmods -gateway /path/to/tyk/go.mod [-repo .]")
		os.Exit(2)
	}
	data, err := os.ReadFile(*gw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sharedmods:", err)
		os.Exit(2)
	}
	gateway, err := modfile.Parse(*gw, data, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sharedmods:", err)
		os.Exit(2)
	}
	ours, err := buildList(*repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sharedmods:", err)
		os.Exit(2)
	}
	os.Exit(report(os.Stdout, Compare(ours, gateway), *gw))
}

// report prints the findings and returns the exit code: 1 if any module
// would be raised, else 0.
func report(w io.Writer, fs []Finding, gw string) int {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "module\tgateway\tours\t")
	raised := 0
	for _, f := range fs {
		verdict := "ok"
		switch {
		case f.Replaced:
			verdict = "gateway replaces it: check by hand"
		case f.Raised:
			verdict = "WOULD RAISE the gateway's version"
			raised++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Path, f.Gateway, f.Ours, verdict)
	}
	tw.Flush()
	if raised > 0 {
		fmt.Fprintf(bw, "\nFAIL: %d shared module(s) above the versions in %s.\n"+
			"A plugin built this way fails to load (\"plugin was built with a different version of package …\")\n"+
			"and the APIs using it answer 500. Lower them in go.mod to at most the gateway's versions.\n", raised, gw)
		return 1
	}
	fmt.Fprintf(bw, "\nok: %d shared module(s), none above the gateway's versions.\n", len(fs))
	return 0
}
