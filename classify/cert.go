package classify

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"strconv"
	"time"
	"unicode/utf8"
)

// Bounds of the text Certificate returns.
const (
	// MaxCertText is the most bytes of any string field of a Cert
	// (Subject, Issuer, SANs), truncation marker included.
	MaxCertText = 256

	// MaxCertSANs is the most subject alternative names Cert.SANs lists.
	MaxCertSANs = 8
)

// certTruncated ends a Subject, Issuer or single SAN that was cut to fit
// MaxCertText.
const certTruncated = "..."

// certMaxNodes bounds the walk of an error tree (Unwrap() error and
// Unwrap() []error) in Certificate.
const certMaxNodes = 64

// Cert holds the facts of the certificate a failed certificate verification
// names, in the forms the access log writes them. Every string is at most
// MaxCertText bytes, valid UTF-8 and free of control characters: bytes of
// characters that are not printable (C0 and C1 controls, DEL, format
// characters such as bidi overrides, line and paragraph separators, spaces
// other than U+0020) and bytes of invalid UTF-8 are written as a backslash
// and two upper-case hex digits, one escape per byte (RFC 4514's hexpair
// escape, e.g. ESC is `\1B`, U+202E is `\E2\80\AE`). Certificate text is
// chosen by whoever made the certificate, so it is treated as hostile.
type Cert struct {
	// Subject is the certificate's subject as Go's pkix.Name.String()
	// writes it (RFC 2253, most specific attribute first, e.g.
	// "CN=api.backend.com,O=Example Ltd,C=GB"): the value of Tyk's
	// tls_cert_subject, which Tyk 5.12 and 5.14 write the same way but only
	// for an expired certificate. Escaped as the type says and, when
	// longer than MaxCertText bytes, cut and ended with "...". Empty for a
	// certificate without a subject (Tyk then writes no field).
	Subject string

	// Issuer is the certificate's issuer, in the same form as Subject, e.g.
	// "CN=Example Issuing CA 2,O=Example Ltd". For an unknown authority it
	// names the authority the gateway did not trust. Field
	// upstream_tls_cert_issuer.
	Issuer string

	// SANs are the certificate's DNS names and then its IP addresses
	// (x509.Certificate.DNSNames, IPAddresses as net.IP.String()), joined
	// by ",", e.g. "api.backend.com,*.api.backend.com,10.0.0.7". In a name,
	// ',', '\' and ' ' are escaped too (`\2C`, `\5C`, `\20`), so the
	// separator is unambiguous. At most MaxCertSANs names and MaxCertText
	// bytes: when names are left out the list ends with ",+N more" (or is
	// "+N more" alone), N the number left out; a single name longer than the
	// room left is cut and ended with "..." if it is the first, left out
	// otherwise. Empty when the certificate has neither. Field
	// upstream_tls_cert_sans.
	SANs string

	// NotBefore is the start of the certificate's validity
	// (x509.Certificate.NotBefore, whole seconds, UTC as parsed). Field
	// upstream_tls_cert_not_before, formatted by FormatCertTime.
	NotBefore time.Time

	// NotAfter is the end of the certificate's validity
	// (x509.Certificate.NotAfter, whole seconds, UTC as parsed): the value
	// of Tyk's tls_cert_expiry, formatted by FormatCertTime.
	NotAfter time.Time

	// Index is the certificate's position in the chain the upstream
	// presented (tls.CertificateVerificationError.UnverifiedCertificates):
	// 0 the leaf, 1 the first intermediate, and so on; -1 when it is not
	// known (the error carries no presented chain, or the certificate came
	// from the gateway's own roots). An x509.HostnameError always names the
	// leaf (0).
	Index int

	// Truncated is true when Subject, Issuer or SANs was cut or SANs left
	// names out.
	Truncated bool
}

// Certificate returns the facts of the certificate a failed certificate
// verification names, and whether err carries one. It looks down err's whole
// Unwrap tree (*url.Error, *net.OpError, fmt.Errorf's %w, errors.Join; at
// most 64 errors) for, first found first used:
//
//   - x509.CertificateInvalidError (or a pointer to one): its Cert, the
//     certificate that is expired (Reason Expired, Detail "current time … is
//     after …"), not yet valid (Reason Expired, Detail "… is before …") or
//     otherwise invalid (NotAuthorizedToSign, IncompatibleUsage,
//     CANotAuthorizedForThisName …). This can be an intermediate: Go names
//     the certificate that failed, and Tyk 5.12/5.14 take tls_cert_subject
//     and tls_cert_expiry from this same Cert (for Reason Expired only).
//   - x509.HostnameError: its Certificate, the leaf, which does not name the
//     host.
//   - x509.UnknownAuthorityError: its Cert, the certificate whose issuer the
//     gateway does not trust (the leaf, or the last intermediate the
//     upstream sent).
//   - *tls.CertificateVerificationError, which crypto/tls wraps around each
//     of the above: UnverifiedCertificates[0], the leaf, used when the
//     error inside names no certificate (x509.SystemRootsError, a nil Cert);
//     its chain also gives Cert.Index.
//
// A nil error, an error without any of these, or one whose certificate is
// nil returns the zero Cert and false. Certificate never panics: a broken
// error value (a typed nil pointer whose Unwrap dereferences it, a method
// that panics) returns false. It reads err and the certificate only, does not
// log, and allocates the returned strings (bounded by MaxCertText).
func Certificate(err error) (c Cert, ok bool) {
	if err == nil {
		return Cert{}, false
	}
	defer func() {
		if recover() != nil {
			c, ok = Cert{}, false
		}
	}()

	var (
		named  *x509.Certificate   // the certificate the x509 error names
		isLeaf bool                // named is known to be the leaf
		chain  []*x509.Certificate // what the upstream presented
	)
	var buf [8]error
	stack := append(buf[:0], err)
	for nodes := 0; len(stack) > 0 && nodes < certMaxNodes && named == nil; nodes++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch x := e.(type) {
		case x509.CertificateInvalidError:
			named = x.Cert
		case *x509.CertificateInvalidError:
			if x != nil {
				named = x.Cert
			}
		case x509.HostnameError:
			named, isLeaf = x.Certificate, true
		case *x509.HostnameError:
			if x != nil {
				named, isLeaf = x.Certificate, true
			}
		case x509.UnknownAuthorityError:
			named = x.Cert
		case *x509.UnknownAuthorityError:
			if x != nil {
				named = x.Cert
			}
		case *tls.CertificateVerificationError:
			if x == nil {
				continue
			}
			if chain == nil {
				chain = x.UnverifiedCertificates
			}
		}
		if named != nil {
			break
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			if next := u.Unwrap(); next != nil {
				stack = append(stack, next)
			}
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			for i := len(errs) - 1; i >= 0; i-- { // first one on top
				if errs[i] != nil {
					stack = append(stack, errs[i])
				}
			}
		}
	}

	cert, index := named, -1
	switch {
	case named != nil:
		index = chainIndex(chain, named)
		if index < 0 && isLeaf {
			index = 0
		}
	case len(chain) > 0 && chain[0] != nil:
		cert, index = chain[0], 0
	default:
		return Cert{}, false
	}

	c = Cert{NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, Index: index}
	var cut bool
	c.Subject, cut = certText(cert.Subject.String())
	c.Truncated = c.Truncated || cut
	c.Issuer, cut = certText(cert.Issuer.String())
	c.Truncated = c.Truncated || cut
	c.SANs, cut = certSANs(cert)
	c.Truncated = c.Truncated || cut
	return c, true
}

// chainIndex returns the position of cert in chain, or -1. Go's verifier
// names the very certificates crypto/tls parsed, so pointers are compared
// first, then DER bytes.
func chainIndex(chain []*x509.Certificate, cert *x509.Certificate) int {
	for i, x := range chain {
		if x == cert {
			return i
		}
	}
	if len(cert.Raw) == 0 {
		return -1
	}
	for i, x := range chain {
		if x != nil && bytes.Equal(x.Raw, cert.Raw) {
			return i
		}
	}
	return -1
}

// FormatCertTime formats a certificate time as Tyk 5.14 writes
// tls_cert_expiry: time.RFC3339 ("2006-01-02T15:04:05Z07:00") in UTC, e.g.
// "2024-01-15T00:00:00Z". The zero time gives "" (Tyk then writes no field).
// Tyk formats the time in its own location, which for a parsed certificate
// is always UTC, so the text is the same.
func FormatCertTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// AppendCertTime appends FormatCertTime(t) to dst, without allocating when dst
// has room (20 bytes for years 0000-9999).
func AppendCertTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	return t.UTC().AppendFormat(dst, time.RFC3339)
}

// certText bounds and escapes a subject or issuer; cut reports truncation.
func certText(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	b, cut := appendCertText(make([]byte, 0, min(len(s), MaxCertText)), s, false, MaxCertText)
	return string(b), cut
}

// certSANs lists cert's DNS names and IP addresses as Cert.SANs says.
func certSANs(cert *x509.Certificate) (string, bool) {
	total := len(cert.DNSNames) + len(cert.IPAddresses)
	if total == 0 {
		return "", false
	}
	b := make([]byte, 0, MaxCertText)
	included, cut := 0, false
	for i := 0; i < total && included < MaxCertSANs; i++ {
		var name string
		if i < len(cert.DNSNames) {
			name = cert.DNSNames[i]
		} else {
			name = cert.IPAddresses[i-len(cert.DNSNames)].String()
		}
		sep := 0
		if included > 0 {
			sep = 1
		}
		// Room for this name, keeping room for the marker of the names
		// after it.
		room := MaxCertText - len(b) - sep - moreLen(total-i-1, true)
		if room <= 0 {
			break
		}
		mark := len(b)
		if sep == 1 {
			b = append(b, ',')
		}
		var c bool
		b, c = appendCertText(b, name, true, len(b)+room)
		if c {
			if included > 0 { // a cut name only as the first
				b = b[:mark]
				break
			}
			cut = true
		}
		included++
	}
	if left := total - included; left > 0 {
		b = appendMore(b, left, included > 0)
		cut = true
	}
	return string(b), cut
}

// moreLen is the length of the ",+N more" marker for n names left out (0 for
// none).
func moreLen(n int, comma bool) int {
	if n == 0 {
		return 0
	}
	l := len("+ more") + len(strconv.Itoa(n))
	if comma {
		l++
	}
	return l
}

func appendMore(b []byte, n int, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '+')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, " more"...)
}

const upperHex = "0123456789ABCDEF"

// appendCertText appends s to b escaped as Cert says (and, when san, with
// ',', '\' and ' ' escaped too), keeping len(b) <= limit: if s does not fit
// it is cut at a character boundary, ended with certTruncated, and cut is
// true. It reads at most about limit bytes of s.
func appendCertText(b []byte, s string, san bool, limit int) (_ []byte, cut bool) {
	fit := -1 // len(b) at the last boundary that leaves room for the marker
	for i := 0; i < len(s); {
		if len(b)+len(certTruncated) <= limit {
			fit = len(b)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		escape := (r == utf8.RuneError && size == 1) || !strconv.IsPrint(r) ||
			(san && (r == ',' || r == '\\' || r == ' '))
		n := size
		if escape {
			n = 3 * size
		}
		if len(b)+n > limit {
			if fit < 0 { // no room even for the marker
				return b, true
			}
			return append(b[:fit], certTruncated...), true
		}
		if escape {
			for j := i; j < i+size; j++ {
				b = append(b, '\\', upperHex[s[j]>>4], upperHex[s[j]&0xF])
			}
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b, false
}
