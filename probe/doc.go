// Package probe checks, at the moment an upstream round trip failed, whether
// the upstream can be reached from this gateway node: the "verify
// connectivity from the failing node" step of Tyk's 502 troubleshooting
// guide ("exec into the node, curl or telnet the upstream"), done by the
// plugin itself, so that the log says whether the failure was the node's
// view of the network or the upstream's state.
//
// # What a probe does on the network
//
// One probe of a target "host:port" (Run):
//
//  1. resolves host (A and AAAA, Config.Resolver, at most Config.DNSTimeout);
//     an IP literal is not looked up;
//  2. opens a TCP connection to each resolved address, at most
//     Config.MaxAddrs of them, concurrently, each bounded by
//     Config.DialTimeout, and closes each one as soon as it is established
//     (a FIN; nothing is written);
//  3. when the request asks for TLS, makes one TLS handshake on the first
//     address that connected (SNI the host name, none for an IP literal),
//     bounded by Config.TLSTimeout, verifies the certificate chain itself
//     against Config.RootCAs for the host, and closes the connection.
//
// No HTTP request is ever sent: the upstream sees at most MaxAddrs TCP
// connections opened and closed and one TLS handshake, the footprint of a
// load balancer's TCP health check. A probe lasts at most DNSTimeout +
// DialTimeout + TLSTimeout (9 s with the defaults).
//
// # Why it is safe inside the gateway
//
//   - It is off by default (EnvProbe).
//   - It only probes targets the gateway itself has just tried and failed
//     to reach in the DNS, connect or TLS phase (Wants): the probe goes
//     nowhere the gateway did not already go.
//   - At most one probe per target per Config.Interval (60 s by default),
//     never two of one target at once, and at most Config.Concurrency
//     probes at once in the whole process (2 by default).
//   - The caller never waits: Prober.Trigger, called on the gateway's
//     request goroutine from inside a logrus hook, only takes a short mutex
//     and puts a small value on a bounded queue; when the queue or the
//     table of targets is full, the trigger is dropped and counted (and the
//     count is written into the next probe's entry). Memory is bounded by
//     Config.Queue and Config.MaxTargets.
//   - The probe's entry is logged on the Prober's own worker goroutine,
//     never on a request goroutine, and a panic in a probe or in the log
//     function is recovered and counted.
//   - It uses only the standard library and this repository's classify and
//     accesslog packages, so the plugin shares no new module with the
//     gateway.
//
// Every text written (error texts, the target, the trigger flag) goes
// through accesslog.SanitizeError: control characters escaped, at most
// MaxText bytes, credentials in URLs redacted. Certificate subject, issuer
// and names are escaped the way the access log's own certificate fields are
// (classify.Cert).
package probe
