//go:build unix

package upstreams

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// blackhole is a TCP listener that never accepts and whose accept queue is
// full, so the kernel drops every further SYN: a client's connect neither
// succeeds nor is refused, it times out.
type blackhole struct {
	fd      int
	port    int
	fillers []net.Conn
}

// fillDialTimeout bounds each dial made to fill the accept queue; fillTries
// bounds how many dials may connect before one has to time out.
const (
	fillDialTimeout = 200 * time.Millisecond
	fillTries       = 8
)

// startBlackhole creates the listener with raw syscalls (socket, bind
// 127.0.0.1:0, listen with backlog 0; net.Listen cannot choose the backlog)
// and dials it until a dial times out. On Linux a backlog of 0 lets one
// completed connection wait in the accept queue; every SYN after that is
// dropped. The connections that did complete are kept open until close so
// that the queue stays full.
func startBlackhole() (_ *blackhole, err error) {
	fd, port, err := boundLoopbackSocket()
	if err != nil {
		return nil, err
	}
	b := &blackhole{fd: fd, port: port}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	return b.fill(net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)))
}

// fill makes b's bound socket listen with the smallest accept queue and
// dials addr, its address, until a dial times out: the queue is full and
// SYNs are dropped. The dials' connections are kept, so that the queue
// stays full.
func (b *blackhole) fill(addr string) (*blackhole, error) {
	if err := syscall.Listen(b.fd, 0); err != nil {
		return nil, fmt.Errorf("upstreams: listen: %w", err)
	}
	d := net.Dialer{Timeout: fillDialTimeout, KeepAlive: -1}
	for i := 0; i < fillTries; i++ {
		c, err := d.Dial("tcp4", addr)
		if err == nil {
			b.fillers = append(b.fillers, c)
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return b, nil // the queue is full: SYNs are dropped now
		}
		return nil, fmt.Errorf("upstreams: filling the accept queue of %s: %w", addr, err)
	}
	return nil, fmt.Errorf("upstreams: %d dials to %s all connected; the accept queue never filled", fillTries, addr)
}

// reservedPort is a TCP socket bound to 127.0.0.1 on an ephemeral port that
// never listens: the kernel answers a SYN to it with an RST (connection
// refused), and as the port stays bound nothing else in the machine can
// listen on it while the Set runs.
type reservedPort struct {
	fd   int
	port int
}

// reservePort binds the socket (without SO_REUSEADDR, so no other socket can
// share the port) and reads its port.
func reservePort() (*reservedPort, error) {
	fd, port, err := boundLoopbackSocket()
	if err != nil {
		return nil, err
	}
	return &reservedPort{fd: fd, port: port}, nil
}

// boundLoopbackSocket returns a TCP socket (close-on-exec) bound to
// 127.0.0.1 on a port the kernel picks, without SO_REUSEADDR, and that port.
// On error nothing is left open.
func boundLoopbackSocket() (fd, port int, err error) {
	syscall.ForkLock.RLock()
	fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, 0, fmt.Errorf("upstreams: socket: %w", err)
	}
	defer func() {
		if err != nil {
			syscall.Close(fd)
		}
	}()
	if err = syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return -1, 0, fmt.Errorf("upstreams: bind: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return -1, 0, fmt.Errorf("upstreams: getsockname: %w", err)
	}
	sa4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		err = errors.New("upstreams: getsockname: not an IPv4 address")
		return -1, 0, err
	}
	return fd, sa4.Port, nil
}

func (r *reservedPort) close() {
	if r.fd >= 0 {
		syscall.Close(r.fd)
		r.fd = -1
	}
}

// close closes the filling connections and the listening socket.
func (b *blackhole) close() {
	for _, c := range b.fillers {
		c.Close()
	}
	b.fillers = nil
	if b.fd >= 0 {
		syscall.Close(b.fd)
		b.fd = -1
	}
}
