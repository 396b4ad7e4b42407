package jobs

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

// TestRiverSchemaIsCurrent: our numbered migrations (0140, 0141) hold all of River's own
// migrations for the River version in go.mod. After a River upgrade that adds one, this fails
// until a new numbered migration carries its SQL.
func TestRiverSchemaIsCurrent(t *testing.T) {
	_, dsn := dbtest.NewWithDSN(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	require.NoError(t, err)
	res, err := m.Validate(ctx, nil)
	require.NoError(t, err)
	assert.True(t, res.OK, "River migrations missing from migrations/: %v", res.Messages)
	// Running River's own migrator finds nothing to do.
	up, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{DryRun: true})
	require.NoError(t, err)
	assert.Empty(t, up.Versions)
}
