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
	"github.com/attest-soc/attest/internal/fieldwork/result"
)

// Test techniques (domain guide §6).
var Techniques = []string{"inquiry", "observation", "inspection", "reperformance"}

// Test results (the typed values with their labels are result.Test; these are the stored
// strings, for the string fields of Test and TestInput).
const (
	ResultNotStarted   = string(result.NotStarted)
	ResultInProgress   = string(result.InProgress)
	ResultNoExceptions = string(result.NoExceptions)
	ResultExceptions   = string(result.Exceptions)
)

// Results lists the results in workflow order.
var Results = []string{ResultNotStarted, ResultInProgress, ResultNoExceptions, ResultExceptions}

// Test is one workpaper: a procedure applied to a control.
type Test struct {
	ID                      int64
	EngagementID            int64
	ControlID               int64
	ControlRef              string
	ControlDescription      string
	ControlFrequency        string
	ControlRisk             string
	Kind                    string // design (Type I) or operating (Type II)
	Techniques              dbx.TextArray
	Procedure               string
	EvidenceExpected        string
	Result                  string
	ResultText              string
	SampleMethod            string
	SampleSeed              *int64
	SuggestedSampleSize     *int
	SampleSize              *int
	SampleSizeJustification string
	PreparedBy              *int64
	PreparedByName          string
	PreparedAt              *time.Time
	ReviewedBy              *int64
	ReviewedByName          string
	ReviewedAt              *time.Time
	EditedAfterReview       bool
	Version                 int
	UpdatedAt               time.Time
}

// InquiryOnly reports whether inquiry is the only technique: never sufficient evidence alone.
func (t Test) InquiryOnly() bool { return InquiryOnly(t.Techniques) }

// InquiryOnly reports whether techniques hold inquiry and nothing else.
func InquiryOnly(techniques []string) bool {
	return len(techniques) == 1 && techniques[0] == "inquiry"
}

const testSelect = `SELECT t.id, t.engagement_id, t.control_id, c.ref AS control_ref, c.description AS control_description,
	c.frequency AS control_frequency, c.risk AS control_risk, t.kind, t.techniques,
	t.procedure, t.evidence_expected, t.result, t.result_text, t.sample_method, t.sample_seed, t.suggested_sample_size,
	t.sample_size, t.sample_size_justification, t.prepared_by, coalesce(pu.name, '') AS prepared_by_name, t.prepared_at,
	t.reviewed_by, coalesce(ru.name, '') AS reviewed_by_name, t.reviewed_at, t.edited_after_review, t.version, t.updated_at
	FROM tests t JOIN controls c ON c.id = t.control_id
	LEFT JOIN users pu ON pu.id = t.prepared_by LEFT JOIN users ru ON ru.id = t.reviewed_by `

// Test loads one test.
func (s *Service) Test(ctx context.Context, id int64) (Test, error) {
	return loadTest(s.DB.WithContext(ctx), id)
}

func loadTest(db *gorm.DB, id int64) (Test, error) {
	return dbx.One[Test](db, fmt.Sprintf("test %d", id), testSelect+`WHERE t.id = ?`, id)
}

// TestFilter narrows the test list.
type TestFilter struct {
	Result    string
	ControlID int64
}

// Tests lists an engagement's tests in control order.
func (s *Service) Tests(ctx context.Context, engagementID int64, f TestFilter) ([]Test, error) {
	q := testSelect + `WHERE t.engagement_id = ?`
	args := []any{engagementID}
	if f.Result != "" {
		q += ` AND t.result = ?`
		args = append(args, f.Result)
	}
	if f.ControlID != 0 {
		q += ` AND t.control_id = ?`
		args = append(args, f.ControlID)
	}
	var out []Test
	if err := s.DB.WithContext(ctx).Raw(q+` ORDER BY c.sort_order, c.ref, t.id`, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing tests of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// TestInput is what an auditor writes on a test.
type TestInput struct {
	Techniques       []string
	Procedure        string
	EvidenceExpected string
	Result           string
	ResultText       string
	Version          int // the version the auditor edited, for conflict detection
}

// Validate checks the input; inquiry alone is allowed while drafting but flagged on the page
// and refused at preparer sign-off.
func (in *TestInput) Validate() apperr.Validation {
	v := apperr.Validation{}
	in.Procedure = strings.TrimSpace(in.Procedure)
	in.EvidenceExpected = strings.TrimSpace(in.EvidenceExpected)
	in.ResultText = strings.TrimSpace(in.ResultText)
	if len(in.Techniques) == 0 {
		v.Add("techniques", "Choose at least one technique.")
	}
	for _, t := range in.Techniques {
		if !slices.Contains(Techniques, t) {
			v.Add("techniques", fmt.Sprintf("%q is not a test technique.", t))
		}
	}
	if in.Procedure == "" {
		v.Add("procedure", "Describe the procedure: what you inspect, observe or reperform.")
	}
	if in.Result == "" {
		in.Result = ResultNotStarted
	}
	if !slices.Contains(Results, in.Result) {
		v.Add("result", "Choose a result from the list.")
	}
	if (in.Result == ResultNoExceptions || in.Result == ResultExceptions) && in.ResultText == "" {
		v.Add("result_text", "State the result for Section IV, e.g. \"No exceptions noted.\" or \"For 1 of 25 …\".")
	}
	return v
}

// CreateTest writes a new test for a control of the engagement. The kind follows the report
// type: Type I tests design and implementation, Type II operating effectiveness.
func (s *Service) CreateTest(ctx context.Context, u auth.User, engagementID, controlID int64, in TestInput) (Test, error) {
	v := in.Validate()
	var ctl struct {
		ID         int64
		ReportType string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT c.id, e.report_type FROM controls c JOIN engagements e ON e.id = c.engagement_id
		WHERE c.id = ? AND c.engagement_id = ?`, controlID, engagementID).Scan(&ctl).Error
	if err != nil {
		return Test{}, fmt.Errorf("loading control %d: %w", controlID, err)
	}
	if ctl.ID == 0 {
		v.Add("control_id", "Choose a control of this engagement.")
	}
	if err := v.Err(); err != nil {
		return Test{}, err
	}
	kind := "operating"
	if ctl.ReportType == "type1" {
		kind = "design"
	}
	// A new test has neither samples nor evidence yet: it is concluded later, on them.
	if v := CheckConclusion(in.Result, ConclusionFacts{Kind: kind}); v != nil {
		return Test{}, v
	}
	var id int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO tests (engagement_id, control_id, kind, techniques, procedure, evidence_expected, result, result_text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			engagementID, controlID, kind, dbx.TextArray(in.Techniques), in.Procedure, in.EvidenceExpected, in.Result, in.ResultText).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("inserting test: %w", err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.create", EntityType: "test", EntityID: id,
			EngagementID: engagementID, After: testAudit(kind, in)})
	})
	if err != nil {
		return Test{}, err
	}
	return s.Test(ctx, id)
}

func testAudit(kind string, in TestInput) map[string]any {
	return map[string]any{"kind": kind, "techniques": in.Techniques, "procedure": in.Procedure,
		"evidence_expected": in.EvidenceExpected, "result": in.Result, "result_text": in.ResultText}
}

// UpdateTest saves an edited test. A save based on a stale version is refused with the stored
// version, never applied. Editing a signed test clears its sign-offs; if it had been reviewed it
// is marked edited after review, and the audit trail says so.
func (s *Service) UpdateTest(ctx context.Context, u auth.User, id int64, in TestInput) (Test, error) {
	if err := in.Validate().Err(); err != nil {
		return Test{}, err
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockTest(tx, id, in.Version)
		if err != nil {
			return err
		}
		if err := checkConclusion(tx, before, in.Result); err != nil {
			return err
		}
		reviewed := before.ReviewedBy != nil
		signed := before.PreparedBy != nil || reviewed
		err = tx.Exec(`UPDATE tests SET techniques = ?, procedure = ?,
				evidence_expected = ?, result = ?, result_text = ?, prepared_by = NULL, prepared_at = NULL,
				reviewed_by = NULL, reviewed_at = NULL, edited_after_review = edited_after_review OR ?,
				version = version + 1, updated_at = now()
			WHERE id = ?`, dbx.TextArray(in.Techniques), in.Procedure, in.EvidenceExpected, in.Result, in.ResultText, reviewed, id).Error
		if err != nil {
			return fmt.Errorf("updating test %d: %w", id, err)
		}
		after := testAudit(before.Kind, in)
		after["signoffs_cleared"] = signed
		after["edited_after_review"] = reviewed || before.EditedAfterReview
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.update", EntityType: "test", EntityID: id,
			EngagementID: before.EngagementID, Before: testAudit(before.Kind, TestInput{Techniques: before.Techniques,
				Procedure: before.Procedure, EvidenceExpected: before.EvidenceExpected, Result: before.Result, ResultText: before.ResultText}),
			After: after})
	})
	if err != nil {
		return Test{}, err
	}
	return s.Test(ctx, id)
}

// lockTest loads a test FOR UPDATE and checks that the caller edited the stored version.
func lockTest(tx *gorm.DB, id int64, version int) (Test, error) {
	if _, err := dbx.One[int](tx, fmt.Sprintf("test %d to lock it", id), `SELECT version FROM tests WHERE id = ? FOR UPDATE`, id); err != nil {
		return Test{}, err
	}
	t, err := loadTest(tx, id)
	if err != nil {
		return Test{}, err
	}
	if version != t.Version {
		return Test{}, &apperr.ConflictError{Entity: "This test", Current: t, UpdatedAt: t.UpdatedAt}
	}
	return t, nil
}

// Procedure is a reusable procedure text from the library.
type Procedure struct {
	ID          int64
	CriterionID string
	Title       string
	Procedure   string
	Techniques  dbx.TextArray
}

// ControlCriteria lists the criteria a control is mapped to.
func (s *Service) ControlCriteria(ctx context.Context, controlID int64) ([]string, error) {
	var out []string
	err := s.DB.WithContext(ctx).Raw(`SELECT cc.criterion_id FROM control_criteria cc JOIN criteria cr ON cr.id = cc.criterion_id
		WHERE cc.control_id = ? ORDER BY cr.sort_order`, controlID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading criteria of control %d: %w", controlID, err)
	}
	return out, nil
}

// LibraryForControl offers the library procedures of the criteria the control is mapped to.
func (s *Service) LibraryForControl(ctx context.Context, controlID int64) ([]Procedure, error) {
	var out []Procedure
	err := s.DB.WithContext(ctx).Raw(`SELECT p.id, p.criterion_id, p.title, p.procedure, p.techniques
		FROM procedure_library p JOIN control_criteria cc ON cc.criterion_id = p.criterion_id
		JOIN criteria cr ON cr.id = p.criterion_id
		WHERE cc.control_id = ? ORDER BY cr.sort_order, p.id`, controlID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading procedure library for control %d: %w", controlID, err)
	}
	return out, nil
}

// LibraryProcedure loads one library entry.
func (s *Service) LibraryProcedure(ctx context.Context, id int64) (Procedure, error) {
	return dbx.One[Procedure](s.DB.WithContext(ctx), fmt.Sprintf("library procedure %d", id),
		`SELECT id, criterion_id, title, procedure, techniques FROM procedure_library WHERE id = ?`, id)
}

// ControlOption is a control to choose when creating a test.
type ControlOption struct {
	ID          int64
	Ref         string
	Description string
}

// Controls lists the engagement's controls for pickers and filters.
func (s *Service) Controls(ctx context.Context, engagementID int64) ([]ControlOption, error) {
	var out []ControlOption
	err := s.DB.WithContext(ctx).Raw(`SELECT id, ref, description FROM controls WHERE engagement_id = ? ORDER BY sort_order, ref`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing controls of engagement %d: %w", engagementID, err)
	}
	return out, nil
}
