package seed

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestSeedControlsIsIdempotent(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	e := &Env{DB: db, ids: map[string]int64{}}
	require.NoError(t, seedControls(ctx, e), "no Northwind engagement yet: nothing to do")

	var clientID, engID int64
	require.NoError(t, db.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&clientID))
	require.NoError(t, db.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, categories)
		VALUES (?, 'Northwind Ledger SOC 2 Type II 2026', 'type2', '2026-01-01', '2026-06-30', '{security,availability}') RETURNING id`, clientID).Row().Scan(&engID))

	count := func(q string) int64 {
		var n int64
		require.NoError(t, db.Raw(q, engID).Row().Scan(&n))
		return n
	}
	for range 2 {
		require.NoError(t, seedControls(ctx, e))
		assert.EqualValues(t, 16, count(`SELECT count(*) FROM controls WHERE engagement_id = ?`))
		assert.EqualValues(t, 4, count(`SELECT count(*) FROM complementary_controls WHERE engagement_id = ?`))
		assert.EqualValues(t, 1, count(`SELECT count(*) FROM subservice_organizations WHERE engagement_id = ?`))
		assert.EqualValues(t, 21, count(`SELECT count(*) FROM audit_events WHERE engagement_id = ?`))
	}
	assert.EqualValues(t, 4, count(`SELECT count(*) FROM control_criteria cc JOIN controls c ON c.id = cc.control_id WHERE c.engagement_id = ? AND c.ref = 'NL-13'`))
	assert.EqualValues(t, 2, count(`SELECT count(*) FROM complementary_controls WHERE engagement_id = ? AND kind = 'csoc' AND subservice_organization_id IS NOT NULL`))
	assert.EqualValues(t, 1, count(`SELECT count(*) FROM controls WHERE engagement_id = ? AND ref = 'NL-10' AND frequency = 'multiple_daily'`))
}
