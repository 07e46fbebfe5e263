package probe

import (
	"crypto/x509"
	"net"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

// Config is what can be set. It is read once, when a Prober is made (New)
// or a probe is run (Run), never per request. Start from DefaultConfig or
// ConfigFromEnv; a zero or negative duration or count is replaced by its
// default.
type Config struct {
	// Interval is the shortest time between the starts of two probes of one
	// target: a trigger for a target whose probe started (or was queued)
	// less than Interval ago, or is still queued or running, is rate
	// limited. Default 60s.
	Interval time.Duration

	// DNSTimeout bounds the lookup of the target's host (both A and AAAA).
	// Default 3s.
	DNSTimeout time.Duration

	// DialTimeout bounds each TCP connect, per address; the addresses are
	// connected to concurrently. Default 3s.
	DialTimeout time.Duration

	// TLSTimeout bounds the TLS handshake. Default 3s.
	TLSTimeout time.Duration

	// Concurrency is how many probes run at once: the number of worker
	// goroutines New starts. Default 2.
	Concurrency int

	// Queue is the capacity of the queue of probes waiting for a worker (a
	// buffered channel of Request values). A trigger that finds it full is
	// dropped and counted. Default 64.
	Queue int

	// MaxAddrs is the most resolved addresses a probe connects to (the
	// first ones, in the resolver's order). Default 4.
	MaxAddrs int

	// MaxTargets caps the table of targets a Prober remembers (for the rate
	// limit and for Latest). A trigger for a new target that finds it full
	// evicts the entries whose last probe started more than Interval ago
	// (no more often than the oldest of them can have expired); if none
	// can go, the trigger is dropped and counted. Default 4096.
	MaxTargets int

	// Node is the gateway node's name, written as gateway_node in the
	// probe's entry; "" writes none. Default "" (the plugin sets the
	// access log's node name, accesslog.Config.Node).
	Node string

	// Resolver resolves the target's host. nil means net.DefaultResolver,
	// the one the gateway's dialer uses.
	Resolver *net.Resolver

	// RootCAs are the authorities the certificate is verified against. nil
	// means the process's system roots, what the gateway uses.
	RootCAs *x509.CertPool
}

// DefaultConfig returns the defaults: Interval 60s, DNSTimeout, DialTimeout
// and TLSTimeout 3s each, Concurrency 2, Queue 64, MaxAddrs 4, MaxTargets
// 4096, no Node, the default resolver and the system roots.
func DefaultConfig() Config {
	return Config{
		Interval:    60 * time.Second,
		DNSTimeout:  3 * time.Second,
		DialTimeout: 3 * time.Second,
		TLSTimeout:  3 * time.Second,
		Concurrency: 2,
		Queue:       64,
		MaxAddrs:    4,
		MaxTargets:  4096,
	}
}

// withDefaults returns c with every zero or negative duration and count
// replaced by its default.
func (c Config) withDefaults() Config {
	def := DefaultConfig()
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	n := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&c.Interval, def.Interval)
	dur(&c.DNSTimeout, def.DNSTimeout)
	dur(&c.DialTimeout, def.DialTimeout)
	dur(&c.TLSTimeout, def.TLSTimeout)
	n(&c.Concurrency, def.Concurrency)
	n(&c.Queue, def.Queue)
	n(&c.MaxAddrs, def.MaxAddrs)
	n(&c.MaxTargets, def.MaxTargets)
	return c
}

// The environment variables ConfigFromEnv reads.
const (
	EnvProbe            = "UPSTREAMCAUSE_PROBE"             // "on" or "off" (also true/false, 1/0); default off
	EnvProbeInterval    = "UPSTREAMCAUSE_PROBE_INTERVAL"    // Go duration from 1s to 24h, e.g. "60s": Config.Interval
	EnvProbeTimeout     = "UPSTREAMCAUSE_PROBE_TIMEOUT"     // Go duration from 10ms to 1m, e.g. "3s": DNSTimeout, DialTimeout and TLSTimeout at once
	EnvProbeConcurrency = "UPSTREAMCAUSE_PROBE_CONCURRENCY" // integer 1..16: Config.Concurrency
	EnvProbeQueue       = "UPSTREAMCAUSE_PROBE_QUEUE"       // integer 1..4096: Config.Queue
)

// Bounds of the values ConfigFromEnv accepts. The interval's lower bound
// keeps an operator's typo from turning the probe into a load generator.
const (
	minEnvInterval = time.Second
	maxEnvInterval = 24 * time.Hour
	minEnvTimeout  = 10 * time.Millisecond
	maxEnvTimeout  = time.Minute
)

// ConfigFromEnv returns DefaultConfig changed by the variables above, read
// through getenv (os.Getenv in the plugin), and whether probing is on
// (EnvProbe; off when unset). A value that does not parse, or is out of
// range, leaves the default (off, for EnvProbe) and is reported in the
// returned problems, one sentence each, in the form of accesslog's:
// `UPSTREAMCAUSE_PROBE_QUEUE="0": want an integer from 1 to 4096; default
// kept`; the caller decides whether to print them. Node, Resolver and
// RootCAs are left for the caller.
func ConfigFromEnv(getenv func(string) string) (cfg Config, on bool, problems []string) {
	cfg = DefaultConfig()
	env := accesslog.Env{Getenv: getenv}
	env.Switch(EnvProbe, &on)
	env.Duration(EnvProbeInterval, minEnvInterval, maxEnvInterval,
		"a Go duration from 1s to 24h such as 60s", &cfg.Interval)
	env.Duration(EnvProbeTimeout, minEnvTimeout, maxEnvTimeout,
		"a Go duration from 10ms to 1m such as 3s", &cfg.DNSTimeout, &cfg.DialTimeout, &cfg.TLSTimeout)
	env.Int(EnvProbeConcurrency, 1, 16, &cfg.Concurrency)
	env.Int(EnvProbeQueue, 1, 4096, &cfg.Queue)
	return cfg, on, env.Problems
}
