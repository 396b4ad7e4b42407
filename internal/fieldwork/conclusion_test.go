package fieldwork

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/evidence"
)

func TestCheckConclusion(t *testing.T) {
	cases := []struct {
		name   string
		result string
		facts  ConclusionFacts
		want   string // "" allowed, else a part of the message
	}{
		{"drafting needs nothing", ResultInProgress, ConclusionFacts{Kind: "operating"}, ""},
		{"operating without samples", ResultNoExceptions, ConclusionFacts{Kind: "operating"}, "select the samples first"},
		{"untested sample", ResultNoExceptions, ConclusionFacts{Kind: "operating", Samples: 3, Untested: []string{"E2"}}, "1 of 3 sample is untested (E2)"},
		{"sample without evidence", ResultExceptions, ConclusionFacts{Kind: "operating", Samples: 2, NoEvidence: []string{"E1", "E2"}},
			"no evidence received yet for 2 samples (E1, E2)"},
		{"out-of-period files named", ResultExceptions, ConclusionFacts{Kind: "operating", Samples: 1, NoEvidence: []string{"E1"}, OutOfPeriod: 1},
			"1 file dated outside the period does not count until an auditor explains it"},
		{"no exceptions with a deviation", ResultNoExceptions, ConclusionFacts{Kind: "operating", Samples: 2, Deviating: 1}, `the result is "exceptions noted"`},
		{"exceptions noted with a deviation", ResultExceptions, ConclusionFacts{Kind: "operating", Samples: 2, Deviating: 1}, ""},
		{"all tested with evidence", ResultNoExceptions, ConclusionFacts{Kind: "operating", Samples: 2}, ""},
		{"design without walkthrough evidence", ResultNoExceptions, ConclusionFacts{Kind: "design"}, "attach the walkthrough evidence first"},
		{"design with walkthrough evidence", ResultNoExceptions, ConclusionFacts{Kind: "design", Walkthrough: 1}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := CheckConclusion(tc.result, tc.facts)
			if tc.want == "" {
				assert.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			assert.Contains(t, v["result"], tc.want)
		})
	}
}

// TestConclusionNeedsTestedSamplesWithEvidenceInPeriod walks issue #16 point 3 and #18 point 4
// through the database: untested samples, missing evidence and evidence dated outside the period
// each stop the conclusion and the preparer's sign-off; an auditor's explanation makes the file count.
func TestConclusionNeedsTestedSamplesWithEvidenceInPeriod(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	conclude := func() error {
		cur, err := f.svc.Test(f.ctx, tst.ID)
		require.NoError(t, err)
		_, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect tickets.",
			Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: cur.Version})
		return err
	}
	message := func(err error) string {
		v, ok := apperr.AsValidation(err)
		require.True(t, ok, "%v", err)
		return v["result"]
	}
	assert.Contains(t, message(conclude()), "select the samples first")

	pop := f.population(tst.ID, 10)
	cur, _ := f.svc.Test(f.ctx, tst.ID)
	samples, err := f.svc.PickSamples(f.ctx, f.users["staff"], tst.ID, PickInput{PopulationID: pop.ID, Keys: []string{"E00001", "E00002"},
		Justification: "two", TestVersion: cur.Version})
	require.NoError(t, err)
	assert.Contains(t, message(conclude()), "2 of 2 samples are untested (E00001, E00002)")
	for _, sm := range samples {
		_, err := f.svc.UpdateSample(f.ctx, f.users["staff"], sm.ID, SampleInput{Result: "pass", Version: sm.Version})
		require.NoError(t, err)
	}
	assert.Contains(t, message(conclude()), "no evidence received yet for 2 samples (E00001, E00002)")

	// E00001's evidence is dated in the period; E00002's is dated after it ends.
	require.NoError(t, f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, samples[0].ID, []evidence.Received{f.evidenceFile("e1.pdf", "2026-02-10")}))
	require.NoError(t, f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, samples[1].ID, []evidence.Received{f.evidenceFile("e2.pdf", "2026-08-01")}))
	msg := message(conclude())
	assert.Contains(t, msg, "no evidence received yet for 1 sample (E00002)")
	assert.Contains(t, msg, "1 file dated outside the period does not count until an auditor explains it")

	var fileID int64
	require.NoError(t, f.db.Raw(`SELECT id FROM evidence_files WHERE sample_id = ?`, samples[1].ID).Row().Scan(&fileID))
	ev := &evidence.Service{DB: f.db}
	files, err := ev.ForSample(f.ctx, samples[1].ID)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.True(t, files[0].OutOfPeriod, "flagged where it is listed")
	assert.False(t, files[0].Counts())
	staff := audit.Actor{ID: f.users["staff"].ID, Email: f.users["staff"].Email}
	_, isValidation := apperr.AsValidation(ev.ExplainPeriod(f.ctx, staff, fileID, "  "))
	assert.True(t, isValidation, "an explanation needs words")
	require.NoError(t, ev.ExplainPeriod(f.ctx, staff, fileID, "The July ticket closes the June request sampled."))
	require.NoError(t, conclude())
	assert.Contains(t, f.auditActions("evidence_file", fileID), "evidence.period_explained")
	cur, _ = f.svc.Test(f.ctx, tst.ID)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, cur.Version))
}

func TestDesignTestNeedsWalkthroughEvidence(t *testing.T) {
	f := newFixture(t, "type1")
	tst := f.test(f.control("NL-07", FreqAutomated, "low", "CC6.1"))
	require.Equal(t, "design", tst.Kind)
	_, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Walk through MFA.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["result"], "attach the walkthrough evidence first")

	// Evidence dated after the as-of date (30 June) is outside the period: it does not count.
	require.NoError(t, f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, 0, []evidence.Received{f.evidenceFile("late.pdf", "2026-07-02")}))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	_, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Walk through MFA.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["result"], "1 file dated outside the period")

	require.NoError(t, f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, 0, []evidence.Received{f.evidenceFile("walkthrough.pdf", "2026-06-30")}))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	_, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Walk through MFA.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
}

// TestEvidenceDates: a sample's evidence defaults to the sampled item's date; no date at all is
// refused; a future date is refused.
func TestEvidenceDates(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	pop := f.population(tst.ID, 10)
	cur, _ := f.svc.Test(f.ctx, tst.ID)
	samples, err := f.svc.PickSamples(f.ctx, f.users["staff"], tst.ID, PickInput{PopulationID: pop.ID, Keys: []string{"E00003"},
		Justification: "one", TestVersion: cur.Version})
	require.NoError(t, err)
	require.NoError(t, f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, samples[0].ID, []evidence.Received{f.evidenceFile("e3.pdf", "")}))
	var d time.Time
	require.NoError(t, f.db.Raw(`SELECT pertains_to FROM evidence_files WHERE sample_id = ?`, samples[0].ID).Row().Scan(&d))
	assert.Equal(t, samples[0].Item["start_date"], d.Format(time.DateOnly), "defaults to the item's start_date")

	err = f.svc.AttachEvidence(f.ctx, f.users["staff"], tst.ID, 0, []evidence.Received{f.evidenceFile("undated.pdf", "")})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["pertains_to"], "Give the date the evidence pertains to")

	_, err = evidence.ParsePertainsTo("2026-07-21", time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC))
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["pertains_to"], "is in the future")
	d2, err := evidence.ParsePertainsTo("2026-07-20", time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, "2026-07-20", d2.Format(time.DateOnly))
}

func TestItemDate(t *testing.T) {
	cols := []string{"ticket", "requested_on", "user"}
	d := ItemDate(map[string]string{"ticket": "CHG-1", "requested_on": "03/04/2026", "user": "ann"}, cols)
	require.NotNil(t, d)
	assert.Equal(t, "2026-03-04", d.Format(time.DateOnly))
	assert.Nil(t, ItemDate(map[string]string{"ticket": "CHG-1"}, []string{"ticket"}))
	d = ItemDate(map[string]string{"id": "7", "when": "2026-05-06 10:00:00"}, []string{"id", "when"})
	require.NotNil(t, d, "an unnamed column holding a date")
	assert.Equal(t, "2026-05-06", d.Format(time.DateOnly))
}
