package fieldwork

import (
	"bytes"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/apperr"
)

func TestDrawSamplesReproducibleWithRecordedSeed(t *testing.T) {
	f := newFixture(t, "type2")
	ctl := f.control("NL-03", FreqAsNeeded, "low", "CC1.4")
	tst := f.test(ctl)
	pop := f.population(tst.ID, 120)

	// Bad input changes nothing.
	bad := []struct {
		in    DrawInput
		field string
		msg   string
	}{
		{DrawInput{PopulationID: pop.ID, Size: "121", TestVersion: tst.Version}, "size", "larger than the population (120 items)"},
		{DrawInput{PopulationID: pop.ID, Size: "25", Seed: "12x", Justification: "x", TestVersion: tst.Version}, "seed", "whole number"},
		{DrawInput{PopulationID: pop.ID, Size: "25", TestVersion: tst.Version}, "justification", "suggested size is 20"},
		{DrawInput{PopulationID: pop.ID + 99, TestVersion: tst.Version}, "population_id", "this test"},
	}
	for _, b := range bad {
		_, err := f.svc.DrawSamples(f.ctx, f.users["staff"], tst.ID, b.in)
		v, ok := apperr.AsValidation(err)
		require.True(t, ok, "%v", err)
		assert.Contains(t, v[b.field], b.msg)
	}
	var n int
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM samples`).Row().Scan(&n))
	require.Zero(t, n)

	samples, err := f.svc.DrawSamples(f.ctx, f.users["staff"], tst.ID, DrawInput{PopulationID: pop.ID, Size: "25",
		Justification: "Higher headcount growth this year", TestVersion: tst.Version})
	require.NoError(t, err)
	require.Len(t, samples, 25)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	wantSeed := DefaultSeed(f.engagement, ctl, pop.SHA256)
	require.NotNil(t, tst.SampleSeed)
	assert.Equal(t, wantSeed, *tst.SampleSeed, "default seed from engagement, control and population hash")
	assert.Equal(t, "random", tst.SampleMethod)
	assert.Equal(t, 20, *tst.SuggestedSampleSize)
	assert.Equal(t, 25, *tst.SampleSize)

	rows, err := SelectRandom(wantSeed, 120, 25)
	require.NoError(t, err)
	for i, s := range samples {
		assert.Equal(t, rows[i], *s.RowNumber, "a reviewer reperforming the selection gets the same items")
		assert.NotEmpty(t, s.Item["name"])
	}

	// A reviewer's reperformance agrees, and notices a selection that was tampered with.
	rep, ok := ReperformSelection(tst, pop, samples)
	require.True(t, ok)
	assert.True(t, rep.Matches, rep.Message)
	assert.Contains(t, rep.Message, "the same 25 rows")
	changed := append([]Sample(nil), samples...)
	other := (*changed[0].RowNumber)%120 + 1
	for slices.ContainsFunc(samples, func(s Sample) bool { return *s.RowNumber == other }) {
		other = other%120 + 1
	}
	changed[0].RowNumber = &other
	rep, _ = ReperformSelection(tst, pop, changed)
	assert.False(t, rep.Matches)
	assert.Contains(t, rep.Message, "other rows than the 25 recorded samples")
	_, ok = ReperformSelection(Test{SampleMethod: "manual"}, pop, samples)
	assert.False(t, ok, "only a seeded random selection is reperformed")

	// A second draw is refused: the selection is recorded once.
	_, err = f.svc.DrawSamples(f.ctx, f.users["staff"], tst.ID, DrawInput{PopulationID: pop.ID, Size: "25", Justification: "x", TestVersion: tst.Version})
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["size"], "already has 25 samples")

	// The same seed and population on another test give the same items.
	tst2 := f.test(ctl)
	pop2 := f.population(tst2.ID, 120)
	require.Equal(t, pop.SHA256, pop2.SHA256)
	again, err := f.svc.DrawSamples(f.ctx, f.users["senior"], tst2.ID, DrawInput{PopulationID: pop2.ID, Size: "25", Seed: "0", Justification: "x", TestVersion: tst2.Version})
	require.NoError(t, err)
	zeroRows, _ := SelectRandom(0, 120, 25)
	for i, s := range again {
		assert.Equal(t, zeroRows[i], *s.RowNumber)
	}
}

func TestPickSamplesAndUpdateWithConflict(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-11", FreqAsNeeded, "low", "CC7.4"))
	pop := f.population(tst.ID, 3)
	_, err := f.svc.PickSamples(f.ctx, f.users["staff"], tst.ID, PickInput{PopulationID: pop.ID, Keys: []string{"E00001", "NOPE"}, Justification: "all", TestVersion: tst.Version})
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["keys"], "NOPE")
	samples, err := f.svc.PickSamples(f.ctx, f.users["staff"], tst.ID, PickInput{PopulationID: pop.ID,
		Keys: []string{"E00001", "E00002", "E00003"}, Justification: "All 3 incidents of the period", TestVersion: tst.Version})
	require.NoError(t, err)
	require.Len(t, samples, 3)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	assert.Equal(t, "all", tst.SampleMethod)

	s := samples[0]
	_, err = f.svc.UpdateSample(f.ctx, f.users["staff"], s.ID, SampleInput{Result: "deviation", Version: s.Version})
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v, "notes")
	_, err = f.svc.UpdateSample(f.ctx, f.users["staff"], s.ID, SampleInput{AttributesTested: "ticket, post-mortem", Result: "pass", Version: s.Version})
	require.NoError(t, err)
	_, err = f.svc.UpdateSample(f.ctx, f.users["senior"], s.ID, SampleInput{AttributesTested: "ticket", Result: "not_applicable", Version: s.Version})
	c, ok := apperr.AsConflict(err)
	require.True(t, ok)
	assert.Equal(t, "pass", c.Current.(Sample).Result)

	// Sent to client: then the client sees the list; export works.
	lists, err := f.svc.SentSampleLists(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.Empty(t, lists)
	sent, err := f.svc.MarkSentToClient(f.ctx, f.users["staff"], tst.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, sent)
	lists, err = f.svc.SentSampleLists(f.ctx, f.engagement)
	require.NoError(t, err)
	require.Len(t, lists, 1)
	assert.Len(t, lists[0].Samples, 3)
	assert.Equal(t, []string{"employee_id", "name", "start_date"}, lists[0].Columns)

	samples, _ = f.svc.Samples(f.ctx, tst.ID)
	data, err := ExportSamplesXLSX(tst, &pop, samples)
	require.NoError(t, err)
	x, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	rows, err := x.GetRows("Samples")
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"#", "Item key", "employee_id", "name", "start_date", "Evidence provided (client)"}, rows[0])
	assert.Equal(t, "E00001", rows[1][1])
	assert.Equal(t, "Person 1", rows[1][3])
}

func TestExceptionsRespondEvaluateAndCriteriaRollUp(t *testing.T) {
	f := newFixture(t, "type2")
	ctl := f.control("NL-05", FreqAsNeeded, "low", "CC6.2")
	other := f.control("NL-07", FreqAutomated, "low", "CC6.1")
	tst := f.test(ctl)
	tst2 := f.test(other)
	f.tested(tst2.ID, 1)
	tst2, _ = f.svc.Test(f.ctx, tst2.ID)
	_, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst2.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect the IdP.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst2.Version})
	require.NoError(t, err)

	_, err = f.svc.RecordException(f.ctx, f.users["staff"], tst.ID, ExceptionInput{Description: "late", Deviations: 3, ItemsTested: 2, Criteria: []string{"CC1.1"}})
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["deviations"], "More deviations")
	assert.Contains(t, v["criteria"], "CC1.1 is not mapped")

	x, err := f.svc.RecordException(f.ctx, f.users["staff"], tst.ID, ExceptionInput{Description: "For 1 of 15 leavers, access was removed 4 days after termination.",
		Cause: "Manual offboarding ticket picked up late", Deviations: 1, ItemsTested: 15})
	require.NoError(t, err)
	assert.EqualValues(t, []string{"CC6.2"}, x.Criteria, "defaults to the control's criteria")
	assert.Equal(t, "systematic", x.Suggested(), "1 of 15 is above 5 %")
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	assert.Equal(t, ResultExceptions, tst.Result)

	rows, err := f.svc.CriteriaStatus(f.ctx, f.engagement)
	require.NoError(t, err)
	status := map[string]string{}
	for _, r := range rows {
		if r.Status != CriterionNoControl {
			status[r.ID] = r.Status
		}
	}
	assert.Equal(t, map[string]string{"CC6.1": CriterionMet, "CC6.2": CriterionPending}, status)
	cc11 := criterionRow(rows, "CC1.1")
	assert.Equal(t, CriterionNoControl, cc11.Status, "an in-scope criterion without any control is listed as such")
	assert.Equal(t, "no control of the matrix addresses this criterion", cc11.Reason)
	assert.Len(t, rows, 33, "every Security criterion (the engagement's scope), not only the mapped ones")

	x, err = f.svc.RespondToException(f.ctx, f.users["client"], x.ID, "Offboarding now triggered automatically from the HR system.", x.Version)
	require.NoError(t, err)
	assert.Equal(t, "client", x.ResponderName)
	_, err = f.svc.RespondToException(f.ctx, f.users["client"], x.ID, "stale", x.Version-1)
	_, conflict := apperr.AsConflict(err)
	assert.True(t, conflict)

	_, err = f.svc.EvaluateException(f.ctx, f.users["senior"], x.ID, EvaluationInput{Evaluation: "isolated", CriteriaMet: "yes", Version: x.Version})
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["evaluation_notes"], "suggests a systematic deviation")
	x, err = f.svc.EvaluateException(f.ctx, f.users["senior"], x.ID, EvaluationInput{Evaluation: "isolated", CriteriaMet: "no",
		Notes: "One leaver; cause known and fixed.", Version: x.Version})
	require.NoError(t, err)
	rows, _ = f.svc.CriteriaStatus(f.ctx, f.engagement)
	assert.Equal(t, CriterionNotMet, criterionRow(rows, "CC6.2").Status, "CC6.2 not met: the input to the opinion")

	_, err = f.svc.EvaluateException(f.ctx, f.users["senior"], x.ID, EvaluationInput{Evaluation: "isolated", CriteriaMet: "yes",
		Notes: "One leaver; cause known and fixed.", Version: x.Version})
	require.NoError(t, err)
	rows, _ = f.svc.CriteriaStatus(f.ctx, f.engagement)
	assert.Equal(t, CriterionMet, criterionRow(rows, "CC6.2").Status)
	assert.Equal(t, []string{"exception.create", "exception.respond", "exception.evaluate", "exception.evaluate"}, f.auditActions("exception", x.ID))

	// A test concluded "exceptions noted" without any exception recorded keeps its criteria pending.
	tst2, _ = f.svc.Test(f.ctx, tst2.ID)
	_, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst2.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect the IdP.",
		Result: ResultExceptions, ResultText: "For 1 of 1 accounts, MFA was off.", Version: tst2.Version})
	require.NoError(t, err)
	rows, _ = f.svc.CriteriaStatus(f.ctx, f.engagement)
	assert.Equal(t, CriterionPending, criterionRow(rows, "CC6.1").Status)
	assert.Equal(t, "a test notes exceptions that are not recorded yet", criterionRow(rows, "CC6.1").Reason)

	// A criterion outside the engagement's categories that a control still addresses (the scope
	// narrowed after mapping) is rolled up too.
	require.NoError(t, f.db.Exec(`INSERT INTO control_criteria (control_id, criterion_id) VALUES (?, 'A1.1')`, other).Error)
	rows, _ = f.svc.CriteriaStatus(f.ctx, f.engagement)
	assert.Len(t, rows, 34)
	assert.Equal(t, CriterionPending, criterionRow(rows, "A1.1").Status, "addressed by the control whose test notes unrecorded exceptions")
}

func criterionRow(rows []CriterionRow, id string) CriterionRow {
	for _, r := range rows {
		if r.ID == id {
			return r
		}
	}
	return CriterionRow{}
}

func TestCriterionStatus(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name string
		ev   CriterionEvidence
		want string
	}{
		{"no tests", CriterionEvidence{}, CriterionPending},
		{"untested control", CriterionEvidence{TestResults: []string{ResultNoExceptions, ResultNotStarted}}, CriterionPending},
		{"in progress", CriterionEvidence{TestResults: []string{ResultInProgress}}, CriterionPending},
		{"all clean", CriterionEvidence{TestResults: []string{ResultNoExceptions, ResultNoExceptions}}, CriterionMet},
		{"exception not evaluated", CriterionEvidence{TestResults: []string{ResultExceptions}, Exceptions: []ExceptionStatus{{}}}, CriterionPending},
		{"isolated, still met", CriterionEvidence{TestResults: []string{ResultExceptions}, Exceptions: []ExceptionStatus{{"isolated", &yes}}}, CriterionMet},
		{"systematic, not met", CriterionEvidence{TestResults: []string{ResultExceptions}, Exceptions: []ExceptionStatus{{"systematic", &no}}}, CriterionNotMet},
		{"exceptions noted but none recorded", CriterionEvidence{TestResults: []string{ResultExceptions}, UnrecordedExceptions: 1}, CriterionPending},
		{"not met wins over pending", CriterionEvidence{TestResults: []string{ResultInProgress}, Exceptions: []ExceptionStatus{{"systematic", &no}, {}}}, CriterionNotMet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := CriterionStatus(tc.ev)
			assert.Equal(t, tc.want, got)
			assert.NotEmpty(t, reason)
		})
	}
}

func TestSuggestEvaluation(t *testing.T) {
	assert.Equal(t, "isolated", SuggestEvaluation(1, 25), "4 %")
	assert.Equal(t, "isolated", SuggestEvaluation(1, 20), "exactly 5 % is not more than 5 %")
	assert.Equal(t, "systematic", SuggestEvaluation(1, 15))
	assert.Equal(t, "systematic", SuggestEvaluation(3, 40))
}
