//go:build goplugin && !race

package main

// raceEnabled tells TestMain to build the plugin without -race, like the
// test binary.
const raceEnabled = false
