package web_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestBrowserManagerSetsUpAnEngagement(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	partner := app.CreateUser("patricia@firm.example", auth.RolePartner, 0)
	manager := app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	app.CreateUser("dana@northwind.example", auth.RoleClient, client)
	b := browsertest.Start(t, app.HTTP.URL)

	b.Visit("/login")
	b.Fill("#f-email", "miguel@firm.example")
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", ".user-name")
	assert.Contains(t, b.Text("main"), "My engagements")
	b.CheckAccessibility("firm home")

	b.Visit("/engagements")
	b.ClickAndWait("a[href='/engagements/new']", "#f-name")
	b.CheckAccessibility("new engagement")

	// First attempt: no name and a period that ends before it starts.
	b.Select("#f-client_id", strconv.FormatInt(client, 10))
	b.Select("#f-report_type", "type2")
	b.Select("#f-period_start", "2026-01-01")
	b.Select("#f-period_end", "2025-12-01")
	b.Select("#f-report_date", "2026-08-15")
	b.Click("input[name=categories][value=availability]")
	b.ClickAndWait("form.card button[type=submit]", ".error-summary")
	assert.Contains(t, b.Text(".error-summary"), "Enter a name")
	assert.Contains(t, b.Text(".error-summary"), "The period must end after it starts.")
	assert.Equal(t, "2026-08-15", browsertest.Eval[string](b, `document.querySelector('#f-report_date').value`), "typed input is kept")
	assert.True(t, browsertest.Eval[bool](b, `document.querySelector('input[name=categories][value=availability]').checked`))
	b.CheckAccessibility("engagement form with errors")

	// Second attempt: a two-month period needs a reason.
	b.Fill("input#f-name", "SOC 2 Type II bridge 2026")
	b.Select("input#f-period_end", "2026-02-28")
	b.ClickAndWait("form.card button[type=submit]", "#period-warning")
	assert.Contains(t, b.Text("#period-warning"), "shorter than 3 months")
	assert.Equal(t, "SOC 2 Type II bridge 2026", browsertest.Eval[string](b, `document.querySelector('#f-name').value`))
	b.CheckAccessibility("engagement form with period warning")

	// Fill clears first, which chromedp cannot do on an empty textarea: type into it instead.
	b.Do("type the reason", chromedp.SendKeys("textarea#f-period_warning_reason", "Bridge period until the annual cycle starts"))
	b.ClickAndWait("form.card button[type=submit]", "#add-member")
	assert.Contains(t, b.Text(".flash-success"), "Engagement created")
	b.CheckAccessibility("team and scope")

	// The manager may not appoint the partner: the page says who does. An administrator appoints
	// the partner and places the manager (nobody places themselves).
	b.Select("select#f-user_id", strconv.FormatInt(partner.ID, 10))
	b.Select("select#f-role", "partner")
	b.ClickAndWait("#add-member", ".error-summary")
	assert.Contains(t, b.Text(".error-summary"), "Only a partner or an administrator appoints")
	teamPath := "/engagements/" + engagementIDFrom(t, b.Location()) + "/team"
	app.CreateUser("ada@firm.example", auth.RoleAdmin, 0)
	admin := app.NewClient()
	admin.Login("ada@firm.example")
	for _, m := range []struct {
		id   int64
		role string
	}{{partner.ID, "partner"}, {manager.ID, "manager"}} {
		resp := admin.PostForm(teamPath+"/members", url.Values{"user_id": {strconv.FormatInt(m.id, 10)}, "role": {m.role}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	b.Visit(teamPath)
	b.WaitVisible("#member-" + strconv.FormatInt(manager.ID, 10))
	assert.Contains(t, b.Text("#team-table"), "Engagement partner")
	b.ClickAndWait("#confirm-independence", "#member-"+strconv.FormatInt(manager.ID, 10)+" .badge-success")
	assert.Contains(t, b.Text(".flash-success"), "independence is confirmed")

	// The overview says what fieldwork still needs before anyone tries.
	b.Click(".tabs a[href$='/engagements/" + engagementIDFrom(t, b.Location()) + "']")
	b.WaitVisible("#blockers-fieldwork")
	assert.Contains(t, b.Text("#blockers-fieldwork"), "independence confirmation from patricia")
	b.ClickAndWait("#move-fieldwork", ".flash-error")
	assert.Contains(t, b.Text(".flash-error"), "cannot move to Fieldwork yet")

	// The partner confirms in her own session (password and MFA code).
	id, err := strconv.ParseInt(engagementIDFrom(t, b.Location()), 10, 64)
	require.NoError(t, err)
	partnerSession := app.NewClient()
	partnerSession.Login(partner.Email)
	resp := partnerSession.PostForm("/engagements/"+strconv.FormatInt(id, 10)+"/team/independence", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	b.Visit("/engagements/" + strconv.FormatInt(id, 10))
	b.ClickAndWait("#move-fieldwork", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "moved to Fieldwork")
	assert.Contains(t, b.Text(".page-header"), "Fieldwork")
	assert.Contains(t, b.Text("#chart-heading"), "Controls by test status")
	b.CheckAccessibility("engagement overview")

	b.Visit("/engagements?status=fieldwork")
	assert.Contains(t, b.Text("#engagements-table"), "SOC 2 Type II bridge 2026")
	b.CheckAccessibility("engagement list")

	b.Visit("/criteria")
	assert.Contains(t, b.Text("table#criteria-privacy"), "P8.1")
	b.CheckAccessibility("criteria catalog")

	// The manager loads the client's control matrix from a spreadsheet; the coverage view then
	// flags the in-scope criteria that no control addresses.
	fixture, err := filepath.Abs(filepath.Join("..", "..", "testdata", "control-matrices", "good.xlsx"))
	require.NoError(t, err)
	b.Visit("/engagements/" + strconv.FormatInt(id, 10) + "/controls/import")
	b.Upload("#f-file", fixture)
	b.ClickAndWait("form[enctype] button[type=submit]", "#control-matrix")
	assert.Contains(t, b.Text(".flash-success"), "Imported 6 controls")
	b.ClickAndWait(`.tabs a[href$="/coverage"]`, "#coverage-summary")
	assert.Contains(t, b.Text("#criterion-A1\\.1"), "No control", "an uncovered criterion is flagged")
	b.CheckAccessibility("coverage after import")
}

var engagementPath = regexp.MustCompile(`/engagements/(\d+)`)

func engagementIDFrom(t *testing.T, loc string) string {
	t.Helper()
	m := engagementPath.FindStringSubmatch(loc)
	require.NotNil(t, m, "no engagement id in %s", loc)
	return m[1]
}
