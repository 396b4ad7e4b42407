package description_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/description"
)

func TestEvaluateCompletenessRules(t *testing.T) {
	concluded := func(code string, c description.Conclusion, reviewed, current int) description.Section {
		return description.Section{Criterion: description.Criterion{Code: code}, Body: "x", CurrentVersion: current,
			Review: &description.Review{Conclusion: c, ReviewedVersion: reviewed}}
	}
	cases := []struct {
		name     string
		sections []description.Section
		complete bool
		missing  []string
	}{
		{"all concluded, no notes", []description.Section{concluded("DC1", description.Presented, 1, 1), concluded("DC2", description.NotApplicable, 0, 0)}, true, nil},
		{"one without conclusion", []description.Section{concluded("DC1", description.Presented, 1, 1), {Criterion: description.Criterion{Code: "DC2"}}}, false,
			[]string{"a conclusion on DC2"}},
		{"changed after review", []description.Section{concluded("DC1", description.Presented, 1, 2)}, false,
			[]string{"review again of DC1 (changed after review)"}},
		{"open note", []description.Section{func() description.Section {
			s := concluded("DC1", description.Presented, 1, 1)
			s.OpenNotes = 2
			return s
		}()}, false,
			[]string{"2 open review notes on the description cleared"}},
		{"not presented still completes the review", []description.Section{concluded("DC4", description.NotPresented, 3, 3)}, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := description.Evaluate(tc.sections)
			assert.Equal(t, tc.complete, c.Complete)
			assert.Equal(t, tc.missing, c.Missing())
		})
	}
	c := description.Evaluate([]description.Section{concluded("DC4", description.NotPresented, 3, 3)})
	assert.Equal(t, []string{"DC4"}, c.NotPresented, "a not-presented conclusion stays visible for the opinion")
}

func TestChecklistAndChangedAfterReview(t *testing.T) {
	f := newFixture(t)
	senior, client := f.users["senior"], f.users["client"]
	f.save(client, "DC3", "Components: AWS, Postgres.")
	err := f.svc.Conclude(f.ctx, senior, f.engagement, "DC3", description.ConclusionInput{Conclusion: description.NotPresented})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["comment"], "required", "not presented needs a comment")

	require.NoError(t, f.svc.Conclude(f.ctx, senior, f.engagement, "DC3", description.ConclusionInput{Conclusion: description.Presented}))
	dc3 := f.section("DC3")
	assert.True(t, dc3.Concluded())
	assert.Equal(t, "Senior", dc3.Review.ReviewerName)

	f.save(client, "DC3", "Components: AWS, Postgres, Redis.")
	dc3 = f.section("DC3")
	assert.True(t, dc3.ChangedAfterReview(), "an edit after the conclusion flags the section")
	assert.False(t, dc3.Concluded())

	err = f.svc.Conclude(f.ctx, senior, f.engagement, "DC3", description.ConclusionInput{Conclusion: description.Presented, Version: 0})
	_, conflict := apperr.AsConflict(err)
	assert.True(t, conflict, "a conclusion from a stale checklist row is refused")
	require.NoError(t, f.svc.Conclude(f.ctx, senior, f.engagement, "DC3", description.ConclusionInput{Conclusion: description.Presented, Version: dc3.Review.Version}))
	assert.False(t, f.section("DC3").ChangedAfterReview())

	// Notes on sections block completeness until cleared; client sees only notes addressed to them.
	_, err = f.svc.RaiseNote(f.ctx, senior, f.engagement, "DC4", "Name the three incidents.", true)
	require.NoError(t, err)
	_, err = f.svc.RaiseNote(f.ctx, senior, f.engagement, "DC4", "Internal: compare with the incident log.", false)
	require.NoError(t, err)
	assert.Equal(t, 2, f.section("DC4").OpenNotes)
	clientNotes, err := f.svc.Notes(f.ctx, f.engagement, true)
	require.NoError(t, err)
	require.Len(t, clientNotes, 1)
	assert.Equal(t, "Name the three incidents.", clientNotes[0].Body)
	require.NoError(t, f.svc.AnswerNote(f.ctx, client, clientNotes[0].ID, "Added to DC4.", clientNotes[0].Version))
	all, _ := f.svc.Notes(f.ctx, f.engagement, false)
	assert.ErrorIs(t, f.svc.AnswerNote(f.ctx, client, all[1].ID, "peek", all[1].Version), apperr.ErrNotFound,
		"a client cannot answer (or learn of) an internal note")

	for _, c := range description.CriteriaFor("type2") {
		sec := f.section(c.Code)
		ver := 0
		if sec.Review != nil {
			ver = sec.Review.Version
		}
		require.NoError(t, f.svc.Conclude(f.ctx, senior, f.engagement, c.Code, description.ConclusionInput{Conclusion: description.Presented, Version: ver}))
	}
	r, err := f.svc.ForReport(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.False(t, r.ReviewComplete, "open notes keep the review incomplete")
	require.NoError(t, f.db.Exec(`UPDATE review_notes SET cleared_at = now(), cleared_by = ?`, senior.ID).Error)
	r, err = f.svc.ForReport(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.True(t, r.ReviewComplete, r.ReviewMissing)
	assert.Len(t, r.Sections, 9)
}
