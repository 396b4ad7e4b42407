package fieldwork

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// SignAsPreparer records that u prepared the test. Inquiry alone is not enough evidence, so an
// inquiry-only test cannot be signed off; nor can one whose result notes exceptions none of
// which is recorded.
func (s *Service) SignAsPreparer(ctx context.Context, u auth.User, testID int64, version int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTest(tx, testID, version)
		if err != nil {
			return err
		}
		if t.InquiryOnly() {
			return apperr.Validation{"signoff": "Inquiry alone is not sufficient evidence: add observation, inspection or reperformance before signing off."}
		}
		if t.Result == ResultNotStarted || t.Result == ResultInProgress {
			return apperr.Validation{"signoff": "Record the result of the test before signing it off as preparer."}
		}
		if err := checkConclusion(tx, t, t.Result); err != nil {
			if v, ok := apperr.AsValidation(err); ok {
				return apperr.Validation{"signoff": strings.Replace(v["result"], "This test cannot be concluded yet", "This test cannot be signed as prepared", 1)}
			}
			return err
		}
		if t.Result == ResultExceptions {
			var n int
			if err := tx.Raw(`SELECT count(*) FROM exceptions WHERE test_id = ?`, testID).Row().Scan(&n); err != nil {
				return fmt.Errorf("counting exceptions of test %d: %w", testID, err)
			}
			if n == 0 {
				return apperr.Validation{"signoff": "The result says exceptions were noted: record the deviation (description, cause, x of n) before signing off."}
			}
		}
		now := s.Clock.Now()
		if err := tx.Exec(`UPDATE tests SET prepared_by = ?, prepared_at = ?, version = version + 1, updated_at = now() WHERE id = ?`,
			u.ID, now, testID).Error; err != nil {
			return fmt.Errorf("signing test %d as preparer: %w", testID, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.sign_preparer", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"prepared_by": u.ID, "prepared_at": now}})
	})
}

// SignAsReviewer records that u reviewed the test. The preparer cannot review their own work, and
// a test with review notes not yet cleared is not reviewed.
func (s *Service) SignAsReviewer(ctx context.Context, u auth.User, testID int64, version int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTest(tx, testID, version)
		if err != nil {
			return err
		}
		if t.PreparedBy == nil {
			return apperr.Validation{"signoff": "The test has no preparer sign-off yet: it is reviewed after it is prepared."}
		}
		if *t.PreparedBy == u.ID {
			return apperr.Validation{"signoff": "You prepared this test, so you cannot review it. Ask another senior, manager or partner on the team."}
		}
		var open int
		if err := tx.Raw(`SELECT count(*) FROM review_notes WHERE target_type = 'test' AND target_id = ? AND cleared_at IS NULL`, testID).Row().Scan(&open); err != nil {
			return fmt.Errorf("counting open review notes of test %d: %w", testID, err)
		}
		if open > 0 {
			return apperr.Validation{"signoff": fmt.Sprintf("%d review %s on this test %s not cleared yet: clear %s before signing off as reviewer.",
				open, map[bool]string{true: "note", false: "notes"}[open == 1], map[bool]string{true: "is", false: "are"}[open == 1], map[bool]string{true: "it", false: "them"}[open == 1])}
		}
		now := s.Clock.Now()
		if err := tx.Exec(`UPDATE tests SET reviewed_by = ?, reviewed_at = ?, edited_after_review = false, version = version + 1,
				updated_at = now() WHERE id = ?`, u.ID, now, testID).Error; err != nil {
			return fmt.Errorf("signing test %d as reviewer: %w", testID, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.sign_reviewer", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"reviewed_by": u.ID, "reviewed_at": now}})
	})
}

// clearSignoffs runs inside a change to a test's workpaper (its samples, exceptions or
// selection): a signed workpaper that changes loses its sign-offs, a reviewed one is marked
// edited after review, and the audit trail records why.
func clearSignoffs(ctx context.Context, tx *gorm.DB, u auth.User, testID int64, reason string) error {
	var row struct {
		EngagementID int64
		PreparedBy   *int64
		ReviewedBy   *int64
	}
	if err := tx.Raw(`SELECT engagement_id, prepared_by, reviewed_by FROM tests WHERE id = ?`, testID).Scan(&row).Error; err != nil {
		return fmt.Errorf("loading sign-offs of test %d: %w", testID, err)
	}
	if row.PreparedBy == nil && row.ReviewedBy == nil {
		return nil
	}
	reviewed := row.ReviewedBy != nil
	if err := tx.Exec(`UPDATE tests SET prepared_by = NULL, prepared_at = NULL, reviewed_by = NULL, reviewed_at = NULL,
			edited_after_review = edited_after_review OR ?, version = version + 1, updated_at = now() WHERE id = ?`, reviewed, testID).Error; err != nil {
		return fmt.Errorf("clearing sign-offs of test %d: %w", testID, err)
	}
	return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.signoffs_cleared", EntityType: "test", EntityID: testID,
		EngagementID: row.EngagementID, After: map[string]any{"reason": reason, "edited_after_review": reviewed}})
}
