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
	sc, ctls, comps, err := s.loadMatrixRows(ctx, engagementID)
	if err != nil {
		return Coverage{}, err
	}
	return coverageOf(sc, ctls, comps), nil
}

// Matrix is the control matrix page's data: the controls, the CUECs and CSOCs, and the counts
// of the coverage computed from those same rows (the page shows the counts; the coverage page
// lists the criteria).
type Matrix struct {
	Controls           []Control
	Complementary      []Complementary
	Covered, Total     int // in-scope criteria with a control, and all of them
	ControlsNoCriteria int
}

// LoadMatrix reads the controls and complementary controls once for both the list and the
// coverage counts (the page used to read each twice; building every criterion's row of controls
// only to count them allocated 400 KB a visit on the large fixture, issue #19).
func (s *Service) LoadMatrix(ctx context.Context, engagementID int64) (Matrix, error) {
	sc, ctls, comps, err := s.loadMatrixRows(ctx, engagementID)
	if err != nil {
		return Matrix{}, err
	}
	m := Matrix{Controls: ctls, Complementary: comps}
	addressed := map[string]bool{}
	for _, c := range ctls {
		if len(c.Criteria) == 0 {
			m.ControlsNoCriteria++
		}
		for _, id := range c.Criteria {
			addressed[id] = true
		}
	}
	for _, cr := range sc.InScope() {
		m.Total++
		if addressed[cr.ID] {
			m.Covered++
		}
	}
	return m, nil
}

func (s *Service) loadMatrixRows(ctx context.Context, engagementID int64) (Scope, []Control, []Complementary, error) {
	sc, err := s.LoadScope(ctx, engagementID)
	if err != nil {
		return sc, nil, nil, err
	}
	ctls, err := s.List(ctx, engagementID)
	if err != nil {
		return sc, nil, nil, err
	}
	comps, err := s.ListComplementary(ctx, engagementID)
	return sc, ctls, comps, err
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
