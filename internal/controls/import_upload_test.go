package controls_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// partialCSV has three valid rows (one with an event-driven frequency) and two refused ones:
// row 3 maps a criterion that does not exist and its description starts like a formula, row 5
// repeats the id of row 2.
const partialCSV = "control_id,control_description,criteria,frequency,owner\n" +
	"CC-01,Access reviews,CC6.2,Quarterly,IT\n" +
	"CC-02,\"=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\",CC9.9,Annual,Security\n" +
	"CC-03,Changes approved before deployment,CC8.1,Per change,Engineering\n" +
	"cc-01,Duplicate of the first row,CC6.1,Annual,IT\n" +
	"CC-05,Incidents are triaged,CC7.3,real-time,SOC\n"

func importAudit(t *testing.T, db *gorm.DB) map[string]any {
	t.Helper()
	var raw []byte
	require.NoError(t, db.Raw(`SELECT after FROM audit_events WHERE action = 'control.import' ORDER BY id DESC LIMIT 1`).Row().Scan(&raw))
	var after map[string]any
	require.NoError(t, json.Unmarshal(raw, &after))
	return after
}

func TestPartialImportCSVGivesTheRefusedRowsBack(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Partial")
	svc := controls.NewService(db)

	// All or nothing (the default) refuses the file.
	_, err := svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: "matrix.csv", Data: []byte(partialCSV)}, controls.ImportOptions{})
	var ie *controls.ImportError
	require.ErrorAs(t, err, &ie)
	assert.Len(t, ie.Problems, 2)

	res, err := svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: "matrix.csv", Data: []byte(partialCSV)}, controls.ImportOptions{Partial: true})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Imported)
	assert.Equal(t, []int{3, 5}, res.RefusedRows)
	assert.Equal(t, "matrix-refused.csv", res.RefusedName)
	require.NotZero(t, res.ImportID)

	list, err := svc.List(ctx, eng)
	require.NoError(t, err)
	byRef := map[string]controls.Control{}
	for _, c := range list {
		byRef[c.Ref] = c
	}
	assert.Len(t, list, 3)
	assert.Equal(t, "as_needed", byRef["CC-03"].Frequency, "event-driven: as needed")
	assert.Equal(t, "Per change", byRef["CC-03"].FrequencyNote, "the original text is kept")
	assert.Equal(t, "as_needed", byRef["CC-05"].Frequency)
	assert.Equal(t, "real-time", byRef["CC-05"].FrequencyNote)

	name, data, err := svc.RefusedFile(ctx, eng, res.ImportID)
	require.NoError(t, err)
	assert.Equal(t, "matrix-refused.csv", name)
	text := string(data)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	require.Len(t, lines, 3, text)
	assert.Equal(t, "control_id,control_description,criteria,frequency,owner,problem", lines[0], "the user's own columns plus problem")
	assert.True(t, strings.HasPrefix(lines[1], `CC-02,"'=HYPERLINK(`), "a formula in the user's cell is neutralised: %s", lines[1])
	assert.Contains(t, lines[1], "Row 3 of matrix.csv: C (criteria): CC9.9 is not a Trust Services Criterion")
	assert.Contains(t, lines[2], "Row 5 of matrix.csv: A (control_id): Duplicate control id cc-01: already used by row 2.")

	after := importAudit(t, db)
	assert.Equal(t, "partial", after["mode"])
	assert.EqualValues(t, 3, after["controls_imported"])
	assert.EqualValues(t, 2, after["rows_refused"])
	assert.Equal(t, "matrix.csv", after["file"])
	assert.Equal(t, "matrix-refused.csv", after["refused_file"])

	// The refused file, corrected, imports: the neutralising apostrophe is not taken for the user's.
	fixed := strings.Replace(strings.Replace(text, "CC9.9", "CC7.1", 1), "cc-01,Duplicate", "CC-04,Duplicate", 1)
	sh, err := controls.ReadSheet(name, strings.NewReader(fixed))
	require.NoError(t, err)
	assert.Equal(t, `=HYPERLINK("http://x.example","click")`, sh.Rows[0][1])
	res, err = svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: name, Data: []byte(fixed)}, controls.ImportOptions{})
	require.NoError(t, err, "the problem column is ignored with a warning")
	assert.Equal(t, 2, res.Imported)
	assert.Contains(t, problemText(res.Warnings), `Column ignored: Attest does not import "problem".`)
}

func TestPartialImportXLSXGivesAnXLSXBack(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Partial XLSX")
	sh, err := controls.ReadSheet("m.csv", strings.NewReader(partialCSV))
	require.NoError(t, err)
	wb := excelize.NewFile()
	for r, row := range append([][]string{sh.Header}, sh.Rows...) {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, wb.SetCellStr("Sheet1", cell, v))
		}
	}
	var buf bytes.Buffer
	require.NoError(t, wb.Write(&buf))

	svc := controls.NewService(db)
	res, err := svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: "Matrix 2026.xlsx", Data: buf.Bytes()}, controls.ImportOptions{Partial: true})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Imported)
	name, data, err := svc.RefusedFile(ctx, eng, res.ImportID)
	require.NoError(t, err)
	assert.Equal(t, "Matrix 2026-refused.xlsx", name)
	back, err := controls.ReadSheet(name, bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, []string{"control_id", "control_description", "criteria", "frequency", "owner", "problem"}, back.Header)
	require.Len(t, back.Rows, 2)
	assert.Equal(t, `=HYPERLINK("http://x.example","click")`, back.Rows[0][1], "XLSX keeps the text as text")
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	formula, err := f.GetCellFormula("Refused rows", "B2")
	require.NoError(t, err)
	assert.Empty(t, formula, "a text cell, never a formula")
}

func TestPartialImportWithNoValidRowIsRefused(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Nothing valid")
	svc := controls.NewService(db)
	file := "control_id,control_description,criteria\nCC-01,,CC6.1\nCC-02,Reviews,CC9.9\n"
	_, err := svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: "bad.csv", Data: []byte(file)}, controls.ImportOptions{Partial: true})
	var ie *controls.ImportError
	require.ErrorAs(t, err, &ie)
	assert.True(t, ie.NoValidRow)
	assert.Contains(t, ie.Problems[0].Message, "No row of bad.csv can be imported: each of its 2 rows has a problem")
	assert.Len(t, ie.Problems, 3, "the reason, then each row's problem")
	var n int64
	require.NoError(t, db.Raw(`SELECT (SELECT count(*) FROM controls) + (SELECT count(*) FROM control_imports) +
		(SELECT count(*) FROM audit_events WHERE action LIKE 'control.import%')`).Row().Scan(&n))
	assert.Zero(t, n, "nothing saved, nothing recorded")
}

func TestImportAsksWhichOfTwoFrequencies(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Two frequencies")
	svc := controls.NewService(db)
	file := "control_id,control_description,criteria,frequency\nCC-01,Log review,CC7.2,Daily / Weekly\nCC-02,Access review,CC6.2,Quarterly\n"
	_, err := svc.ImportUpload(ctx, actor, eng, controls.Upload{Name: "m.csv", Data: []byte(file)}, controls.ImportOptions{})
	var ie *controls.ImportError
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Questions, 1)
	q := ie.Questions[0]
	assert.Equal(t, 2, q.Row)
	assert.Equal(t, "Daily / Weekly", q.Text)
	assert.Equal(t, []controls.Choice{{Value: "weekly", Label: "Weekly"}, {Value: "daily", Label: "Daily"}}, q.Choices)
	require.NotZero(t, ie.PendingID)
	list, err := svc.List(ctx, eng)
	require.NoError(t, err)
	assert.Empty(t, list, "not silently the first frequency: nothing imported before the answer")

	p, err := svc.PendingImport(ctx, eng, ie.PendingID)
	require.NoError(t, err)
	assert.Equal(t, "m.csv", p.FileName)
	require.Len(t, p.Questions, 1)

	_, err = svc.Answer(ctx, actor, eng, ie.PendingID, map[int]string{2: "monthly"})
	require.ErrorAs(t, err, &ie, "a frequency the cell does not name is no answer")
	require.Len(t, ie.Questions, 1)

	res, err := svc.Answer(ctx, actor, eng, ie.PendingID, map[int]string{2: "weekly"})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Imported)
	list, err = svc.List(ctx, eng)
	require.NoError(t, err)
	assert.Equal(t, "weekly", list[0].Frequency)
	assert.Equal(t, "Daily / Weekly", list[0].FrequencyNote, "the cell's text is kept")
	assert.Equal(t, map[string]any{"2": "weekly"}, importAudit(t, db)["frequencies_chosen"])

	_, err = svc.Answer(ctx, actor, eng, ie.PendingID, map[int]string{2: "weekly"})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "answered once")
	_, err = svc.PendingImport(ctx, newEngagement(t, db, "Other"), ie.PendingID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another engagement's import does not exist")
}

func TestFrequencyChoices(t *testing.T) {
	assert.Equal(t, []string{"weekly", "daily"}, controls.FrequencyChoices("Daily / Weekly"))
	assert.Equal(t, []string{"annual", "quarterly"}, controls.FrequencyChoices("daily and quarterly"[6:]+" or annually"))
	assert.Nil(t, controls.FrequencyChoices("Monthly, on the 15th"), "one frequency: no question")
	assert.Nil(t, controls.FrequencyChoices("whenever"), "no frequency: a problem, not a question")
}
