package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// decodeMsgpack decodes one MessagePack value (the format the gateway stores
// its analytics records in) into nil, bool, int64, uint64, float64, string,
// []byte, []any, map[string]any (non-string keys are formatted with %v) or,
// for an extension, extValue. It returns the value and the bytes after it.
// It is a small generic decoder for reading records in a test, so that the
// module needs no MessagePack dependency the gateway might link at another
// version.
func decodeMsgpack(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errShort
	}
	c := b[0]
	b = b[1:]
	switch {
	case c <= 0x7f:
		return int64(c), b, nil
	case c >= 0xe0:
		return int64(int8(c)), b, nil
	case c&0xf0 == 0x80:
		return decodeMap(b, int(c&0x0f))
	case c&0xf0 == 0x90:
		return decodeArray(b, int(c&0x0f))
	case c&0xe0 == 0xa0:
		return decodeStr(b, int(c&0x1f))
	}
	switch c {
	case 0xc0:
		return nil, b, nil
	case 0xc2:
		return false, b, nil
	case 0xc3:
		return true, b, nil
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		n, rest, err := readLen(b, c-0xc4)
		if err != nil {
			return nil, nil, err
		}
		if len(rest) < n {
			return nil, nil, errShort
		}
		return append([]byte(nil), rest[:n]...), rest[n:], nil
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, rest, err := readLen(b, c-0xc7)
		if err != nil {
			return nil, nil, err
		}
		return decodeExt(rest, n)
	case 0xca:
		if len(b) < 4 {
			return nil, nil, errShort
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), b[4:], nil
	case 0xcb:
		if len(b) < 8 {
			return nil, nil, errShort
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case 0xcc, 0xcd, 0xce, 0xcf: // uint 8/16/32/64
		size := 1 << (c - 0xcc)
		if len(b) < size {
			return nil, nil, errShort
		}
		return readUint(b[:size]), b[size:], nil
	case 0xd0, 0xd1, 0xd2, 0xd3: // int 8/16/32/64
		size := 1 << (c - 0xd0)
		if len(b) < size {
			return nil, nil, errShort
		}
		u := readUint(b[:size])
		shift := 64 - 8*size
		return int64(u<<shift) >> shift, b[size:], nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1/2/4/8/16
		return decodeExt(b, 1<<(c-0xd4))
	case 0xd9, 0xda, 0xdb: // str 8/16/32
		n, rest, err := readLen(b, c-0xd9)
		if err != nil {
			return nil, nil, err
		}
		return decodeStr(rest, n)
	case 0xdc, 0xdd: // array 16/32
		n, rest, err := readLen(b, c-0xdc+1)
		if err != nil {
			return nil, nil, err
		}
		return decodeArray(rest, n)
	case 0xde, 0xdf: // map 16/32
		n, rest, err := readLen(b, c-0xde+1)
		if err != nil {
			return nil, nil, err
		}
		return decodeMap(rest, n)
	}
	return nil, nil, fmt.Errorf("msgpack: unknown type byte 0x%02x", c)
}

var errShort = errors.New("msgpack: data ends inside a value")

// extValue is a MessagePack extension (e.g. a timestamp), kept undecoded.
type extValue struct {
	Type int8
	Data []byte
}

// readLen reads a big-endian length of 1, 2 or 4 bytes (sizeCode 0, 1, 2).
func readLen(b []byte, sizeCode byte) (int, []byte, error) {
	size := 1 << sizeCode
	if len(b) < size {
		return 0, nil, errShort
	}
	return int(readUint(b[:size])), b[size:], nil
}

func readUint(b []byte) uint64 {
	var u uint64
	for _, x := range b {
		u = u<<8 | uint64(x)
	}
	return u
}

func decodeStr(b []byte, n int) (any, []byte, error) {
	if len(b) < n {
		return nil, nil, errShort
	}
	return string(b[:n]), b[n:], nil
}

func decodeExt(b []byte, n int) (any, []byte, error) {
	if len(b) < 1+n {
		return nil, nil, errShort
	}
	return extValue{Type: int8(b[0]), Data: append([]byte(nil), b[1:1+n]...)}, b[1+n:], nil
}

func decodeArray(b []byte, n int) (any, []byte, error) {
	out := make([]any, 0, min(n, len(b)))
	for i := 0; i < n; i++ {
		v, rest, err := decodeMsgpack(b)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
		b = rest
	}
	return out, b, nil
}

func decodeMap(b []byte, n int) (any, []byte, error) {
	out := make(map[string]any, min(n, len(b)/2))
	for i := 0; i < n; i++ {
		k, rest, err := decodeMsgpack(b)
		if err != nil {
			return nil, nil, err
		}
		v, rest, err := decodeMsgpack(rest)
		if err != nil {
			return nil, nil, err
		}
		ks, ok := k.(string)
		if !ok {
			ks = fmt.Sprint(k)
		}
		out[ks] = v
		b = rest
	}
	return out, b, nil
}
