package accesslog

import (
	"strconv"
	"strings"
	"time"
)

// Env reads settings from environment variables through Getenv (os.Getenv
// in the plugin) and collects, in Problems, one sentence per value it could
// not use, e.g. `UPSTREAMCAUSE_TTL="x": want a positive Go duration such as
// 10m; default kept`. A variable that is unset or blank leaves its setting
// alone; so does one that does not parse or is out of range. It is what
// ConfigFromEnv and package probe's ConfigFromEnv read their variables
// with, once, when the plugin is loaded.
type Env struct {
	Getenv   func(string) string
	Problems []string
}

// Value returns the variable's value with surrounding spaces removed.
func (e *Env) Value(name string) string { return strings.TrimSpace(e.Getenv(name)) }

// Bad records that the value v of name could not be used: want says what
// would be.
func (e *Env) Bad(name, v, want string) {
	e.Problems = append(e.Problems, name+"="+strconv.Quote(v)+": want "+want+"; default kept")
}

// Switch reads an on/off setting (ParseSwitch) into dst.
func (e *Env) Switch(name string, dst *bool) {
	if v := e.Value(name); v != "" {
		b, ok := ParseSwitch(v)
		if !ok {
			e.Bad(name, v, "on or off")
			return
		}
		*dst = b
	}
}

// Duration reads a Go duration from lo to hi (inclusive) into every dst;
// want describes the range, e.g. "a Go duration from 1s to 24h such as 60s".
func (e *Env) Duration(name string, lo, hi time.Duration, want string, dst ...*time.Duration) {
	if v := e.Value(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			e.Bad(name, v, want)
			return
		}
		for _, p := range dst {
			*p = d
		}
	}
}

// Int reads a decimal integer from lo to hi (inclusive) into dst.
func (e *Env) Int(name string, lo, hi int, dst *int) {
	if v := e.Value(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			e.Bad(name, v, "an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
			return
		}
		*dst = n
	}
}
