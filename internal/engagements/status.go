package engagements

import (
	"context"
	"fmt"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/words"
)

// Statuses in the order an engagement moves through them.
var Statuses = lifecycle.All

// Readiness is what the status rules look at, gathered from the database by readiness.
type Readiness struct {
	HasPartner         bool
	HasManager         bool
	UnconfirmedFirm    []string // names of firm members who have not confirmed independence
	TestsWithoutResult int
	OpenReviewNotes    int
	// Exceptions the auditor has not yet judged isolated or systematic, criteria met or not.
	UnevaluatedExceptions int
	ActorIsPartner        bool // the acting user is this engagement's partner
	// UntestedControls names (by reference) the controls without a concluded test of the kind the
	// report type needs (design for Type I, operating effectiveness for Type II).
	UntestedControls []string
	// UncoveredCriteria lists the in-scope criteria no control addresses.
	UncoveredCriteria []string
	TestKind          string // "design" or "operating", for the message
}

// moves lists the allowed status changes: forward one step, or from review back to fieldwork
// when the reviewer sends work back.
var moves = map[Status][]Status{
	StatusPlanning:  {StatusFieldwork},
	StatusFieldwork: {StatusReview},
	StatusReview:    {StatusSigned, StatusFieldwork},
	StatusSigned:    {StatusIssued},
	StatusIssued:    {StatusArchived},
}

// NextStatuses lists where an engagement in status may move.
func NextStatuses(status Status) []Status { return moves[status] }

// CheckMove decides whether an engagement may move from one status to another. It returns a
// *apperr.Transition naming everything still missing, or nil.
func CheckMove(from, to Status, r Readiness) error {
	if !slices.Contains(moves[from], to) {
		return &apperr.Transition{From: string(from), To: string(to), Missing: []string{
			fmt.Sprintf("an engagement in %s cannot move to %s", from, to)}}
	}
	var missing []string
	switch to {
	case StatusFieldwork:
		if from == StatusReview {
			break // sending work back needs nothing
		}
		if !r.HasPartner {
			missing = append(missing, "an engagement partner on the team")
		}
		if !r.HasManager {
			missing = append(missing, "a manager on the team")
		}
		for _, name := range r.UnconfirmedFirm {
			missing = append(missing, "independence confirmation from "+name)
		}
	case StatusReview:
		if r.TestsWithoutResult > 0 {
			missing = append(missing, fmt.Sprintf("a result recorded for %d %s", r.TestsWithoutResult, words.Plural(r.TestsWithoutResult, "test", "tests")))
		}
		kind := "operating effectiveness"
		if r.TestKind == "design" {
			kind = "design"
		}
		for _, ref := range r.UntestedControls {
			missing = append(missing, fmt.Sprintf("a concluded %s test of control %s", kind, ref))
		}
		for _, id := range r.UncoveredCriteria {
			missing = append(missing, fmt.Sprintf("a control addressing criterion %s (in scope, no control)", id))
		}
	case StatusSigned:
		if r.OpenReviewNotes > 0 {
			missing = append(missing, fmt.Sprintf("%d open review %s cleared", r.OpenReviewNotes, words.Plural(r.OpenReviewNotes, "note", "notes")))
		}
		if r.UnevaluatedExceptions > 0 {
			missing = append(missing, fmt.Sprintf("an evaluation of %d %s (isolated or systematic, criteria met or not)",
				r.UnevaluatedExceptions, words.Plural(r.UnevaluatedExceptions, "exception", "exceptions")))
		}
		// Someone added to the team after fieldwork began has not confirmed yet; the opinion
		// cannot be signed until every firm member has.
		for _, name := range r.UnconfirmedFirm {
			missing = append(missing, "independence confirmation from "+name)
		}
		if !r.HasPartner {
			missing = append(missing, "an engagement partner on the team")
		} else if !r.ActorIsPartner {
			missing = append(missing, "the engagement partner's signature (only the engagement partner may sign)")
		}
	}
	if len(missing) > 0 {
		return &apperr.Transition{From: string(from), To: string(to), Missing: missing}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// IsSigningPartner reports whether userID may sign for engagementID: the engagement partner on
// its team whose firm role is still partner (so MFA is enforced) and whose account is active.
// The opinion's signature calls it inside its transaction.
func IsSigningPartner(ctx context.Context, tx *gorm.DB, engagementID, userID int64) (bool, error) {
	var ok bool
	err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM engagement_members m JOIN users u ON u.id = m.user_id
		WHERE m.engagement_id = ? AND m.role = 'partner' AND m.user_id = ? AND u.role = 'partner' AND u.disabled_at IS NULL)`,
		engagementID, userID).Row().Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("checking the signing partner of engagement %d: %w", engagementID, err)
	}
	return ok, nil
}

// readiness gathers the facts CheckMove needs for engagementID and the acting user.
func readiness(ctx context.Context, tx *gorm.DB, engagementID, actorID int64) (Readiness, error) {
	var r Readiness
	var row struct {
		HasPartner, HasManager, ActorIsPartner bool
		Unconfirmed                            string
		TestsWithoutResult, OpenReviewNotes    int
		UnevaluatedExceptions                  int
		UntestedControls, UncoveredCriteria    string
		TestKind                               string
	}
	err := tx.WithContext(ctx).Raw(`SELECT
		EXISTS (SELECT 1 FROM engagement_members m JOIN users u ON u.id = m.user_id
			WHERE m.engagement_id = @id AND m.role = 'partner' AND u.role = 'partner' AND u.disabled_at IS NULL) AS has_partner,
		EXISTS (SELECT 1 FROM engagement_members WHERE engagement_id = @id AND role = 'manager') AS has_manager,
		EXISTS (SELECT 1 FROM engagement_members m JOIN users u ON u.id = m.user_id
			WHERE m.engagement_id = @id AND m.role = 'partner' AND m.user_id = @actor
			  AND u.role = 'partner' AND u.disabled_at IS NULL) AS actor_is_partner,
		coalesce((SELECT string_agg(u.name, '|' ORDER BY u.name) FROM engagement_members m JOIN users u ON u.id = m.user_id
			WHERE m.engagement_id = @id AND m.role <> 'client_contact' AND m.independence_confirmed_at IS NULL), '') AS unconfirmed,
		(SELECT count(*) FROM tests WHERE engagement_id = @id AND result IN ('not_started', 'in_progress')) AS tests_without_result,
		(SELECT count(*) FROM review_notes WHERE engagement_id = @id AND cleared_at IS NULL) AS open_review_notes,
		(SELECT count(*) FROM exceptions WHERE engagement_id = @id AND (evaluation = '' OR criteria_met IS NULL)) AS unevaluated_exceptions,
		(SELECT CASE report_type WHEN 'type1' THEN 'design' ELSE 'operating' END FROM engagements WHERE id = @id) AS test_kind,
		coalesce((SELECT string_agg(c.ref, '|' ORDER BY c.sort_order, c.ref) FROM controls c JOIN engagements e ON e.id = c.engagement_id
			WHERE c.engagement_id = @id AND NOT EXISTS (SELECT 1 FROM tests t WHERE t.control_id = c.id
				AND t.kind = CASE e.report_type WHEN 'type1' THEN 'design' ELSE 'operating' END
				AND t.result IN ('no_exceptions', 'exceptions'))), '') AS untested_controls,
		coalesce((SELECT string_agg(cr.id, '|' ORDER BY cr.sort_order) FROM criteria cr JOIN engagements e ON e.id = @id
			WHERE (cr.category = 'security' OR cr.category = ANY(e.categories))
			AND NOT EXISTS (SELECT 1 FROM control_criteria cc JOIN controls c ON c.id = cc.control_id
				WHERE c.engagement_id = @id AND cc.criterion_id = cr.id)), '') AS uncovered_criteria`,
		map[string]any{"id": engagementID, "actor": actorID}).Scan(&row).Error
	if err != nil {
		return r, fmt.Errorf("checking readiness of engagement %d: %w", engagementID, err)
	}
	r = Readiness{HasPartner: row.HasPartner, HasManager: row.HasManager, ActorIsPartner: row.ActorIsPartner,
		TestsWithoutResult: row.TestsWithoutResult, OpenReviewNotes: row.OpenReviewNotes, UnevaluatedExceptions: row.UnevaluatedExceptions}
	if row.Unconfirmed != "" {
		r.UnconfirmedFirm = strings.Split(row.Unconfirmed, "|")
	}
	r.TestKind = row.TestKind
	if row.UntestedControls != "" {
		r.UntestedControls = strings.Split(row.UntestedControls, "|")
	}
	if row.UncoveredCriteria != "" {
		r.UncoveredCriteria = strings.Split(row.UncoveredCriteria, "|")
	}
	return r, nil
}

// ChangeStatus moves the engagement to status to when its preconditions hold. Signing locks
// the engagement; issuing records the release date.
func (s *Service) ChangeStatus(ctx context.Context, actor audit.Actor, engagementID int64, to Status) error {
	return s.ChangeStatusAnchored(ctx, nil, actor, engagementID, to)
}

// ChangeStatusAnchored is ChangeStatus that, when the move signs or issues the engagement, also
// writes a signed checkpoint of the audit trail in the same transaction (audit.WriteCheckpointTx),
// so the signature and the issue are anchored at once, not at the next hourly checkpoint.
func (s *Service) ChangeStatusAnchored(ctx context.Context, signer *audit.Signer, actor audit.Actor, engagementID int64, to Status) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM engagements WHERE id = ? FOR UPDATE`, engagementID).Error; err != nil {
			return fmt.Errorf("locking engagement %d: %w", engagementID, err)
		}
		e, err := s.WithTx(tx).Get(ctx, engagementID)
		if err != nil {
			return err
		}
		r, err := readiness(ctx, tx, engagementID, actor.ID)
		if err != nil {
			return err
		}
		if err := CheckMove(e.Status, to, r); err != nil {
			return err
		}
		set := ""
		switch to {
		case StatusSigned:
			set = ", locked_at = now()"
		case StatusIssued:
			set = ", released_at = now()"
		}
		if err := tx.Exec(`UPDATE engagements SET status = ?, version = version + 1, updated_at = now()`+set+` WHERE id = ?`,
			to, engagementID).Error; err != nil {
			return fmt.Errorf("moving engagement %d to %s: %w", engagementID, to, err)
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.status", EntityType: "engagement",
			EntityID: engagementID, EngagementID: engagementID, ClientID: e.ClientID,
			Before: map[string]any{"status": e.Status}, After: map[string]any{"status": to}}); err != nil {
			return err
		}
		switch to {
		case StatusSigned:
			_, err = audit.WriteCheckpointTx(ctx, tx, signer, "engagement.sign")
		case StatusIssued:
			_, err = audit.WriteCheckpointTx(ctx, tx, signer, "engagement.issue")
		}
		return err
	})
}

// Blockers reports what stops each next status, for the overview to show before anyone tries.
func (s *Service) Blockers(ctx context.Context, e Engagement, actorID int64) (map[Status][]string, error) {
	r, err := readiness(ctx, s.DB, e.ID, actorID)
	if err != nil {
		return nil, err
	}
	out := map[Status][]string{}
	for _, to := range NextStatuses(e.Status) {
		if t, ok := CheckMove(e.Status, to, r).(*apperr.Transition); ok && t != nil {
			out[to] = t.Missing
		}
	}
	return out, nil
}
