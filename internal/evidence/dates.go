package evidence

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// ParsePertainsTo reads the date evidence pertains to as a form sends it (YYYY-MM-DD). Empty
// gives nil (the caller may default it, e.g. to the sampled item's date); a date after today is
// refused: evidence cannot show what has not happened yet.
func ParsePertainsTo(raw string, today time.Time) (*time.Time, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		return nil, apperr.Validation{"pertains_to": "Enter the date the evidence pertains to as YYYY-MM-DD."}
	}
	y, m, dd := today.Date()
	if d.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
		return nil, apperr.Validation{"pertains_to": fmt.Sprintf("%s is in the future: evidence pertains to a day that has passed. Check the date.", raw)}
	}
	return &d, nil
}

// Dated sets the pertains-to date of every file.
func Dated(files []Received, d *time.Time) []Received {
	for i := range files {
		files[i].PertainsTo = d
	}
	return files
}

// ExplainPeriod records an auditor's explanation of why evidence dated outside the examination
// period still supports the test (e.g. "the Q4 review approves access granted in December"); from
// then on the file counts for the test. Audited in the same transaction.
func (s *Service) ExplainPeriod(ctx context.Context, actor audit.Actor, id int64, explanation string) error {
	explanation = strings.TrimSpace(explanation)
	if explanation == "" {
		return apperr.Validation{"period_explanation": "Explain why evidence dated outside the period supports the test."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row struct {
			EngagementID int64
			Explanation  string
			OutOfPeriod  bool
		}
		err := tx.Raw(`SELECT f.engagement_id, f.period_explanation AS explanation, `+OutOfPeriodSQL+` AS out_of_period
			FROM evidence_files f JOIN engagements e ON e.id = f.engagement_id WHERE f.id = ? FOR UPDATE OF f`, id).Scan(&row).Error
		if err != nil {
			return fmt.Errorf("locking evidence file %d: %w", id, err)
		}
		if row.EngagementID == 0 {
			return apperr.ErrNotFound
		}
		if !row.OutOfPeriod {
			return apperr.Validation{"period_explanation": "This file is dated within the examination period; it needs no explanation."}
		}
		if err := tx.Exec(`UPDATE evidence_files SET period_explanation = ?, period_explained_by = ?, period_explained_at = now() WHERE id = ?`,
			explanation, actor.ID, id).Error; err != nil {
			return fmt.Errorf("explaining evidence file %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "evidence.period_explained", EntityType: "evidence_file", EntityID: id,
			EngagementID: row.EngagementID, Before: map[string]any{"period_explanation": row.Explanation},
			After: map[string]any{"period_explanation": explanation}})
	})
}
