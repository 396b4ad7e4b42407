package firm

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// interleave runs a colleague's save as an open transaction (tx has read the row and will write
// version 2), starts our save of version 1 while that transaction is open, waits until our save
// is blocked on the row lock, then commits the colleague's save and returns our save's result.
// Without a real row lock our save reads the old version, believes it is current, and then
// overwrites the colleague's committed change (or "succeeds" while changing nothing).
func interleave(t *testing.T, db *gorm.DB, colleague func(tx *gorm.DB), ours func() error) error {
	t.Helper()
	tx := db.Begin()
	require.NoError(t, tx.Error)
	colleague(tx)
	done := make(chan error, 1)
	go func() { done <- ours() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int64
		require.NoError(t, db.Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting).Error)
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			// Finished without waiting for the colleague: it cannot have seen their save.
			require.NoError(t, tx.Commit().Error)
			return err
		default:
		}
		require.True(t, time.Now().Before(deadline), "our save neither waited nor finished")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, tx.Commit().Error)
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("our save did not finish after the colleague committed")
		return nil
	}
}

func TestInterleavedSettingsSavesDoNotLoseAnUpdate(t *testing.T) {
	db := dbtest.New(t)
	s := &Service{DB: db, Clock: clock.System{}}
	ctx := context.Background()
	st, err := s.GetSettings(ctx)
	require.NoError(t, err)
	v := st.Version

	err = interleave(t, db, func(tx *gorm.DB) {
		// The colleague's save: lock, write version+1, audit.
		require.NoError(t, tx.Exec(`SELECT 1 FROM firm_settings WHERE id = 1 FOR UPDATE`).Error)
		require.NoError(t, tx.Exec(`UPDATE firm_settings SET city = 'Salem', version = version + 1 WHERE id = 1`).Error)
		require.NoError(t, audit.Record(ctx, tx, audit.System, audit.Event{Action: "settings.update", EntityType: "firm_settings", EntityID: 1}))
	}, func() error {
		_, err := s.UpdateSettings(ctx, audit.System, v, SettingsInput{FirmName: "Harbor & Vale", City: "Portland", State: "Oregon"})
		return err
	})
	_, conflict := apperr.AsConflict(err)
	require.True(t, conflict, "the second save must be refused, got %v", err)

	got, err := s.GetSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Salem", got.City, "the colleague's committed change is kept")
	assert.Equal(t, v+1, got.Version)
	var events int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'settings.update'`).Scan(&events).Error)
	assert.Equal(t, int64(1), events, "one change, one audit event")
}

func TestInterleavedClientSavesDoNotLoseAnUpdate(t *testing.T) {
	db := dbtest.New(t)
	s := &Service{DB: db, Clock: clock.System{}}
	ctx := context.Background()
	c, err := s.CreateClient(ctx, audit.System, ClientInput{Name: "Northwind Ledger"})
	require.NoError(t, err)

	err = interleave(t, db, func(tx *gorm.DB) {
		require.NoError(t, tx.Exec(`SELECT 1 FROM clients WHERE id = ? FOR UPDATE`, c.ID).Error)
		require.NoError(t, tx.Exec(`UPDATE clients SET legal_name = 'Northwind Ledger, Inc.', version = version + 1 WHERE id = ?`, c.ID).Error)
		require.NoError(t, audit.Record(ctx, tx, audit.System, audit.Event{Action: "client.update", EntityType: "client", EntityID: c.ID}))
	}, func() error {
		_, err := s.UpdateClient(ctx, audit.System, c.ID, c.Version, ClientInput{Name: "Northwind", LegalName: "NW LLC"})
		return err
	})
	conflict, ok := apperr.AsConflict(err)
	require.True(t, ok, "the second save must be refused, got %v", err)
	assert.Equal(t, "Northwind Ledger, Inc.", conflict.Current.(Client).LegalName, "the conflict shows the colleague's version")

	got, err := s.GetClient(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Northwind Ledger, Inc.", got.LegalName)
	assert.Equal(t, "Northwind Ledger", got.Name)
	var events int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'client.update'`).Scan(&events).Error)
	assert.Equal(t, int64(1), events, "one change, one audit event")
}
