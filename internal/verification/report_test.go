package verification

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/report"
)

func minimalReport() *report.Document {
	return &report.Document{Variant: report.Type2, Title: "SOC 2 Type II Report", Author: "Example LLP", ServiceOrg: "Northwind Ledger",
		Created: time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC),
		Cover:   report.Cover{FirmName: "Example LLP", Lines: []string{"Northwind Ledger", "For the period January 1, 2026, to June 30, 2026"}},
		Sections: []report.Section{{Key: "section1", Title: "Section I — Independent Service Auditor's Report",
			Blocks: []report.Block{{Kind: report.KindParagraph, Text: strings.Repeat("We have examined the description. ", 200)}}}}}
}

// The issued report carries the code on the cover and in every footer, and the cover's QR code,
// read back from the rendered page, opens the verification page of that code.
func TestDecoratedReportCarriesCodeAndQR(t *testing.T) {
	code := "ABCDEFGHIJKLMNOP"
	doc := minimalReport()
	require.NoError(t, Decorate(doc, "https://attest.firm.example", code, ""))
	pdf, pages, err := report.RenderPDF(doc)
	require.NoError(t, err)
	require.Greater(t, pages, 2)
	again, _, err := report.RenderPDF(doc)
	require.NoError(t, err)
	assert.Equal(t, pdf, again, "deterministic bytes")

	dir := t.TempDir()
	p := filepath.Join(dir, "r.pdf")
	require.NoError(t, os.WriteFile(p, pdf, 0o600))
	out, err := exec.Command("pdftotext", p, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	txt := string(out)
	assert.Contains(t, txt, "Verification code: ABCD-EFGH-IJKL-MNOP")
	assert.Equal(t, pages, strings.Count(txt, "Verification code ABCD-EFGH-IJKL-MNOP — verify at https://attest.firm.example/verify/ABCD-EFGH-IJKL-MNOP"),
		"in every page footer")
	assert.Contains(t, string(pdf), "/verify/ABCD-EFGH-IJKL-MNOP", "the cover's link keeps the address in the file")

	// Rasterise the cover and decode its QR code.
	out, err = exec.Command("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", p, filepath.Join(dir, "cover")).CombinedOutput()
	require.NoError(t, err, string(out))
	matches, _ := filepath.Glob(filepath.Join(dir, "cover*.png"))
	require.Len(t, matches, 1)
	f, err := os.Open(matches[0])
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	require.NoError(t, err)
	assert.Equal(t, "https://attest.firm.example/verify/ABCD-EFGH-IJKL-MNOP", res.GetText())
}

func TestACopyNamesItsRecipientInEveryFooter(t *testing.T) {
	doc := minimalReport()
	stamp := Stamp(Recipient{"Acme Bank", "Riley Risk", "riley@acme.example"}, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), 3)
	require.NoError(t, Decorate(doc, "https://attest.firm.example", "ABCDEFGHIJKLMNOP", stamp))
	pdf, pages, err := report.RenderPDF(doc)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "c.pdf")
	require.NoError(t, os.WriteFile(p, pdf, 0o600))
	out, err := exec.Command("pdftotext", p, "-").CombinedOutput()
	require.NoError(t, err)
	assert.Equal(t, pages, strings.Count(string(out), "Prepared for Acme Bank (Riley Risk, riley@acme.example) — 1 September 2026 — copy 3"))
}

func TestDecoratePlacesTheNoticeBeforeTheSignature(t *testing.T) {
	doc := minimalReport()
	doc.Sections[0].Blocks = append(doc.Sections[0].Blocks, report.Block{Kind: report.KindSignature, Lines: []string{"Example LLP"}})
	doc.VerificationNotice = []report.Block{{Kind: report.KindHeading, Level: 2, Text: "Verifying This Report"}, {Kind: report.KindParagraph, Text: "Open the address."}}
	doc.VerificationCover = "Scan the code."
	require.NoError(t, Decorate(doc, "https://attest.firm.example", "ABCDEFGHIJKLMNOP", ""))
	require.NoError(t, Decorate(doc, "https://attest.firm.example", "ABCDEFGHIJKLMNOP", ""))
	blocks := doc.Sections[0].Blocks
	require.Len(t, blocks, 4, "placed once")
	assert.Equal(t, "Verifying This Report", blocks[1].Text)
	assert.Equal(t, report.KindSignature, blocks[3].Kind)
	assert.Equal(t, "Scan the code.", doc.Cover.Verification.Note)
}

// A copy for a recipient with very long names: the stamp wraps in smaller type, whole on every
// page, never past the margins.
func TestALongStampStaysInsideThePage(t *testing.T) {
	doc := minimalReport()
	r := Recipient{strings.Repeat("Organisation ", 15) + "Ltd", strings.Repeat("Person ", 25) + "Name",
		strings.Repeat("long", 40) + "@customer.example"}
	stamp := Stamp(r, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), 7)
	require.NoError(t, Decorate(doc, "https://attest.firm.example", "ABCDEFGHIJKLMNOP", stamp))
	pdf, pages, err := report.RenderPDF(doc)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "long.pdf")
	require.NoError(t, os.WriteFile(p, pdf, 0o600))
	out, err := exec.Command("pdftotext", p, "-").CombinedOutput()
	require.NoError(t, err)
	flat := strings.Join(strings.Fields(string(out)), " ")
	assert.Equal(t, pages, strings.Count(flat, strings.Join(strings.Fields(stamp+" — verification code ABCD-EFGH-IJKL-MNOP"), " ")),
		"the whole stamp on every page")
	// Every word of the footers inside the side margins and below the body (US Letter: 612 × 792
	// pt; margins 25 mm = 70.9 pt).
	bbox, err := exec.Command("pdftotext", "-bbox", p, "-").CombinedOutput()
	require.NoError(t, err)
	words := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)"`).FindAllStringSubmatch(string(bbox), -1)
	footerWords := 0
	for _, w := range words {
		xMin, _ := strconv.ParseFloat(w[1], 64)
		yMin, _ := strconv.ParseFloat(w[2], 64)
		xMax, _ := strconv.ParseFloat(w[3], 64)
		if yMin < 792-80 {
			continue // the body
		}
		footerWords++
		assert.GreaterOrEqual(t, xMin, 70.0, "%v", w)
		assert.LessOrEqual(t, xMax, 612-70.0, "%v", w)
		assert.GreaterOrEqual(t, yMin, 792-70.9-1, "below the body's bottom margin: %v", w)
	}
	assert.Greater(t, footerWords, pages*20)
}
