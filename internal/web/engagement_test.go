package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func engagementForm(clientID int64, extra map[string]string) url.Values {
	v := url.Values{"client_id": {itoa(clientID)}, "name": {"SOC 2 Type II 2026"}, "report_type": {"type2"},
		"period_start": {"2026-01-01"}, "period_end": {"2026-06-30"}, "report_date": {"2026-08-15"},
		"categories": {"availability"}}
	for k, val := range extra {
		v.Set(k, val)
	}
	return v
}

func mustInt(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func createdID(t *testing.T, resp webtest.Response) string {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	loc := resp.Header.Get("Location")
	parts := strings.Split(strings.TrimPrefix(loc, "/engagements/"), "/")
	require.NotEmpty(t, parts[0], loc)
	return parts[0]
}

func TestEngagementCreateKeepsInputOnErrorAndWarnsOnShortPeriod(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	c := app.NewClient()
	c.Login("miguel@firm.example")

	resp := c.PostForm("/engagements", engagementForm(client, map[string]string{"name": "Typed name", "period_end": "2025-12-31"}))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "The period must end after it starts.")
	assert.Contains(t, resp.Body, `value="Typed name"`, "typed input is kept")
	assert.Contains(t, resp.Body, `value="2026-08-15"`)

	resp = c.PostForm("/engagements", engagementForm(client, map[string]string{"period_end": "2026-02-15"}))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "shorter than 3 months")
	assert.Contains(t, resp.Body, `id="period-warning"`)

	id := createdID(t, c.PostForm("/engagements", engagementForm(client, map[string]string{"period_end": "2026-02-15",
		"period_warning_reason": "Bridge period"})))
	page := c.Get("/engagements/" + id)
	assert.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "SOC 2 Type II")
	assert.Contains(t, page.Body, `role="img"`)
	assert.Contains(t, page.Body, "Security (common criteria), Availability")

	// A senior may not create engagements.
	app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	s := app.NewClient()
	s.Login("sara@firm.example")
	assert.Equal(t, http.StatusForbidden, s.PostForm("/engagements", engagementForm(client, nil)).StatusCode)
}

func TestEngagementEditConflictShowsBothVersions(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	app.CreateUser("mona@firm.example", auth.RoleManager, 0)
	a, b := app.NewClient(), app.NewClient()
	a.Login("miguel@firm.example")
	b.Login("mona@firm.example")
	id := createdID(t, a.PostForm("/engagements", engagementForm(client, nil)))

	form := a.Get("/engagements/" + id + "/edit")
	require.Equal(t, http.StatusOK, form.StatusCode)
	assert.Contains(t, form.Body, `name="version" value="1"`)

	resp := b.PostForm("/engagements/"+id+"/edit", engagementForm(client, map[string]string{"version": "1", "report_date": "2026-09-30"}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	resp = a.PostForm("/engagements/"+id+"/edit", engagementForm(client, map[string]string{"version": "1", "name": "My new name"}))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved this engagement")
	assert.Contains(t, resp.Body, `value="My new name"`, "the user's input is kept")
	assert.Contains(t, resp.Body, "<td>2026-09-30</td>", "the stored value is shown")
	assert.Contains(t, resp.Body, `name="version" value="2"`)

	var name, report string
	require.NoError(t, app.DB.Raw(`SELECT name, report_date::text FROM engagements WHERE id = ?`, id).Row().Scan(&name, &report))
	assert.Equal(t, "SOC 2 Type II 2026", name, "the stale save changed nothing")
	assert.Equal(t, "2026-09-30", report)

	resp = a.PostForm("/engagements/"+id+"/edit", engagementForm(client, map[string]string{"version": "2", "name": "My new name"}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	// A status move also bumps the version: the conflict is still shown, with no field differing.
	require.NoError(t, app.DB.Exec(`UPDATE engagements SET version = version + 1 WHERE id = ?`, id).Error)
	resp = a.PostForm("/engagements/"+id+"/edit", engagementForm(client, map[string]string{"version": "3", "name": "My new name"}))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "only the engagement's status or team changed")
}

func TestEngagementEditKeepsCategoryWithMappedControls(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	a := app.NewClient()
	a.Login("miguel@firm.example")
	id := createdID(t, a.PostForm("/engagements", engagementForm(client, nil)))
	var ctl int64
	require.NoError(t, app.DB.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'NL-09', 'Backups', 'daily') RETURNING id`, id).Row().Scan(&ctl))
	require.NoError(t, app.DB.Exec(`INSERT INTO control_criteria VALUES (?, 'A1.2')`, ctl).Error)

	form := engagementForm(client, map[string]string{"version": "1", "name": "Renamed too"})
	form.Del("categories")
	resp := a.PostForm("/engagements/"+id+"/edit", form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Availability: NL-09 (A1.2)")
	assert.Contains(t, resp.Body, `value="Renamed too"`, "the user's input is kept")
	var cats string
	require.NoError(t, app.DB.Raw(`SELECT array_to_string(categories, ',') FROM engagements WHERE id = ?`, id).Row().Scan(&cats))
	assert.Equal(t, "security,availability", cats)
}

func TestEngagementTeamIndependenceStatusAndVisibility(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	other := app.CreateClient("Bluejay")
	partner := app.CreateUser("pat@firm.example", auth.RolePartner, 0)
	manager := app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	staff := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	dana := app.CreateUser("dana@northwind.example", auth.RoleClient, client)
	app.CreateUser("lee@bluejay.example", auth.RoleClient, other)

	m := app.NewClient()
	m.Login("miguel@firm.example")
	id := createdID(t, m.PostForm("/engagements", engagementForm(client, nil)))
	base := "/engagements/" + id

	// Before anyone is on the team, the staff member cannot see it; the client user can.
	tom := app.NewClient()
	tom.Login("tom@firm.example")
	assert.Equal(t, http.StatusForbidden, tom.Get(base).StatusCode)
	assert.NotContains(t, tom.Get("/engagements").Body, "SOC 2 Type II 2026")
	lee := app.NewClient()
	lee.Login("lee@bluejay.example")
	assert.Equal(t, http.StatusNotFound, lee.Get(base).StatusCode, "other clients cannot probe ids")
	assert.NotContains(t, lee.Get("/engagements").Body, "SOC 2 Type II 2026")

	// The manager may neither appoint the partner nor place themselves: an administrator does.
	resp := m.PostForm(base+"/team/members", url.Values{"user_id": {itoa(partner.ID)}, "role": {"partner"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Only a partner or an administrator appoints")
	resp = m.PostForm(base+"/team/members", url.Values{"user_id": {itoa(manager.ID)}, "role": {"manager"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "your own place on the team")
	app.CreateUser("ada@firm.example", auth.RoleAdmin, 0)
	admin := app.NewClient()
	admin.Login("ada@firm.example")
	for _, add := range []struct {
		by   *webtest.Client
		id   int64
		role string
	}{{admin, partner.ID, "partner"}, {admin, manager.ID, "manager"}, {m, staff.ID, "staff"}, {m, dana.ID, "client_contact"}} {
		resp := add.by.PostForm(base+"/team/members", url.Values{"user_id": {itoa(add.id)}, "role": {add.role}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	resp = admin.PostForm(base+"/team/members", url.Values{"user_id": {itoa(staff.ID)}, "role": {"partner"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "must be a partner of the firm")

	overview := m.Get(base)
	assert.Contains(t, overview.Body, "independence confirmation from pat")
	assert.Contains(t, overview.Body, "independence confirmation from tom")
	resp = m.PostForm(base+"/status", url.Values{"status": {"fieldwork"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Contains(t, m.Get(base).Body, "cannot move to Fieldwork yet")

	assert.Equal(t, http.StatusForbidden, tom.PostForm(base+"/status", url.Values{"status": {"fieldwork"}}).StatusCode, "staff do not move the status")
	assert.Equal(t, http.StatusForbidden, tom.PostForm(base+"/team/members", url.Values{"user_id": {itoa(staff.ID)}, "role": {"senior"}}).StatusCode)

	// Partners sign in with MFA, whose pages live on another branch: the partner confirms
	// through the domain call the page makes.
	require.NoError(t, engagements.NewService(app.DB).ConfirmIndependence(context.Background(), partner.Actor(), mustInt(t, id)))
	for _, cl := range []*webtest.Client{m, tom} {
		assert.Contains(t, cl.Get(base+"/team").Body, "Confirm my independence")
		require.Equal(t, http.StatusSeeOther, cl.PostForm(base+"/team/independence", nil).StatusCode)
		assert.NotContains(t, cl.Get(base+"/team").Body, "Confirm my independence")
	}
	d := app.NewClient()
	d.Login("dana@northwind.example")
	assert.Equal(t, http.StatusForbidden, d.Get(base+"/team").StatusCode, "client users have no team tab")
	assert.Contains(t, d.Get("/engagements").Body, "SOC 2 Type II 2026", "client users see their organization's engagements")
	assert.Equal(t, http.StatusOK, d.Get(base).StatusCode)

	resp = m.PostForm(base+"/status", url.Values{"status": {"fieldwork"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Contains(t, m.Get(base).Body, "moved to Fieldwork")
	assert.Contains(t, tom.Get("/").Body, "SOC 2 Type II 2026", "the firm home lists my engagements")

	// Filters.
	assert.Contains(t, m.Get("/engagements?status=fieldwork").Body, "SOC 2 Type II 2026")
	assert.NotContains(t, m.Get("/engagements?status=planning").Body, "SOC 2 Type II 2026")
	assert.NotContains(t, m.Get("/engagements?client="+itoa(other)).Body, "SOC 2 Type II 2026")
	assert.Contains(t, m.Get("/engagements?partner="+itoa(partner.ID)).Body, "SOC 2 Type II 2026")
	assert.NotContains(t, m.Get("/engagements?period_from=2027-01-01").Body, "SOC 2 Type II 2026")
	assert.Contains(t, m.Get("/engagements?period_from=2026-06-01&period_to=2026-12-31").Body, "SOC 2 Type II 2026")

	// Subservice organizations.
	resp = m.PostForm(base+"/subservice-orgs", url.Values{"sso_name": {""}, "sso_services": {"Hosting"}, "sso_method": {"carve_out"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, `value="Hosting"`)
	require.Equal(t, http.StatusSeeOther, m.PostForm(base+"/subservice-orgs", url.Values{"sso_name": {"Cloud host"}, "sso_services": {"Hosting"}, "sso_method": {"carve_out"}}).StatusCode)
	assert.Contains(t, m.Get(base+"/team").Body, "Carve-out")
	var ssoID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM subservice_organizations WHERE engagement_id = ?`, id).Row().Scan(&ssoID))
	require.Equal(t, http.StatusSeeOther, m.PostForm(base+"/subservice-orgs/"+itoa(ssoID)+"/remove", nil).StatusCode)
	assert.NotContains(t, m.Get(base+"/team").Body, "Cloud host")
	require.Equal(t, http.StatusSeeOther, m.PostForm(base+"/subservice-orgs", url.Values{"sso_name": {"Cloud host"}, "sso_services": {"Hosting"}, "sso_method": {"carve_out"}}).StatusCode)

	// Taking the staff member off the team takes the engagement away from them.
	require.Equal(t, http.StatusSeeOther, m.PostForm(base+"/team/members/"+itoa(staff.ID)+"/remove", nil).StatusCode)
	assert.Equal(t, http.StatusForbidden, tom.Get(base).StatusCode)
	var removals int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events WHERE engagement_id = ? AND action IN ('engagement.member_remove', 'subservice_org.delete')`, id).Scan(&removals).Error)
	assert.Equal(t, int64(2), removals)

	// Roll forward.
	resp = m.PostForm(base+"/roll-forward", nil)
	next := createdID(t, resp)
	assert.NotEqual(t, id, next)
	nextPage := m.Get("/engagements/" + next)
	assert.Contains(t, nextPage.Body, "1 July 2026 – 31 December 2026")

	// A second click (or a colleague) lands on the same next engagement: no twin is created.
	resp = m.PostForm(base+"/roll-forward", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, "/engagements/"+next, resp.Header.Get("Location"))
	assert.Contains(t, m.Get("/engagements/"+next).Body, "already rolled forward")
	var rolled int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM engagements WHERE prior_engagement_id = ?`, id).Scan(&rolled).Error)
	assert.Equal(t, int64(1), rolled)
}

func TestCriteriaPage(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	client := app.CreateClient("Northwind Ledger")
	app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	app.CreateUser("dana@northwind.example", auth.RoleClient, client)
	require.NoError(t, app.DB.Exec(`UPDATE criteria SET official_text = 'Official wording of CC6.1.' WHERE id = 'CC6.1'`).Error)
	c := app.NewClient()
	c.Login("tom@firm.example")
	page := c.Get("/criteria")
	require.Equal(t, http.StatusOK, page.StatusCode)
	for _, want := range []string{"Security (common criteria)", "Availability", "Confidentiality", "Processing Integrity", "Privacy",
		"Logical and physical access", "Official wording of CC6.1.", "P8.1", "1 of 61 loaded"} {
		assert.Contains(t, page.Body, want)
	}
	assert.NotContains(t, page.Body, "<td><p>", "a paragraph's margins would push the summary below the criterion id in its row")
	d := app.NewClient()
	d.Login("dana@northwind.example")
	assert.Equal(t, http.StatusNotFound, d.Get("/criteria").StatusCode)
}
