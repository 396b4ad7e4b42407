package fieldwork

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
)

func TestParsePopulationBadInput(t *testing.T) {
	cases := []struct {
		name, data, key, want string
	}{
		{"empty file", "", "", "The file is empty"},
		{"empty header", ",,\n1,2,3\n", "", "Row 1 is empty"},
		{"missing column name", "id,,date\n1,2,3\n", "", "Row 1, column B: the column has no name"},
		{"duplicate heading", "id,name,ID\n1,2,3\n", "", "Row 1, column C: the heading \"ID\" repeats column A"},
		{"no rows", "id,name\n", "", "no items"},
		{"duplicate keys", "id,name\nA1,x\nA2,y\nA1,z\n", "", "Row 4, column A (id): the item key \"A1\" repeats row 2"},
		{"empty key", "id,name\nA1,x\n,y\n", "", "Row 3, column A (id): the item key is empty"},
		{"unknown key column", "id,name\nA1,x\n", "ticket", "no column \"ticket\""},
		{"missing columns", "id,name,date\nA1,x,2026-01-02\nA2,y\n", "", "Row 3: 2 of 3 columns; column C (date) and after are missing"},
		{"value outside columns", "id,name\nA1,x,extra\n", "", "Row 2, column C"},
		{"broken quotes", "id,name\n\"A1,x\n", "", "cannot be read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePopulation([]byte(tc.data), "p.csv", tc.key)
			v, ok := apperr.AsValidation(err)
			require.True(t, ok, "validation error expected, got %v", err)
			msg := v["file"] + v["key_column"]
			assert.Contains(t, msg, tc.want)
		})
	}
}

func TestParsePopulationCSVAndXLSX(t *testing.T) {
	p, err := ParsePopulation([]byte("\ufeffticket,approved_by,\nCHG-1,Ann,\nCHG-2,Bo,\n\n"), "changes.csv", "ticket")
	require.NoError(t, err)
	assert.Equal(t, []string{"ticket", "approved_by"}, p.Columns)
	assert.Len(t, p.Rows, 2)
	assert.Equal(t, "CHG-2", p.Key(1))
	assert.Len(t, p.SHA256, 64)

	x := excelize.NewFile()
	require.NoError(t, x.SetSheetRow("Sheet1", "A1", &[]any{"name", "id"}))
	require.NoError(t, x.SetSheetRow("Sheet1", "A2", &[]any{"Ann", 101}))
	require.NoError(t, x.SetSheetRow("Sheet1", "A3", &[]any{"Bo", 102}))
	var buf bytes.Buffer
	require.NoError(t, x.Write(&buf))
	p, err = ParsePopulation(buf.Bytes(), "hires.xlsx", "id")
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "id"}, p.Columns)
	assert.Equal(t, "102", p.Key(1))

	// A spreadsheet row ends at its last filled cell: a short row is not a missing column.
	x = excelize.NewFile()
	require.NoError(t, x.SetSheetRow("Sheet1", "A1", &[]any{"id", "name"}))
	require.NoError(t, x.SetSheetRow("Sheet1", "A2", &[]any{101}))
	buf.Reset()
	require.NoError(t, x.Write(&buf))
	p, err = ParsePopulation(buf.Bytes(), "hires.xlsx", "")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"101", ""}}, p.Rows)

	_, err = ParsePopulation([]byte("PK\x03\x04garbage"), "x.xlsx", "")
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["file"], "not a readable XLSX")
}

func TestParsePopulationRowLimit(t *testing.T) {
	var b strings.Builder
	b.Grow(9 * (MaxPopulationRows + 2))
	b.WriteString("id\n")
	for i := 0; i <= MaxPopulationRows; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	_, err := ParsePopulation([]byte(b.String()), "big.csv", "")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["file"], "The file has more than 1000000 items; at most 1000000 fit in one population. Nothing was stored.")
	b.Reset()
	b.WriteString("id\n")
	for i := 1; i <= MaxPopulationRows; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	p, err := ParsePopulation([]byte(b.String()), "limit.csv", "")
	require.NoError(t, err, "exactly the limit is accepted")
	assert.Len(t, p.Rows, MaxPopulationRows)
}

func TestUploadPopulationStoresItemsAndRefusesBadInput(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-03", FreqAsNeeded, "low", "CC1.4", "CC2.2"))

	_, err := f.svc.UploadPopulation(f.ctx, f.users["staff"], tst.ID, PopulationInput{FileName: "x.csv"}, []byte("id\n1\n1\n"))
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v, "source")
	assert.Contains(t, v, "completeness_check")
	_, err = f.svc.UploadPopulation(f.ctx, f.users["staff"], tst.ID, PopulationInput{Source: "HR", CompletenessCheck: "count", FileName: "x.csv"}, []byte("id\n1\n1\n"))
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["file"], "repeats row 2")
	var n int
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM populations`).Row().Scan(&n))
	assert.Zero(t, n, "nothing stored on error")

	p := f.population(tst.ID, 120)
	assert.Equal(t, 120, p.RowCount)
	assert.EqualValues(t, []string{"employee_id", "name", "start_date"}, p.Columns)
	assert.Equal(t, "staff", p.UploaderName)
	var key, name string
	require.NoError(t, f.db.Raw(`SELECT item_key, data->>'name' FROM population_items WHERE population_id = ? AND row_number = 7`, p.ID).Row().Scan(&key, &name))
	assert.Equal(t, "E00007", key)
	assert.Equal(t, "Person 7", name)
	assert.Equal(t, []string{"population.upload"}, f.auditActions("population", p.ID))
}

// TestPopulationCopyIsInTheTransaction: the COPY of the items runs inside the transaction of the
// population row and the audit event, so a rollback leaves nothing behind.
func TestPopulationCopyIsInTheTransaction(t *testing.T) {
	f := newFixture(t, "type2")
	tst := f.test(f.control("NL-03", FreqAsNeeded, "low", "CC1.4"))
	parsed, err := ParsePopulation(csvPopulation(500), "hires.csv", "")
	require.NoError(t, err)
	errRollback := errors.New("roll back")
	err = f.db.Connection(func(conn *gorm.DB) error {
		sqlConn := conn.Statement.ConnPool.(*sql.Conn)
		return conn.Transaction(func(tx *gorm.DB) error {
			id, err := f.svc.storePopulation(f.ctx, tx, sqlConn, f.users["staff"], tst, PopulationInput{Source: "s", CompletenessCheck: "c", FileName: "h.csv"}, parsed)
			if err != nil {
				return err
			}
			var n int
			require.NoError(t, tx.Raw(`SELECT count(*) FROM population_items WHERE population_id = ?`, id).Row().Scan(&n))
			assert.Equal(t, 500, n, "the transaction sees the copied items")
			return errRollback
		})
	})
	require.ErrorIs(t, err, errRollback)
	var pops, items int
	require.NoError(t, f.db.Raw(`SELECT (SELECT count(*) FROM populations), (SELECT count(*) FROM population_items)`).Row().Scan(&pops, &items))
	assert.Zero(t, pops)
	assert.Zero(t, items, "the rollback removed the copied items too")
}

// FuzzParsePopulation feeds arbitrary bytes to the parser: it must never panic, and whatever it
// accepts must be consistent (unique non-empty keys, rows as wide as the header).
func FuzzParsePopulation(f *testing.F) {
	f.Add([]byte("id,name\nA,1\nB,2\n"), "id")
	f.Add([]byte("\ufeffid;name\n\"A\",\"x\"\n"), "")
	f.Add([]byte(",,\n,,\n"), "")
	f.Add([]byte("id\n\"unterminated\n"), "id")
	f.Add([]byte("a,b,a\n1,2,3\n"), "b")
	f.Add([]byte("PK\x03\x04"), "")
	f.Add(csvPopulation(30), "employee_id")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		p, err := ParsePopulation(data, "fuzz.csv", key)
		if err != nil {
			_, ok := apperr.AsValidation(err)
			require.True(t, ok, "errors are validation messages: %v", err)
			return
		}
		seen := map[string]bool{}
		for i, row := range p.Rows {
			require.Len(t, row, len(p.Columns))
			k := p.Key(i)
			require.NotEmpty(t, k)
			require.False(t, seen[k], "duplicate key %q accepted", k)
			seen[k] = true
		}
	})
}

// BenchmarkUploadPopulation measures parsing and storing a 100,000-row population.
func BenchmarkUploadPopulation(b *testing.B) {
	f := newFixture(b, "type2")
	tst := f.test(f.control("NL-12", FreqMultipleDaily, "low", "CC8.1"))
	data := csvPopulation(100_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := f.svc.UploadPopulation(f.ctx, f.users["staff"], tst.ID, PopulationInput{Source: "CI/CD deploy log",
			CompletenessCheck: "Agreed to the deploy count", FileName: "changes.csv"}, data)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
