package web_test

import (
	"context"
	"net/http"
	"net/url"
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
