//go:build unix

package upstreams

import (
	"fmt"
	"net"
	"syscall"
)

// startBlackholeAt is startBlackhole on a chosen IPv4 loopback address:
// a raw socket bound to addr (without SO_REUSEADDR), listening with backlog
// 0, whose accept queue is filled by dials until one times out.
func startBlackholeAt(addr string) (_ *blackhole, err error) {
	if err := loopbackAddr(addr); err != nil {
		return nil, err
	}
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return nil, err
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())

	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("upstreams: socket: %w", err)
	}
	b := &blackhole{fd: fd, port: ta.Port}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if err := syscall.Bind(fd, sa); err != nil {
		return nil, fmt.Errorf("upstreams: bind %s: %w", addr, err)
	}
	return b.fill(addr)
}
