package db_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestMigratedDatabaseHasTheCriteriaCatalog(t *testing.T) {
	gdb := dbtest.New(t)
	var n int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM criteria`).Scan(&n).Error)
	assert.EqualValues(t, 61, n)
}

func TestAuditEventsRejectUpdateAndDelete(t *testing.T) {
	gdb := dbtest.New(t)
	require.NoError(t, gdb.Exec(`INSERT INTO audit_events (occurred_at, action, entity_type, prev_hash, hash) VALUES (now(), 'x', 'y', '\x00', '\x00')`).Error)
	err := gdb.Exec(`UPDATE audit_events SET action = 'z'`).Error
	require.Error(t, err)
	assert.Contains(t, err.Error(), "append-only")
	err = gdb.Exec(`DELETE FROM audit_events`).Error
	require.Error(t, err)
	assert.Contains(t, err.Error(), "append-only")
	err = gdb.Exec(`TRUNCATE audit_events`).Error
	require.Error(t, err)
}
