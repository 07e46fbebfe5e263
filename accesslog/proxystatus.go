package accesslog

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// ProxyStatusHeader is the response header of RFC 9209 ("The Proxy-Status
// HTTP Response Header Field"): a list of members, the one nearest the
// origin first, each "name; param=value; …" (RFC 8941 structured fields).
const ProxyStatusHeader = "Proxy-Status"

// proxyStatusDetailsMax caps the details parameter, in bytes, before
// escaping.
const proxyStatusDetailsMax = 256

// ProxyStatusError returns the Proxy-Status member the gateway adds when
// the upstream round trip failed as r says: `tyk; error=connection_timeout`,
// with `; details="…"` when details is not "" (an RFC 8941 string: printable
// ASCII, `"` and `\` escaped, anything else replaced by '?', at most 256
// bytes). name must be an RFC 8941 token (Config.ProxyStatusName is checked
// when read). It returns "" when RFC 9209 has no error type for r (r.Type
// is "": a client that went away, an upstream that answered).
func ProxyStatusError(name string, r classify.Result, details string) string {
	if r.Type == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(name) + len(r.Type) + 10 + len(details) + 14)
	b.WriteString(name)
	b.WriteString("; error=")
	b.WriteString(r.Type)
	if details != "" {
		b.WriteString(`; details="`)
		writeSFString(&b, details, proxyStatusDetailsMax)
		b.WriteByte('"')
	}
	return b.String()
}

// ProxyStatusReceived returns the Proxy-Status member the gateway adds to an
// error response it passes on from the next hop (an upstream or an
// intermediary 5xx): `tyk; received-status=503`.
func ProxyStatusReceived(name string, status int) string {
	return name + "; received-status=" + strconv.Itoa(status)
}

// addProxyStatus appends member to the Proxy-Status of h as a field line
// of its own (a list split over lines is one list, RFC 9110 5.3), after
// any member the next hop put there. It does nothing for an empty member.
func addProxyStatus(h http.Header, member string) {
	if member != "" && h != nil {
		h.Add(ProxyStatusHeader, member)
	}
}

// writeSFString writes s as the content of an RFC 8941 string (without the
// quotes), cut at max bytes of s.
func writeSFString(b *strings.Builder, s string, max int) {
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
}

// isToken reports whether s is an RFC 8941 token: ( ALPHA / "*" ) then
// tchar / ":" / "/".
func isToken(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '*') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~:/", c) >= 0:
		default:
			return false
		}
	}
	return true
}
