package fieldwork

import (
	"context"
	"fmt"

	dbx "github.com/attest-soc/attest/internal/db"
)

// Criterion statuses, the input to the opinion.
const (
	CriterionMet     = "met"
	CriterionNotMet  = "not_met"
	CriterionPending = "pending"
	// CriterionNoControl: an in-scope criterion no control of the matrix addresses. The matrix
	// has a gap; the criterion cannot be met by testing until a control is mapped to it.
	CriterionNoControl = "no_control"
)

// CriterionEvidence is what a criterion's status rolls up from.
type CriterionEvidence struct {
	TestResults []string          // the results the tests of the criterion's controls have (each once is enough)
	Exceptions  []ExceptionStatus // exceptions that affect the criterion
	// UnrecordedExceptions counts tests concluded "exceptions noted" with no exception recorded:
	// a deviation nobody has described or evaluated cannot support "met".
	UnrecordedExceptions int
}

// ExceptionStatus is an exception's evaluation as the roll-up needs it.
type ExceptionStatus struct {
	Evaluation  string
	CriteriaMet *bool
}

// CriterionStatus rolls a criterion up: not met when any exception affecting it was judged to
// leave it unmet; pending while a control is untested or unconcluded or an exception is not yet
// evaluated; met when every control was tested and every exception leaves it met.
func CriterionStatus(ev CriterionEvidence) (status, reason string) {
	for _, x := range ev.Exceptions {
		if x.CriteriaMet != nil && !*x.CriteriaMet {
			return CriterionNotMet, "an exception was evaluated as leaving the criterion unmet"
		}
	}
	if len(ev.TestResults) == 0 {
		return CriterionPending, "no test of its controls yet"
	}
	for _, r := range ev.TestResults {
		if r != ResultNoExceptions && r != ResultExceptions {
			return CriterionPending, "a test is not concluded"
		}
	}
	if ev.UnrecordedExceptions > 0 {
		return CriterionPending, "a test notes exceptions that are not recorded yet"
	}
	for _, x := range ev.Exceptions {
		if x.CriteriaMet == nil {
			return CriterionPending, "an exception awaits the auditor's evaluation"
		}
	}
	if len(ev.Exceptions) > 0 {
		return CriterionMet, "exceptions evaluated; criterion still met"
	}
	return CriterionMet, "controls tested without exceptions"
}

// CriterionRow is one criterion of an engagement with its rolled-up status.
type CriterionRow struct {
	ID      string
	Summary string
	Status  string
	Reason  string
}

// CriteriaStatus rolls up every criterion in the engagement's scope (its categories, and any
// criterion its controls are mapped to); one without any control is listed as such.
func (s *Service) CriteriaStatus(ctx context.Context, engagementID int64) ([]CriterionRow, error) {
	db := s.DB.WithContext(ctx)
	type criterion struct {
		ID, Summary string
		InScope     bool
	}
	// Every criterion with whether the engagement's categories take it in; the criteria its
	// controls address are those the results below name (asking each criterion whether a control
	// addresses it, twice, was a third of the roll-up's time, issue #19).
	crit, err := dbx.Select(db, `SELECT cr.id, cr.summary, (cr.category = 'security' OR cr.category = ANY(e.categories)) AS in_scope
		FROM criteria cr JOIN engagements e ON e.id = ? ORDER BY cr.sort_order`,
		[]any{engagementID}, func(c *criterion) []any { return []any{&c.ID, &c.Summary, &c.InScope} })
	if err != nil {
		return nil, fmt.Errorf("listing criteria of engagement %d: %w", engagementID, err)
	}
	type result struct {
		CriterionID string
		Result      *string
		Unrecorded  int
	}
	// Grouped by criterion and result in SQL: the roll-up only asks which results occur, and
	// scanning the 1,200 (criterion, test) rows of the large fixture cost more Go CPU than the
	// rest of the overview. Exceptions are counted per test once (issue #19).
	results, err := dbx.Select(db, `SELECT cc.criterion_id, t.result,
			count(*) FILTER (WHERE t.result = ? AND xc.test_id IS NULL) AS unrecorded
		FROM control_criteria cc JOIN controls c ON c.id = cc.control_id
		LEFT JOIN tests t ON t.control_id = c.id
		LEFT JOIN (SELECT DISTINCT x.test_id FROM exceptions x WHERE x.engagement_id = ?) xc ON xc.test_id = t.id
		WHERE c.engagement_id = ?
		GROUP BY cc.criterion_id, t.result`, []any{ResultExceptions, engagementID, engagementID},
		func(r *result) []any { return []any{&r.CriterionID, &r.Result, &r.Unrecorded} })
	if err != nil {
		return nil, fmt.Errorf("loading test results of engagement %d: %w", engagementID, err)
	}
	type exception struct {
		CriterionID string
		ExceptionStatus
	}
	// Each kind of evaluation once per criterion: the roll-up asks which occur, not how often.
	excs, err := dbx.Select(db, `SELECT DISTINCT ec.criterion_id, x.evaluation, x.criteria_met FROM exceptions x
		JOIN exception_criteria ec ON ec.exception_id = x.id WHERE x.engagement_id = ?`, []any{engagementID},
		func(x *exception) []any { return []any{&x.CriterionID, &x.Evaluation, &x.CriteriaMet} })
	if err != nil {
		return nil, fmt.Errorf("loading exceptions of engagement %d: %w", engagementID, err)
	}
	evidence := map[string]*CriterionEvidence{}
	for _, c := range crit {
		evidence[c.ID] = &CriterionEvidence{}
	}
	for _, r := range results {
		if ev := evidence[r.CriterionID]; ev != nil {
			// A control without a test counts as not started.
			result := ResultNotStarted
			if r.Result != nil {
				result = *r.Result
			}
			ev.TestResults = append(ev.TestResults, result)
			ev.UnrecordedExceptions += r.Unrecorded
		}
	}
	for _, x := range excs {
		if ev := evidence[x.CriterionID]; ev != nil {
			ev.Exceptions = append(ev.Exceptions, ExceptionStatus{Evaluation: x.Evaluation, CriteriaMet: x.CriteriaMet})
		}
	}
	out := make([]CriterionRow, 0, len(crit))
	for _, c := range crit {
		// Each control of a criterion gave it a result, "not started" for one without a test.
		hasControl := len(evidence[c.ID].TestResults) > 0
		switch {
		case !c.InScope && !hasControl:
			continue
		case !hasControl:
			out = append(out, CriterionRow{ID: c.ID, Summary: c.Summary, Status: CriterionNoControl,
				Reason: "no control of the matrix addresses this criterion"})
			continue
		}
		st, reason := CriterionStatus(*evidence[c.ID])
		out = append(out, CriterionRow{ID: c.ID, Summary: c.Summary, Status: st, Reason: reason})
	}
	return out, nil
}
