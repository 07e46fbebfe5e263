package accesslog

import (
	"strings"
	"unicode/utf8"
)

// truncMark ends an error text cut at Config.ErrorMaxBytes.
const truncMark = "…(truncated)"

// SanitizeError returns the error text s as it may be written into a log
// entry:
//   - a url.Error's `Method "URL": ` prefix is removed (Tyk's troubleshooting
//     guide shows the bare error, e.g. `dial tcp 10.0.0.1:443: i/o timeout`),
//   - in any other URL (scheme://…), user info and the query are replaced by
//     "REDACTED", so no credential or token reaches the log,
//   - the text is cut to at most max bytes (on a UTF-8 boundary, before
//     escaping) and then marked "…(truncated)",
//   - control characters are escaped as \n, \r, \t or \u00XX and bytes that
//     are not UTF-8 as \xNN, so the text is one printable line.
//
// A text that needs none of this is returned as is, without allocating.
func SanitizeError(s string, max int) string {
	s = stripURLErrorPrefix(s)
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + truncMark
	}
	if strings.Contains(s, "://") {
		s = redactURLs(s)
	}
	if clean(s) {
		return s
	}
	return escape(s)
}

// stripURLErrorPrefix removes the `Get "http://h/p": ` prefix url.Error puts
// before the transport's error.
func stripURLErrorPrefix(s string) string {
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 || sp > 16 || len(s) < sp+2 || s[sp+1] != '"' {
		return s
	}
	for i := 0; i < sp; i++ { // an HTTP method token: letters only
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return s
		}
	}
	end := strings.Index(s[sp+2:], `": `)
	if end < 0 {
		return s
	}
	return s[sp+2+end+3:]
}

// redactURLs replaces the user info and the query of every URL in s.
func redactURLs(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		// The URL runs to the first space, quote or end.
		end := strings.IndexAny(s, " \"'\t\n")
		if end < 0 {
			end = len(s)
		}
		u := s[:end]
		s = s[end:]
		authEnd := strings.IndexAny(u, "/?#")
		if authEnd < 0 {
			authEnd = len(u)
		}
		if at := strings.LastIndexByte(u[:authEnd], '@'); at >= 0 {
			b.WriteString("REDACTED@")
			u = u[at+1:]
		}
		if q := strings.IndexByte(u, '?'); q >= 0 {
			b.WriteString(u[:q])
			b.WriteString("?REDACTED")
			if h := strings.IndexByte(u[q:], '#'); h >= 0 {
				b.WriteString(u[q+h:])
			}
		} else {
			b.WriteString(u)
		}
	}
}

// clean reports whether s is valid UTF-8 with no control characters.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			return utf8.ValidString(s[i:]) && !hasC1(s[i:])
		}
	}
	return true
}

// hasC1 reports whether s holds a C1 control character (U+0080–U+009F).
func hasC1(s string) bool {
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

const hexDigits = "0123456789abcdef"

// escape returns s with control characters and invalid bytes escaped.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
