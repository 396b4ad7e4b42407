package requests

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// The dashboard's counts and attention list follow what each client user sees: every request of
// an engagement without a coordinator or whose coordinator they are, otherwise those assigned to
// them or with a file they uploaded.
func TestDashboardCountsWhatEachClientUserSees(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 8, 0, 0, 0, time.UTC)}
	var clientID, otherClientID, engA, engB, engOther int64
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&clientID))
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Bluejay Health') RETURNING id`).Row().Scan(&otherClientID))
	for _, e := range []struct {
		id     *int64
		client int64
		name   string
	}{{&engA, clientID, "Northwind 2026"}, {&engB, clientID, "Northwind 2025"}, {&engOther, otherClientID, "Bluejay 2026"}} {
		require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
			VALUES (?, ?, 'type2', '2026-01-01', '2026-06-30') RETURNING id`, e.client, e.name).Row().Scan(e.id))
	}
	authSvc := auth.NewService(gdb, clk, time.Hour, time.Hour)
	newClient := func(email string) auth.User {
		u, err := authSvc.CreateUser(ctx, audit.System, auth.NewUser{Email: email, Name: email, Role: auth.RoleClient, ClientID: &clientID})
		require.NoError(t, err)
		return u
	}
	dana, jordan := newClient("dana@northwind.example"), newClient("jordan@northwind.example")

	type req struct {
		eng                 int64
		status, reason, due string
		assignee            *int64
	}
	number := map[int64]int{}
	insert := func(r req) int64 {
		number[r.eng]++
		var id int64
		var due any
		if r.due != "" {
			due = r.due
		}
		require.NoError(t, gdb.Raw(`INSERT INTO info_requests (engagement_id, number, title, status, return_reason, due_date, assignee_id)
			VALUES (?, ?, 'Request', ?, ?, ?, ?) RETURNING id`, r.eng, number[r.eng], r.status, r.reason, due, r.assignee).Row().Scan(&id))
		return id
	}
	insert(req{engA, "open", "", "2026-07-01", &dana.ID})           // A R-001: overdue, Dana's
	insert(req{engA, "open", "Covers Q1 only.", "2026-08-01", nil}) // A R-002: returned, not overdue
	insert(req{engA, "open", "Blurred.", "2026-07-10", &jordan.ID}) // A R-003: returned and overdue, Jordan's
	insert(req{engA, "open", "", "", nil})                          // A R-004: open, no due date
	insert(req{engA, "submitted", "", "2026-07-01", &dana.ID})      // A R-005
	uploaded := insert(req{engA, "accepted", "", "", nil})          // A R-006: Jordan uploaded to it
	insert(req{engB, "open", "", "2026-07-19", nil})                // B R-001: overdue
	insert(req{engOther, "open", "", "2026-07-01", nil})            // another client's
	require.NoError(t, gdb.Exec(`INSERT INTO evidence_files (engagement_id, request_id, file_name, content_type, size_bytes, sha256, blob_key, uploaded_by)
		VALUES (?, ?, 'list.pdf', 'application/pdf', 1, 'x', 'k', ?)`, engA, uploaded, jordan.ID).Error)

	svc := &Service{DB: gdb, Clock: clk}
	type counts struct{ Open, Returned, Submitted, Accepted, Overdue int }
	summary := func(u auth.User) (map[string]counts, []string) {
		t.Helper()
		sums, attention, err := svc.Dashboard(ctx, clientID, u.ID)
		require.NoError(t, err)
		out := map[string]counts{}
		for _, s := range sums {
			out[s.Name] = counts{s.Open, s.Returned, s.Submitted, s.Accepted, s.Overdue}
		}
		var labels []string
		for _, r := range attention {
			labels = append(labels, r.EngagementName+" "+r.Label())
		}
		return out, labels
	}

	// Without a coordinator both see everything of their organization, in name order.
	for _, u := range []auth.User{dana, jordan} {
		sums, attention := summary(u)
		assert.Equal(t, map[string]counts{
			"Northwind 2026": {Open: 2, Returned: 2, Submitted: 1, Accepted: 1, Overdue: 2},
			"Northwind 2025": {Open: 1, Overdue: 1},
		}, sums)
		assert.Equal(t, []string{"Northwind 2026 R-001", "Northwind 2026 R-003", "Northwind 2025 R-001", "Northwind 2026 R-002"}, attention,
			"most urgent first; returned without a due date in the past still need attention")
	}

	// Dana coordinates engagement A: she still sees all of it; Jordan sees his request and the one
	// he uploaded to there, and all of B, which has no coordinator.
	require.NoError(t, gdb.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role, coordinator) VALUES (?, ?, 'client_contact', true)`,
		engA, dana.ID).Error)
	sums, attention := summary(dana)
	assert.Equal(t, counts{Open: 2, Returned: 2, Submitted: 1, Accepted: 1, Overdue: 2}, sums["Northwind 2026"])
	assert.Len(t, attention, 4)
	sums, attention = summary(jordan)
	assert.Equal(t, map[string]counts{
		"Northwind 2026": {Returned: 1, Accepted: 1, Overdue: 1},
		"Northwind 2025": {Open: 1, Overdue: 1},
	}, sums)
	assert.Equal(t, []string{"Northwind 2026 R-003", "Northwind 2025 R-001"}, attention)
}
