package signing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC)

// samplePDF is an fpdf document like the reports: deterministic, two pages.
func samplePDF(t *testing.T) []byte {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetCatalogSort(true)
	for i := 0; i < 2; i++ {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "", 12)
		pdf.Cell(40, 10, "SOC 2 Type II report - page")
	}
	var buf bytes.Buffer
	require.NoError(t, pdf.Output(&buf))
	return buf.Bytes()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// pdfsig runs poppler's pdfsig (installed by .ci/install-deps test) and returns its output.
func pdfsig(t *testing.T, doc []byte) string {
	out, _ := exec.Command("pdfsig", writeTemp(t, "signed.pdf", doc)).CombinedOutput()
	return string(out)
}

func TestSignedPDFVerifiesWithPdfsigAndBreaksOnAnyChange(t *testing.T) {
	certPEM, keyPEM, err := SelfSigned("Example & Partners LLP", now)
	require.NoError(t, err)
	s, err := Load(writeTemp(t, "cert.pem", certPEM), writeTemp(t, "key.pem", keyPEM))
	require.NoError(t, err)
	require.True(t, s.Enabled())
	assert.Equal(t, "Example & Partners LLP", s.Subject())

	doc := samplePDF(t)
	signed, err := s.Sign(doc, now, "SOC 2 Type II report, version 1")
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(signed, doc), "the signature is an incremental update after the original bytes")

	out := pdfsig(t, signed)
	assert.Contains(t, out, "Signature #1")
	assert.Contains(t, out, "Signer Certificate Common Name: Example & Partners LLP")
	assert.Contains(t, out, "Signature Validation: Signature is Valid.")
	assert.Contains(t, out, "Total document signed")

	// One byte of the signed content changed: the digest no longer matches.
	tampered := bytes.Clone(signed)
	i := bytes.Index(tampered, []byte("SOC 2 Type II report"))
	require.Positive(t, i)
	tampered[i] = 'X'
	out = pdfsig(t, tampered)
	assert.NotContains(t, out, "Signature is Valid.")
	assert.Contains(t, out, "Signature Validation: Digest Mismatch.")

	check, _ := exec.Command("qpdf", "--check", writeTemp(t, "q.pdf", signed)).CombinedOutput()
	assert.Contains(t, string(check), "No syntax or stream encoding errors")
}

func TestAKeyOfAnotherCertificateIsRefused(t *testing.T) {
	certPEM, _, err := SelfSigned("Example LLP", now)
	require.NoError(t, err)
	_, otherKey, err := SelfSigned("Someone else", now)
	require.NoError(t, err)
	_, err = Parse(certPEM, otherKey)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not belong to the signing certificate")

	_, err = Load("/nonexistent/cert.pem", "/nonexistent/key.pem")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ATTEST_SIGNING_CERT")
	_, err = Parse([]byte("not a certificate"), otherKey)
	require.Error(t, err)
}

func TestWithoutACertificateNothingIsSigned(t *testing.T) {
	var s *Signer
	doc := samplePDF(t)
	out, err := s.Sign(doc, now, "x")
	require.NoError(t, err)
	assert.Equal(t, doc, out)
	assert.False(t, s.Enabled())
}
