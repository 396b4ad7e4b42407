package fieldwork

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// The testing grid: a row per sample, a column per test attribute, a result in every cell.

// Cell results. An attribute without a result on a sample is untested.
const (
	CellPass          = "pass"
	CellDeviation     = "deviation"
	CellNotApplicable = "not_applicable"
)

// CellResults lists the results a grid cell takes, in the order of the legend.
var CellResults = []string{CellPass, CellDeviation, CellNotApplicable}

// Tickmark is how a cell result is shown in the grid and in the XLSX workpaper.
func Tickmark(result string) string {
	switch result {
	case CellPass:
		return "✓"
	case CellDeviation:
		return "✗"
	case CellNotApplicable:
		return "N/A"
	}
	return ""
}

// CellLabel names a cell result for the legend and screen readers.
func CellLabel(result string) string {
	switch result {
	case CellPass:
		return "Pass: attribute met"
	case CellDeviation:
		return "Deviation: attribute not met"
	case CellNotApplicable:
		return "Not applicable to this item"
	}
	return "Not tested yet"
}

// ParseTickmark reads a result back from a workpaper cell: the tickmarks, or the words.
func ParseTickmark(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", true
	case "✓", "✔", "pass", "p", "ok", "yes", "y":
		return CellPass, true
	case "✗", "✘", "x", "deviation", "d", "dev", "exception", "no", "n":
		return CellDeviation, true
	case "n/a", "na", "not applicable", "not_applicable", "-":
		return CellNotApplicable, true
	}
	return "", false
}

// Attribute is one thing tested on every sample, e.g. "A: approval before access".
type Attribute struct {
	ID          int64
	TestID      int64
	Code        string
	Description string
	Position    int
}

// Label is "A: approval before access".
func (a Attribute) Label() string { return a.Code + ": " + a.Description }

// Cell is one attribute's result on one sample.
type Cell struct {
	Result string
	Note   string
}

// RollUp gives a sample's result from its cells: a deviation when any attribute is one,
// untested while an attribute has no result, not applicable when none applies, else pass.
func RollUp(attrs []Attribute, cells map[int64]Cell) string {
	if len(attrs) == 0 {
		return "untested"
	}
	missing, applicable := false, false
	for _, a := range attrs {
		c, ok := cells[a.ID]
		switch {
		case !ok || c.Result == "":
			missing = true
		case c.Result == CellDeviation:
			return "deviation"
		case c.Result == CellPass:
			applicable = true
		}
	}
	switch {
	case missing:
		return "untested"
	case !applicable:
		return "not_applicable"
	}
	return "pass"
}

// GridRow is one sample in the grid.
type GridRow struct {
	Sample   Sample
	Cells    map[int64]Cell // by attribute id
	Evidence int            // files attached to the sample or to requests linked to it
}

// Grid is a test's samples as the testing grid shows them.
type Grid struct {
	Attributes []Attribute
	Columns    []string // the population fields shown beside each sample, chosen by the auditor
	AllColumns []string // every field of the population, to choose from
	Rows       []GridRow
	Deviations int // samples with a deviation
	Untested   int
}

// Summary is the test's sample result over the whole sample, e.g. "1 of 40 samples with a deviation".
func (g Grid) Summary() string {
	return fmt.Sprintf("%d of %d %s with a deviation", g.Deviations, len(g.Rows), plural(len(g.Rows), "sample", "samples"))
}

// Attributes lists a test's attributes in order.
func (s *Service) Attributes(ctx context.Context, testID int64) ([]Attribute, error) {
	return loadAttributes(s.DB.WithContext(ctx), testID)
}

func loadAttributes(db *gorm.DB, testID int64) ([]Attribute, error) {
	var out []Attribute
	if err := db.Raw(`SELECT id, test_id, code, description, position FROM test_attributes WHERE test_id = ? ORDER BY position, id`, testID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing attributes of test %d: %w", testID, err)
	}
	return out, nil
}

// Grid loads the testing grid of a test.
func (s *Service) Grid(ctx context.Context, testID int64) (Grid, error) {
	return loadGrid(s.DB.WithContext(ctx), testID)
}

func loadGrid(db *gorm.DB, testID int64) (Grid, error) {
	var g Grid
	var err error
	if g.Attributes, err = loadAttributes(db, testID); err != nil {
		return g, err
	}
	var cols struct{ Chosen, All dbx.TextArray }
	if err := db.Raw(`SELECT t.grid_columns AS chosen,
			coalesce((SELECT p.columns FROM populations p WHERE p.test_id = t.id ORDER BY p.id DESC LIMIT 1), '{}') AS all
		FROM tests t WHERE t.id = ?`, testID).Scan(&cols).Error; err != nil {
		return g, fmt.Errorf("loading grid columns of test %d: %w", testID, err)
	}
	g.Columns, g.AllColumns = cols.Chosen, cols.All
	if len(g.Columns) == 0 && len(g.AllColumns) > 0 {
		g.Columns = g.AllColumns[:min(3, len(g.AllColumns))] // a sensible start until the auditor chooses
	}
	var samples []Sample
	if err := db.Raw(`SELECT id, test_id, population_id, row_number, item_key, item::text AS item_json, attributes_tested,
		result, notes, sent_to_client_at, version, updated_at FROM samples WHERE test_id = ? ORDER BY row_number NULLS LAST, id`, testID).Scan(&samples).Error; err != nil {
		return g, fmt.Errorf("listing samples of test %d: %w", testID, err)
	}
	var cells []struct {
		SampleID, AttributeID int64
		Result, Note          string
	}
	if err := db.Raw(`SELECT r.sample_id, r.attribute_id, coalesce(r.result, '') AS result, r.note FROM sample_attribute_results r
		JOIN samples s ON s.id = r.sample_id WHERE s.test_id = ?`, testID).Scan(&cells).Error; err != nil {
		return g, fmt.Errorf("loading grid cells of test %d: %w", testID, err)
	}
	var evidence []struct {
		SampleID int64
		N        int
	}
	if err := db.Raw(`SELECT s.id AS sample_id, count(f.id) AS n FROM samples s JOIN evidence_files f ON f.sample_id = s.id
			OR f.request_id IN (SELECT l.request_id FROM info_request_links l WHERE l.target_type = 'sample' AND l.target_id = s.id)
		WHERE s.test_id = ? GROUP BY s.id`, testID).Scan(&evidence).Error; err != nil {
		return g, fmt.Errorf("counting evidence of test %d's samples: %w", testID, err)
	}
	byID := map[int64]*GridRow{}
	g.Rows = make([]GridRow, len(samples))
	for i, sm := range samples {
		_ = json.Unmarshal([]byte(sm.ItemJSON), &sm.Item)
		g.Rows[i] = GridRow{Sample: sm, Cells: map[int64]Cell{}}
		byID[sm.ID] = &g.Rows[i]
		switch sm.Result {
		case "deviation":
			g.Deviations++
		case "untested":
			g.Untested++
		}
	}
	for _, c := range cells {
		if r := byID[c.SampleID]; r != nil {
			r.Cells[c.AttributeID] = Cell{Result: c.Result, Note: c.Note}
		}
	}
	for _, e := range evidence {
		if r := byID[e.SampleID]; r != nil {
			r.Evidence = e.N
		}
	}
	return g, nil
}

// attributeCode is the n-th code: A … Z, then AA, AB …
func attributeCode(n int) string {
	code := ""
	for n >= 0 {
		code = string(rune('A'+n%26)) + code
		n = n/26 - 1
	}
	return code
}

// AddAttribute defines a new attribute of the test, coded with the next letter. Samples then
// need a result for it, so their roll-up is recomputed.
func (s *Service) AddAttribute(ctx context.Context, u auth.User, testID int64, description string) (Attribute, error) {
	description = strings.TrimSpace(description)
	if description == "" {
		return Attribute{}, apperr.Validation{"description": "Describe what is tested on every sample, e.g. “approval before access”."}
	}
	if len(description) > 300 {
		return Attribute{}, apperr.Validation{"description": "Keep the attribute under 300 characters; put detail in the procedure."}
	}
	var a Attribute
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTestRow(tx, testID)
		if err != nil {
			return err
		}
		attrs, err := loadAttributes(tx, testID)
		if err != nil {
			return err
		}
		used := map[string]bool{}
		pos := 0
		for _, x := range attrs {
			used[x.Code] = true
			pos = max(pos, x.Position)
			if strings.EqualFold(x.Description, description) {
				return apperr.Validation{"description": "Attribute " + x.Code + " already tests this."}
			}
		}
		code := ""
		for i := 0; ; i++ {
			if code = attributeCode(i); !used[code] {
				break
			}
		}
		a = Attribute{TestID: testID, Code: code, Description: description, Position: pos + 1}
		if err := tx.Raw(`INSERT INTO test_attributes (test_id, code, description, position) VALUES (?, ?, ?, ?) RETURNING id`,
			testID, a.Code, a.Description, a.Position).Row().Scan(&a.ID); err != nil {
			return fmt.Errorf("adding attribute to test %d: %w", testID, err)
		}
		if err := audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.attribute_add", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"attribute": a.Label()}}); err != nil {
			return err
		}
		return s.recomputeRollUps(ctx, tx, u, testID, "attribute "+a.Code+" added")
	})
	return a, err
}

// RemoveAttribute deletes an attribute and its results from every sample (audited with how many
// results went with it).
func (s *Service) RemoveAttribute(ctx context.Context, u auth.User, testID int64, code string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTestRow(tx, testID)
		if err != nil {
			return err
		}
		a, err := dbx.One[Attribute](tx, fmt.Sprintf("attribute %s of test %d", code, testID),
			`SELECT id, test_id, code, description, position FROM test_attributes WHERE test_id = ? AND code = ?`, testID, code)
		if err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM sample_attribute_results WHERE attribute_id = ?`, a.ID)
		if res.Error != nil {
			return fmt.Errorf("removing results of attribute %s: %w", code, res.Error)
		}
		if err := tx.Exec(`DELETE FROM test_attributes WHERE id = ?`, a.ID).Error; err != nil {
			return fmt.Errorf("removing attribute %s: %w", code, err)
		}
		if err := audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.attribute_remove", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, Before: map[string]any{"attribute": a.Label(), "results": res.RowsAffected}}); err != nil {
			return err
		}
		return s.recomputeRollUps(ctx, tx, u, testID, "attribute "+a.Code+" removed")
	})
}

// SetGridColumns chooses the population fields shown beside each sample.
func (s *Service) SetGridColumns(ctx context.Context, u auth.User, testID int64, columns []string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTestRow(tx, testID)
		if err != nil {
			return err
		}
		g, err := loadGrid(tx, testID)
		if err != nil {
			return err
		}
		var chosen []string
		for _, c := range columns {
			if c = strings.TrimSpace(c); c == "" || slices.Contains(chosen, c) {
				continue
			}
			if !slices.Contains(g.AllColumns, c) {
				return apperr.Validation{"columns": fmt.Sprintf("%q is not a field of the population.", c)}
			}
			chosen = append(chosen, c)
		}
		before, err := dbx.One[struct{ GridColumns dbx.TextArray }](tx, fmt.Sprintf("grid columns of test %d", testID),
			`SELECT grid_columns FROM tests WHERE id = ?`, testID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE tests SET grid_columns = ? WHERE id = ?`, dbx.TextArray(chosen), testID).Error; err != nil {
			return fmt.Errorf("saving grid columns of test %d: %w", testID, err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.grid_columns", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, Before: map[string]any{"columns": before.GridColumns}, After: map[string]any{"columns": chosen}})
	})
}

// lockTestRow locks a test for a change that does not need the caller's version (the grid's
// rows carry their own versions).
func lockTestRow(tx *gorm.DB, testID int64) (Test, error) {
	var v int
	if err := tx.Raw(`SELECT version FROM tests WHERE id = ? FOR UPDATE`, testID).Row().Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Test{}, apperr.ErrNotFound
		}
		return Test{}, fmt.Errorf("locking test %d: %w", testID, err)
	}
	return loadTest(tx, testID)
}

// recomputeRollUps sets every sample's result from its cells after the attributes changed.
func (s *Service) recomputeRollUps(ctx context.Context, tx *gorm.DB, u auth.User, testID int64, cause string) error {
	before, err := deviatingSamples(tx, testID)
	if err != nil {
		return err
	}
	g, err := loadGrid(tx, testID)
	if err != nil {
		return err
	}
	for _, r := range g.Rows {
		if result := RollUp(g.Attributes, r.Cells); result != r.Sample.Result && len(g.Attributes) > 0 {
			if err := tx.Exec(`UPDATE samples SET result = ?, version = version + 1, updated_at = now() WHERE id = ?`, result, r.Sample.ID).Error; err != nil {
				return fmt.Errorf("rolling up sample %d: %w", r.Sample.ID, err)
			}
		}
	}
	if err := clearSignoffs(ctx, tx, u, testID, cause); err != nil {
		return err
	}
	return rollUpDeviations(ctx, tx, u, testID, before, cause)
}

// CellInput is one cell to save: Result "" clears it; Note nil keeps the stored note.
type CellInput struct {
	SampleID    int64
	AttributeID int64
	Result      string
	Note        *string
}

// RowVersion is the version of a grid row the auditor saw.
type RowVersion struct {
	SampleID int64
	Version  int
}

// GridConflict is a stale grid save: the rows someone else saved first, as stored now. Nothing
// of the save was applied.
type GridConflict struct {
	Stale []GridRow
}

func (e *GridConflict) Error() string {
	keys := make([]string, len(e.Stale))
	for i, r := range e.Stale {
		keys[i] = r.Sample.ItemKey
	}
	return "grid rows changed by someone else: " + strings.Join(keys, ", ")
}

// SaveCells records cell results on one or more rows of a test's grid (a keystroke, or a
// bulk-set over selected rows) in one transaction. Every row is checked against the version the
// auditor saw: when one is stale nothing is saved and a *GridConflict lists the stored rows.
// Each row's sample result is rolled up from its cells; each changed row is audited with its
// cells before and after; a deviation that changes the test's result is audited as such.
func (s *Service) SaveCells(ctx context.Context, u auth.User, testID int64, versions []RowVersion, cells []CellInput) (Grid, error) {
	if len(cells) == 0 {
		return Grid{}, apperr.Validation{"cells": "Choose a result for at least one cell."}
	}
	for _, c := range cells {
		if c.Result != "" && !slices.Contains(CellResults, c.Result) {
			return Grid{}, apperr.Validation{"cells": "A cell is pass, deviation or not applicable."}
		}
		if c.Note != nil && len(*c.Note) > 2000 {
			return Grid{}, apperr.Validation{"cells": "Keep a cell's note under 2,000 characters."}
		}
	}
	seen := map[int64]int{}
	for _, v := range versions {
		seen[v.SampleID] = v.Version
	}
	var out Grid
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := lockTestRow(tx, testID)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(seen))
		for id := range seen {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		var locked []struct {
			ID      int64
			Version int
		}
		if err := tx.Raw(`SELECT id, version FROM samples WHERE test_id = ? AND id IN ? ORDER BY id FOR UPDATE`, testID, ids).Scan(&locked).Error; err != nil {
			return fmt.Errorf("locking grid rows of test %d: %w", testID, err)
		}
		if len(locked) != len(ids) {
			return apperr.ErrNotFound
		}
		g, err := loadGrid(tx, testID)
		if err != nil {
			return err
		}
		rows := map[int64]GridRow{}
		for _, r := range g.Rows {
			rows[r.Sample.ID] = r
		}
		attrs := map[int64]Attribute{}
		for _, a := range g.Attributes {
			attrs[a.ID] = a
		}
		conflict := &GridConflict{}
		for _, l := range locked {
			if l.Version != seen[l.ID] {
				conflict.Stale = append(conflict.Stale, rows[l.ID])
			}
		}
		if len(conflict.Stale) > 0 {
			return conflict
		}
		changed := map[int64]map[int64]Cell{}
		for _, c := range cells {
			if _, ok := seen[c.SampleID]; !ok {
				return apperr.Validation{"cells": "Every row saved must carry the version you saw."}
			}
			if _, ok := attrs[c.AttributeID]; !ok {
				return apperr.Validation{"cells": "That column is not an attribute of this test."}
			}
			if changed[c.SampleID] == nil {
				changed[c.SampleID] = map[int64]Cell{}
				for k, v := range rows[c.SampleID].Cells {
					changed[c.SampleID][k] = v
				}
			}
			cell := changed[c.SampleID][c.AttributeID]
			cell.Result = c.Result
			if c.Note != nil {
				cell.Note = strings.TrimSpace(*c.Note)
			}
			if cell.Result == "" && cell.Note == "" {
				delete(changed[c.SampleID], c.AttributeID)
			} else {
				changed[c.SampleID][c.AttributeID] = cell
			}
		}
		deviating, err := deviatingSamples(tx, testID)
		if err != nil {
			return err
		}
		var causes []string
		for _, id := range ids {
			after, ok := changed[id]
			if !ok {
				continue
			}
			row := rows[id]
			if err := tx.Exec(`DELETE FROM sample_attribute_results WHERE sample_id = ?`, id).Error; err != nil {
				return fmt.Errorf("clearing cells of sample %d: %w", id, err)
			}
			for attrID, cell := range after {
				// A note without a result is kept on an untested cell (result NULL).
				if err := tx.Exec(`INSERT INTO sample_attribute_results (sample_id, attribute_id, result, note) VALUES (?, ?, ?, ?)`,
					id, attrID, nullIfEmpty(cell.Result), cell.Note).Error; err != nil {
					return fmt.Errorf("saving a cell of sample %d: %w", id, err)
				}
			}
			result := RollUp(g.Attributes, after)
			if err := tx.Exec(`UPDATE samples SET result = ?, version = version + 1, updated_at = now() WHERE id = ?`, result, id).Error; err != nil {
				return fmt.Errorf("rolling up sample %d: %w", id, err)
			}
			if err := audit.Record(ctx, tx, actor(u), audit.Event{Action: "sample.grid_update", EntityType: "sample", EntityID: id,
				EngagementID: t.EngagementID, Before: cellsAudit(g.Attributes, row.Cells, row.Sample.Result),
				After: cellsAudit(g.Attributes, after, result)}); err != nil {
				return err
			}
			if result != row.Sample.Result {
				causes = append(causes, "sample "+row.Sample.ItemKey+": "+row.Sample.Result+" → "+result)
			}
		}
		cause := "grid saved"
		if len(causes) > 0 {
			cause = strings.Join(causes, "; ")
		}
		if err := clearSignoffs(ctx, tx, u, testID, cause); err != nil {
			return err
		}
		if err := rollUpDeviations(ctx, tx, u, testID, deviating, cause); err != nil {
			return err
		}
		out, err = loadGrid(tx, testID)
		return err
	})
	return out, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// cellsAudit writes a row's cells for the audit trail by attribute code: {"A": "pass", "B":
// "deviation — approver was the requester", "result": "deviation"}.
func cellsAudit(attrs []Attribute, cells map[int64]Cell, result string) map[string]any {
	out := map[string]any{"result": result}
	for _, a := range attrs {
		c, ok := cells[a.ID]
		if !ok {
			continue
		}
		v := c.Result
		if v == "" {
			v = "untested"
		}
		if c.Note != "" {
			v += " — " + c.Note
		}
		out[a.Code] = v
	}
	return out
}
