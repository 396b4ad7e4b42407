package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/verification"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// stampRenderer stands in for the report renderer: a one-page PDF carrying the stamp.
type stampRenderer struct{ t *testing.T }

func (r stampRenderer) RenderCopy(_ context.Context, _ int64, stamp string) ([]byte, error) {
	return testReport(r.t, strings.ReplaceAll(stamp, "—", "-")), nil
}

func TestRecipientCopiesAndWithdrawalOverHTTP(t *testing.T) {
	app := webtest.New(t)
	f := issueReport(t, app)
	app.Server.Verification.Render = stampRenderer{t}
	var clientID int64
	require.NoError(t, app.DB.Raw(`SELECT client_id FROM engagements WHERE id = ?`, f.eng).Row().Scan(&clientID))
	dana := app.CreateUser("dana@northwind.example", auth.RoleClient, clientID)
	client := app.NewClient()
	client.Login(dana.Email)
	copiesPath := "/engagements/" + itoa(f.eng) + "/report-copies"
	copyPath := "/report-versions/" + itoa(f.version) + "/copies"

	page := client.Get(copiesPath)
	require.Equal(t, http.StatusOK, page.StatusCode, page.Body)
	assert.Contains(t, page.Body, verification.Format(f.code))
	assert.NotContains(t, page.Body, "Withdraw this version", "only the engagement partner withdraws")

	// Bad input keeps what was typed.
	resp := client.PostForm(copyPath, url.Values{"organization": {"Acme Bank"}, "person": {""}, "email": {"riley at acme"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, `value="Acme Bank"`)
	assert.Contains(t, resp.Body, "Name the person")

	resp = client.PostForm(copyPath, url.Values{"organization": {"Acme Bank"}, "person": {"Riley Risk"}, "email": {"riley@acme.example"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = client.Get(copiesPath)
	assert.Contains(t, page.Body, "Acme Bank (Riley Risk, riley@acme.example)")
	copyID := find(t, page.Body, `href="/report-copies/(\d+)"`)
	download := client.Get("/report-copies/" + copyID)
	require.Equal(t, http.StatusOK, download.StatusCode)
	assert.Equal(t, "application/pdf", download.Header.Get("Content-Type"))

	// The copy is recognised on the public page, naming its recipient.
	res := uploadPDF(t, app.NewClient(), "/verify", []byte(download.Body), "")
	assert.Contains(t, res.Body, "authentic copy of version 1, prepared for Acme Bank (Riley Risk)")

	// The partner withdraws the version: a reason is required; then copies are refused.
	partner := app.NewClient()
	partner.Login(f.partner.Email)
	withdrawPath := "/report-versions/" + itoa(f.version) + "/withdraw"
	resp = partner.PostForm(withdrawPath, url.Values{"reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp = partner.PostForm(withdrawPath, url.Values{"reason": {"Management's description was misstated."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, int64(1), auditCount(t, app, "report.withdraw", f.version))
	resp = client.PostForm(copyPath, url.Values{"organization": {"Globex"}, "person": {"Sam"}, "email": {"sam@globex.example"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "was withdrawn on")
	assert.Contains(t, resp.Body, "Management&#39;s description was misstated.")
	page = app.NewClient().Get("/verify/" + verification.Format(f.code))
	assert.Contains(t, page.Body, "Management&#39;s description was misstated.")
}

// The client's users have one Reports page: the issued demo report to download with its
// verification code, the copies made so far, and a real recipient copy made through the report
// renderer — stamped on every page, recognised by the verification page.
func TestClientReportsPageAndARealRecipientCopy(t *testing.T) {
	app, ids := demoApp(t)
	dana := demoLogin(t, app, "dana@northwind.example")
	issued := itoa(ids["issued"])
	copiesPath := "/engagements/" + issued + "/report-copies"

	resp := dana.Get("/engagements/" + issued + "/report")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the client's old Report link lands on Reports")
	assert.Equal(t, copiesPath, resp.Header.Get("Location"))
	page := dana.Get(copiesPath)
	require.Equal(t, http.StatusOK, page.StatusCode, page.Body)
	tabs := between(page.Body, `aria-label="Engagement"`, "</nav>")
	assert.Equal(t, 1, strings.Count(tabs, ">Reports<"), "one Reports tab")
	assert.NotContains(t, tabs, `href="/engagements/`+issued+`/report"`, "no second Report tab")
	current := versionIDs(t, app, ids["issued"], "current")
	require.Len(t, current, 2)
	var type2 int64
	var code string
	require.NoError(t, app.DB.Raw(`SELECT v.id, k.code FROM report_versions v JOIN report_verification_codes k ON k.report_version_id = v.id
		WHERE v.engagement_id = ? AND v.variant = 'type2' AND v.state = 'current'`, ids["issued"]).Row().Scan(&type2, &code))
	assert.Contains(t, page.Body, `href="/reports/`+itoa(type2)+`"`, "the report downloads from here")
	assert.Contains(t, page.Body, verification.Format(code))
	assert.Contains(t, page.Body, "Harbor Credit Union (Priya Natarajan, vendor.risk@harborcu.example)", "the demo's copies are listed")
	issuedPDF := dana.Get("/reports/" + itoa(type2))
	require.Equal(t, http.StatusOK, issuedPDF.StatusCode)
	res := uploadPDF(t, app.NewClient(), "/verify", []byte(issuedPDF.Body), "")
	assert.Contains(t, res.Body, "These exact bytes were issued by")

	// The SOC 3 is general use: no copies of it.
	assert.NotContains(t, page.Body, `aria-label="Ask for a copy of SOC 3`)
	assert.Less(t, strings.Index(page.Body, "SOC 2 Type II — version"), strings.Index(page.Body, "SOC 3 — version"), "SOC 2 first")
	var soc3 int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM report_versions WHERE engagement_id = ? AND variant = 'soc3' AND state = 'current'`,
		ids["issued"]).Row().Scan(&soc3))
	resp = dana.PostForm("/report-versions/"+itoa(soc3)+"/copies", url.Values{"organization": {"Acme Bank"}, "person": {"Riley Risk"},
		"email": {"riley@acme.example"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "A SOC 3 report is for general use")

	resp = dana.PostForm("/report-versions/"+itoa(type2)+"/copies", url.Values{"organization": {"Acme Bank"}, "person": {"Riley Risk"},
		"email": {"riley@acme.example"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var copyID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM report_copies WHERE report_version_id = ? AND recipient_organization = 'Acme Bank'`, type2).
		Row().Scan(&copyID))
	download := dana.Get("/report-copies/" + itoa(copyID))
	require.Equal(t, http.StatusOK, download.StatusCode)
	require.True(t, strings.HasPrefix(download.Body, "%PDF-"))
	assert.NotEqual(t, issuedPDF.Body, download.Body)

	p := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(p, []byte(download.Body), 0o600))
	info, err := exec.Command("pdfinfo", p).Output()
	require.NoError(t, err)
	pages, err := strconv.Atoi(find(t, string(info), `Pages:\s+(\d+)`))
	require.NoError(t, err)
	require.Greater(t, pages, 10)
	out, err := exec.Command("pdftotext", p, "-").Output()
	require.NoError(t, err)
	stamp := "Prepared for Acme Bank (Riley Risk, riley@acme.example) — " + app.Clock.Now().Format(verification.ReportDateLayout) + " — copy 3"
	assert.Equal(t, pages, strings.Count(string(out), stamp), "the stamp is on every page")

	res = uploadPDF(t, app.NewClient(), "/verify", []byte(download.Body), "")
	assert.Contains(t, res.Body, "authentic copy of version 1, prepared for Acme Bank (Riley Risk) on "+
		app.Clock.Now().Format(verification.ReportDateLayout)+" — copy 3")
	assert.Equal(t, int64(1), auditCount(t, app, "report.copy", copyID))
}
