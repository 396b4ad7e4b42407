// Package signing puts the firm's PDF digital signature on issued reports and recipient copies,
// with the certificate and private key the firm configures (PEM files), through
// github.com/digitorus/pdfsign: a reader then shows the document as certified by the firm, and
// any later change to the bytes breaks the signature.
package signing

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// Signer holds the firm's certificate and key. A nil *Signer signs nothing: without a
// configured certificate, reports are issued unsigned.
type Signer struct {
	cert  *x509.Certificate
	chain []*x509.Certificate // the certificate first, then its issuers as the PEM file lists them
	key   crypto.Signer
}

// Load reads the certificate (with any intermediate certificates after it) and the private key
// from PEM files, and refuses a key that does not belong to the certificate.
func Load(certFile, keyFile string) (*Signer, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("reading the signing certificate ATTEST_SIGNING_CERT=%s: %w", certFile, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key ATTEST_SIGNING_KEY=%s: %w", keyFile, err)
	}
	return Parse(certPEM, keyPEM)
}

// Parse is Load on PEM bytes.
func Parse(certPEM, keyPEM []byte) (*Signer, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return nil, errors.New("the signing key (ATTEST_SIGNING_KEY) does not belong to the signing certificate (ATTEST_SIGNING_CERT): configure the key the certificate was issued for")
		}
		return nil, fmt.Errorf("reading the signing certificate and key: %w", err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("the signing key cannot sign: use an RSA or ECDSA private key")
	}
	s := &Signer{key: key}
	for i, der := range pair.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("reading certificate %d of ATTEST_SIGNING_CERT: %w", i+1, err)
		}
		s.chain = append(s.chain, c)
	}
	s.cert = s.chain[0]
	return s, nil
}

// Enabled reports whether documents are signed.
func (s *Signer) Enabled() bool { return s != nil && s.cert != nil }

// Subject is the name the signature shows ("signed by …"): the certificate's common name, or
// its organization.
func (s *Signer) Subject() string {
	if !s.Enabled() {
		return ""
	}
	if s.cert.Subject.CommonName != "" {
		return s.cert.Subject.CommonName
	}
	return strings.Join(s.cert.Subject.Organization, ", ")
}

// NotAfter is when the certificate expires.
func (s *Signer) NotAfter() time.Time { return s.cert.NotAfter }

// Sign returns doc with the firm's certification signature appended as an incremental update
// (the original bytes stay untouched in front of it). at is the signing time written in the
// signature dictionary; reason says what the signature stands for. Without a certificate it
// returns doc unchanged.
func (s *Signer) Sign(doc []byte, at time.Time, reason string) ([]byte, error) {
	if !s.Enabled() {
		return doc, nil
	}
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("reading the PDF to sign: %w", err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{Name: s.Subject(), Reason: reason, Date: at.UTC()},
			// A certification signature that allows no change: any edit invalidates it.
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:            s.key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.cert,
		CertificateChains: [][]*x509.Certificate{s.chain},
	})
	if err != nil {
		return nil, fmt.Errorf("signing the PDF: %w", err)
	}
	return out.Bytes(), nil
}
