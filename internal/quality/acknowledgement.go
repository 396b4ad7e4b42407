package quality

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// Acknowledgement is the partner's reason for signing despite a boilerplate warning.
type Acknowledgement struct {
	ID              int64
	EngagementID    int64
	Kind            Kind
	ItemID          int64
	OtherItemID     int64
	TextSHA256      string `gorm:"column:text_sha256"`
	OtherTextSHA256 string `gorm:"column:other_text_sha256"`
	Reason          string
	AcknowledgedBy  int64
	ByName          string `gorm:"->"`
	AcknowledgedAt  time.Time
}

func (s *Service) acknowledgements(ctx context.Context, engagementID int64) (map[WarningKey]Acknowledgement, error) {
	var rows []Acknowledgement
	err := s.DB.WithContext(ctx).Raw(`SELECT a.id, a.engagement_id, a.kind, a.item_id, a.other_item_id, a.text_sha256,
			a.other_text_sha256, a.reason, a.acknowledged_by, u.name AS by_name, a.acknowledged_at
		FROM boilerplate_acknowledgements a JOIN users u ON u.id = a.acknowledged_by
		WHERE a.engagement_id = ?`, engagementID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("loading acknowledgements of engagement %d: %w", engagementID, err)
	}
	out := make(map[WarningKey]Acknowledgement, len(rows))
	for _, r := range rows {
		out[WarningKey{Kind: r.Kind, ItemID: r.ItemID, OtherItemID: r.OtherItemID}] = r
	}
	return out, nil
}

// Acknowledge records the partner's reason for one current warning of the engagement, for the
// texts as they are now. A warning that no longer exists (the text changed) is not found.
func (s *Service) Acknowledge(ctx context.Context, u auth.User, engagementID int64, key WarningKey, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return apperr.Validation{"reason": "Say why this text may stay as it is (e.g. the client's own wording reviewed with them)."}
	}
	ws, err := s.Warnings(ctx, engagementID)
	if err != nil {
		return err
	}
	var w *Warning
	for i := range ws {
		if ws[i].Key() == key {
			w = &ws[i]
		}
	}
	if w == nil {
		return apperr.ErrNotFound
	}
	now := s.Clock.Now().UTC()
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO boilerplate_acknowledgements (engagement_id, kind, item_id, other_engagement_id, other_item_id,
				text_sha256, other_text_sha256, share, reason, acknowledged_by, acknowledged_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (engagement_id, kind, item_id, other_item_id) DO UPDATE SET other_engagement_id = EXCLUDED.other_engagement_id,
				text_sha256 = EXCLUDED.text_sha256, other_text_sha256 = EXCLUDED.other_text_sha256, share = EXCLUDED.share,
				reason = EXCLUDED.reason, acknowledged_by = EXCLUDED.acknowledged_by, acknowledged_at = EXCLUDED.acknowledged_at`,
			engagementID, string(key.Kind), key.ItemID, w.Other.EngagementID, key.OtherItemID, w.Text.Hash(), w.Other.Hash(),
			w.Share, reason, u.ID, now).Error
		if err != nil {
			return fmt.Errorf("recording acknowledgement: %w", err)
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "boilerplate.acknowledge",
			EntityType: "engagement", EntityID: engagementID, EngagementID: engagementID, ClientID: w.Text.ClientID,
			After: map[string]any{"kind": key.Kind, "item_id": key.ItemID, "ref": w.Text.Ref, "other_engagement_id": w.Other.EngagementID,
				"other_item_id": key.OtherItemID, "share": w.Percent(), "reason": reason}})
	})
}

// Template is a piece of the firm's standard wording, left out of the comparison.
type Template struct {
	ID        int64
	Title     string
	Body      string
	CreatedAt time.Time
}

// Templates lists the firm's template texts.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	var out []Template
	err := s.DB.WithContext(ctx).Raw(`SELECT id, title, body, created_at FROM boilerplate_templates ORDER BY title, id`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading template texts: %w", err)
	}
	return out, nil
}

// AddTemplate marks text as the firm's standard wording.
func (s *Service) AddTemplate(ctx context.Context, u auth.User, title, body string) (int64, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	v := apperr.Validation{}
	if title == "" {
		v["title"] = "Give the template a title, e.g. “Change management procedure”."
	}
	if len(words(body)) < shingleWords {
		v["body"] = fmt.Sprintf("Paste the standard text (at least %d words).", shingleWords)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO boilerplate_templates (title, body, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			title, body, u.ID, s.Clock.Now().UTC()).Row().Scan(&id); err != nil {
			return fmt.Errorf("saving template text: %w", err)
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "boilerplate_template.create",
			EntityType: "boilerplate_template", EntityID: id, After: map[string]any{"title": title, "body": body}})
	})
	return id, err
}

// DeleteTemplate removes a template text: its wording counts in comparisons again.
func (s *Service) DeleteTemplate(ctx context.Context, u auth.User, id int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := dbx.One[Template](tx, fmt.Sprintf("template %d", id), `SELECT id, title, body FROM boilerplate_templates WHERE id = ? FOR UPDATE`, id)
		if err != nil {
			return fmt.Errorf("loading template text %d: %w", id, err)
		}
		if err := tx.Exec(`DELETE FROM boilerplate_templates WHERE id = ?`, id).Error; err != nil {
			return fmt.Errorf("deleting template text %d: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "boilerplate_template.delete",
			EntityType: "boilerplate_template", EntityID: id, Before: map[string]any{"title": t.Title, "body": t.Body}})
	})
}
