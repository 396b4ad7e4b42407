package fieldwork

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/fieldwork/result"
)

// SampleResults lists the stored sample results (result.Samples, with their labels).
var SampleResults = func() []string {
	out := make([]string, len(result.Samples))
	for i, r := range result.Samples {
		out[i] = string(r)
	}
	return out
}()

// Sample is one selected item and what testing it showed.
type Sample struct {
	ID               int64
	TestID           int64
	PopulationID     *int64
	RowNumber        *int
	ItemKey          string
	ItemJSON         string
	Item             map[string]string `gorm:"-"`
	AttributesTested string
	Result           string
	Notes            string
	SentToClientAt   *time.Time
	DrawID           *int64 // the recorded draw that selected it
	DrawKind         string // original or extension ("" before draws were recorded)
	Version          int
	UpdatedAt        time.Time
}

// Samples lists a test's samples in selection order.
func (s *Service) Samples(ctx context.Context, testID int64) ([]Sample, error) {
	var out []Sample
	err := s.DB.WithContext(ctx).Raw(`SELECT id, test_id, population_id, row_number, item_key, item::text AS item_json, attributes_tested,
		result, notes, sent_to_client_at, draw_id, coalesce((SELECT d.kind FROM sample_draws d WHERE d.id = samples.draw_id), '') AS draw_kind,
		version, updated_at FROM samples WHERE test_id = ? ORDER BY row_number NULLS LAST, id`, testID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing samples of test %d: %w", testID, err)
	}
	for i := range out {
		_ = json.Unmarshal([]byte(out[i].ItemJSON), &out[i].Item)
	}
	return out, nil
}

// Sample loads one sample.
func (s *Service) Sample(ctx context.Context, id int64) (Sample, error) {
	return loadSample(s.DB.WithContext(ctx), id)
}

func loadSample(db *gorm.DB, id int64) (Sample, error) {
	out, err := dbx.One[Sample](db, fmt.Sprintf("sample %d", id), `SELECT id, test_id, population_id, row_number, item_key,
		item::text AS item_json, attributes_tested, result, notes, sent_to_client_at, version, updated_at FROM samples WHERE id = ?`, id)
	if err != nil {
		return Sample{}, err
	}
	_ = json.Unmarshal([]byte(out.ItemJSON), &out.Item)
	return out, nil
}

// DrawInput is the auditor's sampling decision.
type DrawInput struct {
	PopulationID  int64
	Size          string // empty: the suggested size
	Seed          string // empty: DefaultSeed
	Justification string // required when Size differs from the suggestion
	TestVersion   int
}

// Suggestion returns the suggested sample size for a test drawn from population (nil: none).
func (s *Service) Suggestion(ctx context.Context, t Test, populationSize int) (SampleSize, error) {
	var e struct {
		ReportType  string
		PeriodStart *time.Time
		PeriodEnd   *time.Time
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT report_type, period_start, period_end FROM engagements WHERE id = ?`, t.EngagementID).Scan(&e).Error; err != nil {
		return SampleSize{}, fmt.Errorf("loading engagement %d period: %w", t.EngagementID, err)
	}
	days := 0
	if e.ReportType == "type2" && e.PeriodStart != nil && e.PeriodEnd != nil {
		days = int(e.PeriodEnd.Sub(*e.PeriodStart).Hours()/24) + 1
	}
	return SuggestSampleSize(SampleSizeInput{Frequency: t.ControlFrequency, Risk: t.ControlRisk, PeriodDays: days, Population: populationSize})
}

// DrawSamples selects items at random from a population of the test with a recorded seed, and
// records method, seed and sizes on the test. Nothing changes when any input is wrong.
func (s *Service) DrawSamples(ctx context.Context, u auth.User, testID int64, in DrawInput) ([]Sample, error) {
	t, err := s.Test(ctx, testID)
	if err != nil {
		return nil, err
	}
	pop, err := s.Population(ctx, in.PopulationID)
	if err != nil || pop.TestID != testID {
		return nil, apperr.Validation{"population_id": "Choose a population uploaded to this test."}
	}
	v := apperr.Validation{}
	suggestion, serr := s.Suggestion(ctx, t, pop.RowCount)
	size := suggestion.Size
	if strings.TrimSpace(in.Size) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(in.Size))
		switch {
		case err != nil || n < 1:
			v.Add("size", "The sample size must be a whole number of at least 1.")
		case n > pop.RowCount:
			v.Add("size", fmt.Sprintf("The sample size (%d) is larger than the population (%d items).", n, pop.RowCount))
		default:
			size = n
		}
	} else if serr != nil {
		v.Add("size", "Enter a sample size: "+serr.Error()+".")
	}
	if serr == nil && size != suggestion.Size && strings.TrimSpace(in.Justification) == "" {
		v.Add("justification", fmt.Sprintf("The suggested size is %d (%s). Explain why you use %d.", suggestion.Size, suggestion.Basis, size))
	}
	seed := DefaultSeed(t.EngagementID, t.ControlID, pop.SHA256)
	if strings.TrimSpace(in.Seed) != "" {
		if seed, err = ParseSeed(strings.TrimSpace(in.Seed)); err != nil {
			v.Add("seed", "The seed must be a whole number of 0 or more (digits only); leave it empty to use the recorded default.")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rows, err := SelectRandom(seed, pop.RowCount, size)
	if err != nil {
		return nil, apperr.Validation{"size": err.Error()}
	}
	suggested := &suggestion.Size
	if serr != nil {
		suggested = nil
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockTest(tx, testID, in.TestVersion); err != nil {
			return err
		}
		if err := refuseExistingSamples(tx, testID); err != nil {
			return err
		}
		var drawID int64
		if err := tx.Raw(`INSERT INTO sample_draws (test_id, population_id, kind, seed, size, selected_rows, justification, drawn_by)
			VALUES (?, ?, 'original', ?, ?, ?, ?, ?) RETURNING id`,
			testID, pop.ID, seed, size, dbx.IntArray(rows), strings.TrimSpace(in.Justification), u.ID).Row().Scan(&drawID); err != nil {
			return fmt.Errorf("recording the draw of test %d: %w", testID, err)
		}
		err := tx.Exec(`INSERT INTO samples (test_id, population_id, row_number, item_key, item, draw_id)
			SELECT ?, population_id, row_number, item_key, data, ? FROM population_items
			WHERE population_id = ? AND row_number = ANY(?::int[])`,
			testID, drawID, pop.ID, dbx.IntArray(rows)).Error
		if err != nil {
			return fmt.Errorf("inserting samples of test %d: %w", testID, err)
		}
		if err := tx.Exec(`UPDATE tests SET sample_method = 'random', sample_seed = ?, suggested_sample_size = ?, sample_size = ?,
				sample_size_justification = ?, version = version + 1, updated_at = now() WHERE id = ?`,
			seed, suggested, size, strings.TrimSpace(in.Justification), testID).Error; err != nil {
			return fmt.Errorf("recording selection on test %d: %w", testID, err)
		}
		if err := clearSignoffs(ctx, tx, u, testID, "samples drawn"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "samples.draw", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"method": "random", "seed": seed, "population_id": pop.ID,
				"population_sha256": pop.SHA256, "size": size, "suggested_size": suggested, "justification": in.Justification, "rows": rows}})
	})
	if err != nil {
		return nil, err
	}
	return s.Samples(ctx, testID)
}

// PickInput is a selection by hand: item keys from the population, one per line.
type PickInput struct {
	PopulationID  int64
	Keys          []string
	Justification string
	TestVersion   int
}

// PickSamples records items the auditor chose by hand (e.g. haphazard or all items).
func (s *Service) PickSamples(ctx context.Context, u auth.User, testID int64, in PickInput) ([]Sample, error) {
	t, err := s.Test(ctx, testID)
	if err != nil {
		return nil, err
	}
	pop, err := s.Population(ctx, in.PopulationID)
	if err != nil || pop.TestID != testID {
		return nil, apperr.Validation{"population_id": "Choose a population uploaded to this test."}
	}
	var keys []string
	for _, k := range in.Keys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	v := apperr.Validation{}
	if len(keys) == 0 {
		v.Add("keys", "List the item keys to test, one per line.")
	}
	if strings.TrimSpace(in.Justification) == "" {
		v.Add("justification", "Explain how you chose the items (e.g. all items, or haphazard across the period).")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var found []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT item_key FROM population_items WHERE population_id = ? AND item_key = ANY(?)`,
		pop.ID, dbx.TextArray(keys)).Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("looking up picked items: %w", err)
	}
	var missing []string
	for _, k := range keys {
		if !slices.Contains(found, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, apperr.Validation{"keys": "Not in the population: " + strings.Join(missing, ", ") + "."}
	}
	method := "manual"
	if len(keys) == pop.RowCount {
		method = "all"
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockTest(tx, testID, in.TestVersion); err != nil {
			return err
		}
		if err := refuseExistingSamples(tx, testID); err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO samples (test_id, population_id, row_number, item_key, item)
			SELECT ?, population_id, row_number, item_key, data FROM population_items
			WHERE population_id = ? AND item_key = ANY(?)`, testID, pop.ID, dbx.TextArray(keys)).Error; err != nil {
			return fmt.Errorf("inserting picked samples of test %d: %w", testID, err)
		}
		if err := tx.Exec(`UPDATE tests SET sample_method = ?, sample_seed = NULL, sample_size = ?, sample_size_justification = ?,
				version = version + 1, updated_at = now() WHERE id = ?`, method, len(keys), strings.TrimSpace(in.Justification), testID).Error; err != nil {
			return fmt.Errorf("recording selection on test %d: %w", testID, err)
		}
		if err := clearSignoffs(ctx, tx, u, testID, "samples picked"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "samples.pick", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"method": method, "population_id": pop.ID, "keys": keys, "justification": in.Justification}})
	})
	if err != nil {
		return nil, err
	}
	return s.Samples(ctx, testID)
}

func refuseExistingSamples(tx *gorm.DB, testID int64) error {
	var n int
	if err := tx.Raw(`SELECT count(*) FROM samples WHERE test_id = ?`, testID).Row().Scan(&n); err != nil {
		return fmt.Errorf("counting samples of test %d: %w", testID, err)
	}
	if n > 0 {
		return apperr.Validation{"size": fmt.Sprintf("This test already has %d samples; a selection is recorded once so it can be reperformed.", n)}
	}
	return nil
}

// SampleInput is what an auditor records on one sample.
type SampleInput struct {
	AttributesTested string
	Result           string
	Notes            string
	Version          int
}

// UpdateSample saves the test result of one sample, refusing stale versions.
func (s *Service) UpdateSample(ctx context.Context, u auth.User, id int64, in SampleInput) (Sample, error) {
	v := apperr.Validation{}
	if !slices.Contains(SampleResults, in.Result) {
		v.Add("result", "Choose pass, deviation or not applicable.")
	}
	if in.Result == "deviation" && strings.TrimSpace(in.Notes) == "" {
		v.Add("notes", "Describe the deviation you found.")
	}
	if err := v.Err(); err != nil {
		return Sample{}, err
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock the row first, so the version compared below is the one this change replaces.
		if _, err := dbx.One[int](tx, fmt.Sprintf("sample %d", id), `SELECT version FROM samples WHERE id = ? FOR UPDATE`, id); err != nil {
			return err
		}
		before, err := loadSample(tx, id)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return &apperr.ConflictError{Entity: "This sample", Current: before, UpdatedAt: before.UpdatedAt}
		}
		deviating, err := deviatingSamples(tx, before.TestID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE samples SET attributes_tested = ?, result = ?, notes = ?, version = version + 1, updated_at = now() WHERE id = ?`,
			strings.TrimSpace(in.AttributesTested), in.Result, strings.TrimSpace(in.Notes), id).Error; err != nil {
			return fmt.Errorf("updating sample %d: %w", id, err)
		}
		var engagementID int64
		if err := tx.Raw(`SELECT engagement_id FROM tests WHERE id = ?`, before.TestID).Row().Scan(&engagementID); err != nil {
			return fmt.Errorf("loading test of sample %d: %w", id, err)
		}
		if err := clearSignoffs(ctx, tx, u, before.TestID, "sample "+before.ItemKey+" changed"); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor(u), audit.Event{Action: "sample.update", EntityType: "sample", EntityID: id, EngagementID: engagementID,
			Before: map[string]any{"attributes_tested": before.AttributesTested, "result": before.Result, "notes": before.Notes},
			After:  map[string]any{"attributes_tested": in.AttributesTested, "result": in.Result, "notes": in.Notes}}); err != nil {
			return err
		}
		return rollUpDeviations(ctx, tx, u, before.TestID, deviating, "sample "+before.ItemKey+": "+before.Result+" → "+in.Result)
	})
	if err != nil {
		return Sample{}, err
	}
	return s.Sample(ctx, id)
}

// MarkSentToClient records that the test's sample list went to the client, who can then see it.
func (s *Service) MarkSentToClient(ctx context.Context, u auth.User, testID int64) (int, error) {
	t, err := s.Test(ctx, testID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE samples SET sent_to_client_at = ?, version = version + 1, updated_at = now() WHERE test_id = ? AND sent_to_client_at IS NULL`, s.Clock.Now(), testID)
		if res.Error != nil {
			return fmt.Errorf("marking samples of test %d sent: %w", testID, res.Error)
		}
		n = res.RowsAffected
		if n == 0 {
			return apperr.Validation{"samples": "There are no samples waiting to be sent: draw the samples first."}
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "samples.send_to_client", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"samples": n}})
	})
	return int(n), err
}

// ClientSampleList is one test's sample list as the client sees it once it was sent.
type ClientSampleList struct {
	TestID     int64
	ControlRef string
	Control    string
	Procedure  string
	SentAt     time.Time
	Columns    []string
	Samples    []Sample
}

// SentSampleLists returns the sample lists of an engagement that were sent to the client.
func (s *Service) SentSampleLists(ctx context.Context, engagementID int64) ([]ClientSampleList, error) {
	var heads []struct {
		TestID     int64
		ControlRef string
		Control    string
		Procedure  string
		SentAt     time.Time
		Columns    dbx.TextArray
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT t.id AS test_id, c.ref AS control_ref, c.description AS control, t.evidence_expected AS procedure,
			min(s.sent_to_client_at) AS sent_at, max(p.columns) AS columns
		FROM samples s JOIN tests t ON t.id = s.test_id JOIN controls c ON c.id = t.control_id
		LEFT JOIN populations p ON p.id = s.population_id
		WHERE t.engagement_id = ? AND s.sent_to_client_at IS NOT NULL
		GROUP BY t.id, c.ref, c.description, c.sort_order, t.evidence_expected ORDER BY c.sort_order, c.ref, t.id`, engagementID).Scan(&heads).Error
	if err != nil {
		return nil, fmt.Errorf("listing sample lists of engagement %d: %w", engagementID, err)
	}
	var out []ClientSampleList
	for _, h := range heads {
		samples, err := s.Samples(ctx, h.TestID)
		if err != nil {
			return nil, err
		}
		sent := samples[:0]
		for _, sm := range samples {
			if sm.SentToClientAt != nil {
				sent = append(sent, sm)
			}
		}
		out = append(out, ClientSampleList{TestID: h.TestID, ControlRef: h.ControlRef, Control: h.Control, Procedure: h.Procedure,
			SentAt: h.SentAt, Columns: h.Columns, Samples: sent})
	}
	return out, nil
}

// ExportSamplesXLSX writes the test's sample list as a workbook for the client: one row per
// item with the population's columns, and blank columns for the client's evidence references.
func ExportSamplesXLSX(t Test, pop *Population, samples []Sample) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Samples"
	f.SetSheetName("Sheet1", sheet)
	header := []any{"#", "Item key"}
	var cols []string
	if pop != nil {
		cols = pop.Columns
		for _, c := range cols {
			header = append(header, c)
		}
	}
	header = append(header, "Evidence provided (client)")
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, fmt.Errorf("writing header: %w", err)
	}
	for i, sm := range samples {
		row := []any{i + 1, sm.ItemKey}
		for _, c := range cols {
			row = append(row, sm.Item[c])
		}
		row = append(row, "")
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, fmt.Errorf("writing sample %d: %w", i+1, err)
		}
	}
	info := "Info"
	if _, err := f.NewSheet(info); err != nil {
		return nil, fmt.Errorf("adding info sheet: %w", err)
	}
	lines := [][]any{{"Control", t.ControlRef + " " + t.ControlDescription}, {"Evidence requested", t.EvidenceExpected},
		{"Items", len(samples)}}
	if pop != nil {
		lines = append(lines, []any{"Population file", pop.FileName}, []any{"Population SHA-256", pop.SHA256})
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(info, cell, &l); err != nil {
			return nil, fmt.Errorf("writing info: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("writing workbook: %w", err)
	}
	return buf.Bytes(), nil
}
