package fieldwork

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/apperr"
)

func TestRollUp(t *testing.T) {
	attrs := []Attribute{{ID: 1, Code: "A"}, {ID: 2, Code: "B"}}
	cases := []struct {
		name  string
		cells map[int64]Cell
		want  string
	}{
		{"nothing tested", map[int64]Cell{}, "untested"},
		{"one attribute left", map[int64]Cell{1: {Result: CellPass}}, "untested"},
		{"a note is not a result", map[int64]Cell{1: {Result: CellPass}, 2: {Note: "asked IT"}}, "untested"},
		{"all pass", map[int64]Cell{1: {Result: CellPass}, 2: {Result: CellPass}}, "pass"},
		{"pass and not applicable", map[int64]Cell{1: {Result: CellPass}, 2: {Result: CellNotApplicable}}, "pass"},
		{"nothing applies", map[int64]Cell{1: {Result: CellNotApplicable}, 2: {Result: CellNotApplicable}}, "not_applicable"},
		{"any deviation", map[int64]Cell{1: {Result: CellDeviation}}, "deviation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, RollUp(attrs, tc.cells)) })
	}
	assert.Equal(t, "untested", RollUp(nil, nil))
	for _, r := range CellResults {
		back, ok := ParseTickmark(Tickmark(r))
		assert.True(t, ok)
		assert.Equal(t, r, back, "tickmarks read back")
	}
	assert.Equal(t, []string{"A", "Z", "AA", "AB"}, []string{attributeCode(0), attributeCode(25), attributeCode(26), attributeCode(27)})
}

// TestGridDeviationRollsUpAndStaleRowsAreRefused: cells roll up to the sample and the test,
// bulk-set covers several rows in one save, and a stale row refuses the whole save with the
// stored row.
func TestGridDeviationRollsUpAndStaleRowsAreRefused(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	samples := f.tested(tst.ID, 3) // passed on the sample page, with evidence
	staff := f.users["staff"]
	a, err := f.svc.AddAttribute(f.ctx, staff, tst.ID, "Approval before access")
	require.NoError(t, err)
	b, err := f.svc.AddAttribute(f.ctx, staff, tst.ID, "Approver is the system owner")
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B"}, []string{a.Code, b.Code})
	_, err = f.svc.AddAttribute(f.ctx, staff, tst.ID, "approval before access")
	_, dup := apperr.AsValidation(err)
	assert.True(t, dup, "the same attribute twice is refused")

	g, err := f.svc.Grid(f.ctx, tst.ID)
	require.NoError(t, err)
	require.Len(t, g.Rows, 3)
	assert.Equal(t, 3, g.Untested, "new attributes make every sample untested until tested")
	assert.Equal(t, []string{"employee_id", "name", "start_date"}, g.Columns)

	versions := func(g Grid) []RowVersion {
		out := make([]RowVersion, len(g.Rows))
		for i, r := range g.Rows {
			out[i] = RowVersion{SampleID: r.Sample.ID, Version: r.Sample.Version}
		}
		return out
	}
	// Bulk-set: A and B pass on all three rows in one save.
	var cells []CellInput
	for _, sm := range samples {
		cells = append(cells, CellInput{SampleID: sm.ID, AttributeID: a.ID, Result: CellPass}, CellInput{SampleID: sm.ID, AttributeID: b.ID, Result: CellPass})
	}
	stale := versions(g)
	g, err = f.svc.SaveCells(f.ctx, staff, tst.ID, versions(g), cells)
	require.NoError(t, err)
	assert.Zero(t, g.Untested)
	assert.Equal(t, "0 of 3 samples with a deviation", g.Summary())
	cur, _ := f.svc.Test(f.ctx, tst.ID)
	_, err = f.svc.UpdateTest(f.ctx, staff, tst.ID, TestInput{Techniques: []string{"inspection"}, Procedure: "Inspect tickets.",
		Result: ResultNoExceptions, ResultText: "No exceptions noted.", Version: cur.Version})
	require.NoError(t, err)

	// A save on the versions seen before the bulk-set is stale: refused, nothing saved.
	note := "approved by the requester"
	_, err = f.svc.SaveCells(f.ctx, staff, tst.ID, stale[:1], []CellInput{{SampleID: samples[0].ID, AttributeID: b.ID, Result: CellDeviation, Note: &note}})
	var conflict *GridConflict
	require.True(t, errors.As(err, &conflict), "%v", err)
	require.Len(t, conflict.Stale, 1)
	assert.Equal(t, CellPass, conflict.Stale[0].Cells[b.ID].Result, "the stored row comes back")
	g, _ = f.svc.Grid(f.ctx, tst.ID)
	assert.Zero(t, g.Deviations, "nothing saved")

	// B deviates on the first sample: the sample is a deviation, the test's conclusion withdrawn.
	g, err = f.svc.SaveCells(f.ctx, staff, tst.ID, versions(g)[:1], []CellInput{{SampleID: samples[0].ID, AttributeID: b.ID, Result: CellDeviation, Note: &note}})
	require.NoError(t, err)
	assert.Equal(t, "deviation", g.Rows[0].Sample.Result)
	assert.Equal(t, note, g.Rows[0].Cells[b.ID].Note)
	assert.Equal(t, "1 of 3 samples with a deviation", g.Summary())
	cur, _ = f.svc.Test(f.ctx, tst.ID)
	assert.Equal(t, ResultInProgress, cur.Result, "no exceptions no longer holds")
	actions := f.auditActions("test", tst.ID)
	assert.Equal(t, "test.result_changed", actions[len(actions)-1])
	var before, after string
	require.NoError(t, f.db.Raw(`SELECT before->>'B', after->>'B' FROM audit_events WHERE action = 'sample.grid_update' AND entity_id = ? ORDER BY id DESC LIMIT 1`,
		samples[0].ID).Row().Scan(&before, &after))
	assert.Equal(t, "pass", before)
	assert.Equal(t, "deviation — approved by the requester", after)

	// Removing B drops its results: the sample passes again, and the test's result changes back.
	require.NoError(t, f.svc.RemoveAttribute(f.ctx, staff, tst.ID, "B"))
	g, _ = f.svc.Grid(f.ctx, tst.ID)
	assert.Len(t, g.Attributes, 1)
	assert.Equal(t, "pass", g.Rows[0].Sample.Result)
	require.NoError(t, f.svc.SetGridColumns(f.ctx, staff, tst.ID, []string{"start_date", "employee_id"}))
	g, _ = f.svc.Grid(f.ctx, tst.ID)
	assert.Equal(t, []string{"start_date", "employee_id"}, g.Columns)
	_, bad := apperr.AsValidation(f.svc.SetGridColumns(f.ctx, staff, tst.ID, []string{"salary"}))
	assert.True(t, bad)
}

// TestGridXLSXRoundTrip: the exported workpaper has the legend; edited results re-import; the
// same file again is stale; an unreadable tickmark refuses the file.
func TestGridXLSXRoundTrip(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-04", FreqAsNeeded, "low", "CC6.2"))
	f.tested(tst.ID, 2)
	staff := f.users["staff"]
	a, err := f.svc.AddAttribute(f.ctx, staff, tst.ID, "Approval before access")
	require.NoError(t, err)
	g, _ := f.svc.Grid(f.ctx, tst.ID)
	_, err = f.svc.SaveCells(f.ctx, staff, tst.ID, []RowVersion{{g.Rows[0].Sample.ID, g.Rows[0].Sample.Version}, {g.Rows[1].Sample.ID, g.Rows[1].Sample.Version}},
		[]CellInput{{SampleID: g.Rows[0].Sample.ID, AttributeID: a.ID, Result: CellPass}, {SampleID: g.Rows[1].Sample.ID, AttributeID: a.ID, Result: CellPass}})
	require.NoError(t, err)
	g, _ = f.svc.Grid(f.ctx, tst.ID)
	tst, _ = f.svc.Test(f.ctx, tst.ID)

	data, err := ExportGridXLSX(tst, g)
	require.NoError(t, err)
	x, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	rows, err := x.GetRows("Grid")
	require.NoError(t, err)
	assert.Equal(t, []string{"#", "Item key", "employee_id", "name", "start_date", "A: Approval before access", "A note", "Sample result", "Row version"}, rows[0])
	assert.Equal(t, "✓", rows[1][5])
	legend, err := x.GetRows("Legend")
	require.NoError(t, err)
	var text []string
	for _, l := range legend {
		text = append(text, strings.Join(l, " "))
	}
	assert.Contains(t, text, "✗ Deviation: attribute not met")
	assert.Contains(t, text, "A Approval before access")

	// The auditor marks the second item a deviation with a note in Excel and re-imports.
	require.NoError(t, x.SetCellValue("Grid", "F3", "✗"))
	require.NoError(t, x.SetCellValue("Grid", "G3", "No approval in the ticket"))
	var edited bytes.Buffer
	require.NoError(t, x.Write(&edited))
	res, err := f.svc.ImportGridXLSX(f.ctx, staff, tst.ID, edited.Bytes())
	require.NoError(t, err)
	assert.Equal(t, GridImport{Rows: 1, Cells: 1}, res)
	g, _ = f.svc.Grid(f.ctx, tst.ID)
	assert.Equal(t, Cell{Result: CellDeviation, Note: "No approval in the ticket"}, g.Rows[1].Cells[a.ID])
	assert.Equal(t, "deviation", g.Rows[1].Sample.Result)
	assert.Equal(t, "1 of 2 samples with a deviation", g.Summary())

	// Importing the edited file again changes nothing; the original export is now stale.
	res, err = f.svc.ImportGridXLSX(f.ctx, staff, tst.ID, edited.Bytes())
	require.NoError(t, err)
	assert.Zero(t, res.Cells)
	_, err = f.svc.ImportGridXLSX(f.ctx, staff, tst.ID, data)
	var conflict *GridConflict
	assert.True(t, errors.As(err, &conflict), "%v", err)

	require.NoError(t, x.SetCellValue("Grid", "F2", "maybe"))
	var bad bytes.Buffer
	require.NoError(t, x.Write(&bad))
	_, err = f.svc.ImportGridXLSX(f.ctx, staff, tst.ID, bad.Bytes())
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["file"], `row 2, A: "maybe" is not ✓, ✗ or N/A`)
}

// TestSampleExtension: after a deviation the sample is extended by the same size from the
// same population, excluding the items already selected; both draws reperform; "x of n" covers
// the whole sample; an extension larger than the untested remainder is refused.
func TestSampleExtension(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-05", FreqAsNeeded, "low", "CC6.2"))
	pop := f.population(tst.ID, 30)
	cur, _ := f.svc.Test(f.ctx, tst.ID)
	samples, err := f.svc.DrawSamples(f.ctx, f.users["staff"], tst.ID, DrawInput{PopulationID: pop.ID, Size: "10", Justification: "ten", TestVersion: cur.Version})
	require.NoError(t, err)
	cur, _ = f.svc.Test(f.ctx, tst.ID)
	_, err = f.svc.ExtendSample(f.ctx, f.users["staff"], tst.ID, ExtendInput{Justification: "why", TestVersion: cur.Version})
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["extend_size"], "No sample shows a deviation")

	_, err = f.svc.UpdateSample(f.ctx, f.users["staff"], samples[3].ID, SampleInput{Result: "deviation", Notes: "late", Version: samples[3].Version})
	require.NoError(t, err)
	cur, _ = f.svc.Test(f.ctx, tst.ID)
	_, err = f.svc.ExtendSample(f.ctx, f.users["staff"], tst.ID, ExtendInput{Size: "21", Justification: "all the rest", TestVersion: cur.Version})
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["extend_size"], "The population has only 20 items not yet selected (10 of 30 are in the sample): extend by at most 20.")

	all, err := f.svc.ExtendSample(f.ctx, f.users["staff"], tst.ID, ExtendInput{Justification: "1 deviation in 10: ten more", TestVersion: cur.Version})
	require.NoError(t, err)
	require.Len(t, all, 20, "extended by the same size again")
	seen := map[string]bool{}
	for _, sm := range all {
		assert.False(t, seen[sm.ItemKey], "no item twice: the extension excludes prior picks")
		seen[sm.ItemKey] = true
	}
	draws, err := f.svc.Draws(f.ctx, tst.ID)
	require.NoError(t, err)
	require.Len(t, draws, 2)
	assert.Equal(t, "original", draws[0].Kind)
	assert.Equal(t, "extension", draws[1].Kind)
	assert.Len(t, draws[1].ExcludedRows, 10)
	reps := ReperformDraws(pop, draws, all)
	require.Len(t, reps, 2)
	for _, r := range reps {
		assert.True(t, r.Matches, r.Message)
	}
	assert.Contains(t, reps[1].Message, "none of the 10 selected before")
	cur, _ = f.svc.Test(f.ctx, tst.ID)
	orig, ok := ReperformSelection(cur, pop, all)
	require.True(t, ok)
	assert.True(t, orig.Matches, "the original draw still reperforms: %s", orig.Message)
	g, _ := f.svc.Grid(f.ctx, tst.ID)
	assert.Equal(t, "1 of 20 samples with a deviation", g.Summary())
	assert.Contains(t, f.auditActions("test", tst.ID), "samples.extend")

	// A tampered extension no longer reperforms.
	require.NoError(t, f.db.Exec(`UPDATE samples SET row_number = 30 WHERE id = ? AND row_number <> 30`, all[len(all)-1].ID).Error)
	all, _ = f.svc.Samples(f.ctx, tst.ID)
	reps = ReperformDraws(pop, draws, all)
	assert.False(t, reps[0].Matches && reps[1].Matches)
}
