package accesslog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

func TestSanitizeError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"dial tcp 10.0.0.1:443: i/o timeout", "dial tcp 10.0.0.1:443: i/o timeout"},
		{`Get "http://api.internal:8080/v1/users?token=s3cret": dial tcp: i/o timeout`, "dial tcp: i/o timeout"},
		{`Post "https://u:p@h/x": EOF`, "EOF"},
		{`proxyconnect tcp: dial tcp: lookup http://user:pw@proxy.local:3128/path?key=abc failed`,
			`proxyconnect tcp: dial tcp: lookup http://REDACTED@proxy.local:3128/path?REDACTED failed`},
		{"malformed HTTP response \"\\x00bad\"\nnext line\r", `malformed HTTP response "\x00bad"\nnext line\r`},
		{"bad \xff\xfe bytes", `bad \xff\xfe bytes`},
		{"tab\there \x1b[31m", `tab\there \u001b[31m`},
		{"caf\u00e9 ok", "caf\u00e9 ok"},
	} {
		if got := accesslog.SanitizeError(tc.in, 512); got != tc.want {
			t.Errorf("SanitizeError(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeErrorTruncates(t *testing.T) {
	in := strings.Repeat("é", 1000) // 2 bytes each
	got := accesslog.SanitizeError(in, 101)
	if !strings.HasSuffix(got, "…(truncated)") || !utf8.ValidString(got) {
		t.Fatalf("got %q", got)
	}
	if body := strings.TrimSuffix(got, "…(truncated)"); len(body) != 100 {
		t.Fatalf("kept %d bytes, want 100 (cut on a rune boundary)", len(body))
	}
	huge := strings.Repeat("x\n", 1<<20)
	if got := accesslog.SanitizeError(huge, 512); len(got) > 2*512+len("…(truncated)") || strings.Contains(got, "\n") {
		t.Fatalf("huge input gave %d bytes", len(got))
	}
}

func TestSanitizeCleanTextDoesNotAllocate(t *testing.T) {
	s := "read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer"
	if n := testing.AllocsPerRun(100, func() { _ = accesslog.SanitizeError(s, 512) }); n != 0 {
		t.Fatalf("%v allocations for a clean error text", n)
	}
}

func FuzzSanitizeError(f *testing.F) {
	f.Add(`Get "http://a:b@h/?q=1": EOF`, 64)
	f.Add("x\xff\n", 8)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 4096 {
			max = 512
		}
		got := accesslog.SanitizeError(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("not UTF-8: %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("control character in %q", got)
			}
		}
		if len(got) > 8*max+64 { // escaping grows a byte to at most 6, redaction adds "REDACTED"
			t.Fatalf("output of %d bytes for max %d", len(got), max)
		}
	})
}
