package upstreams

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// certs holds the certificates generated at Start.
type certs struct {
	roots            *x509.CertPool  // trusts ca only
	caPEM            []byte          // ca, PEM-encoded
	unknownAuthority tls.Certificate // self-signed, IP 127.0.0.1, valid now±1h
	expired          tls.Certificate // signed by ca, IP 127.0.0.1, NotAfter now-24h
	wrongHost        tls.Certificate // signed by ca, DNS wrong-host.example only
}

var serialLimit = new(big.Int).Lsh(big.NewInt(1), 62)

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// issue creates a certificate from tmpl for key, signed by parent/parentKey
// (self-signed when parent is nil).
func issue(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, serialLimit)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	return cert, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, nil
}

func leafTemplate(cn string, notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
}

// newCerts generates the test CA and the three server certificates.
func newCerts() (*certs, error) {
	now := time.Now()
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}

	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	ca, _, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "upstreams test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IsCA:                  true,
		BasicConstraintsValid: true,
	}, caKey, nil, nil)
	if err != nil {
		return nil, err
	}

	out := &certs{roots: x509.NewCertPool()}
	out.roots.AddCert(ca)
	out.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})

	key, err := newKey()
	if err != nil {
		return nil, err
	}
	tmpl := leafTemplate("127.0.0.1", now.Add(-time.Hour), now.Add(time.Hour))
	tmpl.IPAddresses = loopback
	if _, out.unknownAuthority, err = issue(tmpl, key, nil, nil); err != nil {
		return nil, err
	}

	tmpl = leafTemplate("127.0.0.1", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	tmpl.IPAddresses = loopback
	if _, out.expired, err = issue(tmpl, key, ca, caKey); err != nil {
		return nil, err
	}

	tmpl = leafTemplate("wrong-host.example", now.Add(-time.Hour), now.Add(time.Hour))
	tmpl.DNSNames = []string{"wrong-host.example"}
	if _, out.wrongHost, err = issue(tmpl, key, ca, caKey); err != nil {
		return nil, err
	}
	return out, nil
}

// serverTLSConfig is the server side configuration presenting cert.
func serverTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}
