//go:build !unix

package upstreams

import "errors"

func startBlackholeAt(addr string) (*blackhole, error) {
	return nil, errors.New("upstreams: the blackhole upstream needs a unix kernel")
}
