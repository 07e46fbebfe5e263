//go:build !unix

package upstreams

import "errors"

type blackhole struct{ port int }

func startBlackhole() (*blackhole, error) {
	return nil, errors.New("upstreams: the connect-timeout upstream needs a unix kernel")
}

func (b *blackhole) close() {}

type reservedPort struct{ port int }

func reservePort() (*reservedPort, error) {
	return nil, errors.New("upstreams: the refused upstream needs a unix kernel")
}

func (r *reservedPort) close() {}
