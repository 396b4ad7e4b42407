package requests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

// request_tallies (0161) follows every change of a request's engagement, status, return reason
// or due date — inserts, updates, several changes of one request in one transaction, deletes, an
// engagement deleted with its requests, a rolled-back transaction — and agrees with counting.
func TestRequestTalliesFollowEveryChange(t *testing.T) {
	gdb := dbtest.New(t)
	var clientID, engA, engB int64
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&clientID))
	for _, id := range []*int64{&engA, &engB} {
		require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
			VALUES (?, 'Northwind', 'type2', '2026-01-01', '2026-06-30') RETURNING id`, clientID).Row().Scan(id))
	}
	type tally struct {
		Due                                 string
		Open, Returned, Submitted, Accepted int
	}
	check := func(step string) {
		t.Helper()
		for _, eng := range []int64{engA, engB} {
			var kept, counted []tally
			require.NoError(t, gdb.Raw(`SELECT due_date::text AS due, open, returned, submitted, accepted FROM request_tallies
				WHERE engagement_id = ? AND open + returned + submitted + accepted > 0 ORDER BY due_date`, eng).Scan(&kept).Error)
			require.NoError(t, gdb.Raw(`SELECT coalesce(due_date, 'infinity')::text AS due, count(*) FILTER (WHERE status = 'open' AND return_reason = '') AS open,
				count(*) FILTER (WHERE status = 'open' AND return_reason <> '') AS returned, count(*) FILTER (WHERE status = 'submitted') AS submitted,
				count(*) FILTER (WHERE status = 'accepted') AS accepted
				FROM info_requests WHERE engagement_id = ? GROUP BY coalesce(due_date, 'infinity') ORDER BY coalesce(due_date, 'infinity')`, eng).Scan(&counted).Error)
			assert.Equal(t, counted, kept, "%s: engagement %d", step, eng)
		}
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		require.NoError(t, gdb.Exec(sql, args...).Error)
	}

	exec(`INSERT INTO info_requests (engagement_id, number, title, due_date)
		SELECT ?, n, 'Request', CASE WHEN n < 6 THEN date '2026-07-01' + n % 3 END FROM generate_series(1, 6) n`, engA)
	exec(`INSERT INTO info_requests (engagement_id, number, title, status) VALUES (?, 1, 'Request', 'submitted')`, engB)
	check("inserted")
	exec(`UPDATE info_requests SET status = 'submitted' WHERE engagement_id = ? AND number <= 3`, engA)
	exec(`UPDATE info_requests SET status = 'accepted' WHERE engagement_id = ? AND number = 1`, engA)
	exec(`UPDATE info_requests SET status = 'open', return_reason = 'Blurred.' WHERE engagement_id = ? AND number = 2`, engA)
	exec(`UPDATE info_requests SET title = 'Renamed', return_reason = 'Still blurred.' WHERE engagement_id = ? AND number = 2`, engA)
	check("moved through the workflow")
	exec(`UPDATE info_requests SET due_date = '2026-08-01' WHERE engagement_id = ? AND number IN (2, 3)`, engA)
	exec(`UPDATE info_requests SET due_date = NULL WHERE engagement_id = ? AND number = 4`, engA)
	exec(`UPDATE info_requests SET due_date = '2026-07-02' WHERE engagement_id = ? AND number = 6`, engA)
	check("due dates moved")

	// Several changes of the same requests in one transaction count once each, at commit.
	require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
		for _, sql := range []string{
			`UPDATE info_requests SET status = 'submitted', return_reason = '' WHERE engagement_id = ? AND number IN (2, 4)`,
			`UPDATE info_requests SET status = 'accepted' WHERE engagement_id = ? AND number = 2`,
			`DELETE FROM info_requests WHERE engagement_id = ? AND number = 5`,
			`INSERT INTO info_requests (engagement_id, number, title, status) VALUES (?, 7, 'Late', 'accepted')`,
		} {
			if err := tx.Exec(sql, engA).Error; err != nil {
				return err
			}
		}
		return nil
	}))
	check("one transaction")

	// A rolled-back transaction leaves the tally as it was.
	assert.Error(t, gdb.Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec(`UPDATE info_requests SET status = 'accepted' WHERE engagement_id = ?`, engA).Error)
		return assert.AnError
	}))
	check("rolled back")

	exec(`DELETE FROM engagements WHERE id = ?`, engB)
	check("engagement deleted")
	var left int
	require.NoError(t, gdb.Raw(`SELECT coalesce(sum(open + returned + submitted + accepted), 0) FROM request_tallies WHERE engagement_id = ?`, engB).Row().Scan(&left))
	assert.Zero(t, left, "a deleted engagement's tally counts nothing")
}
