package fieldwork

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
)

// SystematicRate is the deviation rate above which a deviation is suggested to be systematic
// (domain guide §6: firms commonly treat more than 5 % of items as systematic).
const SystematicRate = 0.05

// SuggestEvaluation proposes isolated or systematic from x deviations of n items.
func SuggestEvaluation(deviations, itemsTested int) string {
	if itemsTested > 0 && float64(deviations)/float64(itemsTested) > SystematicRate {
		return "systematic"
	}
	return "isolated"
}

// Exception is a deviation found in testing.
type Exception struct {
	ID                    int64
	EngagementID          int64
	TestID                int64
	SampleID              *int64
	ControlRef            string
	Description           string
	Cause                 string
	Deviations            int
	ItemsTested           int
	ManagementResponse    string
	ResponderName         string
	ManagementRespondedAt *time.Time
	Evaluation            string
	CriteriaMet           *bool
	EvaluationNotes       string
	Criteria              dbx.TextArray
	Version               int
	UpdatedAt             time.Time
}

// Suggested is the evaluation the deviation rate suggests.
func (e Exception) Suggested() string { return SuggestEvaluation(e.Deviations, e.ItemsTested) }

const exceptionSelect = `SELECT x.id, x.engagement_id, x.test_id, x.sample_id, c.ref AS control_ref, x.description, x.cause,
	x.deviations, x.items_tested, x.management_response, coalesce(u.name, '') AS responder_name, x.management_responded_at,
	x.evaluation, x.criteria_met, x.evaluation_notes, x.version, x.updated_at,
	ARRAY(SELECT criterion_id FROM exception_criteria WHERE exception_id = x.id ORDER BY criterion_id) AS criteria
	FROM exceptions x JOIN tests t ON t.id = x.test_id JOIN controls c ON c.id = t.control_id
	LEFT JOIN users u ON u.id = x.management_responded_by `

// Exceptions lists an engagement's exceptions in control order.
func (s *Service) Exceptions(ctx context.Context, engagementID int64) ([]Exception, error) {
	var out []Exception
	if err := s.DB.WithContext(ctx).Raw(exceptionSelect+`WHERE x.engagement_id = ? ORDER BY c.sort_order, c.ref, x.id`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing exceptions of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// Exception loads one exception.
func (s *Service) Exception(ctx context.Context, id int64) (Exception, error) {
	return loadException(s.DB.WithContext(ctx), id)
}

func loadException(db *gorm.DB, id int64) (Exception, error) {
	x, err := dbx.One[Exception](db, fmt.Sprintf("exception %d", id), exceptionSelect+`WHERE x.id = ?`, id)
	if err != nil {
		return Exception{}, err
	}
	return x, nil
}

// lockException loads an exception FOR UPDATE and checks the edited version.
func lockException(tx *gorm.DB, id int64, version int) (Exception, error) {
	if err := tx.Exec(`SELECT 1 FROM exceptions WHERE id = ? FOR UPDATE`, id).Error; err != nil {
		return Exception{}, fmt.Errorf("locking exception %d: %w", id, err)
	}
	x, err := loadException(tx, id)
	if err != nil {
		return Exception{}, err
	}
	if x.Version != version {
		return Exception{}, &apperr.ConflictError{Entity: "This exception", Current: x, UpdatedAt: x.UpdatedAt}
	}
	return x, nil
}

// ExceptionInput records a deviation.
type ExceptionInput struct {
	SampleID    int64
	Description string
	Cause       string
	Deviations  int
	ItemsTested int
	Criteria    []string // empty: the criteria the control is mapped to
}

// RecordException records a deviation on a test (optionally on one of its samples) and marks
// the test's result "exceptions".
func (s *Service) RecordException(ctx context.Context, u auth.User, testID int64, in ExceptionInput) (Exception, error) {
	t, err := s.Test(ctx, testID)
	if err != nil {
		return Exception{}, err
	}
	var mapped []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT criterion_id FROM control_criteria WHERE control_id = ? ORDER BY criterion_id`, t.ControlID).Scan(&mapped).Error; err != nil {
		return Exception{}, fmt.Errorf("loading criteria of control %d: %w", t.ControlID, err)
	}
	v := apperr.Validation{}
	if strings.TrimSpace(in.Description) == "" {
		v.Add("description", "Describe the deviation factually, e.g. \"training completed 45 days after the start date\".")
	}
	if in.ItemsTested < 1 {
		v.Add("items_tested", "Enter how many items you tested (at least 1).")
	}
	if in.Deviations < 1 {
		v.Add("deviations", "Enter how many items deviated (at least 1).")
	} else if in.ItemsTested >= 1 && in.Deviations > in.ItemsTested {
		v.Add("deviations", fmt.Sprintf("More deviations (%d) than items tested (%d).", in.Deviations, in.ItemsTested))
	}
	criteria := in.Criteria
	if len(criteria) == 0 {
		criteria = mapped
	}
	for _, c := range criteria {
		if !slices.Contains(mapped, c) {
			v.Add("criteria", fmt.Sprintf("%s is not mapped to control %s.", c, t.ControlRef))
		}
	}
	if len(criteria) == 0 {
		v.Add("criteria", "Map the control to its criteria first: an exception affects at least one criterion.")
	}
	var sampleID *int64
	if in.SampleID != 0 {
		sm, err := s.Sample(ctx, in.SampleID)
		if err != nil || sm.TestID != testID {
			v.Add("sample_id", "Choose a sample of this test.")
		}
		sampleID = &in.SampleID
	}
	if err := v.Err(); err != nil {
		return Exception{}, err
	}
	var id int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO exceptions (engagement_id, test_id, sample_id, description, cause, deviations, items_tested, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.EngagementID, testID, sampleID, strings.TrimSpace(in.Description),
			strings.TrimSpace(in.Cause), in.Deviations, in.ItemsTested, u.ID).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("inserting exception: %w", err)
		}
		if err := tx.Exec(`INSERT INTO exception_criteria (exception_id, criterion_id) SELECT ?, unnest(?::text[])`, id, dbx.TextArray(criteria)).Error; err != nil {
			return fmt.Errorf("inserting exception criteria: %w", err)
		}
		if err := tx.Exec(`UPDATE tests SET result = 'exceptions', version = version + 1, updated_at = now() WHERE id = ? AND result <> 'exceptions'`, testID).Error; err != nil {
			return fmt.Errorf("marking test %d with exceptions: %w", testID, err)
		}
		if err := clearSignoffs(ctx, tx, u, testID, "exception recorded"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "exception.create", EntityType: "exception", EntityID: id, EngagementID: t.EngagementID,
			After: map[string]any{"test_id": testID, "sample_id": sampleID, "description": in.Description, "cause": in.Cause,
				"deviations": in.Deviations, "items_tested": in.ItemsTested, "criteria": criteria}})
	})
	if err != nil {
		return Exception{}, err
	}
	return s.Exception(ctx, id)
}

// RespondToException stores management's response, written by a client user in the portal.
func (s *Service) RespondToException(ctx context.Context, u auth.User, id int64, response string, version int) (Exception, error) {
	response = strings.TrimSpace(response)
	if response == "" {
		return Exception{}, apperr.Validation{"management_response": "Write management's response: the cause and what was done about it."}
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockException(tx, id, version)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE exceptions SET management_response = ?, management_responded_by = ?, management_responded_at = ?,
				version = version + 1, updated_at = now() WHERE id = ?`, response, u.ID, s.Clock.Now(), id).Error; err != nil {
			return fmt.Errorf("saving response to exception %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "exception.respond", EntityType: "exception", EntityID: id,
			EngagementID: before.EngagementID, Before: map[string]any{"management_response": before.ManagementResponse},
			After: map[string]any{"management_response": response}})
	})
	if err != nil {
		return Exception{}, err
	}
	return s.Exception(ctx, id)
}

// EvaluationInput is the auditor's judgement of an exception.
type EvaluationInput struct {
	Evaluation  string // isolated or systematic
	CriteriaMet string // "yes" or "no"
	Notes       string
	Version     int
}

// EvaluateException records the auditor's evaluation. Calling a deviation isolated when its rate
// suggests systematic needs a note explaining why.
func (s *Service) EvaluateException(ctx context.Context, u auth.User, id int64, in EvaluationInput) (Exception, error) {
	x, err := s.Exception(ctx, id)
	if err != nil {
		return Exception{}, err
	}
	v := apperr.Validation{}
	if in.Evaluation != "isolated" && in.Evaluation != "systematic" {
		v.Add("evaluation", "Choose isolated or systematic.")
	}
	if in.CriteriaMet != "yes" && in.CriteriaMet != "no" {
		v.Add("criteria_met", "Say whether the affected criteria are still met.")
	}
	in.Notes = strings.TrimSpace(in.Notes)
	if in.Evaluation == "isolated" && x.Suggested() == "systematic" && in.Notes == "" {
		v.Add("evaluation_notes", fmt.Sprintf("%d of %d items is more than 5 %%, which suggests a systematic deviation: explain why it is isolated.", x.Deviations, x.ItemsTested))
	}
	if err := v.Err(); err != nil {
		return Exception{}, err
	}
	met := in.CriteriaMet == "yes"
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockException(tx, id, in.Version)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE exceptions SET evaluation = ?, criteria_met = ?, evaluation_notes = ?, version = version + 1, updated_at = now()
			WHERE id = ?`, in.Evaluation, met, in.Notes, id).Error; err != nil {
			return fmt.Errorf("saving evaluation of exception %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "exception.evaluate", EntityType: "exception", EntityID: id,
			EngagementID: before.EngagementID,
			Before:       map[string]any{"evaluation": before.Evaluation, "criteria_met": before.CriteriaMet, "notes": before.EvaluationNotes},
			After:        map[string]any{"evaluation": in.Evaluation, "criteria_met": met, "notes": in.Notes}})
	})
	if err != nil {
		return Exception{}, err
	}
	return s.Exception(ctx, id)
}
