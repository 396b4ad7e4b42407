package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// download fetches path with the browser's own session and returns "status content-type size".
func download(b *browsertest.Browser, path string) string {
	return browsertest.Eval[string](b, `fetch('`+path+`').then(async r => r.status + ' ' + r.headers.get('content-type') + ' ' +
		(await r.arrayBuffer()).byteLength)`)
}

// TestBrowserPartnerSignsIssuesAndClientDownloads: the partner reopens the demo's issued 2025
// report, signs again with password and authenticator code, issues it and downloads the PDF;
// then the client's officer signs in and downloads it too.
func TestBrowserPartnerSignsIssuesAndClientDownloads(t *testing.T) {
	app, ids := demoApp(t)
	base := "/engagements/" + itoa(ids["issued"]) + "/report"
	b := browsertest.Start(t, app.HTTP.URL)

	b.Visit("/login")
	b.Fill("#f-email", "partner@attest.example")
	b.Fill("#f-password", seed.DemoPassword)
	b.ClickAndWait("form button[type=submit]", "#f-code")
	app.Clock.Advance(30 * time.Second)
	b.Fill("#f-code", webtest.TOTP(t, seed.DemoMFASecrets["partner@attest.example"], app.Clock.Now()))
	b.ClickAndWait("form[action='/login/mfa'] button[type=submit]", ".user-name")

	b.Visit(base)
	b.CheckAccessibility("report-issued")
	// An empty textarea has no text node to clear: type into it.
	b.Do("type the reason", chromedp.WaitVisible(chromedp.CSS("#f-reopen_reason")),
		chromedp.SendKeys(chromedp.CSS("#f-reopen_reason"), "Management corrected the description of DC4 after release."))
	b.ClickAndWait("#reopen-engagement", "#sign-form")
	assert.Contains(t, b.Text(".flash-success"), "reopened")
	assert.Contains(t, b.Text("#gates"), "Every in-scope criterion has a control")
	b.CheckAccessibility("report-sign")

	// NL-07's procedure was pasted into a Bluejay test: the partner acknowledges the warning, with
	// a reason, before the signature gate lets her sign.
	assert.Contains(t, b.Text("#gate-boilerplate"), "Not met")
	b.ClickAndWait("#gate-boilerplate a", "#boilerplate-warnings")
	b.Do("type the acknowledgement", chromedp.WaitVisible(chromedp.CSS("#boilerplate-warnings textarea")),
		chromedp.SendKeys(chromedp.CSS("#boilerplate-warnings textarea"), "The firm's MFA procedure, reviewed for this client."))
	b.ClickAndWait("#boilerplate-warnings form button[type=submit]", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "Warning acknowledged")
	b.Visit(base)
	assert.Contains(t, b.Text("#gate-boilerplate"), "Met")

	b.Fill("#f-password", seed.DemoPassword)
	app.Clock.Advance(30 * time.Second)
	b.Fill("#f-code", webtest.TOTP(t, seed.DemoMFASecrets["partner@attest.example"], app.Clock.Now()))
	b.ClickAndWait("#sign-opinion", "#issue-form")
	assert.Contains(t, b.Text("#signed-by"), "Signed by Patricia Okafor")

	b.ClickAndWait("#issue-report", "#documentation")
	assert.Contains(t, b.Text(".flash-success"), "SOC 2 Type II version 2")
	var current []int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM report_versions WHERE engagement_id = ? AND state = 'current' ORDER BY variant DESC`, ids["issued"]).Scan(&current).Error)
	require.Len(t, current, 2)
	got := download(b, "/reports/"+itoa(current[0]))
	assert.True(t, strings.HasPrefix(got, "200 application/pdf "), got)

	b.Click(".user-menu button[type=submit]")
	b.WaitVisible("#f-email")
	b.Fill("#f-email", "dana@northwind.example")
	b.Fill("#f-password", seed.DemoPassword)
	b.ClickAndWait("form button[type=submit]", ".user-name")
	b.Visit(base) // the client's users land on their one Reports page
	b.WaitVisible("#download-" + itoa(current[0]))
	assert.Contains(t, b.Text("main"), "SOC 2 Type II")
	assert.NotContains(t, b.Text("main"), "Partner's signature")
	b.CheckAccessibility("client-reports")
	got = download(b, "/reports/"+itoa(current[0]))
	assert.True(t, strings.HasPrefix(got, "200 application/pdf "), got)

	var downloads int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events WHERE action = 'report.download' AND entity_id = ?`, current[0]).Scan(&downloads).Error)
	assert.Equal(t, 2, downloads, "the partner's and the client's downloads are both audited")
}
