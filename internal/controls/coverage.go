package controls

import (
	"context"
)

// CoverageRow is one in-scope criterion with what addresses it.
type CoverageRow struct {
	Criterion     Criterion
	Controls      []Control
	Complementary []Complementary
}

// Covered reports whether at least one of the service organization's controls addresses the
// criterion; CUECs and CSOCs complement controls but do not replace them.
func (r CoverageRow) Covered() bool { return len(r.Controls) > 0 }

// CoverageSeries groups the rows of one series (CC6, A1, …).
type CoverageSeries struct {
	Category, Series, Title string
	Rows                    []CoverageRow
	Uncovered               int
}

// Coverage is every in-scope criterion of an engagement with its controls.
type Coverage struct {
	Series             []CoverageSeries
	Total, Covered     int
	Uncovered          []string // criterion ids with no control, in catalogue order
	ControlsNoCriteria int
}

// LoadCoverage maps the engagement's controls and complementary controls onto its in-scope criteria.
func (s *Service) LoadCoverage(ctx context.Context, engagementID int64) (Coverage, error) {
	m, err := s.LoadMatrix(ctx, engagementID)
	return m.Coverage, err
}

// Matrix is the control matrix page's data: the controls, the CUECs and CSOCs, and the coverage
// computed from those same rows.
type Matrix struct {
	Controls      []Control
	Complementary []Complementary
	Coverage      Coverage
}

// LoadMatrix reads the controls and complementary controls once for both the list and the
// coverage (the page used to read each twice, issue #19).
func (s *Service) LoadMatrix(ctx context.Context, engagementID int64) (Matrix, error) {
	sc, err := s.LoadScope(ctx, engagementID)
	if err != nil {
		return Matrix{}, err
	}
	ctls, err := s.List(ctx, engagementID)
	if err != nil {
		return Matrix{}, err
	}
	comps, err := s.ListComplementary(ctx, engagementID)
	if err != nil {
		return Matrix{}, err
	}
	return Matrix{Controls: ctls, Complementary: comps, Coverage: coverageOf(sc, ctls, comps)}, nil
}

// coverageOf maps controls and complementary controls onto the scope's criteria.
func coverageOf(sc Scope, ctls []Control, comps []Complementary) Coverage {
	byCriterion := map[string][]Control{}
	var cov Coverage
	for _, c := range ctls {
		if len(c.Criteria) == 0 {
			cov.ControlsNoCriteria++
		}
		for _, id := range c.Criteria {
			byCriterion[id] = append(byCriterion[id], c)
		}
	}
	compBy := map[string][]Complementary{}
	for _, c := range comps {
		for _, id := range c.Criteria {
			compBy[id] = append(compBy[id], c)
		}
	}
	for _, cr := range sc.InScope() {
		if len(cov.Series) == 0 || cov.Series[len(cov.Series)-1].Series != cr.Series {
			cov.Series = append(cov.Series, CoverageSeries{Category: cr.Category, Series: cr.Series, Title: cr.SeriesTitle})
		}
		series := &cov.Series[len(cov.Series)-1]
		row := CoverageRow{Criterion: cr, Controls: byCriterion[cr.ID], Complementary: compBy[cr.ID]}
		series.Rows = append(series.Rows, row)
		cov.Total++
		if row.Covered() {
			cov.Covered++
		} else {
			series.Uncovered++
			cov.Uncovered = append(cov.Uncovered, cr.ID)
		}
	}
	return cov
}
