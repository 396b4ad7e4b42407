package seed

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
)

func TestPortalDemoData(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)}
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)

	for i := 0; i < 2; i++ {
		_, err = Demo(ctx, gdb, clk, WithEvidenceStore(store), WithBaseURL("https://audit.harborvale.example"))
		require.NoError(t, err)
	}
	var links, elsewhere int
	require.NoError(t, gdb.Raw(`SELECT count(*) FILTER (WHERE body LIKE '%https://audit.harborvale.example/requests/%'),
		count(*) FILTER (WHERE body LIKE '%127.0.0.1%') FROM notifications`).Row().Scan(&links, &elsewhere))
	assert.Positive(t, links, "demo e-mails link to the configured address")
	assert.Zero(t, elsewhere)
	var n int
	counts := map[string]int{}
	rows, err := gdb.Raw(`SELECT CASE WHEN status = 'open' AND return_reason <> '' THEN 'returned'
		WHEN status = 'open' AND due_date < '2026-07-20' THEN 'overdue' ELSE status END, count(*) FROM info_requests GROUP BY 1`).Rows()
	require.NoError(t, err)
	for rows.Next() {
		var s string
		var c int
		require.NoError(t, rows.Scan(&s, &c))
		counts[s] = c
	}
	rows.Close()
	assert.Equal(t, map[string]int{"accepted": 12, "submitted": 4, "returned": 2, "overdue": 6, "open": 9}, counts, "a second run adds nothing")
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM info_request_links l JOIN info_requests r ON r.id = l.request_id
		WHERE r.number = 33 AND r.priority = 'high'`).Row().Scan(&n))
	assert.Equal(t, 5, n, "R-033 asks for three sampled NL-05 terminations: control, test and the items are linked")
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM evidence_files WHERE request_id IS NOT NULL`).Row().Scan(&n))
	assert.Equal(t, 18, n)
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM evidence_files WHERE pertains_to IS NULL`).Row().Scan(&n))
	assert.Zero(t, n, "every demo file is dated")
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM request_comments`).Row().Scan(&n))
	assert.Equal(t, 4, n)
	require.NoError(t, gdb.Raw(`SELECT count(DISTINCT assignee_id) FROM info_requests`).Row().Scan(&n))
	assert.Equal(t, 3, n, "dana, jordan and sam (whom jordan, the client's coordinator, invited)")

	// The demo files are real, verifiable blobs.
	var sha string
	require.NoError(t, gdb.Raw(`SELECT blob_key FROM evidence_files WHERE request_id IS NOT NULL ORDER BY id LIMIT 1`).Row().Scan(&sha))
	rc, err := store.Open(ctx, sha)
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Contains(t, string(b), "Northwind Ledger")
}
