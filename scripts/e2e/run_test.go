package main

import (
	"fmt"
	"reflect"
	"testing"
)

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"v5.8.15", false}, {"5.11.1", false}, {"v5.12.0", true}, {"v5.14.0-rc1", true}, {"v6.0.0", true}} {
		if got, err := atLeast(tc.v, 5, 12); err != nil || got != tc.want {
			t.Errorf("atLeast(%q) = %v, %v; want %v", tc.v, got, err, tc.want)
		}
	}
	if _, err := atLeast("dev", 5, 12); err == nil {
		t.Error("atLeast(dev) did not fail")
	}
}

func TestDecodeMsgpack(t *testing.T) {
	// {"Path": "/a/e2e-1", "Tags": ["upstream_flag:UCF", "x"], "ResponseCode": 500,
	//  "N": -3, "F": 1.5, "T": ext(-1, 4 bytes), "B": bin(2), "Z": nil, "OK": true}
	var b []byte
	str := func(s string) { b = append(b, byte(0xa0|len(s))); b = append(b, s...) }
	b = append(b, 0x89)
	str("Path")
	str("/a/e2e-1")
	str("Tags")
	b = append(b, 0x92)
	b = append(b, 0xd9, byte(len("upstream_flag:UCF")))
	b = append(b, "upstream_flag:UCF"...)
	str("x")
	str("ResponseCode")
	b = append(b, 0xcd, 0x01, 0xf4)
	str("N")
	b = append(b, 0xfd)
	str("F")
	b = append(b, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0)
	str("T")
	b = append(b, 0xd6, 0xff, 1, 2, 3, 4)
	str("B")
	b = append(b, 0xc4, 2, 9, 8)
	str("Z")
	b = append(b, 0xc0)
	str("OK")
	b = append(b, 0xc3)
	b = append(b, 0x07) // a following value

	v, rest, err := decodeMsgpack(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Path": "/a/e2e-1", "Tags": []any{"upstream_flag:UCF", "x"}, "ResponseCode": uint64(500),
		"N": int64(-3), "F": 1.5, "T": extValue{Type: -1, Data: []byte{1, 2, 3, 4}}, "B": []byte{9, 8}, "Z": nil, "OK": true,
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v\nwant %#v", v, want)
	}
	if len(rest) != 1 || rest[0] != 0x07 {
		t.Errorf("rest %v", rest)
	}
	for i := 0; i < len(b)-1; i++ {
		if _, _, err := decodeMsgpack(b[:i]); err == nil {
			t.Fatalf("a record cut at %d bytes decoded", i)
		}
	}
	if got := fmt.Sprint(stringList(v.(map[string]any)["Tags"])); got != "[upstream_flag:UCF x]" {
		t.Errorf("stringList: %s", got)
	}
}
