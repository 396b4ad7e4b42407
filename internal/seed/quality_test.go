package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/quality"
	"github.com/attest-soc/attest/internal/seed"
)

// The demo shows a boilerplate warning on both Northwind 2026 and Bluejay 2026, each naming the
// other, and a Northwind timeline with steps.
func TestDemoShowsBoilerplateAndTimeline(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)}
	_, err := seed.Demo(ctx, gdb, clk)
	require.NoError(t, err)
	var northwind, bluejay int64
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2026'`).Row().Scan(&northwind))
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type I 2026'`).Row().Scan(&bluejay))
	svc := &quality.Service{DB: gdb, Clock: clk}
	ws, err := svc.Warnings(ctx, bluejay)
	require.NoError(t, err)
	// Bluejay's BJ-07 procedure matches NL-07 of Northwind 2026 (and of the issued 2025 engagement).
	var others []int64
	for _, w := range ws {
		assert.Equal(t, "NL-07", w.Other.Ref)
		others = append(others, w.Other.EngagementID)
	}
	assert.Contains(t, others, northwind)
	ws, err = svc.Warnings(ctx, northwind)
	require.NoError(t, err)
	require.Len(t, ws, 1)
	assert.Equal(t, bluejay, ws[0].Other.EngagementID)

	tl, err := svc.Timeline(ctx, northwind)
	require.NoError(t, err)
	assert.NotEmpty(t, tl.Entries)
}
