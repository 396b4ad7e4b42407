package controls_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

var actor = audit.Actor{ID: 0, Email: "senior@firm.example"}

// newEngagement inserts a client and a Type 2 engagement with the given categories besides security.
func newEngagement(t *testing.T, db *gorm.DB, name string, categories ...string) int64 {
	t.Helper()
	var clientID, id int64
	require.NoError(t, db.Raw(`INSERT INTO clients (name) VALUES (?) RETURNING id`, name+" client").Row().Scan(&clientID))
	cats := "{" + strings.Join(append([]string{"security"}, categories...), ",") + "}"
	require.NoError(t, db.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, categories)
		VALUES (?, ?, 'type2', '2026-01-01', '2026-06-30', ?::text[]) RETURNING id`, clientID, name, cats).Row().Scan(&id))
	return id
}

func readSheet(t *testing.T, path string) controls.Sheet {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sh, err := controls.ReadSheet(filepath.Base(path), f)
	require.NoError(t, err)
	return sh
}

func fixture(name string) string {
	return filepath.Join("..", "..", "testdata", "control-matrices", name)
}

func TestImportGoodFileCSVAndXLSX(t *testing.T) {
	for _, file := range []string{"good.csv", "good.xlsx"} {
		t.Run(file, func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			eng := newEngagement(t, db, "Good", "availability")
			res, err := controls.NewService(db).Import(ctx, actor, eng, file, readSheet(t, fixture(file)))
			require.NoError(t, err)
			assert.Equal(t, 6, res.Imported)
			assert.Empty(t, res.Warnings)

			list, err := controls.NewService(db).List(ctx, eng)
			require.NoError(t, err)
			require.Len(t, list, 6)
			byRef := map[string]controls.Control{}
			for _, c := range list {
				byRef[c.Ref] = c
			}
			assert.Equal(t, []string{"CC3.1", "CC3.2", "CC3.3", "CC3.4"}, byRef["CC-03"].Criteria, "range expanded")
			assert.Equal(t, "annual", byRef["CC-03"].Frequency)
			assert.Equal(t, "Yearly", byRef["CC-03"].FrequencyNote, "synonym kept as note")
			assert.Equal(t, "quarterly", byRef["CC-02"].Frequency)
			assert.Empty(t, byRef["CC-02"].FrequencyNote, "standard frequency needs no note")
			assert.Equal(t, "daily", byRef["CC-05"].Frequency, "cron schedule mapped")
			assert.Equal(t, "0 0 2 * * *", byRef["CC-05"].FrequencyNote)
			assert.Equal(t, []string{"CC7.2", "A1.2"}, byRef["CC-05"].Criteria, "whitespace-separated, catalogue order")
			assert.Equal(t, "it_dependent_manual", byRef["cc-04"].Nature, "lowercase id kept as typed")
			assert.Equal(t, "multiple_daily", byRef["CC-06"].Frequency)
			assert.Equal(t, "higher", byRef["CC-06"].Risk)

			var events []audit.Row
			require.NoError(t, db.Where("action = ?", "control.import").Find(&events).Error)
			require.Len(t, events, 1, "one event summarises the import")
			assert.Contains(t, string(events[0].After), `"controls_imported": 6`)

			cov, err := controls.NewService(db).LoadCoverage(ctx, eng)
			require.NoError(t, err)
			assert.Equal(t, 36, cov.Total, "33 security + 3 availability criteria")
			assert.Equal(t, 12, cov.Covered)
			assert.Contains(t, cov.Uncovered, "A1.1")
			assert.NotContains(t, cov.Uncovered, "A1.2")
		})
	}
}

func TestImportBadFileReportsEveryProblemAndSavesNothing(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Bad")
	_, err := controls.NewService(db).Create(ctx, actor, eng, controls.Input{Ref: "CC-07", Description: "Existing", Frequency: "annual",
		Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC2.1"}})
	require.NoError(t, err)

	_, err = controls.NewService(db).Import(ctx, actor, eng, "bad.csv", readSheet(t, fixture("bad.csv")))
	var ie *controls.ImportError
	require.ErrorAs(t, err, &ie)
	got := map[string]bool{}
	for _, p := range ie.Problems {
		got[strconv.Itoa(p.Row)+" "+p.Column] = true
		t.Logf("row %d %s: %s", p.Row, p.Column, p.Message)
	}
	for _, want := range []string{"3 B (control_description)", "4 C (criteria)", "5 C (criteria)", "6 D (frequency)",
		"7 A (control_id)", "9 A (control_id)"} {
		assert.True(t, got[want], "problem at row/column %s reported", want)
	}
	assert.Len(t, ie.Problems, 6)
	assert.Contains(t, problemText(ie.Problems), "P1.1 belongs to Privacy, which is not in scope")
	assert.Contains(t, problemText(ie.Problems), "CC7.9 is not a Trust Services Criterion")
	assert.Contains(t, problemText(ie.Problems), "already used by row 2")
	assert.Contains(t, problemText(ie.Problems), "already used by existing control CC-07")
	assert.Contains(t, problemText(ie.Warnings), "Coverage question: 1 control has no criteria: row 8 (ON)", "empty criteria is a warning, not a crash")
	assert.Contains(t, problemText(ie.Warnings), "The file maps criteria of Privacy, which this engagement does not have in scope.")
	assert.Contains(t, problemText(ie.Warnings), "1 control id of this file is already in the matrix. An import adds controls; it never changes existing ones.")

	list, err := controls.NewService(db).List(ctx, eng)
	require.NoError(t, err)
	assert.Len(t, list, 1, "nothing imported")
	var n int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'control.import'`).Row().Scan(&n))
	assert.Zero(t, n)
}

func TestExportImportRoundTrip(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	src := newEngagement(t, db, "Source", "availability")
	_, err := controls.NewService(db).Import(ctx, actor, src, "good.csv", readSheet(t, fixture("good.csv")))
	require.NoError(t, err)
	// A control without criteria must survive the round trip too.
	_, err = controls.NewService(db).Import(ctx, actor, src, "extra.csv", controls.Sheet{
		Header: []string{"control_id", "control_description", "criteria"}, Rows: [][]string{{"ON", "Organizational narrative", ""}}})
	require.NoError(t, err)

	_, err = controls.NewService(db).CreateComplementary(ctx, actor, src, controls.ComplementaryInput{Kind: controls.KindCUEC, Ref: "CUEC-1",
		Description: "User entities review exported reports", Criteria: []string{"CC2.3"}})
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, controls.NewService(db).Export(ctx, src, &buf))
	wb, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	cuecs, err := wb.GetRows("CUECs and CSOCs")
	require.NoError(t, err)
	assert.Equal(t, []string{"CUEC", "CUEC-1", "User entities review exported reports", "", "CC2.3"}, cuecs[1], "CUECs exported on their own sheet")
	dst := newEngagement(t, db, "Destination", "availability")
	sh, err := controls.ReadSheet("export.xlsx", &buf)
	require.NoError(t, err)
	_, err = controls.NewService(db).Import(ctx, actor, dst, "export.xlsx", sh)
	require.NoError(t, err)

	a, err := controls.NewService(db).List(ctx, src)
	require.NoError(t, err)
	b, err := controls.NewService(db).List(ctx, dst)
	require.NoError(t, err)
	require.Len(t, b, len(a))
	for i := range a {
		assert.Equal(t, a[i].Input(), b[i].Input(), "control %s", a[i].Ref)
	}
}

func TestTemplateImportsCleanly(t *testing.T) {
	db := dbtest.New(t)
	var buf bytes.Buffer
	require.NoError(t, controls.WriteTemplate(&buf))
	sh, err := controls.ReadSheet("template.xlsx", &buf)
	require.NoError(t, err)
	res, err := controls.NewService(db).Import(context.Background(), actor, newEngagement(t, db, "Template"), "template.xlsx", sh)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Imported)
}

func TestUpdateRefusesStaleVersion(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Stale")
	in := controls.Input{Ref: "CC-01", Description: "Original", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.1"}}
	c, err := controls.NewService(db).Create(ctx, actor, eng, in)
	require.NoError(t, err)

	first := in
	first.Description = "First editor"
	_, err = controls.NewService(db).Update(ctx, actor, c.ID, c.Version, first)
	require.NoError(t, err)

	second := in
	second.Description = "Second editor"
	_, err = controls.NewService(db).Update(ctx, actor, c.ID, c.Version, second)
	conflict, ok := apperr.AsConflict(err)
	require.True(t, ok, "stale save refused: %v", err)
	assert.Equal(t, "First editor", conflict.Current.(controls.Control).Description)

	got, err := controls.NewService(db).Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "First editor", got.Description, "nothing overwritten")
	assert.Equal(t, 2, got.Version)
}

func TestCreateValidatesScopeAndDuplicateRef(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Validate")
	in := controls.Input{Ref: "CC-01", Description: "x", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.1"}}
	_, err := controls.NewService(db).Create(ctx, actor, eng, in)
	require.NoError(t, err)
	in.Ref = "cc-01"
	in.Criteria = []string{"A1.1"}
	_, err = controls.NewService(db).Create(ctx, actor, eng, in)
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["ref"], "already uses")
	assert.Contains(t, v["criteria"], "not in scope")
}

func TestParseFrequency(t *testing.T) {
	for text, want := range map[string][2]string{
		"":                       {"as_needed", ""},
		"Quarterly":              {"quarterly", ""},
		"multiple_daily":         {"multiple_daily", ""},
		"Continuous / automated": {"automated", ""},
		"automated":              {"automated", ""},
		"Ad hoc":                 {"as_needed", "Ad hoc"},
		"Monthly, on the 15th":   {"monthly", "Monthly, on the 15th"},
		"0 0 0 15 * *":           {"monthly", "0 0 0 15 * *"},
		"0 0 0 15 4 *":           {"annual", "0 0 0 15 4 *"},
		"*/5 * * * *":            {"multiple_daily", "*/5 * * * *"},
		"0 9 * * 1":              {"weekly", "0 9 * * 1"},
		// Event-driven schedules: as needed, the text kept.
		"Per change":        {"as_needed", "Per change"},
		"per hire":          {"as_needed", "per hire"},
		"Per termination":   {"as_needed", "Per termination"},
		"Per incident":      {"as_needed", "Per incident"},
		"per request":       {"as_needed", "per request"},
		"Per release":       {"as_needed", "Per release"},
		"Real-time":         {"as_needed", "Real-time"},
		"Ongoing":           {"as_needed", "Ongoing"},
		"Upon termination":  {"as_needed", "Upon termination"},
		"With each release": {"as_needed", "With each release"},
		"Per quarter":       {"quarterly", "Per quarter"},
		"Every new hire":    {"as_needed", "Every new hire"},
		"At least annually": {"annual", "At least annually"},
	} {
		f, note, ok := controls.ParseFrequency(text)
		assert.True(t, ok, text)
		assert.Equal(t, want, [2]string{f, note}, text)
	}
	assert.Equal(t, "Continuous / automated", controls.Label(controls.Frequencies, "automated"), "the issue's name for the frequency")
	for _, bad := range []string{"fortnightly-ish", "daily and quarterly", "whenever", "Daily / Weekly", "on the 15th of each month"} {
		_, _, ok := controls.ParseFrequency(bad)
		assert.False(t, ok, bad)
	}
}

func problemText(ps []controls.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Message + "\n")
	}
	return b.String()
}

func TestReadSheetSemicolonCSV(t *testing.T) {
	sh, err := controls.ReadSheet("eu.csv", strings.NewReader("\ufeffcontrol_id;control_description;criteria\nCC-01;Access review;CC6.2, CC6.3\n\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"control_id", "control_description", "criteria"}, sh.Header)
	assert.Equal(t, [][]string{{"CC-01", "Access review", "CC6.2, CC6.3"}}, sh.Rows, "BOM and trailing blank row dropped")

	_, err = controls.ReadSheet("matrix.pdf", strings.NewReader("%PDF"))
	assert.ErrorIs(t, err, controls.ErrUnreadable)
	_, err = controls.ReadSheet("broken.xlsx", strings.NewReader("not a zip"))
	assert.ErrorIs(t, err, controls.ErrUnreadable)
}

func TestUpdateComplementaryRefusesStaleVersion(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "CUEC")
	in := controls.ComplementaryInput{Kind: controls.KindCUEC, Ref: "CUEC-1", Description: "Users manage access", Criteria: []string{"CC6.2"}}
	id, err := controls.NewService(db).CreateComplementary(ctx, actor, eng, in)
	require.NoError(t, err)
	in.Description = "First"
	require.NoError(t, controls.NewService(db).UpdateComplementary(ctx, actor, id, 1, in))
	in.Description = "Second"
	err = controls.NewService(db).UpdateComplementary(ctx, actor, id, 1, in)
	conflict, ok := apperr.AsConflict(err)
	require.True(t, ok)
	assert.Equal(t, "First", conflict.Current.(controls.Complementary).Description)
	require.Error(t, controls.NewService(db).DeleteComplementary(ctx, actor, id, 1), "stale delete refused")
	require.NoError(t, controls.NewService(db).DeleteComplementary(ctx, actor, id, 2))
}

func BenchmarkImport500Controls(b *testing.B) {
	db := dbtest.New(b)
	ctx := context.Background()
	sh := controls.Sheet{Header: []string{"control_id", "control_description", "criteria", "frequency"}}
	for i := range 500 {
		sh.Rows = append(sh.Rows, []string{"C-" + strconv.Itoa(i), "Control number " + strconv.Itoa(i), "CC6.1; CC6.2, CC7.1-CC7.3", "Quarterly"})
	}
	var clientID int64
	require.NoError(b, db.Raw(`INSERT INTO clients (name) VALUES ('Bench') RETURNING id`).Row().Scan(&clientID))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var eng int64
		require.NoError(b, db.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, ?, 'type1', '2026-06-30') RETURNING id`,
			clientID, "Bench "+strconv.Itoa(i)).Row().Scan(&eng))
		_, err := controls.NewService(db).Import(ctx, actor, eng, "bench.csv", sh)
		require.NoError(b, err)
	}
}

// TestMatrixCountsAgreeWithCoverage: the matrix page counts the coverage without listing it;
// the counts must be those of the coverage page (a criterion mapped twice counts once, a control
// without criteria is counted, an out-of-scope category is not in the total).
func TestMatrixCountsAgreeWithCoverage(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	svc := controls.NewService(db)
	eng := newEngagement(t, db, "Counts", "availability")
	base := controls.Input{Description: "x", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low"}
	for ref, criteria := range map[string][]string{"CC-01": {"CC1.1", "CC1.2", "A1.1"}, "CC-02": {"CC1.1"}} {
		in := base
		in.Ref, in.Criteria = ref, criteria
		_, err := svc.Create(ctx, actor, eng, in)
		require.NoError(t, err)
	}
	require.NoError(t, db.Exec(`INSERT INTO controls (engagement_id, ref, description, frequency, nature, control_type, risk, sort_order)
		VALUES (?, 'ON', 'No criteria yet', 'annual', 'manual', 'preventive', 'low', 9)`, eng).Error)

	m, err := svc.LoadMatrix(ctx, eng)
	require.NoError(t, err)
	cov, err := svc.LoadCoverage(ctx, eng)
	require.NoError(t, err)
	assert.Len(t, m.Controls, 3)
	assert.Equal(t, 3, m.Covered, "CC1.1, CC1.2 and A1.1")
	assert.Equal(t, 1, m.ControlsNoCriteria)
	assert.Equal(t, cov.Covered, m.Covered)
	assert.Equal(t, cov.Total, m.Total)
	assert.Equal(t, cov.ControlsNoCriteria, m.ControlsNoCriteria)
	assert.Greater(t, m.Total, m.Covered)
}
