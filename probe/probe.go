package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Verdicts: the values of Result.Verdict, of the probe entry's
// probe_verdict and of the access-log field upstream_probe.
const (
	// VerdictUnreachable: no resolved address accepted a TCP connection in
	// time (connect timeouts, no route to host, network unreachable, other
	// connect errors), and not every address refused.
	VerdictUnreachable = "unreachable_from_node"

	// VerdictRefused: every address that was tried refused the connection
	// (an RST: nothing listens on the port, or a firewall rejects).
	VerdictRefused = "refused_from_node"

	// VerdictDNS: resolving the host failed (NXDOMAIN, SERVFAIL, a timeout)
	// or gave no address.
	VerdictDNS = "dns_fails_from_node"

	// VerdictTLSInvalid: an address accepted the TCP connection, but the TLS
	// handshake failed or the certificate does not verify for the host.
	VerdictTLSInvalid = "tls_invalid"

	// VerdictReachable: at least one address accepted the TCP connection
	// (and, when TLS was asked for, the handshake succeeded and the
	// certificate verifies for the host).
	VerdictReachable = "reachable_now"

	// VerdictInvalidTarget: Run was given a target that is not "host:port"
	// with a non-empty host and a port from 1 to 65535; nothing was sent.
	// Prober.Trigger never queues such a target, so a Prober never logs it.
	VerdictInvalidTarget = "invalid_target"
)

// Outcomes of one TCP connect: the values of AddrResult.Outcome.
const (
	OutcomeOK          = "ok"          // connected (and closed at once)
	OutcomeTimeout     = "timeout"     // not connected within Config.DialTimeout, or ETIMEDOUT: a net.Error whose Timeout() is true
	OutcomeRefused     = "refused"     // ECONNREFUSED: the address answered the SYN with an RST
	OutcomeUnreachable = "unreachable" // EHOSTUNREACH or ENETUNREACH: no route
	OutcomeError       = "error"       // anything else (e.g. EACCES from a local firewall, EADDRNOTAVAIL); Err says what
)

// VerifyOK is TLSResult.Verify for a certificate that verifies.
const VerifyOK = "ok"

// MaxText is the most bytes (before escaping) of each text a Result holds:
// error texts, the target, the trigger flag (accesslog.SanitizeError's
// max).
const MaxText = 256

// maxAddrsKept bounds Result.Addrs: the first addresses of a larger answer
// are kept.
const maxAddrsKept = 32

// maxTargetLen bounds the length of a target Trigger accepts.
const maxTargetLen = 512

// Request is what a failure asks to be probed. It is a small value, copied
// into the Prober's queue.
type Request struct {
	// Target is the "host:port" the gateway dialled; host may be a name, an
	// IPv4 address or an IPv6 address in brackets ("[fd00::7]:8443"). The
	// port must be numeric.
	Target string

	// TLS asks for a TLS handshake after the TCP connect: the upstream is
	// https, or the failure was in the TLS phase.
	TLS bool

	// Flag is the failure's response flag, e.g. "UCT" (classify.Result.Flag),
	// written as probe_trigger_flag.
	Flag string
}

// Wants reports whether a classified failure should trigger a probe: a
// failure in the DNS, connect or TLS phase (classify.PhaseDNS, PhaseConnect,
// PhaseTLS) — UCF, UCT, NRH, DNS, the TL* flags, and a reset, close or
// timeout during connect or TLS. It is false for a Result with no Flag, for
// a client that went away (FlagCDC, SourceClient), and for a failure the
// gateway produced itself without a network step to check (Source
// SourceGateway and not a timeout: its local ports or file descriptors
// exhausted, no trust store, and every classify.Gateway answer, which have
// no phase anyway). A timeout the gateway enforced while resolving,
// connecting or handshaking (Source gateway, Timeout true: its TLS
// handshake timeout, Tyk's enforced timeout expiring during the connect) is
// wanted: the gateway waited on the network, which is what a probe checks.
// Wants reads r only and allocates nothing.
func Wants(r classify.Result) bool {
	if r.Flag == "" || r.Flag == classify.FlagCDC || r.Source == classify.SourceClient {
		return false
	}
	switch r.Phase {
	case classify.PhaseDNS, classify.PhaseConnect, classify.PhaseTLS:
	default:
		return false
	}
	return r.Source != classify.SourceGateway || r.Timeout
}

// AddrResult is the outcome of the TCP connect to one resolved address.
type AddrResult struct {
	Addr     string        // "ip:port" connected to, e.g. "10.0.3.17:8080" or "[fd00::7]:8080"
	Outcome  string        // one of the Outcome constants
	Duration time.Duration // from the start of the connect to its end (nanoseconds)
	Err      string        // the connect error's text, sanitised (at most MaxText bytes, escaped); "" when Outcome is "ok"
}

// TLSResult is what the TLS handshake with one connected address showed.
// The handshake is made without crypto/tls's verification; the chain is
// verified afterwards, so that the facts of an invalid certificate are
// reported too.
type TLSResult struct {
	// Version is the negotiated version as tls.VersionName writes it, e.g.
	// "TLS 1.3"; "" when the handshake failed before the server's
	// certificate arrived.
	Version string

	// Verify is VerifyOK ("ok") when the leaf certificate verifies, with the
	// intermediates the server sent, against Config.RootCAs for the host
	// (x509.Certificate.Verify with DNSName the host, which for an IP
	// literal checks the IP SANs), or the verification error's text,
	// sanitised (e.g. "x509: certificate signed by unknown authority").
	// "" when no certificate arrived (the handshake failed first).
	Verify string

	// HandshakeErr is the handshake's error text, sanitised (e.g. "tls:
	// first record does not look like a TLS handshake"); "" when the
	// handshake succeeded.
	HandshakeErr string

	// Subject, Issuer and SANs describe the leaf certificate the server
	// presented, in the forms and with the escaping of the access log's
	// certificate fields (classify.Cert): Subject and Issuer as
	// pkix.Name.String() writes them (e.g. "CN=api.internal,O=Example"),
	// SANs its DNS names then IPs joined by ",", at most 8. Each at most
	// 256 bytes; "" when absent or when no certificate arrived.
	Subject, Issuer, SANs string

	// NotBefore and NotAfter are the leaf's validity period (UTC, whole
	// seconds); zero when no certificate arrived.
	NotBefore, NotAfter time.Time
}

// Result is the outcome of one probe: what Run returns and what a Prober
// hands to its log function.
type Result struct {
	Target      string // the Request's target, sanitised
	TriggerFlag string // the Request's flag, sanitised; "" for none
	Verdict     string // one of the Verdict constants
	Node        string // Config.Node, sanitised; "" for none

	Start time.Time     // when the probe started (wall and monotonic clock)
	Total time.Duration // from Start to the end of the probe (nanoseconds)

	// DNS is the duration of the lookup (nanoseconds); zero for an IP
	// literal target, which is not looked up.
	DNS time.Duration
	// DNSErr is the lookup's error text, sanitised (e.g. "lookup
	// orders.internal on 10.0.0.2:53: no such host"); "" when it succeeded.
	DNSErr string
	// Addrs are the resolved addresses, in the resolver's order, as
	// netip.Addr.String() writes them ("10.0.3.17", "fd00::7"), at most 32;
	// for an IP literal target, that address alone.
	Addrs []string

	// Conns are the TCP connects made, one per address, in the order of
	// Addrs: the first Config.MaxAddrs addresses. Empty when the lookup
	// failed.
	Conns []AddrResult

	// TLS is the TLS handshake's outcome; nil when no handshake was made
	// (TLS was not asked for, or no address connected).
	TLS *TLSResult

	// Dropped is the number of triggers a Prober dropped (queue or target
	// table full) since the previous probe it logged, so that the log
	// shows them; Run leaves it zero.
	Dropped int64
}

// Reachable reports whether the verdict is VerdictReachable.
func (r *Result) Reachable() bool { return r.Verdict == VerdictReachable }

// sanitize is accesslog.SanitizeError at MaxText.
func sanitize(s string) string { return accesslog.SanitizeError(s, MaxText) }

// Run performs one probe of req synchronously, on the caller's goroutine
// (plus one short-lived goroutine per address connected to, all ended
// before it returns), and returns its Result; it never returns nil. cfg's
// zero fields take their defaults; only the timeouts, MaxAddrs, Node,
// Resolver and RootCAs matter here. Cancelling ctx cuts the probe short
// (its steps then fail with "operation was canceled"). It is what a
// Prober's workers call, exported for tests and tools.
func Run(ctx context.Context, cfg Config, req Request) *Result {
	cfg = cfg.withDefaults()
	r := &Result{
		Target:      sanitize(req.Target),
		TriggerFlag: sanitize(req.Flag),
		Node:        sanitize(cfg.Node),
		Start:       time.Now(),
	}
	r.Verdict = r.run(ctx, &cfg, req)
	r.Total = time.Since(r.Start)
	return r
}

// run makes the probe's steps and returns the verdict.
func (r *Result) run(ctx context.Context, cfg *Config, req Request) string {
	host, port, ok := splitTarget(req.Target)
	if !ok {
		return VerdictInvalidTarget
	}
	ips := r.resolve(ctx, cfg, host)
	if len(ips) == 0 {
		return VerdictDNS
	}
	conn, connected := r.connect(ctx, cfg, ips, port, req.TLS)
	if !connected {
		for i := range r.Conns {
			if r.Conns[i].Outcome != OutcomeRefused {
				return VerdictUnreachable
			}
		}
		return VerdictRefused
	}
	if !req.TLS {
		return VerdictReachable
	}
	r.TLS = handshake(ctx, cfg, conn, host)
	if r.TLS.HandshakeErr != "" || r.TLS.Verify != VerifyOK {
		return VerdictTLSInvalid
	}
	return VerdictReachable
}

// splitTarget splits "host:port" into a non-empty host (brackets removed)
// and a numeric port from 1 to 65535. It allocates only for a malformed
// target.
func splitTarget(target string) (host string, port uint16, ok bool) {
	if target == "" || len(target) > maxTargetLen {
		return "", 0, false
	}
	h, p, err := net.SplitHostPort(target)
	if err != nil || h == "" {
		return "", 0, false
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return "", 0, false
	}
	return h, uint16(n), true
}

// resolve looks host up (or takes it as an IP literal), fills DNS, DNSErr
// and Addrs, and returns the addresses; none when the lookup failed.
func (r *Result) resolve(ctx context.Context, cfg *Config, host string) []netip.Addr {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		r.Addrs = []string{ip.String()}
		return []netip.Addr{ip}
	}
	res := cfg.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	lctx, cancel := context.WithTimeout(ctx, cfg.DNSTimeout)
	start := time.Now()
	ips, err := res.LookupNetIP(lctx, "ip", host)
	r.DNS = time.Since(start)
	cancel()
	if err != nil {
		r.DNSErr = sanitize(err.Error())
		return nil
	}
	if len(ips) == 0 {
		r.DNSErr = sanitize("lookup " + host + ": no address")
		return nil
	}
	if len(ips) > maxAddrsKept {
		ips = ips[:maxAddrsKept]
	}
	r.Addrs = make([]string, len(ips))
	for i := range ips {
		ips[i] = ips[i].Unmap()
		r.Addrs[i] = ips[i].String()
	}
	return ips
}

// connect dials the first cfg.MaxAddrs of ips on port, concurrently, one
// goroutine each, and fills Conns. It reports whether any connected; when
// keep is true it returns the connection of the first address (in the order
// of ips) that connected, open, and has closed the others; otherwise every
// connection is closed as soon as it is made.
func (r *Result) connect(ctx context.Context, cfg *Config, ips []netip.Addr, port uint16, keep bool) (net.Conn, bool) {
	n := min(len(ips), cfg.MaxAddrs)
	r.Conns = make([]AddrResult, n)
	var kept []net.Conn
	if keep {
		kept = make([]net.Conn, n)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := dial(ctx, cfg.DialTimeout, netip.AddrPortFrom(ips[i], port).String(), &r.Conns[i])
			if c == nil {
				return
			}
			if keep {
				kept[i] = c
			} else {
				c.Close()
			}
		}(i)
	}
	wg.Wait()
	connected := false
	for i := range r.Conns {
		if r.Conns[i].Outcome == OutcomeOK {
			connected = true
		}
	}
	var first net.Conn
	for _, c := range kept {
		switch {
		case c == nil:
		case first == nil:
			first = c
		default:
			c.Close()
		}
	}
	return first, connected
}

// dial makes one TCP connect to addr within timeout and records it in out.
// It returns the connection, or nil when it failed. A panic (none is known)
// is recovered and recorded as OutcomeError: dial runs on a goroutine of its
// own, where a panic would end the gateway.
func dial(ctx context.Context, timeout time.Duration, addr string, out *AddrResult) (c net.Conn) {
	out.Addr = addr
	start := time.Now()
	defer func() {
		if recover() != nil {
			if c != nil {
				c.Close()
			}
			c = nil
			out.Outcome, out.Err = OutcomeError, "panic while connecting"
			out.Duration = time.Since(start)
		}
	}()
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{KeepAlive: -1}
	c, err := d.DialContext(dctx, "tcp", addr)
	out.Duration = time.Since(start)
	if err != nil {
		out.Outcome = connectOutcome(err)
		out.Err = sanitize(err.Error())
		return nil
	}
	out.Outcome = OutcomeOK
	return c
}

// connectOutcome names a connect error: refused (ECONNREFUSED), unreachable
// (EHOSTUNREACH, ENETUNREACH), timeout (a net.Error whose Timeout() is
// true, which includes ETIMEDOUT), else error.
func connectOutcome(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return OutcomeRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return OutcomeUnreachable
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	return OutcomeError
}

// handshake makes a TLS handshake on conn (SNI host unless it is an IP
// literal) within cfg.TLSTimeout, verifies the certificate the server
// presented, and closes conn.
func handshake(ctx context.Context, cfg *Config, conn net.Conn, host string) *TLSResult {
	t := &TLSResult{}
	defer conn.Close()
	var (
		state tls.ConnectionState
		got   bool
	)
	tc := &tls.Config{
		// Verified below, by hand, so that an invalid certificate's facts
		// are reported too; nothing is sent over the connection but the
		// handshake.
		InsecureSkipVerify: true,
		// Whatever the server offers is reported (Version); the verdict is
		// about reachability and the certificate.
		MinVersion: tls.VersionTLS10,
		// Called on this goroutine, during the handshake, once the
		// server's certificate has arrived, even when the handshake fails
		// later.
		VerifyConnection: func(cs tls.ConnectionState) error {
			state, got = cs, true
			return nil
		},
	}
	if _, err := netip.ParseAddr(host); err != nil {
		tc.ServerName = host
	}
	deadline := time.Now().Add(cfg.TLSTimeout)
	conn.SetDeadline(deadline)
	hctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	tconn := tls.Client(conn, tc)
	err := tconn.HandshakeContext(hctx)
	if err != nil {
		t.HandshakeErr = sanitize(err.Error())
	}
	if got {
		t.Version = tls.VersionName(state.Version)
		t.verify(cfg.RootCAs, host, state.PeerCertificates)
	}
	if err == nil {
		tconn.Close() // a close_notify alert, then the socket
	}
	return t
}

// verify fills Verify and the leaf's facts from the chain the server
// presented (leaf first).
func (t *TLSResult) verify(roots *x509.CertPool, host string, chain []*x509.Certificate) {
	if len(chain) == 0 || chain[0] == nil {
		t.Verify = "no certificate presented"
		return
	}
	opts := x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: x509.NewCertPool()}
	for _, c := range chain[1:] {
		if c != nil {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := chain[0].Verify(opts); err != nil {
		t.Verify = sanitize(err.Error())
	} else {
		t.Verify = VerifyOK
	}
	// classify.Certificate formats the leaf of a presented chain when the
	// error names no other certificate: the facts come out bounded and
	// escaped exactly as the access log's certificate fields.
	if c, ok := classify.Certificate(&tls.CertificateVerificationError{UnverifiedCertificates: chain}); ok {
		t.Subject, t.Issuer, t.SANs = c.Subject, c.Issuer, c.SANs
		t.NotBefore, t.NotAfter = c.NotBefore, c.NotAfter
	}
}
