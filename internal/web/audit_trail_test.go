package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func recordEvents(t *testing.T, app *webtest.App, n int, ev audit.Event, actor audit.Actor) {
	t.Helper()
	require.NoError(t, app.DB.Transaction(func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			e := ev
			e.EntityID = int64(1000 + i)
			if err := audit.Record(context.Background(), tx, actor, e); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestAuditTrailFiltersAndPagesNewestFirst(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/clients", url.Values{"name": {"Northwind Ledger"}}).StatusCode)
	var id int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM clients WHERE name = 'Northwind Ledger'`).Scan(&id).Error)
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/clients/"+itoa(id), url.Values{"version": {"1"},
		"name": {"Northwind Ledger"}, "legal_name": {"Northwind Ledger, Inc."}}).StatusCode)

	page := admin.Get("/audit?entity_type=client")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "client.update")
	assert.Contains(t, page.Body, "client.create")
	assert.NotContains(t, page.Body, "user.create", "the entity filter applies")
	assert.Less(t, strings.Index(page.Body, "client.update"), strings.Index(page.Body, "client.create"), "newest first")
	assert.Contains(t, page.Body, "&#34;legal_name&#34;: &#34;Northwind Ledger, Inc.&#34;", "after values are shown as indented JSON")

	byActor := admin.Get("/audit?actor=AVERY")
	assert.Contains(t, byActor.Body, "client.update")
	assert.NotContains(t, byActor.Body, "user.create", "the fixture's users were created by the system")

	today := app.Clock.Now().UTC().Format("2006-01-02")
	assert.Contains(t, admin.Get("/audit?entity_type=client&from="+today+"&to="+today).Body, "client.update")
	assert.Contains(t, admin.Get("/audit?to=2001-01-01").Body, "No events match these filters")

	bad := admin.Get("/audit?from=yesterday&engagement=abc&actor=kept")
	assert.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	assert.Contains(t, bad.Body, "Enter a date as YYYY-MM-DD")
	assert.Contains(t, bad.Body, "Enter an engagement number")
	assert.Contains(t, bad.Body, `value="kept"`)

	// 60 more events: the first page holds 50, "Older events" the rest, without overlap.
	recordEvents(t, app, 60, audit.Event{Action: "test.bulk", EntityType: "bulk"}, audit.System)
	first := admin.Get("/audit?entity_type=bulk")
	assert.Equal(t, 50, strings.Count(first.Body, "<code>test.bulk</code>"))
	next := find(t, first.Body, `href="(/audit\?[^"]+)" rel="next"`)
	next = strings.ReplaceAll(next, "&amp;", "&")
	assert.Contains(t, next, "entity_type=bulk", "filters are kept across pages")
	second := admin.Get(next)
	assert.Equal(t, 10, strings.Count(second.Body, "<code>test.bulk</code>"))
	assert.Contains(t, first.Body, "bulk #1059")
	assert.Contains(t, second.Body, "bulk #1000")
	assert.NotContains(t, second.Body, "bulk #1010")
	assert.NotContains(t, second.Body, `rel="next"`)
}

func TestEngagementAuditTrailShowsOnlyThatEngagement(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	clientA, clientB := app.CreateClient("Northwind Ledger"), app.CreateClient("Bluejay Health")
	var eng, other int64
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, 'Northwind 2026', 'type1', '2026-06-30') RETURNING id`, clientA).Row().Scan(&eng))
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, 'Bluejay 2026', 'type1', '2026-06-30') RETURNING id`, clientB).Row().Scan(&other))
	miguel := app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	tom := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	for _, m := range []struct {
		id   int64
		role string
	}{{miguel.ID, "manager"}, {tom.ID, "staff"}} {
		require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, eng, m.id, m.role).Error)
	}
	recordEvents(t, app, 2, audit.Event{Action: "control.update", EntityType: "control", EngagementID: eng, ClientID: clientA}, miguel.Actor())
	recordEvents(t, app, 1, audit.Event{Action: "control.delete", EntityType: "control", EngagementID: other, ClientID: clientB}, audit.System)

	manager := app.NewClient()
	manager.Login("miguel@firm.example")
	page := manager.Get("/engagements/" + itoa(eng) + "/audit")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Equal(t, 2, strings.Count(page.Body, "<code>control.update</code>"))
	assert.NotContains(t, page.Body, "control.delete")
	assert.Contains(t, page.Body, "Northwind 2026", "inside the engagement shell")
	assert.Contains(t, page.Body, `aria-current="page">Audit trail`)
	assert.NotContains(t, page.Body, `name="engagement"`, "no engagement filter inside an engagement")
	// The engagement filter cannot be widened from the query string.
	assert.NotContains(t, manager.Get("/engagements/"+itoa(eng)+"/audit?engagement="+itoa(other)).Body, "control.delete")

	staff := app.NewClient()
	staff.Login("tom@firm.example")
	assert.Equal(t, http.StatusForbidden, staff.Get("/engagements/"+itoa(eng)+"/audit").StatusCode)
	assert.Equal(t, http.StatusForbidden, manager.Get("/engagements/"+itoa(other)+"/audit").StatusCode, "manager not on that team")

	admin, _ := adminClient(t, app)
	all := admin.Get("/audit?engagement=" + itoa(other))
	assert.Contains(t, all.Body, "control.delete")
	assert.NotContains(t, all.Body, "control.update")
}

// TestAuditTrailShowsWhereEachEventCameFrom: the address and request id show for every event,
// also one without before/after values such as a sign-in.
func TestAuditTrailShowsWhereEachEventCameFrom(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, avery := adminClient(t, app)
	var requestID string
	require.NoError(t, app.DB.Raw(`SELECT request_id FROM audit_events WHERE action = 'user.sign_in' AND entity_id = ?`, avery.ID).Scan(&requestID).Error)
	require.NotEmpty(t, requestID)

	page := admin.Get("/audit?actor=avery")
	require.Equal(t, http.StatusOK, page.StatusCode)
	row := find(t, page.Body, `(?s)<code>user\.sign_in</code>(.*?)</tr>`)
	assert.NotContains(t, row, "Raw JSON", "a sign-in has no before/after values")
	assert.Contains(t, row, "From 127.0.0.1")
	assert.Contains(t, row, "<code>"+requestID+"</code>")
}

// TestAuditTrailShowsNamesAndChanges: events read with names, not ids (the user, the
// engagement, the test by its control's reference) and each change as "field: before → after",
// with the raw JSON one click away.
func TestAuditTrailShowsNamesAndChanges(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	show := staff.Get(path)
	resp := staff.PostForm(path, url.Values{"version": {version(t, show.Body)}, "techniques": {"inspection", "reperformance"},
		"procedure": {"Reperform the approval for sampled hires."}, "result": {"in_progress"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	admin, _ := adminClient(t, f.app)
	page := admin.Get("/audit?entity_type=test")
	require.Equal(t, http.StatusOK, page.StatusCode)
	row := find(t, page.Body, `(?s)<code>test\.update</code>(.*?)</tr>`)
	whole := find(t, page.Body, `(?s)(<tr id="event-\d+"><td[^>]*>[^<]*</td><td>\s*staff.*?<code>test\.update</code>.*?</tr>)`)
	assert.Contains(t, whole, "staff@firm.example", "the actor by name, with the e-mail beside it")
	assert.Contains(t, row, "Test of NL-03", "the test by its control's reference")
	assert.NotContains(t, row, "test #", "no bare ids")
	assert.Contains(t, row, ">Northwind 2026</a>", "the engagement by name")
	assert.Regexp(t, `<span class="change-field">procedure</span>: <del>Inspect training records for sampled hires.</del> <span aria-hidden="true">→</span>`+
		`<span class="visually-hidden">\s?changed to </span> <ins>Reperform the approval for sampled hires.</ins>`, row)
	assert.Regexp(t, `<span class="change-field">techniques</span>: <del>inspection</del> .*<ins>inspection, reperformance</ins>`, row)
	assert.Contains(t, row, `<details class="raw-json"><summary>Raw JSON</summary>`)

	// A deleted control keeps its reference from the event itself.
	senior := f.login("senior@firm.example")
	var ctl int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'NL-99', 'Spare', 'annual') RETURNING id`, f.engagement).Row().Scan(&ctl))
	edit := senior.Get("/controls/" + itoa(ctl) + "/edit")
	require.Equal(t, http.StatusOK, edit.StatusCode)
	resp = senior.PostForm("/controls/"+itoa(ctl)+"/delete", url.Values{"version": {version(t, edit.Body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	deleted := find(t, admin.Get("/audit?entity_type=control").Body, `(?s)<code>control\.delete</code>(.*?)</tr>`)
	assert.Contains(t, deleted, "control NL-99 (deleted)")
}
