package fieldwork

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
)

// sampleDate is the sampled item's date from its population row (nil when it has none).
func (s *Service) sampleDate(tx *gorm.DB, sm Sample) *time.Time {
	var columns []string
	if sm.PopulationID != nil {
		if p, err := dbx.One[struct{ Columns dbx.TextArray }](tx, "population", `SELECT columns FROM populations WHERE id = ?`, *sm.PopulationID); err == nil {
			columns = p.Columns
		}
	}
	return ItemDate(sm.Item, columns)
}

// SampleDate is the sampled item's date, the default pertains-to date of its evidence.
func (s *Service) SampleDate(ctx context.Context, sm Sample) *time.Time {
	return s.sampleDate(s.DB.WithContext(ctx), sm)
}

// AttachEvidence records the auditors' own evidence on a test, or on one of its samples when
// sampleID is set. Evidence is part of the workpaper: a signed test loses its sign-offs, as with
// any other change to it, in the same transaction.
func (s *Service) AttachEvidence(ctx context.Context, u auth.User, testID, sampleID int64, files []evidence.Received) error {
	// The bytes go to the store first, outside the transaction and its locks (docs/decisions.md).
	if err := evidence.CommitBlobs(ctx, files); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := dbx.One[struct {
			EngagementID int64
			ClientID     int64
		}](tx, fmt.Sprintf("test %d", testID), `SELECT t.engagement_id, e.client_id FROM tests t JOIN engagements e ON e.id = t.engagement_id WHERE t.id = ?`, testID)
		if err != nil {
			return err
		}
		target := evidence.Target{EngagementID: row.EngagementID, TestID: testID}
		reason := "evidence attached to the test"
		if sampleID != 0 {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM samples WHERE id = ? AND test_id = ?`, sampleID, testID).Row().Scan(&n); err != nil {
				return fmt.Errorf("loading sample %d: %w", sampleID, err)
			}
			if n == 0 {
				return apperr.ErrNotFound
			}
			target = evidence.Target{EngagementID: row.EngagementID, SampleID: sampleID}
			reason = "evidence attached to a sample"
			if len(files) > 0 && files[0].PertainsTo == nil {
				sm, err := loadSample(tx, sampleID)
				if err != nil {
					return err
				}
				files = evidence.Dated(files, s.sampleDate(tx, sm))
			}
		}
		if _, err := evidence.RecordTx(ctx, tx, actor(u), row.ClientID, target, files); err != nil {
			return err
		}
		return clearSignoffs(ctx, tx, u, testID, reason)
	})
}
