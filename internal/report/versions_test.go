package report

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
	"github.com/attest-soc/attest/internal/evidence"
)

func newVersionService(t *testing.T) (*Service, int64, audit.Actor) {
	gdb := dbtest.New(t)
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	svc := &Service{DB: gdb, Store: store, Clock: &clock.Fixed{T: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}}
	var client, eng, user int64
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind') RETURNING id`).Row().Scan(&client))
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
		VALUES (?, 'N', 'type2', '2026-01-01', '2026-06-30') RETURNING id`, client).Row().Scan(&eng))
	require.NoError(t, gdb.Raw(`INSERT INTO users (email, name, role) VALUES ('p@x.test', 'Pat Partner', 'partner') RETURNING id`).Row().Scan(&user))
	return svc, eng, audit.Actor{ID: user, Email: "p@x.test"}
}

func TestStoreVersionSupersedesAndDownloadIsAudited(t *testing.T) {
	svc, eng, actor := newVersionService(t)
	ctx := context.Background()
	day := time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)
	store := func(pdf string) Version {
		var v Version
		require.NoError(t, svc.DB.Transaction(func(tx *gorm.DB) error {
			var err error
			v, err = svc.StoreVersion(ctx, tx, actor, NewVersion{EngagementID: eng, Variant: Type2, OpinionKind: "unmodified",
				PDF: []byte(pdf), ReleaseDate: day, ReportDate: day})
			return err
		}))
		return v
	}
	v1 := store("%PDF-first")
	v2 := store("%PDF-second")
	assert.Equal(t, 1, v1.Version)
	assert.Equal(t, 2, v2.Version)

	list, err := svc.Versions(ctx, eng)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, StateCurrent, list[0].State, "newest first")
	assert.Equal(t, StateSuperseded, list[1].State)
	assert.Equal(t, "Pat Partner", list[0].IssuedByName)
	assert.Equal(t, int64(len("%PDF-second")), list[0].Size)

	_, data, err := svc.Download(ctx, actor, false, v1.ID)
	require.NoError(t, err)
	assert.Equal(t, "%PDF-first", string(data), "the team can still download a superseded version")
	_, _, err = svc.Download(ctx, actor, true, v1.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "client users see only current versions")

	var downloads int
	require.NoError(t, svc.DB.Raw(`SELECT count(*) FROM audit_events WHERE action = 'report.download' AND entity_id = ? AND actor_id = ?`,
		v1.ID, actor.ID).Scan(&downloads).Error)
	assert.Equal(t, 1, downloads)

	require.NoError(t, svc.DB.Transaction(func(tx *gorm.DB) error {
		n, err := svc.WithdrawCurrent(ctx, tx, actor, eng, "reopened")
		assert.Equal(t, int64(1), n)
		return err
	}))
	v3 := store("%PDF-third")
	assert.Equal(t, 3, v3.Version, "numbers continue after a withdrawal")
}
