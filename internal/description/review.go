package description

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// ConclusionInput is one checklist entry as the auditor submits it.
type ConclusionInput struct {
	Conclusion Conclusion
	Comment    string
	Version    int // the checklist row's Version when the form was opened (0: none yet)
}

// Conclude records the auditor's DC 200 conclusion on one description criterion, against the
// section's current version: a later save of the section marks it changed after review.
func (s *Service) Conclude(ctx context.Context, u auth.User, engagementID int64, code string, in ConclusionInput) error {
	in.Comment = strings.TrimSpace(in.Comment)
	v := apperr.Validation{}
	if !in.Conclusion.Valid() {
		v.Add("conclusion", "Choose presented, not presented or not applicable.")
	} else if in.Conclusion.NeedsComment() && in.Comment == "" {
		v.Add("comment", "Say why the description criterion is "+strings.ToLower(in.Conclusion.Label())+": the comment is required.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if _, ok := findCriterion(e.ReportType, code); !ok {
			return apperr.ErrNotFound
		}
		if e.Locked() {
			return apperr.ErrLocked
		}
		sec, err := lockSectionRow(tx, engagementID, code)
		if err != nil {
			return err
		}
		reviews, err := loadReviews(tx, engagementID)
		if err != nil {
			return err
		}
		prev, had := reviews[code]
		if had && prev.Version != in.Version || !had && in.Version != 0 {
			return &apperr.ConflictError{Entity: "The conclusion on " + code, Current: prev, UpdatedAt: prev.ReviewedAt}
		}
		now := s.Clock.Now()
		var id int64
		if err := tx.Raw(`INSERT INTO description_reviews (engagement_id, code, conclusion, comment, reviewed_by, reviewed_at, reviewed_version)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (engagement_id, code) DO UPDATE SET conclusion = EXCLUDED.conclusion, comment = EXCLUDED.comment,
				reviewed_by = EXCLUDED.reviewed_by, reviewed_at = EXCLUDED.reviewed_at, reviewed_version = EXCLUDED.reviewed_version,
				version = description_reviews.version + 1
			RETURNING id`, engagementID, code, string(in.Conclusion), in.Comment, u.ID, now, sec.CurrentVersion).Row().Scan(&id); err != nil {
			return fmt.Errorf("recording the conclusion on %s: %w", code, err)
		}
		var before any
		if had {
			before = map[string]any{"code": code, "conclusion": prev.Conclusion, "comment": prev.Comment, "reviewed_version": prev.ReviewedVersion}
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "description.review.conclude", EntityType: "description_review",
			EntityID: id, EngagementID: engagementID, ClientID: e.ClientID, Before: before,
			After: map[string]any{"code": code, "conclusion": in.Conclusion, "comment": in.Comment, "reviewed_version": sec.CurrentVersion}})
	})
}

// Completeness says whether the description review is complete: every description criterion
// has a conclusion that covers the section's current text, and no note on a section is open.
// NotPresented lists the possible description misstatements the opinion must weigh.
type Completeness struct {
	Complete     bool
	Unconcluded  []string // codes without a conclusion
	Changed      []string // codes changed after review
	OpenNotes    int
	NotPresented []string
	Written      int // sections with text
	Total        int
}

// Missing says in words what still stands between the review and "complete".
func (c Completeness) Missing() []string {
	var out []string
	if len(c.Unconcluded) > 0 {
		out = append(out, "a conclusion on "+strings.Join(c.Unconcluded, ", "))
	}
	if len(c.Changed) > 0 {
		out = append(out, "review again of "+strings.Join(c.Changed, ", ")+" (changed after review)")
	}
	if c.OpenNotes == 1 {
		out = append(out, "1 open review note on the description cleared")
	} else if c.OpenNotes > 1 {
		out = append(out, fmt.Sprintf("%d open review notes on the description cleared", c.OpenNotes))
	}
	return out
}

// Evaluate applies the completeness rules to the sections (a pure function).
func Evaluate(sections []Section) Completeness {
	c := Completeness{Total: len(sections)}
	for _, s := range sections {
		if s.Written() {
			c.Written++
		}
		c.OpenNotes += s.OpenNotes
		switch {
		case s.Review == nil:
			c.Unconcluded = append(c.Unconcluded, s.Code)
		case s.ChangedAfterReview():
			c.Changed = append(c.Changed, s.Code)
		}
		if s.Review != nil && s.Review.Conclusion == NotPresented {
			c.NotPresented = append(c.NotPresented, s.Code)
		}
	}
	c.Complete = len(c.Unconcluded) == 0 && len(c.Changed) == 0 && c.OpenNotes == 0
	return c
}

// Note is a review note on a description section.
type Note struct {
	ID            int64
	SectionID     int64
	Code          string
	Body          string
	ToClient      bool
	RaisedBy      int64
	RaisedByName  string
	RaisedAt      string
	Response      string
	ResponderName string
	Cleared       bool
	Version       int
}

// Status is open, answered or cleared.
func (n Note) Status() string {
	switch {
	case n.Cleared:
		return "cleared"
	case n.Response != "":
		return "answered"
	}
	return "open"
}

// RaiseNote raises a review note on a section; toClient shows it to the client beside the section.
func (s *Service) RaiseNote(ctx context.Context, u auth.User, engagementID int64, code, body string, toClient bool) (int64, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return 0, apperr.Validation{"note": "Write the note: what should be added or changed in this section?"}
	}
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if _, ok := findCriterion(e.ReportType, code); !ok {
			return apperr.ErrNotFound
		}
		if e.Locked() {
			return apperr.ErrLocked
		}
		sec, err := lockSectionRow(tx, engagementID, code)
		if err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by, raised_at, to_client)
			VALUES (?, 'description_section', ?, ?, ?, ?, ?) RETURNING id`, engagementID, sec.ID, body, u.ID, s.Clock.Now(), toClient).Row().Scan(&id); err != nil {
			return fmt.Errorf("raising a note on %s: %w", code, err)
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "review_note.raise", EntityType: "review_note", EntityID: id,
			EngagementID: engagementID, ClientID: e.ClientID,
			After: map[string]any{"target_type": "description_section", "target_id": sec.ID, "code": code, "body": body, "to_client": toClient}})
	})
	return id, err
}

// Notes lists the notes on an engagement's description sections; clientView keeps only those
// addressed to the client.
func (s *Service) Notes(ctx context.Context, engagementID int64, clientView bool) ([]Note, error) {
	q := `SELECT n.id, s.id AS section_id, s.code, n.body, n.to_client, n.raised_by, ru.name AS raised_by_name,
			to_char(n.raised_at, 'YYYY-MM-DD HH24:MI') AS raised_at, n.response, coalesce(au.name, '') AS responder_name,
			n.cleared_at IS NOT NULL AS cleared, n.version
		FROM review_notes n JOIN description_sections s ON s.id = n.target_id JOIN users ru ON ru.id = n.raised_by
		LEFT JOIN users au ON au.id = n.responded_by
		WHERE n.target_type = 'description_section' AND s.engagement_id = ?`
	if clientView {
		q += ` AND n.to_client`
	}
	var out []Note
	if err := s.DB.WithContext(ctx).Raw(q+` ORDER BY n.cleared_at IS NOT NULL, n.id`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing description notes of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// AnswerNote records the client's (or a team member's) answer to a note on a section. Client
// users may answer only notes addressed to the client.
func (s *Service) AnswerNote(ctx context.Context, u auth.User, noteID int64, response string, version int) error {
	response = strings.TrimSpace(response)
	if response == "" {
		return apperr.Validation{"response": "Write your answer to the note."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		type noteRow struct {
			ID, EngagementID int64
			ToClient         bool
			TargetType       string
			Response         string
			Cleared          bool
			Version          int
		}
		n, err := dbx.One[noteRow](tx, fmt.Sprintf("note %d", noteID), `SELECT id, engagement_id, to_client, target_type, response,
			cleared_at IS NOT NULL AS cleared, version FROM review_notes WHERE id = ? FOR UPDATE`, noteID)
		if err != nil {
			return err
		}
		if n.TargetType != "description_section" || u.Role == auth.RoleClient && !n.ToClient {
			return apperr.ErrNotFound
		}
		e, err := loadEngagement(tx, n.EngagementID, false)
		if err != nil {
			return err
		}
		if e.Locked() {
			return apperr.ErrLocked
		}
		if n.Version != version {
			return &apperr.ConflictError{Entity: "This review note", Current: n, UpdatedAt: s.Clock.Now()}
		}
		if n.Cleared {
			return apperr.Validation{"response": "The note is already cleared."}
		}
		if err := tx.Exec(`UPDATE review_notes SET response = ?, responded_by = ?, responded_at = ?, version = version + 1 WHERE id = ?`,
			response, u.ID, s.Clock.Now(), noteID).Error; err != nil {
			return fmt.Errorf("answering note %d: %w", noteID, err)
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "review_note.answer", EntityType: "review_note", EntityID: noteID,
			EngagementID: n.EngagementID, ClientID: e.ClientID, Before: map[string]any{"response": n.Response}, After: map[string]any{"response": response}})
	})
}

// NoteSection finds the engagement and section code of a note on a description section
// (code "" when the note is not on one).
func (s *Service) NoteSection(ctx context.Context, noteID int64) (engagementID int64, code string, err error) {
	var row struct {
		EngagementID int64
		Code         string
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT s.engagement_id, s.code FROM review_notes n JOIN description_sections s ON s.id = n.target_id
		WHERE n.id = ? AND n.target_type = 'description_section'`, noteID).Scan(&row).Error
	return row.EngagementID, row.Code, err
}
