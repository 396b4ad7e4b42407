package fieldwork

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
)

func TestCreateTestKindFollowsReportType(t *testing.T) {
	f := newFixture(t, "type2")
	ctl := f.control("NL-04", FreqAsNeeded, "low", "CC6.2")
	tst := f.test(ctl)
	assert.Equal(t, "operating", tst.Kind)
	assert.Equal(t, "NL-04", tst.ControlRef)
	assert.Equal(t, []string{"inquiry", "inspection"}, []string(tst.Techniques))
	assert.Equal(t, []string{"test.create"}, f.auditActions("test", tst.ID))

	f1 := fixtureOn(t, f.db, "type1")
	ctl1 := f1.control("T1-01", FreqAutomated, "low", "CC6.1")
	tst1 := f1.test(ctl1)
	assert.Equal(t, "design", tst1.Kind, "Type I tests design and implementation")

	_, err := f.svc.CreateTest(f.ctx, f.users["staff"], f.engagement, ctl1, TestInput{Techniques: []string{"inspection"}, Procedure: "x"})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "a control of another engagement is refused: %v", err)
	assert.Contains(t, v, "control_id")
}

func TestTestInputValidation(t *testing.T) {
	in := TestInput{Techniques: []string{"guessing"}, Result: ResultNoExceptions}
	v := in.Validate()
	assert.Contains(t, v["techniques"], "not a test technique")
	assert.Contains(t, v, "procedure")
	assert.Contains(t, v, "result_text")
	assert.True(t, InquiryOnly([]string{"inquiry"}))
	assert.False(t, InquiryOnly([]string{"inquiry", "inspection"}))
}

func TestLibraryOffersProceduresOfMappedCriteria(t *testing.T) {
	f := newFixture(t, "type2")
	ctl := f.control("NL-05", FreqAsNeeded, "low", "CC6.2")
	lib, err := f.svc.LibraryForControl(f.ctx, ctl)
	require.NoError(t, err)
	require.NotEmpty(t, lib)
	for _, p := range lib {
		assert.Equal(t, "CC6.2", p.CriterionID)
	}
	titles := []string{}
	for _, p := range lib {
		titles = append(titles, p.Title)
	}
	assert.Contains(t, titles, "Timely removal of access")
}

func TestUpdateTestConflictKeepsBothVersions(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-12", FreqMultipleDaily, "low", "CC8.1"))
	first := TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect 40 changes.", Result: ResultInProgress, Version: tst.Version}
	_, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, first)
	require.NoError(t, err)

	second := TestInput{Techniques: []string{"inspection", "reperformance"}, Procedure: "Reperform 40 changes.", Result: ResultInProgress, Version: tst.Version}
	_, err = f.svc.UpdateTest(f.ctx, f.users["senior"], tst.ID, second)
	conflict, ok := apperr.AsConflict(err)
	require.True(t, ok, "stale save refused: %v", err)
	stored := conflict.Current.(Test)
	assert.Equal(t, "Inspect 40 changes.", stored.Procedure, "the conflict carries the stored version")
	reloaded, err := f.svc.Test(f.ctx, tst.ID)
	require.NoError(t, err)
	assert.Equal(t, "Inspect 40 changes.", reloaded.Procedure, "nothing overwritten")
}

func TestSignOffsAndEditAfterReview(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-07", FreqAutomated, "low", "CC6.1"))

	// Inquiry alone cannot be signed off.
	tst, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inquiry"}, Procedure: "Ask IT.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	assert.True(t, tst.InquiryOnly())
	err = f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version)
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["signoff"], "Inquiry alone")

	tst, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inquiry", "inspection"}, Procedure: "Inspect the IdP.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	require.NotNil(t, tst.PreparedBy)

	// The preparer cannot review their own work.
	err = f.svc.SignAsReviewer(f.ctx, f.users["staff"], tst.ID, tst.Version)
	v, ok = apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["signoff"], "You prepared this test")

	require.NoError(t, f.svc.SignAsReviewer(f.ctx, f.users["manager"], tst.ID, tst.Version))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	require.NotNil(t, tst.ReviewedBy)
	assert.Equal(t, "manager", tst.ReviewedByName)

	// Editing the reviewed test clears both sign-offs and marks it edited after review.
	tst, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inquiry", "inspection"}, Procedure: "Inspect the IdP policy.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	assert.Nil(t, tst.PreparedBy)
	assert.Nil(t, tst.ReviewedBy)
	assert.True(t, tst.EditedAfterReview)
	var edited, cleared string
	require.NoError(t, f.db.Raw(`SELECT after->>'edited_after_review', after->>'signoffs_cleared' FROM audit_events
		WHERE entity_type = 'test' AND entity_id = ? ORDER BY id DESC LIMIT 1`, tst.ID).Row().Scan(&edited, &cleared))
	assert.Equal(t, "true", edited, "the audit trail says the test was edited after review")
	assert.Equal(t, "true", cleared)

	// A fresh review clears the mark.
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	require.NoError(t, f.svc.SignAsReviewer(f.ctx, f.users["senior"], tst.ID, tst.Version))
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	assert.False(t, tst.EditedAfterReview)
	assert.Equal(t, []string{"test.create", "test.update", "test.update", "test.sign_preparer", "test.sign_reviewer", "test.update", "test.sign_preparer", "test.sign_reviewer"},
		f.auditActions("test", tst.ID))
}

// TestSignOffsNeedRecordedExceptionsAndClearedNotes: "exceptions noted" without a recorded
// deviation cannot be signed as prepared, and a test with review notes not cleared cannot be
// signed as reviewed.
func TestSignOffsNeedRecordedExceptionsAndClearedNotes(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-05", FreqAsNeeded, "low", "CC6.2"))
	tst, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect tickets.",
		Result: ResultExceptions, ResultText: "For 1 of 15 leavers, access was removed late.", Version: tst.Version})
	require.NoError(t, err)
	err = f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version)
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["signoff"], "record the deviation")

	_, err = f.svc.RecordException(f.ctx, f.users["staff"], tst.ID, ExceptionInput{Description: "For 1 of 15 leavers, access was removed 4 days late.",
		Deviations: 1, ItemsTested: 15})
	require.NoError(t, err)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))

	noteID, err := f.svc.RaiseReviewNote(f.ctx, f.users["senior"], f.engagement, "test", tst.ID, "Was the late removal reported to security?")
	require.NoError(t, err)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	err = f.svc.SignAsReviewer(f.ctx, f.users["senior"], tst.ID, tst.Version)
	v, ok = apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "1 review note on this test is not cleared yet: clear it before signing off as reviewer.", v["signoff"])

	require.NoError(t, f.svc.ClearReviewNote(f.ctx, f.users["senior"], noteID, 1))
	require.NoError(t, f.svc.SignAsReviewer(f.ctx, f.users["senior"], tst.ID, tst.Version))
}

func TestChangingSamplesOfASignedTestClearsSignOffs(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	pop := f.population(tst.ID, 30)
	samples, err := f.svc.PickSamples(f.ctx, f.users["staff"], tst.ID, PickInput{PopulationID: pop.ID, Keys: []string{"E00001", "E00002"},
		Justification: "two", TestVersion: tst.Version})
	require.NoError(t, err)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	tst, err = f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect tickets.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))
	require.NoError(t, f.svc.SignAsReviewer(f.ctx, f.users["senior"], tst.ID, tst.Version+1))

	_, err = f.svc.UpdateSample(f.ctx, f.users["staff"], samples[0].ID, SampleInput{Result: "deviation", Notes: "no approval", Version: samples[0].Version})
	require.NoError(t, err)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	assert.Nil(t, tst.PreparedBy)
	assert.Nil(t, tst.ReviewedBy)
	assert.True(t, tst.EditedAfterReview)
	actions := f.auditActions("test", tst.ID)
	assert.Equal(t, "test.signoffs_cleared", actions[len(actions)-1])
}

func TestUploadingAPopulationToASignedTestClearsSignOffs(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	tst, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect tickets.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))
	require.NoError(t, f.svc.SignAsReviewer(f.ctx, f.users["senior"], tst.ID, tst.Version+1))

	f.population(tst.ID, 10)
	tst, _ = f.svc.Test(f.ctx, tst.ID)
	assert.Nil(t, tst.PreparedBy)
	assert.Nil(t, tst.ReviewedBy)
	assert.True(t, tst.EditedAfterReview)
	assert.Contains(t, f.auditActions("test", tst.ID), "test.signoffs_cleared")
}

func TestReviewNotesAndQueue(t *testing.T) {
	f := newFixture(t, "type2")
	ctl := f.control("NL-09", FreqWeekly, "low", "CC7.1")
	tst := f.test(ctl)
	tst, err := f.svc.UpdateTest(f.ctx, f.users["staff"], tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect scans.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: tst.Version})
	require.NoError(t, err)
	require.NoError(t, f.svc.SignAsPreparer(f.ctx, f.users["staff"], tst.ID, tst.Version))

	q, err := f.svc.ReviewQueueFor(f.ctx, f.users["senior"])
	require.NoError(t, err)
	require.Len(t, q.Tests, 1)
	assert.Equal(t, "NL-09", q.Tests[0].ControlRef)
	q, err = f.svc.ReviewQueueFor(f.ctx, f.users["staff"])
	require.NoError(t, err)
	assert.Empty(t, q.Tests, "staff are not reviewers and never review their own work")

	_, err = f.svc.RaiseReviewNote(f.ctx, f.users["senior"], f.engagement, "test", tst.ID, "  ")
	assert.Error(t, err)
	_, err = f.svc.RaiseReviewNote(f.ctx, f.users["senior"], f.engagement, "description_section", 1, "later")
	assert.Error(t, err, "description sections come in the next round")
	id, err := f.svc.RaiseReviewNote(f.ctx, f.users["senior"], f.engagement, "test", tst.ID, "Which scanner produced these?")
	require.NoError(t, err)
	q, err = f.svc.ReviewQueueFor(f.ctx, f.users["staff"])
	require.NoError(t, err)
	require.Len(t, q.OpenNotes, 1, "the preparer sees the note waiting for an answer")
	assert.Equal(t, "Which scanner produced these?", q.OpenNotes[0].Body)
	q, err = f.svc.ReviewQueueFor(f.ctx, f.users["senior"])
	require.NoError(t, err)
	assert.Empty(t, q.OpenNotes, "not the author's own notes")
	require.NoError(t, f.svc.AnswerReviewNote(f.ctx, f.users["staff"], id, "The weekly Nessus job; export attached.", 1))
	err = f.svc.AnswerReviewNote(f.ctx, f.users["staff"], id, "again", 1)
	_, conflict := apperr.AsConflict(err)
	assert.True(t, conflict, "stale answer refused")

	q, err = f.svc.ReviewQueueFor(f.ctx, f.users["senior"])
	require.NoError(t, err)
	require.Len(t, q.AnsweredNotes, 1)
	assert.Equal(t, "Test of NL-09", q.AnsweredNotes[0].TargetLabel)
	staffQueue, _ := f.svc.ReviewQueueFor(f.ctx, f.users["staff"])
	assert.Empty(t, staffQueue.OpenNotes, "an answered note no longer waits for an answer")

	// Who may clear is the policy's ReviewNoteClear (internal/policy), fed the note's author.
	author, err := f.svc.ReviewNoteAuthor(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, f.users["senior"].ID, author)
	_, err = f.svc.ReviewNoteAuthor(f.ctx, id+1000)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	err = f.svc.ClearReviewNote(f.ctx, f.users["manager"], id, 1)
	_, conflict = apperr.AsConflict(err)
	assert.True(t, conflict, "a stale clear is refused")
	require.NoError(t, f.svc.ClearReviewNote(f.ctx, f.users["manager"], id, 2), "a manager on the team may clear it")
	notes, err := f.svc.ReviewNotes(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.Equal(t, "cleared", notes[0].Status())
	assert.Equal(t, []string{"review_note.raise", "review_note.answer", "review_note.clear"}, f.auditActions("review_note", id))
}
