package requests

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
)

// slowStore is a blob store whose uploads take as long as the test wants, like S3 on a bad day.
// During each Commit it runs during() and records its error.
type slowStore struct {
	evidence.Store
	during func() error
	errs   []error
}

func (s *slowStore) Commit(ctx context.Context, sp *evidence.Spooled) error {
	s.errs = append(s.errs, s.during())
	return s.Store.Commit(ctx, sp)
}

func TestTheAuditLockIsNotHeldWhileBlobsUpload(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	local, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	store := &slowStore{Store: local}
	ev := &evidence.Service{DB: db, Store: store, MaxBytes: 1 << 20}
	svc := &Service{DB: db, Clock: clock.System{}, Evidence: ev}

	var clientID, engagementID, requestID int64
	require.NoError(t, db.Raw(`INSERT INTO clients (name) VALUES ('Northwind') RETURNING id`).Row().Scan(&clientID))
	require.NoError(t, db.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
		VALUES (?, 'NW 2026', 'type2', '2026-01-01', '2026-06-30', 'fieldwork') RETURNING id`, clientID).Row().Scan(&engagementID))
	var dana auth.User
	require.NoError(t, db.Raw(`INSERT INTO users (email, name, role, client_id) VALUES ('dana@nw.example', 'Dana', 'client', ?) RETURNING id`, clientID).Row().Scan(&dana.ID))
	require.NoError(t, db.First(&dana, dana.ID).Error)
	require.NoError(t, db.Raw(`INSERT INTO info_requests (engagement_id, number, title) VALUES (?, 1, 'Access review') RETURNING id`, engagementID).Row().Scan(&requestID))

	// While the store uploads, someone else in the firm makes an audited change. It must not wait
	// for the upload: with the lock held it would block until the 3-second timeout.
	n := 0
	store.during = func() error {
		n++
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return db.WithContext(tctx).Transaction(func(tx *gorm.DB) error {
			return audit.Record(tctx, tx, audit.System, audit.Event{Action: "client.update", EntityType: "client", EntityID: clientID,
				After: map[string]any{"n": n}})
		})
	}
	var files []evidence.Received
	for i := 1; i <= 3; i++ {
		rec, err := ev.Receive(ctx, fmt.Sprintf("export-%d.csv", i), bytes.NewReader([]byte(fmt.Sprintf("user,role\nu%d,admin\n", i))))
		require.NoError(t, err)
		pertains := time.Date(2026, 3, i, 0, 0, 0, 0, time.UTC) // every file carries its date (inside the period)
		rec.PertainsTo = &pertains
		files = append(files, rec)
	}
	defer evidence.DiscardAll(files)
	require.NoError(t, svc.AddEvidence(ctx, dana, requestID, files))

	require.Len(t, store.errs, 3)
	for i, err := range store.errs {
		assert.NoError(t, err, "upload %d: an audited change waited for the blob store", i+1)
	}
	var recorded int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM evidence_files WHERE request_id = ?`, requestID).Scan(&recorded).Error)
	assert.Equal(t, int64(3), recorded)
	res, err := audit.NewService(db).Verify(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK(), "the chain is intact")
}
