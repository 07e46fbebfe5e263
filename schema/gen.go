//go:build ignore

// Gen writes the schema documents into the current folder (schema/):
// `go generate ./schema`.
package main

import (
	"fmt"
	"os"

	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

func main() {
	docs, err := schema.Documents()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, name := range schema.FileNames() {
		if err := os.WriteFile(name, docs[name], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
