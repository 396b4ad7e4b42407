package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func signIn(b *browsertest.Browser, email string) {
	// After signing out the browser is on the sign-in page already; navigating again while that
	// page settles can abort, so only navigate when elsewhere.
	if !strings.Contains(b.Location(), "/login") {
		b.Visit("/login")
	}
	b.Fill("#f-email", email)
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", ".user-name")
}

func signOut(b *browsertest.Browser) {
	b.Do("sign out", chromedp.WaitVisible(".user-menu button[type=submit]"), chromedp.Click(".user-menu button[type=submit]"),
		chromedp.WaitNotPresent(".user-menu"), chromedp.WaitVisible("#f-email"))
}

// clickAndLeave clicks a button that the next page no longer shows (a workflow step), and waits
// for that page: the previous page's flash would otherwise satisfy a wait too early.
func clickAndLeave(b *browsertest.Browser, sel string) {
	b.Do("click "+sel+" and wait for the next page", chromedp.WaitVisible(sel), chromedp.Click(sel),
		chromedp.WaitNotPresent(sel), chromedp.WaitVisible(".flash-success"))
}

// TestBrowserRequestJourney: the auditor builds the list from the firm's template, the client
// uploads two files and submits, the auditor returns the request with a reason, the client adds
// a file and resubmits, and the auditor accepts.
func TestBrowserRequestJourney(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	b := browsertest.Start(t, app.HTTP.URL)
	dir := t.TempDir()
	write := func(name string, body []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, body, 0o600))
		return path
	}
	q1 := write("q1-access-review.pdf", pdfBytes)
	users := write("q1-users.csv", []byte("user,role\nann,admin\nbob,reader\n"))
	q2 := write("q2-access-review.pdf", append([]byte("%PDF-1.4\n% Q2\n"), pdfBytes...))
	listPath := fmt.Sprintf("/engagements/%d/requests", p.engA)

	app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	signIn(b, "miguel@firm.example")
	b.Visit("/admin/request-template")
	assert.Equal(t, "Organization chart", browsertest.Eval[string](b, `document.querySelector('#template-items input[name=title]').value`))
	b.CheckAccessibility("standard request list")
	signOut(b)

	signIn(b, "sara@firm.example")
	b.Visit(listPath)
	b.CheckAccessibility("request list (empty)")
	b.Select("#f-assignee_id", strconv.FormatInt(p.contactA.ID, 10))
	b.Select("#f-due_date", "2026-07-15")
	b.ClickAndWait(`form[action$="/from-template"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "32 requests added")
	b.CheckAccessibility("request list (32 requests)")
	var reqID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM info_requests WHERE engagement_id = ? AND number = 10`, p.engA).Row().Scan(&reqID))
	reqPath := fmt.Sprintf("/requests/%d", reqID)

	// The template's R-010 is then tied to the sampled quarter it asks about.
	var sampleID int64
	require.NoError(t, app.DB.Raw(`INSERT INTO samples (test_id, item_key) VALUES (?, 'UAR-Q1') RETURNING id`, p.testA).Row().Scan(&sampleID))
	b.Visit(reqPath)
	b.ClickAndWait(`a[href="`+reqPath+`/edit"]`, "#f-sample")
	b.CheckAccessibility("request edit form")
	b.Select("#f-sample", strconv.FormatInt(sampleID, 10))
	b.ClickAndWait(`form.narrow-form button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "R-010 saved")
	assert.Contains(t, b.Text("dl.details"), "Sample UAR-Q1 (NL-06 operating test)")
	signOut(b)

	signIn(b, "dana@northwind.example")
	assert.Contains(t, b.Text("main"), "Northwind Ledger SOC 2 2026")
	b.CheckAccessibility("client dashboard")
	b.Visit(listPath)
	b.CheckAccessibility("client request list")
	b.ClickAndWait(fmt.Sprintf(`a[href="%s"]`, reqPath), "#f-files")
	b.CheckAccessibility("client request page")
	b.Upload("#f-files", q1, users)
	b.ClickAndWait(`form[enctype="multipart/form-data"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "2 files uploaded")
	assert.Contains(t, b.Text("#evidence"), "q1-users.csv")
	clickAndLeave(b, "#submit-request")
	assert.Contains(t, b.Text(".flash-success"), "submitted to the auditors")
	signOut(b)

	signIn(b, "sara@firm.example")
	b.Visit(reqPath)
	b.CheckAccessibility("auditor review of a submission")
	// Fill clears first, which chromedp cannot do on an empty textarea: type into it instead.
	b.Do("type the reason", chromedp.SendKeys("#f-reason", "The Q2 review is missing: upload the Q2 sign-off too."))
	b.ClickAndWait("#return-request", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "returned to the client")
	signOut(b)

	signIn(b, "dana@northwind.example")
	b.Visit(reqPath)
	assert.Contains(t, b.Text(".return-reason"), "The Q2 review is missing")
	b.CheckAccessibility("returned request")
	b.Upload("#f-files", q2)
	b.ClickAndWait(`form[enctype="multipart/form-data"] button[type=submit]`, ".flash-success")
	clickAndLeave(b, "#submit-request")
	signOut(b)

	signIn(b, "sara@firm.example")
	b.Visit(reqPath)
	assert.Contains(t, b.Text("#evidence"), "q2-access-review.pdf")
	b.ClickAndWait("#accept-request", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "accepted")
	assert.Contains(t, b.Text(".request-status"), "Accepted")
	b.CheckAccessibility("accepted request")
	assert.Equal(t, 3, count(t, app, `SELECT count(*) FROM evidence_files WHERE request_id = ?`, reqID))
}
