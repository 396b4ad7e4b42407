package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"

	"gorm.io/gorm"
)

// VerifyResult tells how much of the chain was checked and where it first breaks.
type VerifyResult struct {
	Checked  int64
	BrokenID int64  // 0 when the chain is intact
	Reason   string // why BrokenID fails
}

// OK reports whether every event checked out.
func (r VerifyResult) OK() bool { return r.BrokenID == 0 }

// Verify recomputes every event's hash in id order and checks each link to its predecessor.
func Verify(ctx context.Context, gdb *gorm.DB) (VerifyResult, error) {
	var res VerifyResult
	prev := make([]byte, sha256.Size)
	var lastID int64
	for {
		var rows []Row
		if err := gdb.WithContext(ctx).Where("id > ?", lastID).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return res, fmt.Errorf("reading audit events after %d: %w", lastID, err)
		}
		if len(rows) == 0 {
			return res, nil
		}
		for _, r := range rows {
			// jsonb hands back its own formatting: bring it to the canonical form that was hashed.
			var err error
			if r.Before, err = canonicalize(r.Before); err != nil {
				return res, fmt.Errorf("event %d: before: %w", r.ID, err)
			}
			if r.After, err = canonicalize(r.After); err != nil {
				return res, fmt.Errorf("event %d: after: %w", r.ID, err)
			}
			switch {
			case !bytes.Equal(r.PrevHash, prev):
				res.BrokenID, res.Reason = r.ID, "its link to the previous event does not match (an event was removed or reordered)"
			case !bytes.Equal(r.computeHash(), r.Hash):
				res.BrokenID, res.Reason = r.ID, "its content does not match its hash (the event was altered)"
			}
			if res.BrokenID != 0 {
				return res, nil
			}
			res.Checked++
			prev = r.Hash
			lastID = r.ID
		}
	}
}
