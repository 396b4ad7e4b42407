package seed

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// TestFieldworkDemoData runs the demo seed without the engagement (the step skips), then with
// the Northwind 2026 engagement and its controls made by plain SQL (other steps build them), twice.
func TestFieldworkDemoData(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)}
	_, err := Demo(ctx, gdb, clk)
	require.NoError(t, err, "no engagement yet: the step skips silently")

	var clientID, engagementID int64
	require.NoError(t, gdb.Raw(`SELECT id FROM clients WHERE name = 'Northwind Ledger'`).Row().Scan(&clientID))
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
		VALUES (?, 'Northwind Ledger SOC 2 Type II 2026', 'type2', '2026-01-01', '2026-06-30', 'fieldwork') RETURNING id`, clientID).Row().Scan(&engagementID))
	criteria := map[int][]string{1: {"CC1.1"}, 2: {"CC1.2", "CC4.1"}, 3: {"CC1.4", "CC2.2"}, 4: {"CC6.2"}, 5: {"CC6.2"}, 6: {"CC6.3"},
		7: {"CC6.1"}, 8: {"CC6.1", "CC6.7"}, 9: {"CC7.1"}, 10: {"CC7.2", "CC7.3"}, 11: {"CC7.4", "CC7.5"}, 12: {"CC8.1"},
		13: {"CC3.1"}, 14: {"CC9.2"}, 15: {"A1.2", "A1.3"}, 16: {"A1.1"}}
	freq := map[int]string{2: "quarterly", 6: "quarterly", 7: "automated", 8: "automated", 9: "weekly", 10: "multiple_daily",
		12: "multiple_daily", 13: "annual", 14: "annual", 15: "daily", 16: "automated"}
	for i := 1; i <= 16; i++ {
		f := freq[i]
		if f == "" {
			f = "as_needed"
		}
		var id int64
		require.NoError(t, gdb.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency, sort_order) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			engagementID, fmt.Sprintf("NL-%02d", i), "Control", f, i).Row().Scan(&id))
		for _, c := range criteria[i] {
			require.NoError(t, gdb.Exec(`INSERT INTO control_criteria VALUES (?, ?)`, id, c).Error)
		}
	}

	// The issued 2025 engagement has its own fieldwork (the report step); count the others.
	var issued int64
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2025'`).Row().Scan(&issued))
	others := map[string]string{
		"tests":            `SELECT count(*) FROM tests WHERE engagement_id <> ?`,
		"populations":      `SELECT count(*) FROM populations WHERE test_id IN (SELECT id FROM tests WHERE engagement_id <> ?)`,
		"population_items": `SELECT count(*) FROM population_items WHERE population_id IN (SELECT p.id FROM populations p JOIN tests t ON t.id = p.test_id WHERE t.engagement_id <> ?)`,
		"samples":          `SELECT count(*) FROM samples WHERE test_id IN (SELECT id FROM tests WHERE engagement_id <> ?)`,
		"exceptions":       `SELECT count(*) FROM exceptions WHERE engagement_id <> ?`,
		"review_notes":     `SELECT count(*) FROM review_notes WHERE engagement_id <> ? AND target_type <> 'description_section'`, // the description step raises its own
		"audit_events":     `SELECT count(*) FROM audit_events WHERE ? <> 0`,
	}
	counts := func() map[string]int {
		out := map[string]int{}
		for table, q := range others {
			var n int
			require.NoError(t, gdb.Raw(q, issued).Row().Scan(&n))
			out[table] = n
		}
		return out
	}
	_, err = Demo(ctx, gdb, clk)
	require.NoError(t, err)
	first := counts()
	// Every test is concluded on a population, tested samples and their evidence.
	var tests, populations int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM tests t JOIN engagements e ON e.id = t.engagement_id WHERE e.period_start = '2026-01-01'`).Row().Scan(&tests))
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM populations p JOIN tests t ON t.id = p.test_id JOIN engagements e ON e.id = t.engagement_id
		WHERE e.period_start = '2026-01-01'`).Row().Scan(&populations))
	assert.Equal(t, 16, tests)
	assert.Equal(t, 16, populations)
	var unconcluded, untested, unevidenced int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM tests t JOIN engagements e ON e.id = t.engagement_id
		WHERE e.period_start = '2026-01-01' AND t.result NOT IN ('no_exceptions', 'exceptions')`).Row().Scan(&unconcluded))
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM samples WHERE result = 'untested'`).Row().Scan(&untested))
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM evidence_files f WHERE f.sample_id = s.id)`).Row().Scan(&unevidenced))
	assert.Zero(t, unconcluded)
	assert.Zero(t, untested)
	assert.Zero(t, unevidenced)
	assert.Equal(t, 2, first["exceptions"])
	assert.Equal(t, 2, first["review_notes"])

	var responses, isolatedMet int
	require.NoError(t, gdb.Raw(`SELECT count(*) FILTER (WHERE management_response <> ''), count(*) FILTER (WHERE evaluation = 'isolated' AND criteria_met)
		FROM exceptions WHERE engagement_id <> ?`, issued).Row().Scan(&responses, &isolatedMet))
	assert.Equal(t, 2, responses)
	assert.Equal(t, 2, isolatedMet)
	var nl03 string
	require.NoError(t, gdb.Raw(`SELECT t.result_text FROM tests t JOIN controls c ON c.id = t.control_id WHERE c.ref = 'NL-03' AND t.engagement_id <> ?`, issued).Row().Scan(&nl03))
	assert.Contains(t, nl03, "1 of 25")
	// The testing grid is populated (issue #16): NL-03's attributes with one deviating cell, and
	// NL-05's sample extended after its deviation (15 drawn, then 15 more), every item tested.
	var attrs, cells, deviatingCells, extensions, nl05 int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM test_attributes a JOIN tests t ON t.id = a.test_id WHERE t.engagement_id <> ?`, issued).Row().Scan(&attrs))
	require.NoError(t, gdb.Raw(`SELECT count(*), count(*) FILTER (WHERE r.result = 'deviation') FROM sample_attribute_results r
		JOIN samples s ON s.id = r.sample_id JOIN tests t ON t.id = s.test_id WHERE t.engagement_id <> ?`, issued).Row().Scan(&cells, &deviatingCells))
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM sample_draws d JOIN tests t ON t.id = d.test_id WHERE d.kind = 'extension' AND t.engagement_id <> ?`, issued).Row().Scan(&extensions))
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM samples s JOIN tests t ON t.id = s.test_id JOIN controls c ON c.id = t.control_id
		WHERE c.ref = 'NL-05' AND t.engagement_id <> ?`, issued).Row().Scan(&nl05))
	assert.Equal(t, 2, attrs)
	assert.Equal(t, 50, cells, "25 NL-03 samples × 2 attributes")
	assert.Equal(t, 1, deviatingCells)
	assert.Equal(t, 1, extensions)
	assert.Equal(t, 30, nl05)

	var reviewed, prepared int
	require.NoError(t, gdb.Raw(`SELECT count(*) FILTER (WHERE reviewed_by IS NOT NULL), count(*) FILTER (WHERE prepared_by IS NOT NULL) FROM tests WHERE engagement_id <> ?`, issued).Row().Scan(&reviewed, &prepared))
	assert.Equal(t, 6, reviewed)
	assert.Equal(t, 10, prepared)

	_, err = Demo(ctx, gdb, clk)
	require.NoError(t, err)
	assert.Equal(t, first, counts(), "idempotent: a second run changes nothing")
}
