package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// redisLRange returns LRANGE key 0 -1 from the Redis server at addr, using
// the plain RESP protocol (one command, no client library).
func redisLRange(addr, key string) ([][]byte, error) {
	if err := cases.LoopbackOnly(addr); err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var cmd strings.Builder
	args := []string{"LRANGE", key, "0", "-1"}
	fmt.Fprintf(&cmd, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&cmd, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, cmd.String()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if line[0] == '-' {
		return nil, fmt.Errorf("redis: %s", line[1:])
	}
	if line[0] != '*' {
		return nil, fmt.Errorf("redis: unexpected reply %q", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return nil, fmt.Errorf("redis: bad array length %q", line)
	}
	out := make([][]byte, 0, max(n, 0))
	for i := 0; i < n; i++ {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if line[0] != '$' {
			return nil, fmt.Errorf("redis: unexpected element %q", line)
		}
		size, err := strconv.Atoi(line[1:])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("redis: bad bulk length %q", line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		out = append(out, buf[:size])
	}
	return out, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("redis: empty reply line")
	}
	return line, nil
}
