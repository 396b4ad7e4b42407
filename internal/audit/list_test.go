package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestListPagesByIDWithoutGapsOrOverlap(t *testing.T) {
	gdb := dbtest.New(t)
	record(t, gdb, 7)
	ctx := context.Background()
	var seen []int64
	f := audit.Filter{EntityType: "client", Limit: 3}
	for {
		p, err := audit.NewService(gdb).List(ctx, f)
		require.NoError(t, err)
		for _, e := range p.Events {
			seen = append(seen, *e.EntityID)
		}
		if p.NextBefore == 0 {
			break
		}
		f.Before = p.NextBefore
	}
	assert.Equal(t, []int64{7, 6, 5, 4, 3, 2, 1}, seen)

	p, err := audit.NewService(gdb).List(ctx, audit.Filter{Actor: "A@EXAMPLE", To: time.Now().AddDate(0, 0, -2)})
	require.NoError(t, err)
	assert.Empty(t, p.Events, "the date range applies")
	p, err = audit.NewService(gdb).List(ctx, audit.Filter{Actor: "%"})
	require.NoError(t, err)
	assert.Empty(t, p.Events, "LIKE wildcards in the actor filter are literal")
}

// BenchmarkListFilteredPage measures one filtered page of the audit trail page with 20,000
// events recorded, the size of a busy year.
func BenchmarkListFilteredPage(b *testing.B) {
	gdb := dbtest.New(b)
	require.NoError(b, gdb.Exec(`
		INSERT INTO audit_events (occurred_at, actor_email, action, entity_type, entity_id, engagement_id, after, prev_hash, hash)
		SELECT now() - (g || ' minutes')::interval, 'user' || (g % 20) || '@firm.example', 'test.update',
		       CASE WHEN g % 4 = 0 THEN 'client' ELSE 'test' END, g, g % 50, '{"status":"done"}', '\x00', '\x00'
		FROM generate_series(1, 20000) g`).Error)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := audit.NewService(gdb).List(ctx, audit.Filter{EngagementID: int64(i%49 + 1), EntityType: "test"})
		if err != nil || len(p.Events) == 0 {
			b.Fatal(fmt.Sprint("no events: ", err))
		}
	}
}
