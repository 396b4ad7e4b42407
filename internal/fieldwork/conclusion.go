package fieldwork

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
)

// ConclusionFacts is what a test's conclusion rests on (domain guide §6; issue #18 point 4).
type ConclusionFacts struct {
	Kind      string   // design (Type I) or operating (Type II)
	Samples   int      // samples selected
	Untested  []string // item keys of samples without a result
	Deviating int      // samples with a deviation
	// NoEvidence lists item keys of samples without counted evidence: evidence received before
	// the conclusion, dated within the period or explained by an auditor.
	NoEvidence []string
	// Walkthrough counts the counted evidence of a design test (on the test, its samples, or a
	// request linked to the test or its control).
	Walkthrough int
	// OutOfPeriod counts files of the test dated outside the period and not yet explained.
	OutOfPeriod int
}

// Concluded reports whether result is a conclusion (no exceptions / exceptions noted).
func Concluded(result string) bool { return result == ResultNoExceptions || result == ResultExceptions }

// CheckConclusion says why a test cannot be concluded with result, or returns nil. A Type II
// operating test needs samples, every one tested and each with evidence; a Type I design test
// needs walkthrough evidence. "No exceptions" with a deviating sample is refused.
func CheckConclusion(result string, f ConclusionFacts) apperr.Validation {
	if !Concluded(result) {
		return nil
	}
	var problems []string
	outside := ""
	if f.OutOfPeriod > 0 {
		outside = fmt.Sprintf(" (%d %s dated outside the period %s not count until an auditor explains %s)", f.OutOfPeriod,
			plural(f.OutOfPeriod, "file", "files"), plural(f.OutOfPeriod, "does", "do"), plural(f.OutOfPeriod, "it", "them"))
	}
	switch f.Kind {
	case "operating":
		if f.Samples == 0 {
			problems = append(problems, "select the samples first: an operating test is concluded on tested samples")
			break
		}
		if len(f.Untested) > 0 {
			problems = append(problems, fmt.Sprintf("%d of %d %s untested (%s)", len(f.Untested), f.Samples,
				plural(len(f.Untested), "sample is", "samples are"), listSome(f.Untested)))
		}
		if len(f.NoEvidence) > 0 {
			problems = append(problems, fmt.Sprintf("no evidence received yet for %d %s (%s)%s", len(f.NoEvidence),
				plural(len(f.NoEvidence), "sample", "samples"), listSome(f.NoEvidence), outside))
		}
		if result == ResultNoExceptions && f.Deviating > 0 {
			problems = append(problems, fmt.Sprintf("%d %s a deviation, so the result is \"exceptions noted\"", f.Deviating,
				plural(f.Deviating, "sample shows", "samples show")))
		}
	case "design":
		if f.Walkthrough == 0 {
			problems = append(problems, "attach the walkthrough evidence first: a design test is concluded on what the walkthrough showed"+outside)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return apperr.Validation{"result": "This test cannot be concluded yet: " + strings.Join(problems, "; ") + "."}
}

func listSome(keys []string) string {
	if len(keys) <= 5 {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:5], ", ") + fmt.Sprintf(" and %d more", len(keys)-5)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// countedEvidence selects the evidence files that count for a test as of a time: received
// (uploaded) before the conclusion, which is recorded at the transaction's now(), and dated
// within the period or explained. Parameter: @test.
// A file counts for a sample when attached to it or to a request linked to it, or to a request
// linked to the whole test (the client's one file for the sample list).
const countedEvidence = `SELECT f.id, f.sample_id, f.test_id, f.request_id FROM evidence_files f
	JOIN engagements e ON e.id = f.engagement_id
	WHERE f.uploaded_at <= now() AND (NOT ` + evidence.OutOfPeriodSQL + ` OR f.period_explanation <> '')`

// conclusionFacts gathers the facts for CheckConclusion inside tx.
func conclusionFacts(tx *gorm.DB, t Test) (ConclusionFacts, error) {
	f := ConclusionFacts{Kind: t.Kind}
	var samples []struct {
		ID      int64
		ItemKey string
		Result  string
		Counted bool
	}
	args := map[string]any{"test": t.ID, "control": t.ControlID}
	// counted holds only the test's own candidates (files on its samples, or on requests linked
	// to them or to the test), read once through the indexes: unrestricted, it was re-evaluated
	// over every evidence file of the firm for each sample (296 ms for a test of the large
	// fixture, issue #19).
	err := tx.Raw(`WITH links AS MATERIALIZED (
			SELECT l.request_id, l.target_type, l.target_id FROM info_request_links l
			WHERE (l.target_type = 'sample' AND l.target_id IN (SELECT id FROM samples WHERE test_id = @test))
				OR (l.target_type = 'test' AND l.target_id = @test)),
		counted AS MATERIALIZED (`+countedEvidence+`
			AND f.id IN (SELECT ef.id FROM evidence_files ef WHERE ef.sample_id IN (SELECT id FROM samples WHERE test_id = @test)
				UNION ALL SELECT ef.id FROM evidence_files ef WHERE ef.request_id IN (SELECT request_id FROM links)))
		SELECT s.id, s.item_key, s.result, EXISTS (
			SELECT 1 FROM counted c WHERE c.sample_id = s.id
			OR c.request_id IN (SELECT l.request_id FROM links l WHERE (l.target_type = 'sample' AND l.target_id = s.id)
				OR l.target_type = 'test')) AS counted
		FROM samples s WHERE s.test_id = @test ORDER BY s.row_number NULLS LAST, s.id`, args).Scan(&samples).Error
	if err != nil {
		return f, fmt.Errorf("loading samples of test %d: %w", t.ID, err)
	}
	f.Samples = len(samples)
	for _, s := range samples {
		switch s.Result {
		case "untested":
			f.Untested = append(f.Untested, s.ItemKey)
		case "deviation":
			f.Deviating++
		}
		if !s.Counted {
			f.NoEvidence = append(f.NoEvidence, s.ItemKey)
		}
	}
	var row struct{ Walkthrough, OutOfPeriod int }
	// mine: three indexed lookups instead of one OR across them (which scanned every file).
	err = tx.Raw(`WITH mine AS MATERIALIZED (
			SELECT f.id FROM evidence_files f WHERE f.test_id = @test
			UNION SELECT f.id FROM evidence_files f WHERE f.sample_id IN (SELECT id FROM samples WHERE test_id = @test)
			UNION SELECT f.id FROM evidence_files f WHERE f.request_id IN (SELECT l.request_id FROM info_request_links l
				WHERE (l.target_type = 'test' AND l.target_id = @test)
					OR (l.target_type = 'control' AND l.target_id = @control)
					OR (l.target_type = 'sample' AND l.target_id IN (SELECT id FROM samples WHERE test_id = @test))))
		SELECT (SELECT count(*) FROM (`+countedEvidence+` AND f.id IN (SELECT id FROM mine)) c) AS walkthrough,
			(SELECT count(*) FROM evidence_files f JOIN engagements e ON e.id = f.engagement_id
				WHERE f.id IN (SELECT id FROM mine) AND `+evidence.OutOfPeriodSQL+` AND f.period_explanation = '') AS out_of_period`, args).Scan(&row).Error
	if err != nil {
		return f, fmt.Errorf("counting evidence of test %d: %w", t.ID, err)
	}
	f.Walkthrough, f.OutOfPeriod = row.Walkthrough, row.OutOfPeriod
	return f, nil
}

// checkConclusion refuses result on test t when its evidence does not support it.
func checkConclusion(tx *gorm.DB, t Test, result string) error {
	if !Concluded(result) {
		return nil
	}
	f, err := conclusionFacts(tx, t)
	if err != nil {
		return err
	}
	if v := CheckConclusion(result, f); v != nil {
		return v
	}
	return nil
}

// ConclusionFactsOf reports what a test's conclusion rests on now, for the test page.
func (s *Service) ConclusionFactsOf(ctx context.Context, t Test) (ConclusionFacts, error) {
	return conclusionFacts(s.DB.WithContext(ctx), t)
}

// deviatingSamples counts a test's samples with a deviation.
func deviatingSamples(tx *gorm.DB, testID int64) (int, error) {
	var n int
	if err := tx.Raw(`SELECT count(*) FROM samples WHERE test_id = ? AND result = 'deviation'`, testID).Row().Scan(&n); err != nil {
		return 0, fmt.Errorf("counting deviations of test %d: %w", testID, err)
	}
	return n, nil
}

// rollUpDeviations runs after samples of a test changed (inside the same transaction): when
// the test goes from no deviation to a deviation (or back), its result changed, and the audit
// trail says so as such ("test.result_changed"). A conclusion the samples no longer support
// ("no exceptions" with a deviation, "exceptions" with none) is withdrawn to in progress.
func rollUpDeviations(ctx context.Context, tx *gorm.DB, u auth.User, testID int64, before int, cause string) error {
	after, err := deviatingSamples(tx, testID)
	if err != nil {
		return err
	}
	if (before > 0) == (after > 0) {
		return nil
	}
	var t struct {
		EngagementID int64
		Result       string
	}
	if err := tx.Raw(`SELECT engagement_id, result FROM tests WHERE id = ?`, testID).Scan(&t).Error; err != nil {
		return fmt.Errorf("loading test %d: %w", testID, err)
	}
	result := t.Result
	if (after > 0 && t.Result == ResultNoExceptions) || (after == 0 && t.Result == ResultExceptions) {
		result = ResultInProgress
		if err := tx.Exec(`UPDATE tests SET result = ?, version = version + 1, updated_at = now() WHERE id = ?`, result, testID).Error; err != nil {
			return fmt.Errorf("withdrawing the conclusion of test %d: %w", testID, err)
		}
	}
	samplesResult := map[bool]string{true: "deviation noted", false: "no deviation"}
	return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.result_changed", EntityType: "test", EntityID: testID,
		EngagementID: t.EngagementID,
		Before:       map[string]any{"samples_result": samplesResult[before > 0], "deviations": before, "result": t.Result},
		After:        map[string]any{"samples_result": samplesResult[after > 0], "deviations": after, "result": result, "cause": cause}})
}
