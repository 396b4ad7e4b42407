package fieldwork

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// Sample extension: after a deviation the auditor draws more items from the same population,
// excluding the items already selected, with a recorded seed so the draw reperforms.

// Draw is one recorded selection of a test's sample: the original draw or an extension.
type Draw struct {
	ID            int64
	TestID        int64
	PopulationID  int64
	Kind          string // original or extension
	Seed          int64
	Size          int
	ExcludedRows  []int
	SelectedRows  []int
	Justification string
	DrawnByName   string
	DrawnAt       time.Time
}

// ExtensionSeed derives the default seed of the n-th extension (1-based) the way DefaultSeed
// derives the original's: from the engagement, the control and the population's SHA-256.
func ExtensionSeed(engagementID, controlID int64, populationSHA256 string, n int) int64 {
	sum := sha256.Sum256([]byte(fmt.Sprintf("attest-sample-extension:%d:%d:%s:%d", engagementID, controlID, populationSHA256, n)))
	return int64(binary.BigEndian.Uint64(sum[:8]) & math.MaxInt64)
}

// SelectExtension draws size rows out of the population's rows 1..rowCount that are not in
// excluded, with the seeded generator of SelectRandom over the remaining rows in ascending
// order. The same inputs always give the same rows.
func SelectExtension(seed int64, rowCount int, excluded []int, size int) ([]int, error) {
	skip := make(map[int]bool, len(excluded))
	for _, r := range excluded {
		skip[r] = true
	}
	remaining := make([]int, 0, rowCount)
	for r := 1; r <= rowCount; r++ {
		if !skip[r] {
			remaining = append(remaining, r)
		}
	}
	if size > len(remaining) {
		return nil, fmt.Errorf("the population has %d %s not yet selected; extend by at most %d", len(remaining),
			plural(len(remaining), "item", "items"), len(remaining))
	}
	idx, err := SelectRandom(seed, len(remaining), size)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = remaining[j-1]
	}
	sort.Ints(out)
	return out, nil
}

// Draws lists a test's recorded draws in order.
func (s *Service) Draws(ctx context.Context, testID int64) ([]Draw, error) {
	var rows []struct {
		ID, TestID, PopulationID int64
		Kind                     string
		Seed                     int64
		Size                     int
		Justification            string
		DrawnByName              string
		DrawnAt                  time.Time
		Excluded, Selected       dbx.IntArray
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT d.id, d.test_id, d.population_id, d.kind, d.seed, d.size, d.justification,
			coalesce(u.name, '') AS drawn_by_name, d.drawn_at,
			d.excluded_rows AS excluded, d.selected_rows AS selected
		FROM sample_draws d LEFT JOIN users u ON u.id = d.drawn_by WHERE d.test_id = ? ORDER BY d.id`, testID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing draws of test %d: %w", testID, err)
	}
	out := make([]Draw, len(rows))
	for i, r := range rows {
		out[i] = Draw{ID: r.ID, TestID: r.TestID, PopulationID: r.PopulationID, Kind: r.Kind, Seed: r.Seed, Size: r.Size,
			Justification: r.Justification, DrawnByName: r.DrawnByName, DrawnAt: r.DrawnAt,
			ExcludedRows: r.Excluded, SelectedRows: r.Selected}
	}
	return out, nil
}

// ExtendInput is the auditor's extension of a sample.
type ExtendInput struct {
	Size          string // empty: the same size as the sample so far
	Seed          string // empty: ExtensionSeed
	Justification string
	TestVersion   int
}

// ExtendSample draws more items from the population of the test's samples, excluding every item
// already selected, and records the draw (seed, excluded rows, selected rows) so it reperforms.
// The result then reads "x of n" over the whole sample. A concluded test goes back to in
// progress: its new items are untested.
func (s *Service) ExtendSample(ctx context.Context, u auth.User, testID int64, in ExtendInput) ([]Sample, error) {
	t, err := s.Test(ctx, testID)
	if err != nil {
		return nil, err
	}
	samples, err := s.Samples(ctx, testID)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	if len(samples) == 0 || samples[0].PopulationID == nil {
		return nil, apperr.Validation{"extend_size": "There is no sample drawn from a population to extend: draw the samples first."}
	}
	pop, err := s.Population(ctx, *samples[0].PopulationID)
	if err != nil {
		return nil, err
	}
	var excluded []int
	deviations := 0
	for _, sm := range samples {
		if sm.RowNumber != nil && sm.PopulationID != nil && *sm.PopulationID == pop.ID {
			excluded = append(excluded, *sm.RowNumber)
		}
		if sm.Result == "deviation" {
			deviations++
		}
	}
	sort.Ints(excluded)
	if deviations == 0 {
		v.Add("extend_size", "No sample shows a deviation: a sample is extended after a deviation, to see whether it is isolated.")
	}
	size := len(samples)
	if raw := strings.TrimSpace(in.Size); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			v.Add("extend_size", "The extension must be a whole number of at least 1.")
		} else {
			size = n
		}
	}
	if remaining := pop.RowCount - len(excluded); size > remaining && v["extend_size"] == "" {
		v.Add("extend_size", fmt.Sprintf("The population has only %d %s not yet selected (%d of %d are in the sample): extend by at most %d.",
			remaining, plural(remaining, "item", "items"), len(excluded), pop.RowCount, remaining))
	}
	if strings.TrimSpace(in.Justification) == "" {
		v.Add("extend_justification", "Say why you extend the sample (e.g. “1 deviation in 25: testing 25 more to judge whether it is isolated”).")
	}
	draws, err := s.Draws(ctx, testID)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range draws {
		if d.Kind == "extension" {
			n++
		}
	}
	seed := ExtensionSeed(t.EngagementID, t.ControlID, pop.SHA256, n)
	if raw := strings.TrimSpace(in.Seed); raw != "" {
		if seed, err = ParseSeed(raw); err != nil {
			v.Add("extend_seed", "The seed must be a whole number of 0 or more; leave it empty to use the recorded default.")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rows, err := SelectExtension(seed, pop.RowCount, excluded, size)
	if err != nil {
		return nil, apperr.Validation{"extend_size": err.Error() + "."}
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockTest(tx, testID, in.TestVersion)
		if err != nil {
			return err
		}
		// Samples added meanwhile would change what is excluded: check nothing moved.
		var now []int
		if err := tx.Raw(`SELECT row_number FROM samples WHERE test_id = ? AND population_id = ? ORDER BY row_number`, testID, pop.ID).Scan(&now).Error; err != nil {
			return fmt.Errorf("reloading the sample of test %d: %w", testID, err)
		}
		if !slices.Equal(now, excluded) {
			return &apperr.ConflictError{Entity: "This sample", Current: cur, UpdatedAt: cur.UpdatedAt}
		}
		var drawID int64
		if err := tx.Raw(`INSERT INTO sample_draws (test_id, population_id, kind, seed, size, excluded_rows, selected_rows, justification, drawn_by)
			VALUES (?, ?, 'extension', ?, ?, ?, ?, ?, ?)
			RETURNING id`, testID, pop.ID, seed, size, dbx.IntArray(excluded), dbx.IntArray(rows), strings.TrimSpace(in.Justification), u.ID).Row().Scan(&drawID); err != nil {
			return fmt.Errorf("recording the extension of test %d: %w", testID, err)
		}
		if err := tx.Exec(`INSERT INTO samples (test_id, population_id, row_number, item_key, item, draw_id)
			SELECT ?, population_id, row_number, item_key, data, ? FROM population_items
			WHERE population_id = ? AND row_number = ANY(?::int[])`,
			testID, drawID, pop.ID, dbx.IntArray(rows)).Error; err != nil {
			return fmt.Errorf("inserting the extension of test %d: %w", testID, err)
		}
		if err := tx.Exec(`UPDATE tests SET version = version + 1, updated_at = now() WHERE id = ?`, testID).Error; err != nil {
			return fmt.Errorf("recording the extension on test %d: %w", testID, err)
		}
		if Concluded(cur.Result) {
			if err := tx.Exec(`UPDATE tests SET result = ? WHERE id = ?`, ResultInProgress, testID).Error; err != nil {
				return fmt.Errorf("reopening test %d: %w", testID, err)
			}
			if err := audit.Record(ctx, tx, actor(u), audit.Event{Action: "test.result_changed", EntityType: "test", EntityID: testID,
				EngagementID: t.EngagementID, Before: map[string]any{"result": cur.Result},
				After: map[string]any{"result": ResultInProgress, "cause": fmt.Sprintf("sample extended by %d untested items", size)}}); err != nil {
				return err
			}
		}
		if err := clearSignoffs(ctx, tx, u, testID, "sample extended"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "samples.extend", EntityType: "test", EntityID: testID,
			EngagementID: t.EngagementID, After: map[string]any{"seed": seed, "population_id": pop.ID, "population_sha256": pop.SHA256,
				"size": size, "excluded_rows": excluded, "rows": rows, "total": len(excluded) + size, "justification": strings.TrimSpace(in.Justification)}})
	})
	if err != nil {
		return nil, err
	}
	return s.Samples(ctx, testID)
}

// ReperformDraws recomputes every recorded draw from the population and says whether the
// recorded samples are the rows it gives: the original from its seed over the whole population,
// each extension from its seed over the rows not selected before it.
func ReperformDraws(pop Population, draws []Draw, samples []Sample) []Reperformance {
	byDraw := map[int64][]int{}
	var before []int
	for _, sm := range samples {
		if sm.RowNumber == nil {
			continue
		}
		if sm.DrawID != nil {
			byDraw[*sm.DrawID] = append(byDraw[*sm.DrawID], *sm.RowNumber)
		}
	}
	var out []Reperformance
	ext := 0
	for _, d := range draws {
		got := byDraw[d.ID]
		sort.Ints(got)
		var want []int
		var err error
		label := "Original draw"
		if d.Kind == "extension" {
			ext++
			label = fmt.Sprintf("Extension %d", ext)
			sort.Ints(before)
			if !slices.Equal(before, d.ExcludedRows) {
				out = append(out, Reperformance{false, label + ": the rows it excluded are not the items selected before it."})
				before = append(before, got...)
				continue
			}
			want, err = SelectExtension(d.Seed, pop.RowCount, d.ExcludedRows, d.Size)
		} else {
			want, err = SelectRandom(d.Seed, pop.RowCount, d.Size)
		}
		switch {
		case err != nil:
			out = append(out, Reperformance{false, label + " cannot be reperformed: " + err.Error() + "."})
		case !slices.Equal(want, got) || !slices.Equal(want, d.SelectedRows):
			out = append(out, Reperformance{false, fmt.Sprintf("%s, reperformed with seed %d: the draw gives other rows than the %d recorded samples.", label, d.Seed, len(got))})
		default:
			out = append(out, Reperformance{true, fmt.Sprintf("%s, reperformed with seed %d on %s: the same %d rows%s.", label, d.Seed, pop.FileName, len(got),
				map[bool]string{true: fmt.Sprintf(", none of the %d selected before", len(d.ExcludedRows)), false: ""}[d.Kind == "extension"])})
		}
		before = append(before, got...)
	}
	return out
}
