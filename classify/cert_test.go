package classify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// ---------------------------------------------------------------------------
// Test PKI for certificate facts: its own CAs, leaves and intermediates, so
// that these tests depend on no other test file.

type ctIssuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var ctSerial atomic.Int64

// ctSecond is now truncated to the second, as certificates store times.
func ctSecond(d time.Duration) time.Time {
	return time.Now().Add(d).UTC().Truncate(time.Second)
}

// ctIssue signs tmpl with parent (self-signed when parent is nil) and returns
// the parsed certificate and its key.
func ctIssue(t testing.TB, tmpl *x509.Certificate, parent *ctIssuer) *ctIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(ctSerial.Add(1))
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ctIssuer{cert: cert, key: key}
}

func ctCA(t testing.TB, name string, parent *ctIssuer, notBefore, notAfter time.Time, isCA bool) *ctIssuer {
	t.Helper()
	return ctIssue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Upstream Cause Test"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  isCA,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, parent)
}

// ctLeafTemplate is a valid server certificate for 127.0.0.1 and
// upstream.test, to be changed by each case.
func ctLeafTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: "upstream.test", Organization: []string{"Upstream Cause Test"}},
		NotBefore:   ctSecond(-time.Hour),
		NotAfter:    ctSecond(time.Hour),
		DNSNames:    []string{"upstream.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// ctServe serves HTTPS on 127.0.0.1 with the given chain (leaf first) and
// returns its address.
func ctServe(t testing.TB, leaf *ctIssuer, intermediates ...*ctIssuer) string {
	t.Helper()
	chain := tls.Certificate{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key}
	for _, c := range intermediates {
		chain.Certificate = append(chain.Certificate, c.cert.Raw)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{chain}}))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// ctGet does a GET through a fresh http.Transport trusting roots and returns
// its error (a *url.Error around crypto/tls's).
func ctGet(t testing.TB, addr string, roots ...*ctIssuer) error {
	t.Helper()
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.cert)
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		TLSHandshakeTimeout: 10 * time.Second,
		DisableKeepAlives:   true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("GET https://%s/: %s, want a certificate error", addr, res.Status)
	}
	t.Logf("%q", err.Error())
	return err
}

func ctAs[T error](t testing.TB, err error) T {
	t.Helper()
	var x T
	if !errors.As(err, &x) {
		t.Fatalf("error %q (%T) has no %T", err, err, x)
	}
	return x
}

// ---------------------------------------------------------------------------

// TestCertificateReal makes each kind of certificate failure happen in a real
// TLS handshake on loopback and checks the facts Certificate takes from the
// error Go returns.
func TestCertificateReal(t *testing.T) {
	t.Parallel()
	root := ctCA(t, "Cert Facts Root", nil, ctSecond(-time.Hour), ctSecond(24*time.Hour), true)
	other := ctCA(t, "Cert Facts Other Root", nil, ctSecond(-time.Hour), ctSecond(24*time.Hour), true)
	const rootDN = "CN=Cert Facts Root,O=Upstream Cause Test"

	type want struct {
		subject, issuer, sans string
		notBefore, notAfter   time.Time
		index                 int
	}
	check := func(t *testing.T, err error, w want) classify.Cert {
		t.Helper()
		c, ok := classify.Certificate(err)
		if !ok {
			t.Fatalf("Certificate(%q) = false, want a certificate", err)
		}
		got := want{c.Subject, c.Issuer, c.SANs, c.NotBefore, c.NotAfter, c.Index}
		if !got.notBefore.Equal(w.notBefore) || !got.notAfter.Equal(w.notAfter) {
			t.Errorf("validity %s .. %s, want %s .. %s", got.notBefore, got.notAfter, w.notBefore, w.notAfter)
		}
		got.notBefore, got.notAfter, w.notBefore, w.notAfter = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != w {
			t.Errorf("Certificate:\n got  %+v\n want %+v", got, w)
		}
		if c.Truncated {
			t.Errorf("Truncated = true for %+v", c)
		}
		return c
	}

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "expired.upstream.test"
		tmpl.NotBefore, tmpl.NotAfter = ctSecond(-48*time.Hour), ctSecond(-24*time.Hour)
		leaf := ctIssue(t, tmpl, root)
		err := ctGet(t, ctServe(t, leaf), root)
		if e := ctAs[x509.CertificateInvalidError](t, err); e.Reason != x509.Expired || !strings.Contains(e.Detail, "is after") {
			t.Fatalf("reason %v %q, want Expired … is after", e.Reason, e.Detail)
		}
		c := check(t, err, want{"CN=expired.upstream.test,O=Upstream Cause Test", rootDN, "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
		// Tyk 5.14 (internal/errors/classifier.go:106,
		// internal/httputil/accesslog/record.go:137,140) writes
		// Cert.Subject.String() and NotAfter.Format("2006-01-02T15:04:05Z07:00").
		if c.Subject != leaf.cert.Subject.String() {
			t.Errorf("Subject %q, Tyk writes %q", c.Subject, leaf.cert.Subject.String())
		}
		if got, tyk := classify.FormatCertTime(c.NotAfter), leaf.cert.NotAfter.Format("2006-01-02T15:04:05Z07:00"); got != tyk {
			t.Errorf("FormatCertTime(NotAfter) = %q, Tyk writes %q", got, tyk)
		}
		if got, want := classify.FormatCertTime(c.NotAfter), tmpl.NotAfter.Format("2006-01-02T15:04:05Z"); got != want {
			t.Errorf("FormatCertTime(NotAfter) = %q, want %q", got, want)
		}
	})

	t.Run("NotYetValid", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "future.upstream.test"
		tmpl.NotBefore, tmpl.NotAfter = ctSecond(24*time.Hour), ctSecond(48*time.Hour)
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, root)), root)
		if e := ctAs[x509.CertificateInvalidError](t, err); e.Reason != x509.Expired || !strings.Contains(e.Detail, "is before") {
			t.Fatalf("reason %v %q, want Expired … is before", e.Reason, e.Detail)
		}
		check(t, err, want{"CN=future.upstream.test,O=Upstream Cause Test", rootDN, "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	t.Run("UnknownAuthority", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject = pkix.Name{CommonName: "untrusted.upstream.test", Organization: []string{"Upstream, Inc."}, Country: []string{"GB"}}
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, root)), other)
		ctAs[x509.UnknownAuthorityError](t, err)
		// pkix.Name.String() escapes the comma (RFC 2253); kept as Go writes it.
		check(t, err, want{`CN=untrusted.upstream.test,O=Upstream\, Inc.,C=GB`, rootDN, "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	t.Run("SelfSigned", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject = pkix.Name{CommonName: "self.upstream.test"}
		leaf := ctIssue(t, tmpl, nil)
		err := ctGet(t, ctServe(t, leaf), root)
		ctAs[x509.UnknownAuthorityError](t, err)
		check(t, err, want{"CN=self.upstream.test", "CN=self.upstream.test", "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	t.Run("WrongHost", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "other.upstream.test"
		tmpl.DNSNames = []string{"other.upstream.test", "*.other.upstream.test"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("192.0.2.7"), net.ParseIP("2001:db8::7")}
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, root)), root)
		ctAs[x509.HostnameError](t, err)
		check(t, err, want{"CN=other.upstream.test,O=Upstream Cause Test", rootDN,
			"other.upstream.test,*.other.upstream.test,192.0.2.7,2001:db8::7", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	t.Run("IncompatibleUsage", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "client-only.upstream.test"
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, root)), root)
		if e := ctAs[x509.CertificateInvalidError](t, err); e.Reason != x509.IncompatibleUsage {
			t.Fatalf("reason %v, want IncompatibleUsage", e.Reason)
		}
		check(t, err, want{"CN=client-only.upstream.test,O=Upstream Cause Test", rootDN, "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	// An intermediate with CA:false. Go's chain building rejects it in
	// CheckSignatureFrom (ConstraintViolationError, kept only as a hint),
	// so the error is an x509.UnknownAuthorityError naming the leaf.
	t.Run("IntermediateNotCA", func(t *testing.T) {
		t.Parallel()
		inter := ctCA(t, "Not A CA", root, ctSecond(-time.Hour), ctSecond(24*time.Hour), false)
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "under-non-ca.upstream.test"
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, inter), inter), root)
		if e := ctAs[x509.UnknownAuthorityError](t, err); e.Cert == nil || e.Cert.Subject.CommonName != "under-non-ca.upstream.test" {
			t.Fatalf("UnknownAuthorityError names %v, want the leaf", e.Cert)
		}
		check(t, err, want{"CN=under-non-ca.upstream.test,O=Upstream Cause Test", "CN=Not A CA,O=Upstream Cause Test",
			"upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0})
	})

	// An expired intermediate: Go (and Tyk after it) names the intermediate,
	// and Index says it is not the leaf.
	t.Run("ExpiredIntermediate", func(t *testing.T) {
		t.Parallel()
		nb, na := ctSecond(-72*time.Hour), ctSecond(-time.Hour)
		inter := ctCA(t, "Expired Intermediate", root, nb, na, true)
		tmpl := ctLeafTemplate()
		tmpl.NotBefore = ctSecond(-2 * time.Hour)
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, inter), inter), root)
		if e := ctAs[x509.CertificateInvalidError](t, err); e.Reason != x509.Expired {
			t.Fatalf("reason %v, want Expired", e.Reason)
		}
		check(t, err, want{"CN=Expired Intermediate,O=Upstream Cause Test", rootDN, "", nb, na, 1})
	})

	// The same failure through tls.Dial (no *url.Error), and wrapped again
	// by fmt.Errorf and errors.Join.
	t.Run("TLSDialAndWrapped", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject.CommonName = "dial.upstream.test"
		addr := ctServe(t, ctIssue(t, tmpl, root))
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr,
			&tls.Config{RootCAs: x509.NewCertPool(), ServerName: "upstream.test"})
		if err == nil {
			conn.Close()
			t.Fatal("tls.Dial succeeded, want a certificate error")
		}
		ctAs[*tls.CertificateVerificationError](t, err)
		w := want{"CN=dial.upstream.test,O=Upstream Cause Test", rootDN, "upstream.test,127.0.0.1", tmpl.NotBefore, tmpl.NotAfter, 0}
		check(t, err, w)
		check(t, fmt.Errorf("proxy: %w", err), w)
		check(t, errors.Join(errors.New("first"), fmt.Errorf("second: %w", err)), w)
		check(t, &url.Error{Op: "Get", URL: "https://upstream.test/", Err: &net.OpError{Op: "remote error", Net: "tcp", Err: err}}, w)
	})
}

// TestCertificateBounds serves hostile certificates (a huge subject, many
// SANs, control characters and invalid UTF-8) and checks that every string
// is bounded and safe for a log line.
func TestCertificateBounds(t *testing.T) {
	t.Parallel()
	root := ctCA(t, "Bounds Root", nil, ctSecond(-time.Hour), ctSecond(24*time.Hour), true)

	safe := func(t *testing.T, field, s string) {
		t.Helper()
		if len(s) > classify.MaxCertText {
			t.Errorf("%s: %d bytes, want at most %d", field, len(s), classify.MaxCertText)
		}
		if !utf8.ValidString(s) {
			t.Errorf("%s: invalid UTF-8: %q", field, s)
		}
		for _, r := range s {
			if !strconv.IsPrint(r) {
				t.Errorf("%s: unprintable %U in %q", field, r, s)
			}
		}
	}

	t.Run("HugeSubjectManySANs", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		tmpl.Subject = pkix.Name{CommonName: strings.Repeat("c", 2000), Organization: []string{strings.Repeat("o", 500), strings.Repeat("p", 500)}}
		tmpl.DNSNames = nil
		for i := range 300 {
			tmpl.DNSNames = append(tmpl.DNSNames, fmt.Sprintf("host-%03d.upstream.test", i))
		}
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, nil)), root)
		c, ok := classify.Certificate(err)
		if !ok {
			t.Fatal("no certificate")
		}
		safe(t, "Subject", c.Subject)
		safe(t, "Issuer", c.Issuer)
		safe(t, "SANs", c.SANs)
		if want := "CN=" + strings.Repeat("c", classify.MaxCertText-len("CN=...")) + "..."; c.Subject != want || c.Issuer != want {
			t.Errorf("Subject %q\nIssuer %q\nwant %q", c.Subject, c.Issuer, want)
		}
		var names []string
		for i := range classify.MaxCertSANs {
			names = append(names, fmt.Sprintf("host-%03d.upstream.test", i))
		}
		if want := strings.Join(names, ",") + ",+293 more"; c.SANs != want { // 300 DNS + 1 IP - 8
			t.Errorf("SANs %q, want %q", c.SANs, want)
		}
		if !c.Truncated {
			t.Error("Truncated = false")
		}
	})

	t.Run("LongSANs", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		label := strings.Repeat("a", 63)
		long := strings.Join([]string{label, label, label, label, label}, ".") // 319 bytes
		tmpl.DNSNames = []string{strings.Repeat("b", 100) + ".test", strings.Repeat("c", 100) + ".test", long}
		tmpl.IPAddresses = nil
		err := ctGet(t, ctServe(t, ctIssue(t, tmpl, nil)), root)
		c, _ := classify.Certificate(err)
		safe(t, "SANs", c.SANs)
		if want := tmpl.DNSNames[0] + "," + tmpl.DNSNames[1] + ",+1 more"; c.SANs != want {
			t.Errorf("SANs %q, want %q", c.SANs, want)
		}

		tmpl = ctLeafTemplate()
		tmpl.DNSNames, tmpl.IPAddresses = []string{long, "second.test"}, nil
		err = ctGet(t, ctServe(t, ctIssue(t, tmpl, nil)), root)
		c, _ = classify.Certificate(err)
		safe(t, "SANs", c.SANs)
		if want := long[:classify.MaxCertText-len("...,+1 more")] + "...,+1 more"; c.SANs != want {
			t.Errorf("SANs %q, want %q", c.SANs, want)
		}
	})

	t.Run("ControlCharacters", func(t *testing.T) {
		t.Parallel()
		tmpl := ctLeafTemplate()
		// ESC, a newline and a fake log field, a C1 control (NEL), a line
		// separator and a bidi override, as a UTF8String.
		cn := "evil\x1b[31m\n level=info msg=fake \u0085\u2028\u202eok"
		tmpl.Subject = pkix.Name{CommonName: cn}
		tmpl.DNSNames = []string{"tab\there.test", "comma,and space.test", `back\slash.test`, "del\x7f.test"}
		tmpl.IPAddresses = nil
		leaf := ctIssue(t, tmpl, nil)
		if leaf.cert.Subject.CommonName != cn {
			t.Fatalf("parsed CN %q, want %q", leaf.cert.Subject.CommonName, cn)
		}
		err := ctGet(t, ctServe(t, leaf), root)
		c, ok := classify.Certificate(err)
		if !ok {
			t.Fatal("no certificate")
		}
		safe(t, "Subject", c.Subject)
		safe(t, "Issuer", c.Issuer)
		safe(t, "SANs", c.SANs)
		if want := `CN=evil\1B[31m\0A level=info msg=fake \C2\85\E2\80\A8\E2\80\AEok`; c.Subject != want || c.Issuer != want {
			t.Errorf("Subject %q\nIssuer %q\nwant %q", c.Subject, c.Issuer, want)
		}
		if want := `tab\09here.test,comma\2Cand\20space.test,back\5Cslash.test,del\7F.test`; c.SANs != want {
			t.Errorf("SANs %q, want %q", c.SANs, want)
		}
		if c.Truncated {
			t.Error("Truncated = true")
		}
	})
}

// ctCyclicErr unwraps to itself.
type ctCyclicErr struct{}

func (e *ctCyclicErr) Error() string { return "cycle" }
func (e *ctCyclicErr) Unwrap() error { return e }

// ctPanicErr panics in Unwrap.
type ctPanicErr struct{}

func (ctPanicErr) Error() string { return "panic" }
func (ctPanicErr) Unwrap() error { panic("broken Unwrap") }

// TestCertificateOdd checks that errors without a certificate, zero-valued
// error structs and broken errors return false without panicking.
func TestCertificateOdd(t *testing.T) {
	t.Parallel()
	var nilCVE *tls.CertificateVerificationError
	var nilURL *url.Error
	var nilInvalid *x509.CertificateInvalidError
	var nilHost *x509.HostnameError
	var nilUnknown *x509.UnknownAuthorityError
	odd := []error{
		nil,
		errors.New("x509: certificate has expired or is not yet valid"),
		io.EOF,
		context.DeadlineExceeded,
		x509.CertificateInvalidError{},
		x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time is after"},
		x509.HostnameError{Host: "upstream.test"},
		x509.UnknownAuthorityError{},
		x509.SystemRootsError{},
		&x509.CertificateInvalidError{},
		&x509.HostnameError{},
		&x509.UnknownAuthorityError{},
		nilInvalid, nilHost, nilUnknown,
		&tls.CertificateVerificationError{},
		&tls.CertificateVerificationError{UnverifiedCertificates: []*x509.Certificate{nil}},
		&tls.CertificateVerificationError{Err: x509.HostnameError{}},
		nilCVE,
		nilURL,
		&url.Error{},
		&net.OpError{},
		&url.Error{Err: &net.OpError{Err: nilCVE}},
		fmt.Errorf("%w", nil),
		errors.Join(),
		&ctCyclicErr{},
		fmt.Errorf("wrapped: %w", &ctCyclicErr{}),
		ctPanicErr{},
		tls.RecordHeaderError{},
		tls.AlertError(42),
	}
	for i, err := range odd {
		if c, ok := classify.Certificate(err); ok || c != (classify.Cert{}) {
			t.Errorf("%d: Certificate(%#v) = %+v, %v; want the zero Cert, false", i, err, c, ok)
		}
	}

	// A certificate with nothing in it is still a certificate.
	empty := &x509.Certificate{}
	c, ok := classify.Certificate(x509.CertificateInvalidError{Cert: empty, Reason: x509.Expired})
	if !ok || c != (classify.Cert{Index: -1}) {
		t.Errorf("empty certificate: %+v, %v", c, ok)
	}
	// The presented leaf stands in when the error inside names none.
	c, ok = classify.Certificate(&tls.CertificateVerificationError{
		UnverifiedCertificates: []*x509.Certificate{{Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"a.test"}}},
		Err:                    x509.SystemRootsError{},
	})
	if !ok || c.Subject != "CN=leaf" || c.SANs != "a.test" || c.Index != 0 {
		t.Errorf("leaf fallback: %+v, %v", c, ok)
	}
	// Invalid UTF-8 cannot come out of Go's certificate parser, but a
	// certificate built in memory can carry it: pkix.Name.String() turns it
	// into U+FFFD, and a SAN keeps it, escaped.
	c, ok = classify.Certificate(x509.UnknownAuthorityError{Cert: &x509.Certificate{
		Subject:  pkix.Name{CommonName: "bad\xff\xfe"},
		DNSNames: []string{"bad\xff.test", "\xc3"},
	}})
	if !ok || c.Subject != "CN=bad\ufffd\ufffd" || c.SANs != `bad\FF.test,\C3` {
		t.Errorf("invalid UTF-8: %+v, %v", c, ok)
	}
	// A hostname error names the leaf even without the presented chain.
	c, ok = classify.Certificate(x509.HostnameError{Certificate: empty, Host: "x"})
	if !ok || c.Index != 0 {
		t.Errorf("hostname error: %+v, %v", c, ok)
	}

	if got := classify.FormatCertTime(time.Time{}); got != "" {
		t.Errorf("FormatCertTime(zero) = %q", got)
	}
	at := time.Date(2024, 1, 15, 1, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := classify.FormatCertTime(at); got != "2024-01-15T00:00:00Z" {
		t.Errorf("FormatCertTime = %q", got)
	}
	if got := string(classify.AppendCertTime([]byte("x="), at)); got != "x=2024-01-15T00:00:00Z" {
		t.Errorf("AppendCertTime = %q", got)
	}
}

// FuzzCertificate feeds arbitrary text into every field Certificate reads
// and checks the bounds and escaping.
func FuzzCertificate(f *testing.F) {
	f.Add("api.upstream.test", "Example, Ltd", "a.test", "\x1b[2J\n", 3)
	f.Add(strings.Repeat("\xff", 300), "\u202e\u2028", strings.Repeat("é", 200), "a,b c\\d", 40)
	f.Add("", "", "", "", 0)
	f.Fuzz(func(t *testing.T, cn, org, dns1, dns2 string, n int) {
		n = max(0, min(n, 50))
		cert := &x509.Certificate{
			Subject:  pkix.Name{CommonName: cn, Organization: []string{org}},
			Issuer:   pkix.Name{CommonName: org, Organization: []string{cn}},
			DNSNames: []string{dns1, dns2},
		}
		for i := 0; i < n; i++ {
			cert.DNSNames = append(cert.DNSNames, dns1+dns2)
		}
		c, ok := classify.Certificate(&tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: cert}})
		if !ok {
			t.Fatal("no certificate")
		}
		for _, s := range []string{c.Subject, c.Issuer, c.SANs} {
			if len(s) > classify.MaxCertText || !utf8.ValidString(s) {
				t.Fatalf("unbounded or invalid: %q", s)
			}
			for _, r := range s {
				if !strconv.IsPrint(r) {
					t.Fatalf("unprintable %U in %q", r, s)
				}
			}
		}
		if got := strings.Count(c.SANs, ",") + 1; c.SANs != "" && got > classify.MaxCertSANs+1 {
			t.Fatalf("%d SAN entries in %q", got, c.SANs)
		}
		if len(cn) < 50 && len(org) < 50 && !c.Truncated && c.Subject != ctEscapeRef(cert.Subject.String()) {
			t.Fatalf("Subject %q, want %q", c.Subject, ctEscapeRef(cert.Subject.String()))
		}
	})
}

// ctEscapeRef is the reference escaping of a subject: every byte of a rune
// strconv.IsPrint rejects, and of invalid UTF-8, as \XX.
func ctEscapeRef(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !strconv.IsPrint(r) {
			for j := i; j < i+size; j++ {
				fmt.Fprintf(&b, `\%02X`, s[j])
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
