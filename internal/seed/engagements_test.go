package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/seed"
)

func TestDemoEngagementsAreSeededOnce(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	_, err := seed.Demo(ctx, gdb, clk)
	require.NoError(t, err)
	var events int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events`).Scan(&events).Error)

	_, err = seed.Demo(ctx, gdb, clk)
	require.NoError(t, err)
	var again int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events`).Scan(&again).Error)
	assert.Equal(t, events, again, "a second run changes nothing")

	var rows []struct {
		Client, Name, Status, Categories string
		Members, Confirmed, Orgs         int
		Released                         bool
	}
	require.NoError(t, gdb.Raw(`SELECT c.name AS client, e.name, e.status, array_to_string(e.categories, ',') AS categories,
		(SELECT count(*) FROM engagement_members m WHERE m.engagement_id = e.id) AS members,
		(SELECT count(*) FROM engagement_members m WHERE m.engagement_id = e.id AND m.independence_confirmed_at IS NOT NULL) AS confirmed,
		(SELECT count(*) FROM subservice_organizations s WHERE s.engagement_id = e.id AND s.method = 'carve_out') AS orgs,
		e.released_at IS NOT NULL AS released
		FROM engagements e JOIN clients c ON c.id = e.client_id ORDER BY e.id`).Scan(&rows).Error)
	require.Len(t, rows, 3)
	assert.Equal(t, "SOC 2 Type II 2025", rows[0].Name)
	assert.Equal(t, "issued", rows[0].Status)
	assert.True(t, rows[0].Released)
	assert.Equal(t, "Northwind Ledger", rows[1].Client)
	assert.Equal(t, "fieldwork", rows[1].Status)
	assert.Equal(t, "security,availability", rows[1].Categories)
	assert.Equal(t, 7, rows[1].Members, "the team, Dana, Jordan and Sam (invited by Jordan, the client's coordinator)")
	assert.Equal(t, 4, rows[1].Confirmed)
	assert.Equal(t, 1, rows[1].Orgs)
	assert.Equal(t, "Bluejay Health Analytics", rows[2].Client)
	assert.Equal(t, "planning", rows[2].Status)
	assert.Equal(t, 2, rows[2].Members)
	assert.Equal(t, 0, rows[2].Confirmed)
}

// TestDemoCoordinator: make run shows the client's coordinator — Jordan marked by the firm, Sam
// invited by Jordan (in the audit trail) with two requests, Dana seeing only hers.
func TestDemoCoordinator(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	_, err := seed.Demo(ctx, gdb, &clock.Fixed{T: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	var got struct {
		Coordinator string
		SamRequests int
		Invites     int
	}
	require.NoError(t, gdb.Raw(`SELECT
		(SELECT u.email FROM engagement_members m JOIN users u ON u.id = m.user_id WHERE m.coordinator) AS coordinator,
		(SELECT count(*) FROM info_requests r JOIN users u ON u.id = r.assignee_id WHERE u.email = 'sam@northwind.example') AS sam_requests,
		(SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id WHERE a.action = 'engagement.colleague_invite'
			AND u.email = 'jordan@northwind.example' AND a.after->>'email' = 'sam@northwind.example') AS invites`).Scan(&got).Error)
	assert.Equal(t, "jordan@northwind.example", got.Coordinator)
	assert.Equal(t, 2, got.SamRequests)
	assert.Equal(t, 1, got.Invites)
	_, err = seed.Demo(ctx, gdb, &clock.Fixed{T: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err, "seeding twice changes nothing")
	var n int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events WHERE action = 'engagement.colleague_invite'`).Row().Scan(&n))
	assert.Equal(t, 1, n)
}
