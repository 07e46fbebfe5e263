// Command testhost is test equipment: loads the plugin .so exactly the way
// Tyk's goplugin loader does; not a product.
//
// It stands in for the gateway around the plugin: it opens the .so with
// plugin.Open, looks the hooks up with the types Tyk asserts, and proxies
// HTTP/1.1 and h2c requests on 127.0.0.1 with the gateway's order of events
// on the request goroutine (pre hook, round trip, "http: proxy error" entry,
// error response, analytics plugin, access-log entry), logging through the
// stand-in for Tyk's log.Get() logger. With -tyk 5.12 the access log also
// carries the fields Tyk 5.12 adds, with Tyk 5.12's own classification.
//
// Everything that imports the Tyk stand-ins carries the goplugin build tag
// and is built in the workspace next to this file (go.work), which resolves
// github.com/TykTechnologies/tyk and tyk-pump to ./tykstub. Run it with
// `make demo` from the repository root, or:
//
//	cd internal/testhost
//	go build -buildmode=plugin -tags goplugin -o /tmp/upstreamcause.so ../../plugin
//	go run -tags goplugin . -plugin /tmp/upstreamcause.so -demo
//
// It only ever sends traffic to 127.0.0.1: its dialer refuses any other
// address, and host names resolve through the loopback test DNS server of
// internal/upstreams, never the machine's resolver.
package main
