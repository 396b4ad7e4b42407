package fieldwork

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
)

// ReviewNote is a reviewer's question or instruction on a test or control.
type ReviewNote struct {
	ID            int64
	EngagementID  int64
	TargetType    string
	TargetID      int64
	TargetLabel   string
	Body          string
	RaisedBy      int64
	RaisedByName  string
	RaisedAt      time.Time
	Response      string
	ResponderName string
	RespondedAt   *time.Time
	ClearedAt     *time.Time
	ClearerName   string
	Version       int
}

// Status is open, answered or cleared.
func (n ReviewNote) Status() string {
	switch {
	case n.ClearedAt != nil:
		return "cleared"
	case n.Response != "":
		return "answered"
	}
	return "open"
}

const noteSelect = `SELECT n.id, n.engagement_id, n.target_type, n.target_id,
	coalesce(CASE n.target_type WHEN 'test' THEN (SELECT 'Test of ' || c.ref FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.id = n.target_id)
		WHEN 'control' THEN (SELECT 'Control ' || ref FROM controls WHERE id = n.target_id)
		WHEN 'description_section' THEN (SELECT 'Description ' || code FROM description_sections WHERE id = n.target_id) END, n.target_type) AS target_label,
	n.body, n.raised_by, ru.name AS raised_by_name, n.raised_at, n.response, coalesce(au.name, '') AS responder_name, n.responded_at,
	n.cleared_at, coalesce(cu.name, '') AS clearer_name, n.version
	FROM review_notes n JOIN users ru ON ru.id = n.raised_by LEFT JOIN users au ON au.id = n.responded_by LEFT JOIN users cu ON cu.id = n.cleared_by `

// ReviewNotes lists an engagement's review notes, open ones first.
func (s *Service) ReviewNotes(ctx context.Context, engagementID int64) ([]ReviewNote, error) {
	var out []ReviewNote
	if err := s.DB.WithContext(ctx).Raw(noteSelect+`WHERE n.engagement_id = ? ORDER BY n.cleared_at IS NOT NULL, n.id`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing review notes of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// ReviewNotesOn lists the notes on one target.
func (s *Service) ReviewNotesOn(ctx context.Context, targetType string, targetID int64) ([]ReviewNote, error) {
	var out []ReviewNote
	if err := s.DB.WithContext(ctx).Raw(noteSelect+`WHERE n.target_type = ? AND n.target_id = ? ORDER BY n.id`, targetType, targetID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing review notes on %s %d: %w", targetType, targetID, err)
	}
	return out, nil
}

func loadNote(db *gorm.DB, id int64, version int) (ReviewNote, error) {
	n, err := dbx.One[ReviewNote](db, fmt.Sprintf("review note %d", id), noteSelect+`WHERE n.id = ? FOR UPDATE OF n`, id)
	if err != nil {
		return ReviewNote{}, err
	}
	if n.Version != version {
		return ReviewNote{}, &apperr.ConflictError{Entity: "This review note", Current: n, UpdatedAt: time.Now()}
	}
	return n, nil
}

// RaiseReviewNote raises a note on a test or control of the engagement.
func (s *Service) RaiseReviewNote(ctx context.Context, u auth.User, engagementID int64, targetType string, targetID int64, body string) (int64, error) {
	v := apperr.Validation{}
	body = strings.TrimSpace(body)
	if body == "" {
		v.Add("body", "Write the note: what should the preparer look at or change?")
	}
	var table string
	switch targetType {
	case "test":
		table = "tests"
	case "control":
		table = "controls"
	default:
		v.Add("target", "Review notes are raised on a test or a control.")
	}
	if table != "" {
		var n int
		if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM `+table+` WHERE id = ? AND engagement_id = ?`, targetID, engagementID).Row().Scan(&n); err != nil {
			return 0, fmt.Errorf("checking note target: %w", err)
		}
		if n == 0 {
			v.Add("target", "Choose a test or control of this engagement.")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by, raised_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			engagementID, targetType, targetID, body, u.ID, s.Clock.Now()).Row().Scan(&id); err != nil {
			return fmt.Errorf("inserting review note: %w", err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "review_note.raise", EntityType: "review_note", EntityID: id,
			EngagementID: engagementID, After: map[string]any{"target_type": targetType, "target_id": targetID, "body": body}})
	})
	return id, err
}

// AnswerReviewNote records the preparer's answer.
func (s *Service) AnswerReviewNote(ctx context.Context, u auth.User, id int64, response string, version int) error {
	response = strings.TrimSpace(response)
	if response == "" {
		return apperr.Validation{"response": "Write your answer to the note."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := loadNote(tx, id, version)
		if err != nil {
			return err
		}
		if n.ClearedAt != nil {
			return apperr.Validation{"response": "The note is already cleared."}
		}
		if err := tx.Exec(`UPDATE review_notes SET response = ?, responded_by = ?, responded_at = ?, version = version + 1 WHERE id = ?`,
			response, u.ID, s.Clock.Now(), id).Error; err != nil {
			return fmt.Errorf("answering review note %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "review_note.answer", EntityType: "review_note", EntityID: id,
			EngagementID: n.EngagementID, Before: map[string]any{"response": n.Response}, After: map[string]any{"response": response}})
	})
}

// ReviewNoteAuthor returns who raised note id (the policy's Resource.OwnerID for clearing it),
// or apperr.ErrNotFound.
func (s *Service) ReviewNoteAuthor(ctx context.Context, id int64) (int64, error) {
	return dbx.One[int64](s.DB.WithContext(ctx), fmt.Sprintf("the author of review note %d", id), `SELECT raised_by FROM review_notes WHERE id = ?`, id)
}

// ClearReviewNote closes a note. Who may (its author, or a manager or partner on the team) is
// the policy's ReviewNoteClear; the caller asks it first.
func (s *Service) ClearReviewNote(ctx context.Context, u auth.User, id int64, version int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := loadNote(tx, id, version)
		if err != nil {
			return err
		}
		if n.ClearedAt != nil {
			return nil
		}
		if err := tx.Exec(`UPDATE review_notes SET cleared_by = ?, cleared_at = ?, version = version + 1 WHERE id = ?`, u.ID, s.Clock.Now(), id).Error; err != nil {
			return fmt.Errorf("clearing review note %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "review_note.clear", EntityType: "review_note", EntityID: id,
			EngagementID: n.EngagementID, After: map[string]any{"cleared_by": u.ID}})
	})
}

// QueueTest is a prepared test waiting for review.
type QueueTest struct {
	TestID            int64
	EngagementID      int64
	EngagementName    string
	ControlRef        string
	PreparedByName    string
	PreparedAt        time.Time
	EditedAfterReview bool
}

// ReviewQueue is what waits for a reviewer.
type ReviewQueue struct {
	Tests         []QueueTest
	AnsweredNotes []ReviewNote
	// OpenNotes are others' notes on u's engagements that nobody has answered yet: the
	// preparers' side of the review.
	OpenNotes []ReviewNote
}

// ReviewQueueFor lists the tests prepared by others but not reviewed on engagements where u is
// partner, manager or senior, u's own notes that have been answered but not cleared, and others'
// notes on u's engagements that wait for an answer.
func (s *Service) ReviewQueueFor(ctx context.Context, u auth.User) (ReviewQueue, error) {
	var q ReviewQueue
	err := s.DB.WithContext(ctx).Raw(`SELECT t.id AS test_id, t.engagement_id, e.name AS engagement_name, c.ref AS control_ref,
			pu.name AS prepared_by_name, t.prepared_at, t.edited_after_review
		FROM tests t JOIN engagements e ON e.id = t.engagement_id JOIN controls c ON c.id = t.control_id
		JOIN engagement_members m ON m.engagement_id = t.engagement_id AND m.user_id = ? AND m.role IN ('partner','manager','senior')
		JOIN users pu ON pu.id = t.prepared_by
		WHERE t.prepared_by IS NOT NULL AND t.reviewed_by IS NULL AND t.prepared_by <> ?
		ORDER BY t.prepared_at`, u.ID, u.ID).Scan(&q.Tests).Error
	if err != nil {
		return ReviewQueue{}, fmt.Errorf("loading review queue tests: %w", err)
	}
	if err := s.DB.WithContext(ctx).Raw(noteSelect+`WHERE n.raised_by = ? AND n.response <> '' AND n.cleared_at IS NULL ORDER BY n.responded_at`, u.ID).
		Scan(&q.AnsweredNotes).Error; err != nil {
		return ReviewQueue{}, fmt.Errorf("loading answered review notes: %w", err)
	}
	if err := s.DB.WithContext(ctx).Raw(noteSelect+`WHERE n.raised_by <> ? AND n.response = '' AND n.cleared_at IS NULL
			AND n.engagement_id IN (SELECT engagement_id FROM engagement_members WHERE user_id = ?) ORDER BY n.raised_at`, u.ID, u.ID).
		Scan(&q.OpenNotes).Error; err != nil {
		return ReviewQueue{}, fmt.Errorf("loading open review notes: %w", err)
	}
	return q, nil
}
