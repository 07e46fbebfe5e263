//go:build !goplugin

package main

import (
	"fmt"
	"os"
)

// Without the goplugin tag there is no Tyk (stand-in) to load the plugin
// into; say how to build the real thing.
func main() {
	fmt.Fprintln(os.Stderr, "testhost: build with -tags goplugin in the workspace (cd internal/testhost; go run -tags goplugin . -help), or run `make demo`")
	os.Exit(2)
}
