package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/verification"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// testReport is a small fpdf document standing for an issued report.
func testReport(t *testing.T, text string) []byte {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCreationDate(time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC))
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 12)
	pdf.Cell(40, 10, text)
	var buf bytes.Buffer
	require.NoError(t, pdf.Output(&buf))
	return buf.Bytes()
}

type issuedFixture struct {
	app     *webtest.App
	eng     int64
	version int64
	code    string
	pdf     []byte
	partner auth.User
}

// issueReport records an issued version with its code, as the issue step does.
func issueReport(t *testing.T, app *webtest.App) issuedFixture {
	f := issuedFixture{app: app, pdf: testReport(t, "SOC 2 Type II report of Northwind Ledger")}
	client := app.CreateClient("Northwind Ledger")
	require.NoError(t, app.DB.Exec(`UPDATE firm_settings SET firm_name = 'Example & Partners LLP'`).Error)
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, report_date, status)
		VALUES (?, 'Northwind SOC 2 2026', 'type2', '2026-01-01', '2026-06-30', '2026-08-15', 'issued') RETURNING id`, client).Row().Scan(&f.eng))
	f.partner = app.CreateUser("pat@firm.example", auth.RolePartner, 0)
	require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, 'partner')`, f.eng, f.partner.ID).Error)
	sum := sha256.Sum256(f.pdf)
	sha := hex.EncodeToString(sum[:])
	require.NoError(t, app.DB.Raw(`INSERT INTO report_versions (engagement_id, variant, version, opinion_kind, sha256, size, blob_key,
		release_date, report_date, issued_by) VALUES (?, 'type2', 1, 'unmodified', ?, ?, ?, '2026-08-15', '2026-08-15', ?) RETURNING id`,
		f.eng, sha, len(f.pdf), sha, f.partner.ID).Row().Scan(&f.version))
	var err error
	f.code, err = verification.NewCode()
	require.NoError(t, err)
	require.NoError(t, app.DB.Transaction(func(tx *gorm.DB) error {
		return app.Server.Verification.Register(t.Context(), tx, audit.Actor{ID: f.partner.ID, Email: f.partner.Email}, f.eng, f.version, f.code, false)
	}))
	return f
}

// upload posts doc to path as a browser form would (no CSRF token: the route needs none).
func uploadPDF(t *testing.T, c *webtest.Client, path string, doc []byte, accept string) webtest.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", "report.pdf")
	require.NoError(t, err)
	_, _ = part.Write(doc)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, c.URL(path), &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return c.Do(req)
}

func TestVerificationPageShowsOnlyThePublicFields(t *testing.T) {
	app := webtest.New(t)
	f := issueReport(t, app)
	visitor := app.NewClient()
	page := visitor.Get("/verify/" + strings.ToLower(verification.Format(f.code)))
	require.Equal(t, http.StatusOK, page.StatusCode, page.Body)
	for _, want := range []string{"Example &amp; Partners LLP", "Northwind Ledger", "SOC 2 Type II", "1 January 2026 to 30 June 2026",
		"15 August 2026", "Current", hex.EncodeToString(sha(f.pdf))} {
		assert.Contains(t, page.Body, want)
	}
	assert.NotContains(t, page.Body, "Northwind SOC 2 2026", "the engagement's internal name is not shown")
	assert.NotContains(t, page.Body, "pat@firm.example")
	assert.NotContains(t, page.Body, "unmodified")
	assert.Equal(t, "no-store", page.Header.Get("Cache-Control"))

	resp := visitor.Do(jsonGet(t, visitor, "/verify/"+verification.Format(f.code)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &got))
	report := got["report"].(map[string]any)
	keys := []string{}
	for k := range report {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"code", "firm", "service_organization", "report_kind", "period", "report_date", "version", "state", "sha256", "signed"}, keys)
}

func sha(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func jsonGet(t *testing.T, c *webtest.Client, path string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, c.URL(path), nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	return req
}

// Unknown and malformed codes answer with the same status, page and JSON, and neither answers
// before the floor time.
func TestUnknownAndMalformedCodesLookTheSame(t *testing.T) {
	app := webtest.New(t)
	issueReport(t, app)
	visitor := app.NewClient()
	strip := regexp.MustCompile(`value="[^"]*"|[A-Za-z0-9%-]{30,}|v=[0-9a-f]+|"X-CSRF-Token":"[^"]*"|name="_csrf" value="[^"]*"`)
	var bodies []string
	for _, code := range []string{"AAAA-BBBB-CCCC-DDDD", "not-a-code", strings.Repeat("Z", 300)} {
		start := time.Now()
		page := visitor.Get("/verify/" + code)
		assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, code)
		assert.Equal(t, http.StatusNotFound, page.StatusCode, code)
		assert.Contains(t, page.Body, "No report has this code")
		bodies = append(bodies, strip.ReplaceAllString(page.Body, ""))
		resp := visitor.Do(jsonGet(t, visitor, "/verify/"+code))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.JSONEq(t, `{"result":"unknown"}`, resp.Body)
	}
	assert.Equal(t, bodies[0], bodies[1])
	assert.Equal(t, bodies[0], bodies[2])
	var logged int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM verification_requests WHERE outcome = 'unknown'`).Scan(&logged).Error)
	assert.Equal(t, int64(6), logged)
}

func TestVerificationUploads(t *testing.T) {
	app := webtest.New(t)
	f := issueReport(t, app)
	visitor := app.NewClient()
	path := "/verify/" + verification.Format(f.code)

	page := uploadPDF(t, visitor, path, f.pdf, "")
	require.Equal(t, http.StatusOK, page.StatusCode, page.Body)
	assert.Contains(t, page.Body, "<h2>Authentic</h2>")
	assert.Contains(t, page.Body, "as version 1 of this report")

	changed := bytes.Clone(f.pdf)
	i := bytes.Index(changed, []byte("/Producer"))
	require.Positive(t, i)
	changed[i+1] = 'p'
	page = uploadPDF(t, visitor, path, changed, "")
	assert.Contains(t, page.Body, "<h2>Modified</h2>")

	page = uploadPDF(t, visitor, "/verify", testReport(t, "Some other report"), "")
	assert.Contains(t, page.Body, "<h2>Unknown</h2>")

	// Scripts: the PDF as the body, the answer as JSON.
	req, err := http.NewRequest(http.MethodPost, visitor.URL(path), bytes.NewReader(changed))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("Accept", "application/json")
	resp := visitor.Do(req)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	var res verification.Result
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &res))
	assert.Equal(t, verification.Modified, res.Outcome)
	assert.Equal(t, 1, res.Report.Version)

	// Not a PDF, and too large.
	page = uploadPDF(t, visitor, path, []byte("MZ\x90\x00 this is a program"), "")
	assert.Equal(t, http.StatusUnprocessableEntity, page.StatusCode)
	assert.Contains(t, page.Body, "This file is not a PDF")
	big := append([]byte("%PDF-1.4\n"), make([]byte, 50<<20)...)
	page = uploadPDF(t, visitor, path, big, "application/json")
	assert.Equal(t, http.StatusRequestEntityTooLarge, page.StatusCode)

	// A withdrawn version says so, with the partner's reason.
	require.NoError(t, app.Server.Verification.Withdraw(t.Context(), f.partner, f.version, "The description was misstated."))
	page = visitor.Get(path)
	assert.Contains(t, page.Body, "Withdrawn")
	assert.Contains(t, page.Body, "The description was misstated.")
}

func TestVerificationUploadsAreRateLimited(t *testing.T) {
	app := webtest.New(t)
	f := issueReport(t, app)
	visitor := app.NewClient()
	for i := 0; i < verification.UploadLimit; i++ {
		require.Equal(t, http.StatusOK, uploadPDF(t, visitor, "/verify", f.pdf, "application/json").StatusCode)
	}
	resp := uploadPDF(t, visitor, "/verify", f.pdf, "application/json")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM verification_requests WHERE outcome = 'rate_limited'`).Scan(&n).Error)
	assert.Equal(t, int64(1), n)
}
