package upstreams

import (
	"errors"
	"net"
	"sync"
	"time"
)

// rawServer is a TCP accept loop on 127.0.0.1 that hands every accepted
// connection to handle in its own goroutine. It tracks every connection and
// every goroutine it starts so that close releases all of them: it closes the
// listener and every open connection (which unblocks any handler stuck in a
// read) and then waits for all goroutines to return.
type rawServer struct {
	ln     net.Listener
	handle func(c *net.TCPConn)
	done   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	once   sync.Once
}

// startRawServer listens on 127.0.0.1 on an ephemeral port and starts serving.
func startRawServer(handle func(c *net.TCPConn)) (*rawServer, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &rawServer{
		ln:     ln,
		handle: handle,
		done:   make(chan struct{}),
		conns:  make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// port returns the listener's port.
func (s *rawServer) port() int {
	return s.ln.Addr().(*net.TCPAddr).Port
}

func (s *rawServer) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Transient (e.g. EMFILE): back off briefly, stop promptly on close.
			select {
			case <-s.done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		tc, ok := c.(*net.TCPConn)
		if !ok || !s.track(c) {
			c.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			defer s.untrack(tc)
			defer tc.Close()
			s.handle(tc)
		}()
	}
}

// track registers c and adds one to the wait group for its goroutine; it
// reports false when the server is already closed.
func (s *rawServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *rawServer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// close stops accepting, closes every open connection and waits until every
// goroutine of the server has returned. It is idempotent.
func (s *rawServer) close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.ln.Close()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
}
