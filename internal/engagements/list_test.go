package engagements_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
)

// TestListOrdersCountsAndPages checks the engagement list's order (status in the order of the
// work, then the latest period first), its per-row counts of open items, the partner and the
// user's role, what each role sees, the filters and paging.
func TestListOrdersCountsAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exec := func(q string, args ...any) { require.NoError(t, f.db.Exec(q, args...).Error) }
	engagement := func(name, status, start, end string) int64 {
		var id int64
		require.NoError(t, f.db.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
			VALUES (?, ?, 'type2', ?, ?, ?) RETURNING id`, f.client, name, start, end, status).Row().Scan(&id))
		return id
	}
	archived := engagement("Archived 2023", "archived", "2023-01-01", "2023-12-31")
	issued := engagement("Issued 2024", "issued", "2024-01-01", "2024-12-31")
	fieldworkOld := engagement("Fieldwork 2025", "fieldwork", "2025-01-01", "2025-06-30")
	fieldworkNew := engagement("Fieldwork 2026", "fieldwork", "2026-01-01", "2026-06-30")
	var typeI int64
	require.NoError(t, f.db.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date, status)
		VALUES (?, 'Planning Type I', 'type1', '2026-03-31', 'planning') RETURNING id`, f.client).Row().Scan(&typeI))
	var otherClient, otherEngagement int64
	require.NoError(t, f.db.Raw(`SELECT id FROM clients WHERE name = 'Bluejay'`).Row().Scan(&otherClient))
	require.NoError(t, f.db.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
		VALUES (?, 'Bluejay review', 'type2', '2026-01-01', '2026-06-30', 'review') RETURNING id`, otherClient).Row().Scan(&otherEngagement))

	// Requests: two open and one submitted count, an accepted one does not.
	for i, st := range []string{"open", "open", "submitted", "accepted"} {
		exec(`INSERT INTO info_requests (engagement_id, number, title, status) VALUES (?, ?, 'R', ?)`, fieldworkNew, i+1, st)
	}
	exec(`INSERT INTO info_requests (engagement_id, number, title, status) VALUES (?, 1, 'R', 'accepted')`, issued)
	// Exceptions: one not yet evaluated, one evaluated without the criteria conclusion, one done.
	var ctl, test int64
	require.NoError(t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'C-1', 'x', 'daily') RETURNING id`, fieldworkNew).Row().Scan(&ctl))
	require.NoError(t, f.db.Raw(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'operating') RETURNING id`, fieldworkNew, ctl).Row().Scan(&test))
	for _, x := range []struct{ evaluation, met string }{{"", ""}, {"isolated", ""}, {"isolated", "true"}} {
		exec(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested, evaluation, criteria_met)
			VALUES (?, ?, 'late', 1, 25, ?, nullif(?, '')::boolean)`, fieldworkNew, test, x.evaluation, x.met)
	}
	// Review notes: one open, one cleared.
	exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by) VALUES (?, 'test', ?, 'why', ?)`, fieldworkNew, test, f.users["patricia"])
	exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by, cleared_by, cleared_at)
		VALUES (?, 'test', ?, 'ok', ?, ?, now())`, fieldworkNew, test, f.users["patricia"], f.users["patricia"])
	exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, 'partner'), (?, ?, 'staff'), (?, ?, 'staff')`,
		fieldworkNew, f.users["patricia"], fieldworkNew, f.users["tom"], archived, f.users["tom"])

	list := func(u auth.User, flt engagements.Filter) []engagements.Summary {
		t.Helper()
		out, err := engagements.NewService(f.db).List(ctx, u, flt)
		require.NoError(t, err)
		return out
	}
	ids := func(list []engagements.Summary) []int64 {
		out := make([]int64, len(list))
		for i, e := range list {
			out[i] = e.ID
		}
		return out
	}
	manager := auth.User{ID: f.users["miguel"], Role: auth.RoleManager}
	all := list(manager, engagements.Filter{})
	assert.Equal(t, []int64{fieldworkNew, fieldworkOld, otherEngagement, typeI, issued, archived}, ids(all),
		"fieldwork, review, planning, issued, archived; the latest period first within a status")
	row := all[0]
	assert.Equal(t, "Fieldwork 2026", row.Name)
	assert.Equal(t, "Northwind Ledger", row.ClientName)
	assert.Equal(t, "patricia", row.PartnerName)
	assert.Equal(t, "", row.MyRole, "the manager is not on the team")
	assert.Equal(t, 3, row.OpenRequests, "open and submitted requests, not accepted ones")
	assert.Equal(t, 2, row.OpenExceptions, "exceptions without an evaluation or a criteria conclusion")
	assert.Equal(t, 1, row.OpenReviewNotes, "review notes not cleared")
	assert.Equal(t, time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), row.End().UTC())
	assert.Equal(t, engagements.Status("fieldwork"), row.Status)
	for _, e := range all[1:] {
		assert.Zero(t, e.OpenRequests+e.OpenExceptions+e.OpenReviewNotes, "engagement %d has nothing open", e.ID)
		assert.Empty(t, e.PartnerName)
	}
	assert.Equal(t, "2026-03-31", all[3].AsOfDate.Format("2006-01-02"), "a Type I sorts by its as-of date")

	page2 := list(manager, engagements.Filter{Limit: 2, Offset: 2})
	assert.Equal(t, []int64{otherEngagement, typeI}, ids(page2), "pages follow the same order")

	staff := auth.User{ID: f.users["tom"], Role: auth.RoleStaff}
	mine := list(staff, engagements.Filter{})
	assert.Equal(t, []int64{fieldworkNew, archived}, ids(mine), "staff see the engagements they are on")
	assert.Equal(t, "staff", mine[0].MyRole)
	assert.Equal(t, []int64{fieldworkNew}, ids(list(auth.User{ID: f.users["patricia"], Role: auth.RolePartner}, engagements.Filter{OnlyMine: true})))

	dana := auth.User{ID: f.users["dana"], Role: auth.RoleClient, ClientID: &f.client}
	assert.NotContains(t, ids(list(dana, engagements.Filter{})), otherEngagement, "client users see their organization's engagements")
	assert.Len(t, list(dana, engagements.Filter{}), 5)

	assert.Equal(t, []int64{fieldworkNew, fieldworkOld}, ids(list(manager, engagements.Filter{Status: "fieldwork"})))
	assert.Equal(t, []int64{otherEngagement}, ids(list(manager, engagements.Filter{ClientID: otherClient})))
	assert.Equal(t, []int64{fieldworkNew}, ids(list(manager, engagements.Filter{PartnerID: f.users["patricia"]})))
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, []int64{fieldworkNew, otherEngagement, typeI}, ids(list(manager, engagements.Filter{PeriodFrom: &from, PeriodTo: &to})),
		"periods overlapping February-March 2026, and the Type I as of 31 March")

	clients, partners, err := engagements.NewService(f.db).FilterOptions(ctx)
	require.NoError(t, err)
	assert.Equal(t, []engagements.Option{{ID: otherClient, Name: "Bluejay"}, {ID: f.client, Name: "Northwind Ledger"}}, clients)
	assert.Equal(t, []engagements.Option{{ID: f.users["patricia"], Name: "patricia"}}, partners)
}

// TestOpenRequestCountFollowsEveryChange: the engagement list's open-request count, added up
// from request_tallies (kept by a trigger at commit, migration 0161), matches a count of the
// requests after inserts one by one and in bulk, status changes either way, a move to another
// engagement, deletions and an engagement's deletion.
func TestOpenRequestCountFollowsEveryChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exec := func(q string, args ...any) { t.Helper(); require.NoError(t, f.db.Exec(q, args...).Error) }
	a, b := f.create(typeII), f.create(engagements.Input{Name: "Type I", ReportType: "type1", AsOfDate: "2026-03-31", Categories: []string{}})
	check := func(step string) {
		t.Helper()
		list, err := engagements.NewService(f.db).List(ctx, auth.User{ID: f.users["miguel"], Role: auth.RoleManager}, engagements.Filter{})
		require.NoError(t, err)
		for _, e := range list {
			var n int
			require.NoError(t, f.db.Raw(`SELECT count(*) FROM info_requests WHERE engagement_id = ? AND status <> 'accepted'`, e.ID).Scan(&n).Error)
			assert.Equal(t, n, e.OpenRequests, "%s: engagement %d", step, e.ID)
		}
	}
	check("no requests")
	exec(`INSERT INTO info_requests (engagement_id, number, title) VALUES (?, 1, 'R')`, a)
	exec(`INSERT INTO info_requests (engagement_id, number, title, status, due_date) VALUES (?, 2, 'R', 'accepted', '2026-07-01')`, a)
	check("one by one")
	exec(`INSERT INTO info_requests (engagement_id, number, title, status, due_date, return_reason)
		SELECT e, n, 'R', (ARRAY['open','submitted','accepted'])[n % 3 + 1], DATE '2026-07-01' + n % 4, CASE WHEN n % 5 = 0 THEN 'redo' ELSE '' END
		FROM unnest(ARRAY[?, ?]::bigint[]) e, generate_series(3, 32) n`, a, b)
	check("in bulk over two engagements, some returned")
	exec(`UPDATE info_requests SET status = 'accepted' WHERE engagement_id = ? AND status = 'submitted'`, a)
	exec(`UPDATE info_requests SET status = 'open' WHERE engagement_id = ? AND number IN (2, 5, 8)`, a)
	exec(`UPDATE info_requests SET title = 'Renamed', due_date = NULL WHERE engagement_id = ?`, b)
	check("status changes either way, and an update that changes no status")
	exec(`UPDATE info_requests SET engagement_id = ?, number = number + 100 WHERE engagement_id = ? AND number < 10`, b, a)
	check("requests moved to another engagement")
	exec(`DELETE FROM info_requests WHERE engagement_id = ? AND number % 2 = 0`, b)
	check("deletions")
	exec(`DELETE FROM engagements WHERE id = ?`, a)
	check("an engagement deleted")
}
