package engagements_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
)

// BenchmarkListForStaff measures the engagement list of a staff member in a firm with 300
// engagements, each with requests, exceptions and review notes to count.
func BenchmarkListForStaff(b *testing.B) {
	fx := newFixture(b)
	require.NoError(b, fx.db.Exec(`
		INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
		SELECT ?, 'E' || g, 'type2', DATE '2026-01-01', DATE '2026-06-30' FROM generate_series(1, 300) g`, fx.client).Error)
	require.NoError(b, fx.db.Exec(`
		INSERT INTO engagement_members (engagement_id, user_id, role)
		SELECT id, ?, 'staff' FROM engagements WHERE id % 3 = 0`, fx.users["tom"]).Error)
	require.NoError(b, fx.db.Exec(`
		INSERT INTO info_requests (engagement_id, number, title)
		SELECT e.id, n, 'R' FROM engagements e, generate_series(1, 30) n`).Error)
	staff := auth.User{ID: fx.users["tom"], Role: auth.RoleStaff}
	for b.Loop() {
		list, err := engagements.NewService(fx.db).List(context.Background(), staff, engagements.Filter{})
		if err != nil || len(list) != 100 {
			b.Fatalf("list: %d rows, %v", len(list), err)
		}
	}
}
