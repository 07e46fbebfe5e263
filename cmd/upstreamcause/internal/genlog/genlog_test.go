package genlog

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The same Options write the same bytes, at least Bytes of them, in whole
// lines: JSON objects but for the few damaged ones.
func TestWrite(t *testing.T) {
	var a, b bytes.Buffer
	o := Options{Bytes: 8 << 20, Seed: 7}
	n, err := Write(&a, o)
	if err != nil || n != int64(a.Len()) || n < o.Bytes {
		t.Fatalf("Write = %d, %v; wrote %d, want at least %d", n, err, a.Len(), o.Bytes)
	}
	if _, err := Write(&b, o); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("two writes differ (%v)", err)
	}
	lines := bytes.Split(bytes.TrimSuffix(a.Bytes(), []byte("\n")), []byte("\n"))
	bad, failed := 0, 0
	for _, l := range lines {
		var v struct {
			Prefix string `json:"prefix"`
			Status int    `json:"status"`
			Flag   string `json:"upstream_flag"`
			Node   string `json:"gateway_node"`
		}
		if json.Unmarshal(l, &v) != nil {
			bad++
			continue
		}
		if v.Prefix == "access-log" && v.Status >= 500 {
			failed++
			if v.Flag == "" || v.Node == "" {
				t.Errorf("a failure without the plugin's fields: %s", l)
			}
		}
	}
	if bad == 0 || bad > len(lines)/1000 || failed < len(lines)/100 {
		t.Errorf("%d lines: %d damaged, %d failures", len(lines), bad, failed)
	}
}
