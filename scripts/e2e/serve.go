package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
	"github.com/upstreamcause/tyk-upstream-cause/internal/upstreams"
)

// serve starts the upstreams and the DNS server and runs until SIGTERM or
// SIGINT.
func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var (
		dnsListen = fs.String("dns", "127.0.0.1:53", "loopback address (UDP and TCP) of the DNS server the gateway's resolv.conf names; empty: none")
		caFile    = fs.String("ca", "", "file to write the test CA to (PEM), for the gateway's SSL_CERT_FILE")
		envFile   = fs.String("env", "", "file to write the upstream URLs to as KEY=value lines, once everything listens")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cases.LoopbackOnly(*dnsListen); *dnsListen != "" && err != nil {
		fmt.Fprintln(os.Stderr, "e2e serve:", err)
		return 2
	}

	ups, err := upstreams.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e serve:", err)
		return 1
	}
	defer ups.Close()

	lines := []string{}
	urls := cases.URLs(ups)
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		lines = append(lines, "URL_"+n+"="+urls[n])
	}

	if *dnsListen != "" {
		fwd, err := startForwarder(*dnsListen, ups.DNSAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e serve: DNS:", err)
			return 1
		}
		defer fwd.close()
		lines = append(lines, "DNS_ADDR="+*dnsListen)
	}
	if *caFile != "" {
		if err := os.WriteFile(*caFile, ups.RootCAPEM, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "e2e serve:", err)
			return 1
		}
		lines = append(lines, "CA_FILE="+*caFile)
	}
	text := strings.Join(lines, "\n") + "\n"
	if *envFile != "" {
		// Written whole under another name and renamed: a reader polling for
		// the file never sees half of it.
		tmp := filepath.Join(filepath.Dir(*envFile), "."+filepath.Base(*envFile)+".tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "e2e serve:", err)
			return 1
		}
		if err := os.Rename(tmp, *envFile); err != nil {
			fmt.Fprintln(os.Stderr, "e2e serve:", err)
			return 1
		}
	}
	fmt.Print(text)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	return 0
}

// forwarder is a DNS server on a fixed loopback address (the one a
// resolv.conf can name: port 53) that passes every query to the upstreams'
// own DNS server, which listens on an ephemeral port, and relays its answer
// unchanged.
type forwarder struct {
	udp, tcp *dns.Server
}

func startForwarder(listen, upstream string) (*forwarder, error) {
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		network := "udp"
		if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
			network = "tcp"
		}
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		res, _, err := c.Exchange(r, upstream)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e serve: DNS forward:", err)
			m := new(dns.Msg)
			m.SetRcode(r, dns.RcodeRefused)
			_ = w.WriteMsg(m)
			return
		}
		_ = w.WriteMsg(res)
	})
	f := &forwarder{
		udp: &dns.Server{Addr: listen, Net: "udp", Handler: handler},
		tcp: &dns.Server{Addr: listen, Net: "tcp", Handler: handler},
	}
	started := make(chan error, 2)
	for _, s := range []*dns.Server{f.udp, f.tcp} {
		s := s
		s.NotifyStartedFunc = func() { started <- nil }
		go func() {
			if err := s.ListenAndServe(); err != nil {
				started <- err
			}
		}()
	}
	for i := 0; i < 2; i++ {
		select {
		case err := <-started:
			if err != nil {
				f.close()
				return nil, err
			}
		case <-time.After(5 * time.Second):
			f.close()
			return nil, fmt.Errorf("DNS server on %s did not start", listen)
		}
	}
	return f, nil
}

func (f *forwarder) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = f.udp.ShutdownContext(ctx)
	_ = f.tcp.ShutdownContext(ctx)
}
