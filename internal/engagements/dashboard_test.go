package engagements_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/engagements"
)

func TestDashboardCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.create(typeII)
	exec := func(sql string, args ...any) {
		t.Helper()
		require.NoError(t, f.db.Exec(sql, args...).Error)
	}
	control := func(ref string, results ...string) int64 {
		var cid int64
		require.NoError(t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, ?, 'x', 'daily') RETURNING id`, id, ref).Row().Scan(&cid))
		for _, r := range results {
			exec(`INSERT INTO tests (engagement_id, control_id, kind, result) VALUES (?, ?, 'operating', ?)`, id, cid, r)
		}
		return cid
	}
	control("C1")                                   // no tests: not started
	control("C2", "not_started", "not_started")     // not started
	control("C3", "no_exceptions", "not_started")   // in progress
	control("C4", "no_exceptions", "no_exceptions") // done
	control("C5", "exceptions", "in_progress")      // exceptions
	var testID int64
	require.NoError(t, f.db.Raw(`SELECT id FROM tests WHERE engagement_id = ? AND result = 'exceptions'`, id).Row().Scan(&testID))
	exec(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested) VALUES (?, ?, 'open', 1, 25)`, id, testID)
	exec(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested, evaluation, criteria_met) VALUES (?, ?, 'done', 1, 25, 'isolated', true)`, id, testID)
	exec(`INSERT INTO info_requests (engagement_id, number, title, status, due_date) VALUES
		(?, 1, 'overdue', 'open', '2026-03-01'), (?, 2, 'due later', 'open', '2026-05-01'),
		(?, 3, 'submitted', 'submitted', '2026-03-01'), (?, 4, 'accepted', 'accepted', '2026-03-01')`, id, id, id, id)
	exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by) VALUES (?, 'test', ?, 'open', ?)`, id, testID, f.users["miguel"])
	exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by, cleared_at) VALUES (?, 'test', ?, 'cleared', ?, now())`, id, testID, f.users["miguel"])

	e, err := engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	d, err := engagements.NewService(f.db).LoadDashboard(ctx, e, time.Date(2026, 4, 1, 15, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"not_started": 2, "in_progress": 1, "no_exceptions": 1, "exceptions": 1}, d.ControlsByStatus)
	assert.Equal(t, 5, d.Controls)
	assert.Equal(t, 3, d.RequestsOutstanding)
	assert.Equal(t, 1, d.RequestsOverdue)
	assert.Equal(t, 1, d.OpenExceptions)
	assert.Equal(t, 1, d.OpenReviewNotes)
	require.NotNil(t, d.DaysToPeriodEnd)
	assert.Equal(t, 90, *d.DaysToPeriodEnd)
	require.NotNil(t, d.DaysToReportDate)
	assert.Equal(t, 136, *d.DaysToReportDate)
}
