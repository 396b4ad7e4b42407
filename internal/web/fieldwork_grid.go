package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// gridPage builds the testing grid's view of a test.
func (s *Server) gridPage(c echo.Context, testID int64) (templates.GridPage, error) {
	ctx, u := c.Request().Context(), mustUser(c)
	fw := s.fieldwork()
	t, err := fw.Test(ctx, testID)
	if err != nil {
		return templates.GridPage{}, err
	}
	h, err := s.engagementHeader(ctx, t.EngagementID, u, "tests")
	if err != nil {
		return templates.GridPage{}, err
	}
	g, err := fw.Grid(ctx, testID)
	if err != nil {
		return templates.GridPage{}, err
	}
	v := gridView(g)
	v.Header, v.Test = h, testView(t)
	v.CanEdit = policy.Can(u, policy.TestEdit, resource(c))
	v.Errors, v.Values = templates.Errors{}, map[string]string{}
	return v, nil
}

func gridView(g fieldwork.Grid) templates.GridPage {
	v := templates.GridPage{Columns: g.Columns, AllColumns: g.AllColumns, Summary: g.Summary(), Untested: g.Untested}
	counts := map[int64]int{}
	for _, r := range g.Rows {
		for attr, c := range r.Cells {
			if c.Result != "" {
				counts[attr]++
			}
		}
	}
	for _, a := range g.Attributes {
		v.Attributes = append(v.Attributes, templates.GridAttributeView{ID: a.ID, Code: a.Code, Description: a.Description, Results: counts[a.ID]})
	}
	for i, r := range g.Rows {
		v.Rows = append(v.Rows, gridRowView(g, r, i+1))
	}
	return v
}

func gridRowView(g fieldwork.Grid, r fieldwork.GridRow, n int) templates.GridRowView {
	row := templates.GridRowView{SampleID: r.Sample.ID, Number: n, ItemKey: r.Sample.ItemKey, Result: r.Sample.Result,
		Version: r.Sample.Version, Evidence: r.Evidence, UpdatedAt: r.Sample.UpdatedAt.UTC().Format("2 Jan 2006 15:04")}
	for _, col := range g.Columns {
		row.Values = append(row.Values, r.Sample.Item[col])
	}
	for _, a := range g.Attributes {
		c := r.Cells[a.ID]
		row.Cells = append(row.Cells, templates.GridCellView{AttributeID: a.ID, Code: a.Code, Result: c.Result,
			Tickmark: fieldwork.Tickmark(c.Result), Label: fieldwork.CellLabel(c.Result), Note: c.Note})
	}
	return row
}

// testGrid: GET /tests/:testID/grid.
func (s *Server) testGrid(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	v, err := s.gridPage(c, testID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.TestGrid(s.page(c, "Testing grid · "+v.Test.ControlRef, "engagements"), v))
}

func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// gridCellsSave: POST /tests/:testID/grid/cells — one keystroke or a bulk-set over selected
// rows. htmx gets the changed rows back out of band (no reload); a plain form is redirected.
func (s *Server) gridCellsSave(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	attrID, _ := strconv.ParseInt(c.FormValue("attribute_id"), 10, 64)
	result := c.FormValue("result")
	var note *string
	if _, ok := form["note"]; ok {
		n := c.FormValue("note")
		// The bulk form always sends the note field: an empty one keeps each cell's note.
		if n != "" || c.FormValue("note_set") == "1" {
			note = &n
		}
	}
	var versions []fieldwork.RowVersion
	var cells []fieldwork.CellInput
	for _, raw := range form["sample_id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			continue
		}
		version, _ := strconv.Atoi(c.FormValue("version_" + raw))
		versions = append(versions, fieldwork.RowVersion{SampleID: id, Version: version})
		cells = append(cells, fieldwork.CellInput{SampleID: id, AttributeID: attrID, Result: result, Note: note})
	}
	if len(cells) == 0 {
		err = apperr.Validation{"cells": "Select at least one row, then choose the attribute and the result."}
	} else {
		_, err = s.fieldwork().SaveCells(ctx, u, testID, versions, cells)
	}
	var conflict *fieldwork.GridConflict
	isConflict := errors.As(err, &conflict)
	verr, isValidation := apperr.AsValidation(err)
	if err != nil && !isConflict && !isValidation {
		return err
	}
	v, lerr := s.gridPage(c, testID)
	if lerr != nil {
		return lerr
	}
	status := http.StatusOK
	switch {
	case isConflict:
		status = http.StatusConflict
		g, err := s.fieldwork().Grid(ctx, testID)
		if err != nil {
			return err
		}
		mine := fmt.Sprintf("%s=%s", attributeCode(v.Attributes, attrID), orClear(fieldwork.Tickmark(result)))
		for _, stale := range conflict.Stale {
			rv := gridRowView(g, stale, 0)
			rv.Conflict = true
			v.Conflict = append(v.Conflict, rv)
			v.Mine = append(v.Mine, mine)
			for i := range v.Rows {
				if v.Rows[i].SampleID == stale.Sample.ID {
					v.Rows[i].Conflict = true
				}
			}
		}
	case isValidation:
		status = http.StatusUnprocessableEntity
		for k, m := range verr {
			v.Errors[k] = m
		}
	default:
		v.Message = fmt.Sprintf("Saved %s on %d %s.", attributeCode(v.Attributes, attrID), len(cells), map[bool]string{true: "row", false: "rows"}[len(cells) == 1])
	}
	if isHTMX(c) {
		if isValidation {
			v.Message = ""
			return s.render(c, status, templates.GridError(verr["cells"]))
		}
		changed := map[int64]bool{}
		for _, ce := range cells {
			changed[ce.SampleID] = true
		}
		var rows []templates.GridRowView
		for _, r := range v.Rows {
			if changed[r.SampleID] {
				rows = append(rows, r)
			}
		}
		return s.render(c, status, templates.GridSaved(v, rows))
	}
	if status == http.StatusOK {
		return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d/grid", testID), v.Message)
	}
	return s.render(c, status, templates.TestGrid(s.page(c, "Testing grid · "+v.Test.ControlRef, "engagements"), v))
}

func attributeCode(attrs []templates.GridAttributeView, id int64) string {
	for _, a := range attrs {
		if a.ID == id {
			return a.Code
		}
	}
	return "?"
}

func orClear(t string) string {
	if t == "" {
		return "(cleared)"
	}
	return t
}

// gridFormFailed shows the grid again with field messages and what was typed.
func (s *Server) gridFormFailed(c echo.Context, testID int64, err error, keep ...string) error {
	v, ok := apperr.AsValidation(err)
	if !ok {
		return err
	}
	page, lerr := s.gridPage(c, testID)
	if lerr != nil {
		return lerr
	}
	for k, m := range v {
		page.Errors[k] = m
	}
	for _, k := range keep {
		page.Values[k] = c.FormValue(k)
	}
	return s.render(c, http.StatusUnprocessableEntity, templates.TestGrid(s.page(c, "Testing grid · "+page.Test.ControlRef, "engagements"), page))
}

// gridAttributeAdd: POST /tests/:testID/grid/attributes.
func (s *Server) gridAttributeAdd(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	a, err := s.fieldwork().AddAttribute(c.Request().Context(), mustUser(c), testID, c.FormValue("description"))
	if err != nil {
		return s.gridFormFailed(c, testID, err, "description")
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d/grid", testID), "Attribute "+a.Label()+" added.")
}

// gridAttributeRemove: POST /tests/:testID/grid/attributes/:code/delete.
func (s *Server) gridAttributeRemove(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	code := strings.ToUpper(c.Param("code"))
	if err := s.fieldwork().RemoveAttribute(c.Request().Context(), mustUser(c), testID, code); err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d/grid", testID), "Attribute "+code+" removed with its results.")
}

// gridColumns: POST /tests/:testID/grid/columns.
func (s *Server) gridColumns(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	form, _ := c.FormParams()
	if err := s.fieldwork().SetGridColumns(c.Request().Context(), mustUser(c), testID, form["columns"]); err != nil {
		return s.gridFormFailed(c, testID, err)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d/grid", testID), "Fields shown updated.")
}

// gridExport: GET /tests/:testID/grid.xlsx — the workpaper with its legend.
func (s *Server) gridExport(c echo.Context) error {
	ctx := c.Request().Context()
	testID, _ := paramID(c, "testID")
	t, err := s.fieldwork().Test(ctx, testID)
	if err != nil {
		return err
	}
	g, err := s.fieldwork().Grid(ctx, testID)
	if err != nil {
		return err
	}
	data, err := fieldwork.ExportGridXLSX(t, g)
	if err != nil {
		return fmt.Errorf("exporting the grid of test %d: %w", testID, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="grid-%s-%s.xlsx"`, t.ControlRef, time.Now().UTC().Format("20060102")))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// gridImport: POST /tests/:testID/grid/import — results and notes edited in the exported workpaper.
func (s *Server) gridImport(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	var data []byte
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return fmt.Errorf("opening the uploaded grid: %w", err)
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, 50<<20)); err != nil {
			return fmt.Errorf("reading the uploaded grid: %w", err)
		}
	}
	if len(data) == 0 {
		return s.gridFormFailed(c, testID, apperr.Validation{"file": "Choose the grid workbook exported from Attest."})
	}
	res, err := s.fieldwork().ImportGridXLSX(c.Request().Context(), mustUser(c), testID, data)
	var conflict *fieldwork.GridConflict
	if errors.As(err, &conflict) {
		keys := make([]string, len(conflict.Stale))
		for i, r := range conflict.Stale {
			keys[i] = r.Sample.ItemKey
		}
		err = apperr.Validation{"file": "Nothing was imported: " + strings.Join(keys, ", ") + " changed in Attest after this file was exported. Download the workpaper again and redo those rows."}
	}
	if err != nil {
		return s.gridFormFailed(c, testID, err)
	}
	msg := "The workbook matches the grid: nothing to import."
	if res.Cells > 0 {
		msg = fmt.Sprintf("Imported %d %s on %d %s.", res.Cells, map[bool]string{true: "result", false: "results"}[res.Cells == 1],
			res.Rows, map[bool]string{true: "row", false: "rows"}[res.Rows == 1])
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d/grid", testID), msg)
}
