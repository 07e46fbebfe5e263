//go:build goplugin && race

package main

// raceEnabled tells TestMain to build the plugin with -race, like the test
// binary: a plugin must be built with the same flags as the program that
// loads it.
const raceEnabled = true
