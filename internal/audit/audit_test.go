package audit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func record(t *testing.T, gdb *gorm.DB, n int) {
	t.Helper()
	ctx := audit.WithRequest(context.Background(), "192.0.2.1", "req-1")
	for i := 0; i < n; i++ {
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(ctx, tx, audit.Actor{ID: 0, Email: "a@example.com"}, audit.Event{
				Action: "client.update", EntityType: "client", EntityID: int64(i + 1),
				Before: map[string]any{"name": "Old", "n": i, "z": []int{1, 2}},
				After:  map[string]any{"name": "New", "n": i + 1, "a": "x"},
			})
		})
		require.NoError(t, err)
	}
}

func TestVerifyAcceptsAnIntactChain(t *testing.T) {
	gdb := dbtest.New(t)
	record(t, gdb, 5)
	res, err := audit.NewService(gdb).Verify(context.Background())
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Reason)
	assert.EqualValues(t, 5, res.Checked)

	var row audit.Row
	require.NoError(t, gdb.Order("id").First(&row).Error)
	assert.Equal(t, "192.0.2.1", row.IP)
	assert.Equal(t, "req-1", row.RequestID)
}

func TestVerifyNamesTheFirstAlteredEvent(t *testing.T) {
	gdb := dbtest.New(t)
	record(t, gdb, 4)
	var ids []int64
	require.NoError(t, gdb.Raw(`SELECT id FROM audit_events ORDER BY id`).Scan(&ids).Error)
	// Tampering needs a superuser to switch the append-only trigger off, as an attacker would.
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`).Error)
	require.NoError(t, gdb.Exec(`UPDATE audit_events SET after = '{"name":"Forged"}' WHERE id = ?`, ids[2]).Error)
	res, err := audit.NewService(gdb).Verify(context.Background())
	require.NoError(t, err)
	assert.False(t, res.OK())
	assert.Equal(t, ids[2], res.BrokenID)
	assert.Contains(t, res.Reason, "altered")
	assert.EqualValues(t, 2, res.Checked)
}

func TestVerifyDetectsARemovedEvent(t *testing.T) {
	gdb := dbtest.New(t)
	record(t, gdb, 3)
	var ids []int64
	require.NoError(t, gdb.Raw(`SELECT id FROM audit_events ORDER BY id`).Scan(&ids).Error)
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`).Error)
	require.NoError(t, gdb.Exec(`DELETE FROM audit_events WHERE id = ?`, ids[1]).Error)
	res, err := audit.NewService(gdb).Verify(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ids[2], res.BrokenID)
	assert.Contains(t, res.Reason, "removed")
}

func TestEventRollsBackWithItsTransaction(t *testing.T) {
	gdb := dbtest.New(t)
	boom := errors.New("change failed")
	err := gdb.Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec(`INSERT INTO clients (name) VALUES ('Rolled Back Inc.')`).Error)
		require.NoError(t, audit.Record(context.Background(), tx, audit.System, audit.Event{Action: "client.create", EntityType: "client"}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	var events, clients int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events`).Scan(&events).Error)
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM clients`).Scan(&clients).Error)
	assert.Zero(t, events)
	assert.Zero(t, clients)
}
