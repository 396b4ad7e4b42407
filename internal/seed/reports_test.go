package seed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/report"
	"github.com/attest-soc/attest/internal/signing"
	"github.com/attest-soc/attest/internal/verification"
)

// The demo's 2025 engagement is issued through the real steps (gates, signature, issue): its
// SOC 2 Type II and SOC 3 are stored, and rendering it again gives the stored bytes; the 2026
// engagement produces a draft at once.
func TestDemoIssuedReportAndDraft(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	_, err = Demo(ctx, gdb, clk, WithEvidenceStore(store))
	require.NoError(t, err)

	var issued, draft int64
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2025'`).Row().Scan(&issued))
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2026'`).Row().Scan(&draft))
	var status string
	require.NoError(t, gdb.Raw(`SELECT status FROM engagements WHERE id = ?`, issued).Row().Scan(&status))
	assert.Equal(t, "issued", status)
	var exceptions, tests, sampled int
	require.NoError(t, gdb.Raw(`SELECT (SELECT count(*) FROM exceptions WHERE engagement_id = @id), (SELECT count(*) FROM tests WHERE engagement_id = @id),
		(SELECT count(*) FROM samples s JOIN tests t ON t.id = s.test_id WHERE t.engagement_id = @id)`, map[string]any{"id": issued}).
		Row().Scan(&exceptions, &tests, &sampled))
	assert.Equal(t, 1, exceptions)
	assert.Equal(t, 28, tests)
	assert.Equal(t, 63, sampled, "NL-05's 15 leavers and up to 3 items per other test: every test is concluded on tested samples")

	svc := &report.Service{DB: gdb, Store: store, Clock: clk, Description: &description.Service{DB: gdb, Clock: clk, Store: store}}
	codes := &verification.Service{DB: gdb, Clock: clk, Store: store, BaseURL: "http://elsewhere.example"}
	renderer := verification.ReportRenderer{Reports: svc, Codes: codes}
	versions, err := svc.Versions(ctx, issued)
	require.NoError(t, err)
	require.Len(t, versions, 2)
	for _, v := range versions {
		assert.Equal(t, report.StateCurrent, v.State)
		assert.Equal(t, "unmodified", v.OpinionKind)
		// Rendered again with its stored code and address (not the configured one), the version
		// gives the issued bytes.
		rep, err := renderer.Reproduce(ctx, v.ID)
		require.NoError(t, err)
		assert.True(t, rep.Matches, "%s: rendering again gives the issued bytes", v.Variant)
		sum := sha256.Sum256(rep.PDF)
		assert.Equal(t, v.SHA256, hex.EncodeToString(sum[:]))
		require.NotEmpty(t, rep.Code, "%s carries a verification code", v.Variant)
		text := pdfText(t, rep.PDF)
		code := verification.Format(rep.Code)
		assert.Contains(t, text, "http://127.0.0.1:8080/verify/"+code, "the cover names the verification page")
		flat := strings.Join(strings.Fields(text), " ")
		assert.Contains(t, flat, "Scan the code or open the address to check that this report is authentic and current.", "the cover says how to verify")
		assert.Contains(t, flat, "Verifying This Report", "the auditor's report says how to verify")
		assert.Equal(t, rep.Version.PageCount, strings.Count(text, "Verification code "+code), "%s: the code is in every page footer", v.Variant)
		// A plain render (without the code) is not what was issued.
		plain, _, err := svc.Render(ctx, issued, v.Variant, false)
		require.NoError(t, err)
		assert.NotEqual(t, rep.PDF, plain)
		// The verification page recognises the issued bytes.
		res, err := codes.Check(ctx, "", rep.PDF)
		require.NoError(t, err)
		assert.Equal(t, verification.Authentic, res.Outcome)
	}
	copies, err := codes.Copies(ctx, issued)
	require.NoError(t, err)
	require.Len(t, copies, 2, "two demo recipient copies")
	for _, c := range copies {
		assert.Equal(t, report.Type2, report.Variant(c.Variant))
		rc, err := store.Open(ctx, c.BlobKey)
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		res, err := codes.Check(ctx, "", data)
		require.NoError(t, err)
		assert.Equal(t, verification.Authentic, res.Outcome)
		require.NotNil(t, res.Copy)
		assert.Equal(t, c.RecipientOrganization, res.Copy.Organization)
	}
	assert.Equal(t, report.Type2, versions[0].Variant)
	assert.Equal(t, report.SOC3, versions[1].Variant)

	pdf, doc, err := svc.Render(ctx, draft, report.Type2, false)
	require.NoError(t, err)
	assert.True(t, doc.Draft, "the unsigned 2026 engagement renders as a draft")
	assert.Greater(t, len(pdf), 10000)
	// DC3's network diagram (an SVG) is in the PDF, drawn at 3 pixels per SVG unit (640 × 260),
	// and the same data gives the same bytes.
	path := filepath.Join(t.TempDir(), "draft.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	list, err := exec.Command("pdfimages", "-list", path).Output()
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\s+\d+\s+\d+\s+image\s+1920\s+780\s+rgb\s`, string(list), "the DC3 diagram: %s", list)
	again, _, err := svc.Render(ctx, draft, report.Type2, false)
	require.NoError(t, err)
	assert.Equal(t, pdf, again)

	_, err = Demo(ctx, gdb, clk, WithEvidenceStore(store))
	require.NoError(t, err)
	versions, err = svc.Versions(ctx, issued)
	require.NoError(t, err)
	assert.Len(t, versions, 2, "seeding again issues nothing new")
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	require.NoError(t, err)
	return string(out)
}

// With the firm's certificate configured (as `make run` passes it), the demo's issued reports
// and recipient copies are signed; rendering a signed version again gives exactly the bytes
// before its signature.
func TestDemoReportsAreSignedWithACertificate(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	certPEM, keyPEM, err := signing.SelfSigned("Example & Partners LLP", clk.Now())
	require.NoError(t, err)
	signer, err := signing.Parse(certPEM, keyPEM)
	require.NoError(t, err)
	_, err = Demo(ctx, gdb, clk, WithEvidenceStore(store), WithSigner(signer))
	require.NoError(t, err)

	var unsignedVersions, unsignedCopies int
	require.NoError(t, gdb.Raw(`SELECT (SELECT count(*) FROM report_verification_codes WHERE NOT signed),
		(SELECT count(*) FROM report_copies WHERE NOT signed)`).Row().Scan(&unsignedVersions, &unsignedCopies))
	assert.Zero(t, unsignedVersions)
	assert.Zero(t, unsignedCopies)
	var issued int64
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2025'`).Row().Scan(&issued))
	svc := &report.Service{DB: gdb, Store: store, Clock: clk, Description: &description.Service{DB: gdb, Clock: clk, Store: store}}
	renderer := verification.ReportRenderer{Reports: svc, Codes: &verification.Service{DB: gdb, Clock: clk, Store: store}}
	versions, err := svc.Versions(ctx, issued)
	require.NoError(t, err)
	require.Len(t, versions, 2)
	rep, err := renderer.Reproduce(ctx, versions[0].ID)
	require.NoError(t, err)
	assert.True(t, rep.Signed)
	assert.True(t, rep.Matches, "the issued file starts with the rendered bytes")
	rc, err := store.Open(ctx, versions[0].BlobKey)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "signed.pdf")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	assert.Contains(t, string(out), "Signature is Valid.")
}
