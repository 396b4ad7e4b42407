package seed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
)

// SmallScale is the scale fixture at a size for tests.
var smallScale = Scale{Clients: 4, Engagements: 12, Controls: 70, Tests: 140, Samples: 700, Exceptions: 7, Requests: 30,
	Evidence: 60, PopulationRows: 500, DescriptionPages: 2, AuditEvents: 300}

// The scale fixture has the sizes asked for, keeps the audit chain whole and loads once.
func TestSeedScaleSizesAndIdempotence(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	clk := &clock.Fixed{T: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	res, err := SeedScale(ctx, gdb, store, clk, smallScale)
	require.NoError(t, err)
	require.True(t, res.Created)
	count := func(q string, args ...any) int {
		var n int
		require.NoError(t, gdb.Raw(q, args...).Row().Scan(&n))
		return n
	}
	e := res.EngagementID
	assert.Equal(t, 4, count(`SELECT count(*) FROM clients WHERE name LIKE 'Scale %'`))
	assert.Equal(t, 12, count(`SELECT count(*) FROM engagements WHERE name LIKE 'Scale %'`))
	assert.Equal(t, 5, count(`SELECT count(DISTINCT extract(year FROM period_start)) FROM engagements WHERE name LIKE 'Scale SOC 2 %'`))
	assert.Equal(t, 70, count(`SELECT count(*) FROM controls WHERE engagement_id = ?`, e))
	assert.Equal(t, 61, count(`SELECT count(DISTINCT criterion_id) FROM control_criteria cc JOIN controls c ON c.id = cc.control_id WHERE c.engagement_id = ?`, e))
	assert.Equal(t, 140, count(`SELECT count(*) FROM tests WHERE engagement_id = ?`, e))
	assert.Equal(t, 700, count(`SELECT count(*) FROM samples s JOIN tests t ON t.id = s.test_id WHERE t.engagement_id = ?`, e))
	assert.Equal(t, 7, count(`SELECT count(*) FROM exceptions WHERE engagement_id = ?`, e))
	assert.Equal(t, 30, count(`SELECT count(*) FROM info_requests WHERE engagement_id = ?`, e))
	assert.Equal(t, 60, count(`SELECT count(*) FROM evidence_files WHERE engagement_id = ?`, e))
	assert.Equal(t, 500, count(`SELECT count(*) FROM population_items pi JOIN populations p ON p.id = pi.population_id WHERE p.test_id = ?`, res.TestID))
	assert.Equal(t, 9, count(`SELECT count(*) FROM description_sections WHERE engagement_id = ?`, e))
	assert.GreaterOrEqual(t, count(`SELECT sum(length(body)) FROM description_sections WHERE engagement_id = ?`, e), 6000)
	assert.Equal(t, 300, count(`SELECT count(*) FROM audit_events WHERE engagement_id = ?`, e))
	v, err := audit.NewService(gdb).Verify(ctx)
	require.NoError(t, err)
	assert.Zero(t, v.BrokenID, v.Reason)

	again, err := SeedScale(ctx, gdb, store, clk, smallScale)
	require.NoError(t, err)
	assert.False(t, again.Created)
	assert.Equal(t, res.EngagementID, again.EngagementID)
	assert.Equal(t, res.TestID, again.TestID)
	assert.Equal(t, 12, count(`SELECT count(*) FROM engagements WHERE name LIKE 'Scale %'`), "a second run adds nothing")
}
