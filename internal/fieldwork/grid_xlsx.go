package fieldwork

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
)

// The grid as the workpaper auditors keep: one sheet with a row per sample and, per attribute, a
// result column (tickmarks) and a note column; a Legend sheet with the tickmarks and the
// attributes. The same file re-imports: results and notes that differ are saved, each row against
// the version in its "Row version" column, so a row changed since the export is refused.

const (
	gridSheet   = "Grid"
	legendSheet = "Legend"
	colItem     = "Item key"
	colVersion  = "Row version"
	colResult   = "Sample result"
	noteSuffix  = " note"
)

// ExportGridXLSX writes the test's grid with its legend.
func ExportGridXLSX(t Test, g Grid) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", gridSheet)
	header := []any{"#", colItem}
	for _, c := range g.Columns {
		header = append(header, c)
	}
	for _, a := range g.Attributes {
		header = append(header, a.Label(), a.Code+noteSuffix)
	}
	header = append(header, colResult, colVersion)
	if err := f.SetSheetRow(gridSheet, "A1", &header); err != nil {
		return nil, fmt.Errorf("writing grid header: %w", err)
	}
	for i, r := range g.Rows {
		row := []any{i + 1, r.Sample.ItemKey}
		for _, c := range g.Columns {
			row = append(row, r.Sample.Item[c])
		}
		for _, a := range g.Attributes {
			c := r.Cells[a.ID]
			row = append(row, Tickmark(c.Result), c.Note)
		}
		row = append(row, r.Sample.Result, r.Sample.Version)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(gridSheet, cell, &row); err != nil {
			return nil, fmt.Errorf("writing grid row %d: %w", i+1, err)
		}
	}
	_ = f.SetPanes(gridSheet, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"})
	if _, err := f.NewSheet(legendSheet); err != nil {
		return nil, fmt.Errorf("adding legend: %w", err)
	}
	lines := [][]any{
		{"Control", t.ControlRef + " " + t.ControlDescription},
		{"Procedure", t.Procedure},
		{"Result over the whole sample", g.Summary()},
		{},
		{"Tickmark", "Meaning"},
	}
	for _, r := range CellResults {
		lines = append(lines, []any{Tickmark(r), CellLabel(r)})
	}
	lines = append(lines, []any{"(blank)", CellLabel("")}, []any{}, []any{"Attribute", "Tested on every sample"})
	for _, a := range g.Attributes {
		lines = append(lines, []any{a.Code, a.Description})
	}
	lines = append(lines, []any{}, []any{"Re-import", "Change results (✓, ✗, N/A or the words) and notes, keep the Item key and Row version columns, and upload the file on the grid page."})
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(legendSheet, cell, &l); err != nil {
			return nil, fmt.Errorf("writing legend: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("writing workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// GridImport is what a re-import changed.
type GridImport struct {
	Rows, Cells int
}

// ImportGridXLSX reads results and notes back from an exported grid and saves those that differ.
// Unknown items, unreadable tickmarks or a missing column refuse the whole file with the rows
// named; a row changed since the export refuses it with a *GridConflict.
func (s *Service) ImportGridXLSX(ctx context.Context, u auth.User, testID int64, data []byte) (GridImport, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return GridImport{}, apperr.Validation{"file": "This is not an XLSX workbook. Upload the grid exported from Attest (Download the workpaper)."}
	}
	defer f.Close()
	rows, err := f.GetRows(gridSheet)
	if err != nil || len(rows) == 0 {
		return GridImport{}, apperr.Validation{"file": "The workbook has no “Grid” sheet. Upload the grid exported from Attest."}
	}
	g, err := s.Grid(ctx, testID)
	if err != nil {
		return GridImport{}, err
	}
	head := map[string]int{}
	for i, h := range rows[0] {
		head[strings.TrimSpace(h)] = i
	}
	itemCol, ok1 := head[colItem]
	versionCol, ok2 := head[colVersion]
	if !ok1 || !ok2 {
		return GridImport{}, apperr.Validation{"file": "The “Item key” and “Row version” columns are missing: re-import the file as exported."}
	}
	type attrCols struct {
		attr         Attribute
		result, note int
	}
	var cols []attrCols
	for _, a := range g.Attributes {
		rc, ok := head[a.Label()]
		if !ok {
			// The description may have been edited in the sheet; the code before ":" decides.
			for h, i := range head {
				if strings.HasPrefix(h, a.Code+":") {
					rc, ok = i, true
				}
			}
		}
		if !ok {
			return GridImport{}, apperr.Validation{"file": "Column for attribute " + a.Code + " is missing."}
		}
		nc, hasNote := head[a.Code+noteSuffix]
		if !hasNote {
			nc = -1
		}
		cols = append(cols, attrCols{a, rc, nc})
	}
	bySample := map[string]GridRow{}
	for _, r := range g.Rows {
		bySample[r.Sample.ItemKey] = r
	}
	cell := func(row []string, i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var problems []string
	var versions []RowVersion
	var cells []CellInput
	changedRows := 0
	for n, row := range rows[1:] {
		key := cell(row, itemCol)
		if key == "" {
			continue
		}
		gr, ok := bySample[key]
		if !ok {
			problems = append(problems, fmt.Sprintf("row %d: %s is not a sample of this test", n+2, key))
			continue
		}
		version, err := strconv.Atoi(cell(row, versionCol))
		if err != nil {
			problems = append(problems, fmt.Sprintf("row %d: the row version %q is not a number", n+2, cell(row, versionCol)))
			continue
		}
		changed := false
		for _, c := range cols {
			result, ok := ParseTickmark(cell(row, c.result))
			if !ok {
				problems = append(problems, fmt.Sprintf("row %d, %s: %q is not ✓, ✗ or N/A", n+2, c.attr.Code, cell(row, c.result)))
				continue
			}
			stored := gr.Cells[c.attr.ID]
			note := stored.Note
			if c.note >= 0 {
				note = cell(row, c.note)
			}
			if result != stored.Result || note != stored.Note {
				nn := note
				cells = append(cells, CellInput{SampleID: gr.Sample.ID, AttributeID: c.attr.ID, Result: result, Note: &nn})
				changed = true
			}
		}
		if changed {
			versions = append(versions, RowVersion{SampleID: gr.Sample.ID, Version: version})
			changedRows++
		}
	}
	if len(problems) > 0 {
		return GridImport{}, apperr.Validation{"file": "Nothing was imported: " + listSome(problems) + "."}
	}
	if len(cells) == 0 {
		return GridImport{}, nil
	}
	if _, err := s.SaveCells(ctx, u, testID, versions, cells); err != nil {
		return GridImport{}, err
	}
	return GridImport{Rows: changedRows, Cells: len(cells)}, nil
}
