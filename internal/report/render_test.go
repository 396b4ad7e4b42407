package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// pdfText reads a PDF back with pdftotext -raw (content order: each page starts with its
// watermark, then the running header).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	require.NoError(t, err, "pdftotext (poppler-utils) must be installed")
	return string(out)
}

func render(t *testing.T, d Data, v Variant, opts BuildOptions) ([]byte, string) {
	t.Helper()
	doc, err := Build(d, v, opts)
	require.NoError(t, err)
	pdf, _, err := RenderPDF(doc)
	require.NoError(t, err)
	return pdf, strings.Join(strings.Fields(pdfText(t, pdf)), " ")
}

// assertInOrder checks that each string occurs in text after the one before it.
func assertInOrder(t *testing.T, text string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(text[at:], p)
		if !assert.GreaterOrEqual(t, i, 0, "%q missing (or out of order) after offset %d", p, at) {
			return
		}
		at += i + len(p)
	}
}

func TestType2ReportHasEveryElementInOrder(t *testing.T) {
	_, text := render(t, signed(northwind("type2")), Type2, BuildOptions{})
	assertInOrder(t, text,
		// cover
		"Whitfield & Ørsted CPAs LLP", "SOC 2 Type II Report", "Northwind Ledger, Inc.",
		"Throughout the period January 1, 2026, to June 30, 2026", "Restricted use",
		// contents with page numbers
		"Contents", "Section I — Independent Service Auditor's Report 3", "Section II",
		// Section I parts in order
		"Section I — Independent Service Auditor's Report", "Scope", "throughout the period January 1, 2026, to June 30, 2026",
		"security and availability", "Subservice Organizations", "Cloud host (public cloud)", "excludes controls",
		"Complementary User Entity Controls", "Northwind Ledger, Inc.'s Responsibilities", "Service Auditor's Responsibilities",
		"independent", "Inherent Limitations", "projection to the future", "Description of Tests of Controls", "Section IV",
		"Opinion", "operated effectively throughout the period", "Restricted Use", "not intended to be",
		"Whitfield & Ørsted CPAs LLP", "Portland, Oregon", "August 15, 2026",
		"Section II — Management's Assertion", "Section III — Description of the System",
		"Section IV — Trust Services Criteria", "Inquiry was never used alone", "Security", "CC1.1 —", "NL-01", "No exceptions noted.",
		"CC1.4", "NL-03", "For 1 of 25 sampled new hires", "CC6.2", "NL-05", "For 1 of 15 sampled leavers",
		"Availability", "A1.2", "NL-15",
		"Section V — Other Information Provided by Management", "Management's Responses to Exceptions",
		"Reminder automation added in July.", "Offboarding now triggered automatically from the HR system.")
	assert.Contains(t, text, "Page 1 of ")
	assert.NotContains(t, text, "Basis for")
}

func TestType1ReportStatesDesignOnly(t *testing.T) {
	_, text := render(t, signed(northwind("type1")), Type1, BuildOptions{})
	assertInOrder(t, text, "SOC 2 Type I Report", "As of June 30, 2026", "Restricted use",
		"Section I", "Scope", "as of June 30, 2026", "We did not evaluate the operating effectiveness", "Opinion",
		"Restricted Use", "Section II", "Section III", "Section IV", "we did not test their operating effectiveness", "CC1.1", "NL-01",
		"New hires acknowledge the code of conduct", "Section V")
	assert.NotContains(t, text, "Tests performed", "a Type I report lists no tests")
	assert.NotContains(t, text, "operated effectively throughout", "no operating effectiveness opinion in Type I")
}

func TestSOC3HasNoTestsAndNoRestrictedUse(t *testing.T) {
	_, text := render(t, signed(northwind("type2")), SOC3, BuildOptions{})
	assertInOrder(t, text, "SOC 3 Report", "Northwind Ledger, Inc.", "Section I — Independent Service Auditor's Report",
		"Scope", "management's assertion", "Inherent Limitations", "Opinion", "is fairly stated",
		"Section II — Assertion of Northwind Ledger, Inc. Management", "Section III — System Boundaries and Principal Service Commitments")
	for _, absent := range []string{"Restricted Use", "Restricted use", "Section IV", "Tests performed", "NL-03", "Section V"} {
		assert.NotContains(t, text, absent)
	}
}

func TestEachOpinionKindHasItsWording(t *testing.T) {
	cases := []struct {
		kind    string
		present []string
		absent  []string
	}{
		{"unmodified", []string{"Opinion In our opinion, in all material respects"}, []string{"Basis for", "except for"}},
		{"qualified", []string{"Basis for Qualified Opinion", "criterion CC6.2 was not met (qualified)", "Qualified Opinion",
			"except for the effects of the matters", "which affect criteria CC6.2"}, []string{"Adverse"}},
		{"adverse", []string{"Basis for Adverse Opinion", "criterion CC6.2 was not met (adverse)", "Adverse Opinion",
			"does not present", "did not operate effectively"}, []string{"except for"}},
		{"disclaimer", []string{"Basis for Disclaimer of Opinion", "unable to obtain the population", "Disclaimer of Opinion",
			"we do not express an opinion"}, []string{"In our opinion"}},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			for _, v := range []Variant{Type2, SOC3} {
				_, text := render(t, signed(withKind(northwind("type2"), tc.kind)), v, BuildOptions{})
				if tc.kind != "unmodified" {
					// The basis paragraph comes before the opinion it modifies.
					assertInOrder(t, text, "Basis for", tc.present[1], "Opinion")
				}
				for _, p := range tc.present {
					if v == SOC3 && strings.Contains(p, "which affect criteria") || v == SOC3 && strings.HasPrefix(p, "does not") ||
						v == SOC3 && strings.HasPrefix(p, "did not") || v == SOC3 && strings.HasPrefix(p, "Opinion In our") ||
						v == SOC3 && strings.HasPrefix(p, "except for the effects") {
						continue
					}
					assert.Contains(t, text, p, "%s %s", tc.kind, v)
				}
				for _, a := range tc.absent {
					assert.NotContains(t, text, a, "%s %s", tc.kind, v)
				}
			}
		})
	}
}

func TestSameDataGivesTheSameBytes(t *testing.T) {
	for _, v := range []Variant{Type2, SOC3} {
		a, _ := render(t, signed(northwind("type2")), v, BuildOptions{})
		b, _ := render(t, signed(northwind("type2")), v, BuildOptions{})
		assert.True(t, bytes.Equal(a, b), "%s rendered twice differs", v)
		assert.Contains(t, string(a), "D:20260815", "creation date from the report date")
	}
}

func watermarkedPages(text string) (pages, marked int) {
	for _, page := range strings.Split(text, "\f") {
		if strings.TrimSpace(page) == "" {
			continue
		}
		pages++
		if strings.HasPrefix(page, "D\nR\nA\nF\nT\n") {
			marked++
		}
	}
	return
}

func TestDraftWatermarkUntilSigned(t *testing.T) {
	draftDoc, err := Build(northwind("type2"), Type2, BuildOptions{})
	require.NoError(t, err)
	pdf, _, err := RenderPDF(draftDoc)
	require.NoError(t, err)
	pages, marked := watermarkedPages(pdfText(t, pdf))
	assert.Greater(t, pages, 5)
	assert.Equal(t, pages, marked, "every page of an unsigned report carries DRAFT")

	signedDoc, err := Build(signed(northwind("type2")), Type2, BuildOptions{})
	require.NoError(t, err)
	pdf, _, err = RenderPDF(signedDoc)
	require.NoError(t, err)
	_, marked = watermarkedPages(pdfText(t, pdf))
	assert.Zero(t, marked, "a signed report has no watermark")

	forced, err := Build(signed(northwind("type2")), Type2, BuildOptions{Draft: true})
	require.NoError(t, err)
	pdf, _, err = RenderPDF(forced)
	require.NoError(t, err)
	pages, marked = watermarkedPages(pdfText(t, pdf))
	assert.Equal(t, pages, marked, "--draft watermarks a signed report too")
}

func TestPDFIsValidAndEmbedsEveryFont(t *testing.T) {
	pdf, _ := render(t, signed(northwind("type2")), Type2, BuildOptions{})
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	require.NoError(t, err, "qpdf --check: %s", out)
	assert.Contains(t, string(out), "No syntax or stream encoding errors found")

	out, err = exec.Command("pdffonts", path).Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")[2:]
	require.NotEmpty(t, lines)
	for _, l := range lines {
		f := strings.Fields(l)
		// name type… encoding emb sub uni object ID: "emb" is the 4th field from the end.
		assert.Equal(t, "yes", f[len(f)-5], "font not embedded: %s", l)
	}

	info, err := exec.Command("pdfinfo", path).Output()
	require.NoError(t, err)
	assert.Contains(t, string(info), "Title:           SOC 2 Type II Report — Northwind Ledger, Inc.")
	assert.Contains(t, string(info), "Author:          Whitfield & Ørsted CPAs LLP")
	assert.Contains(t, string(info), "Subject:         SOC 2 Type II Report")
}

func TestOutlineHasEverySectionAndCriterion(t *testing.T) {
	pdf, _ := render(t, signed(northwind("type2")), Type2, BuildOptions{})
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command("qpdf", "--json", "--json-key=outlines", path).Output()
	require.NoError(t, err)
	var js struct {
		Outlines []outline `json:"outlines"`
	}
	require.NoError(t, json.Unmarshal(out, &js))
	var titles []string
	var walk func([]outline)
	walk = func(os []outline) {
		for _, o := range os {
			titles = append(titles, o.Title)
			walk(o.Kids)
		}
	}
	walk(js.Outlines)
	all := strings.Join(titles, "\n")
	for _, want := range []string{"Contents", "Section I — Independent Service Auditor's Report", "Scope", "Opinion",
		"Section II — Management's Assertion", "Section III — Description of the System", "Section IV", "Security",
		"Availability", "Section V — Other Information Provided by Management"} {
		assert.Contains(t, all, want)
	}
	for _, c := range northwind("type2").Criteria {
		assert.Contains(t, all, c.ID+" — ", "criterion %s bookmarked", c.ID)
	}
}

var longRow = regexp.MustCompile(`NL-\d{4}`)

type outline struct {
	Title string    `json:"title"`
	Kids  []outline `json:"kids"`
}

func TestLongTablesPaginateWithRepeatedHeaders(t *testing.T) {
	d := signed(northwind("type2"))
	long := Control{ID: 99, Ref: "NL-99", Description: strings.Repeat("A very long control description that wraps. ", 3),
		Criteria: []string{"CC6.1"}, Tests: []Test{{ID: 99, Kind: "operating", Techniques: []string{"inspection"},
			Procedure: "Inspected the item.", Result: "no_exceptions", Prepared: true, Reviewed: true}}}
	for i := 0; i < 2000; i++ {
		c := long
		c.ID = int64(1000 + i)
		c.Ref = fmt.Sprintf("NL-%04d", i)
		d.Controls = append(d.Controls, c)
	}
	// One cell longer than a page must continue, never overflow.
	d.Controls[0].Description = strings.Repeat("Ünïcode “quoted” text that goes on and on. ", 400)
	start := time.Now()
	doc, err := Build(d, Type2, BuildOptions{})
	require.NoError(t, err)
	pdf, pages, err := RenderPDF(doc)
	require.NoError(t, err)
	t.Logf("2,000-row table: %d pages, %d bytes, %s", pages, len(pdf), time.Since(start))
	text := pdfText(t, pdf)
	var withRows, withHeader int
	for _, page := range strings.Split(text, "\f") {
		if longRow.MatchString(page) {
			withRows++
			if strings.Contains(page, "Control Control activity Tests performed Results of tests") ||
				strings.Contains(page, "Control\nControl activity") || strings.Contains(page, "Results of tests") {
				withHeader++
			}
		}
	}
	assert.Greater(t, withRows, 50)
	assert.Equal(t, withRows, withHeader, "every page of the table repeats its header row")
	assert.Contains(t, text, "NL-1999", "the last row is printed")
	assert.Contains(t, text, "“quoted”", "typographic quotes print")
}

func TestNoControlsIsAClearError(t *testing.T) {
	d := northwind("type2")
	d.Controls = nil
	_, err := Build(d, Type2, BuildOptions{})
	assert.ErrorIs(t, err, ErrNoControls)
	_, err = Build(northwind("type2"), Type1, BuildOptions{})
	assert.ErrorContains(t, err, "produces a SOC 2 Type II report")
}

func TestScriptInTheDescriptionIsNeutralised(t *testing.T) {
	d := signed(northwind("type2"))
	d.Description = &Description{SystemName: "Ledger Platform", Sections: []DescriptionSection{{Code: "DC1", Title: "DC1 Types of services",
		Body: "# Services\n\nBookkeeping <script>alert('x')</script> for firms.\n\n<script>steal()</script>\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"}},
		ReviewComplete: true}
	_, text := render(t, d, Type2, BuildOptions{})
	assert.Contains(t, text, "Bookkeeping")
	assert.Contains(t, text, "for firms.")
	assert.NotContains(t, text, "<script")
	assert.NotContains(t, text, "</script>")
	assert.NotContains(t, text, "steal")
	assertInOrder(t, text, "DC1 Types of services", "Services", "• one", "• two", "a b", "1 2")
}

// TestDocumentModelGolden pins the document model of each variant and kind; run with -update
// after an intended change and review the diff.
func TestDocumentModelGolden(t *testing.T) {
	cases := map[string]struct {
		d Data
		v Variant
	}{
		"type2_unmodified": {signed(northwind("type2")), Type2},
		"type1_unmodified": {signed(northwind("type1")), Type1},
		"soc3_unmodified":  {signed(northwind("type2")), SOC3},
		"type2_qualified":  {signed(withKind(northwind("type2"), "qualified")), Type2},
		"type2_adverse":    {signed(withKind(northwind("type2"), "adverse")), Type2},
		"type2_disclaimer": {signed(withKind(northwind("type2"), "disclaimer")), Type2},
		"type2_draft":      {northwind("type2"), Type2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			doc, err := Build(tc.d, tc.v, BuildOptions{})
			require.NoError(t, err)
			got, err := json.MarshalIndent(doc, "", "  ")
			require.NoError(t, err)
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./internal/report -run Golden -update")
			assert.Equal(t, string(want), string(got)+"\n")
		})
	}
}

// The HTML preview shows the same document: every heading and table cell of the PDF model.
func TestHTMLPreviewShowsTheSameDocument(t *testing.T) {
	doc, err := Build(withKind(northwind("type2"), "qualified"), Type2, BuildOptions{})
	require.NoError(t, err)
	doc.Sections[2].Blocks = append(doc.Sections[2].Blocks, Block{Kind: KindParagraph, Text: "<script>alert(1)</script>"})
	html, err := RenderHTML(doc)
	require.NoError(t, err)
	s := string(html)
	assert.Contains(t, s, `class="watermark"`)
	for _, sec := range doc.Sections {
		assert.Contains(t, s, templateEscape(sec.Title))
		for _, b := range sec.Blocks {
			if b.Kind == KindHeading {
				assert.Contains(t, s, templateEscape(b.Text))
			}
		}
	}
	assert.Contains(t, s, "Basis for Qualified Opinion")
	assert.Contains(t, s, "For 1 of 15 sampled leavers")
	assert.NotContains(t, s, "<script>")
}

func templateEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// No heading is left alone at the foot of a page: the line before each page's footer is never a
// heading, whatever the lengths of the paragraphs between them.
func TestNoHeadingAloneAtThePageFoot(t *testing.T) {
	doc, err := Build(signed(northwind("type2")), Type2, BuildOptions{})
	require.NoError(t, err)
	var blocks []Block
	headings := map[string]bool{}
	for i := 0; i < 120; i++ {
		h := fmt.Sprintf("Heading number %d", i)
		headings[h] = true
		blocks = append(blocks, Block{Kind: KindHeading, Level: 2 + i%2, Text: h, Outline: true},
			Block{Kind: KindParagraph, Text: strings.Repeat("Words that fill a line. ", 1+(i*7)%23)})
	}
	doc.Sections[2].Blocks = blocks
	pdf, _, err := RenderPDF(doc)
	require.NoError(t, err)
	checked := 0
	for _, page := range strings.Split(pdfText(t, pdf), "\f") {
		lines := strings.Split(strings.TrimSpace(page), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[len(lines)-1], "Page ") {
			continue
		}
		checked++
		assert.False(t, headings[lines[len(lines)-2]], "page ends with the heading %q", lines[len(lines)-2])
	}
	assert.Greater(t, checked, 10)
}

// tinyPNG is a valid 1×1 PNG.
var tinyPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54,
	0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49,
	0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}

// The description's uploaded diagrams print; images from elsewhere do not. The verification
// hooks (#18) print a footer line on every page and a code on the cover.
func TestDiagramsAndVerificationHooks(t *testing.T) {
	d := signed(northwind("type2"))
	d.Description = &Description{Sections: []DescriptionSection{{Code: "DC3", Title: "DC3 Components",
		Body: "Network:\n\n![Network diagram](/description/images/5)\n\n![tracker](https://evil.example/x.png)"}},
		Images: map[string]Image{"/description/images/5": {Name: "dimg-5", Type: "PNG", Data: tinyPNG}}}
	doc, err := Build(d, Type2, BuildOptions{})
	require.NoError(t, err)
	var images int
	for _, b := range doc.Sections[2].Blocks {
		if b.Kind == KindImage {
			images++
			assert.Equal(t, "Network diagram", b.Image.Alt)
		}
	}
	assert.Equal(t, 1, images, "only the description's own image")
	doc.Footer = "Verify this report at https://attest.firm.example/verify/ABCD-1234"
	doc.Cover.Verification = &Verification{Code: "ABCD-1234", URL: "https://attest.firm.example/verify/ABCD-1234", QR: &Image{Type: "PNG", Data: tinyPNG}}
	pdf, pages, err := RenderPDF(doc)
	require.NoError(t, err)
	text := pdfText(t, pdf)
	assert.Contains(t, text, "Verification code: ABCD-1234")
	assert.Equal(t, pages, strings.Count(text, "Verify this report at https://attest.firm.example/verify/ABCD-1234"), "the footer line is on every page")
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command("pdfimages", "-list", path).Output()
	require.NoError(t, err)
	images = 0
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[2] == "image" {
			images++
		}
	}
	assert.Equal(t, 2, images, "the diagram and the QR code: %s", out)
}
