package fieldwork

import (
	"context"
	"fmt"
)

// Workpaper is the read model of the test page: everything the page shows about one test,
// loaded by the domain in one place (each list by the test's own id, so nothing of the rest of
// the engagement is loaded and filtered in Go).
type Workpaper struct {
	Test        Test
	Library     []Procedure // library procedures of the criteria the control is mapped to
	Criteria    []string    // the control's criteria
	Populations []Population
	Samples     []Sample
	// Suggestion is the suggested sample size for the latest population; SuggestionProblem says
	// why there is none.
	Suggestion        SampleSize
	SuggestionProblem string
	// Reperformance re-draws a random selection from its population (nil when not random).
	Reperformance *Reperformance
	Exceptions    []Exception
	Notes         []ReviewNote
}

// Part is a part of the test page (templates.TestParts' keys); each shows some of the
// Workpaper, and Workpaper loads only that (the population part read every other part's lists
// too, issue #19).
type Part string

// The parts whose lists differ.
const (
	PartProcedure  Part = "procedure"
	PartPopulation Part = "population"
	PartEvidence   Part = "evidence"
	PartExceptions Part = "exceptions"
	PartNotes      Part = "notes"
)

// Workpaper loads the read model of part of the test page for test id, or apperr.ErrNotFound:
// the test always; the library and the control's criteria for the procedure; populations,
// the size suggestion and samples for the population part; samples, criteria and exceptions
// for the exceptions part; review notes for the notes part.
func (s *Service) Workpaper(ctx context.Context, testID int64, part Part) (Workpaper, error) {
	var w Workpaper
	var err error
	if w.Test, err = s.Test(ctx, testID); err != nil {
		return w, err
	}
	if part == PartProcedure {
		if w.Library, err = s.LibraryForControl(ctx, w.Test.ControlID); err != nil {
			return w, err
		}
	}
	if part == PartProcedure || part == PartExceptions {
		if w.Criteria, err = s.ControlCriteria(ctx, w.Test.ControlID); err != nil {
			return w, err
		}
	}
	if part == PartPopulation {
		if w.Populations, err = s.Populations(ctx, testID); err != nil {
			return w, err
		}
		popSize := 0
		if len(w.Populations) > 0 {
			popSize = w.Populations[0].RowCount
		}
		if w.Suggestion, err = s.Suggestion(ctx, w.Test, popSize); err != nil {
			w.SuggestionProblem = err.Error()
		}
	}
	if part == PartPopulation || part == PartExceptions {
		if w.Samples, err = s.Samples(ctx, testID); err != nil {
			return w, err
		}
	}
	for _, p := range w.Populations {
		if len(w.Samples) > 0 && w.Samples[0].PopulationID != nil && *w.Samples[0].PopulationID == p.ID {
			if rep, ok := ReperformSelection(w.Test, p, w.Samples); ok {
				w.Reperformance = &rep
			}
		}
	}
	if part == PartExceptions {
		if w.Exceptions, err = s.ExceptionsOfTest(ctx, testID); err != nil {
			return w, err
		}
	}
	if part == PartNotes {
		if w.Notes, err = s.ReviewNotesOn(ctx, "test", testID); err != nil {
			return w, err
		}
	}
	return w, nil
}

// ExceptionsOfTest lists the exceptions recorded on one test, in the order of Exceptions.
func (s *Service) ExceptionsOfTest(ctx context.Context, testID int64) ([]Exception, error) {
	var out []Exception
	if err := s.DB.WithContext(ctx).Raw(exceptionSelect+`WHERE x.test_id = ? ORDER BY c.sort_order, c.ref, x.id`, testID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing exceptions of test %d: %w", testID, err)
	}
	return out, nil
}
