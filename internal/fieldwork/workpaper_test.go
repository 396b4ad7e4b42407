package fieldwork

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
)

// TestWorkpaperLoadsOnlyItsTest: the test page's read model holds the test's own populations,
// samples, exceptions and notes, not those of the engagement's other tests.
func TestWorkpaperLoadsOnlyItsTest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "type2")
	mine := f.test(f.control("NL-03", FreqAsNeeded, "low", "CC1.4", "CC2.2"))
	other := f.test(f.control("NL-05", FreqAsNeeded, "low", "CC6.2"))
	f.population(mine.ID, 40)
	f.population(other.ID, 30)
	for _, tst := range []Test{mine, other} {
		_, err := f.svc.RecordException(f.ctx, f.users["staff"], tst.ID, ExceptionInput{Description: fmt.Sprintf("Late for one item of test %d", tst.ID),
			Deviations: 1, ItemsTested: 15})
		require.NoError(t, err)
		_, err = f.svc.RaiseReviewNote(f.ctx, f.users["senior"], f.engagement, "test", tst.ID, fmt.Sprintf("Note on test %d", tst.ID))
		require.NoError(t, err)
	}

	w, err := f.svc.Workpaper(f.ctx, mine.ID, PartProcedure)
	require.NoError(t, err)
	assert.Equal(t, mine.ID, w.Test.ID)
	assert.Equal(t, []string{"inquiry", "inspection"}, []string(w.Test.Techniques))
	assert.Equal(t, []string{"CC1.4", "CC2.2"}, w.Criteria)
	assert.Empty(t, w.Populations, "the procedure part shows no population")
	assert.Empty(t, w.Exceptions)
	assert.Empty(t, w.Notes)

	w, err = f.svc.Workpaper(f.ctx, mine.ID, PartPopulation)
	require.NoError(t, err)
	require.Len(t, w.Populations, 1)
	assert.Equal(t, 40, w.Populations[0].RowCount)
	assert.Empty(t, w.SuggestionProblem)
	assert.Positive(t, w.Suggestion.Size)
	assert.Empty(t, w.Samples)
	assert.Nil(t, w.Reperformance)
	assert.Empty(t, w.Exceptions, "the population part shows no exceptions")
	assert.Empty(t, w.Library)

	w, err = f.svc.Workpaper(f.ctx, mine.ID, PartExceptions)
	require.NoError(t, err)
	require.Len(t, w.Exceptions, 1, "only this test's exceptions")
	assert.Equal(t, mine.ID, w.Exceptions[0].TestID)
	assert.Equal(t, []string{"CC1.4", "CC2.2"}, w.Criteria, "the exception form offers the control's criteria")
	assert.Empty(t, w.Notes)

	w, err = f.svc.Workpaper(f.ctx, mine.ID, PartNotes)
	require.NoError(t, err)
	require.Len(t, w.Notes, 1, "only this test's notes")
	assert.Equal(t, fmt.Sprintf("Note on test %d", mine.ID), w.Notes[0].Body)
	assert.Empty(t, w.Exceptions)

	_, err = f.svc.Workpaper(f.ctx, other.ID+1000, PartProcedure)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}
