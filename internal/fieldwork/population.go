package fieldwork

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// MaxPopulationRows bounds an upload: larger populations are split by the client (e.g. per month).
const MaxPopulationRows = 1_000_000

// ParsedPopulation is a population file read into memory and checked.
type ParsedPopulation struct {
	SHA256  string
	Columns []string
	KeyIdx  int        // column holding the item key
	Rows    [][]string // data rows, each with len(Columns) cells
}

// Key returns the item key of data row i (0-based).
func (p *ParsedPopulation) Key(i int) string { return p.Rows[i][p.KeyIdx] }

// ParsePopulation reads a CSV or XLSX population (first sheet). The first row names the columns;
// keyColumn names the column that identifies an item (empty: the first column). Every problem is
// reported with its row and column, as the user sees them in their spreadsheet.
func ParsePopulation(data []byte, fileName, keyColumn string) (*ParsedPopulation, error) {
	return parsePopulation(data, fileName, keyColumn, MaxPopulationRows, nil)
}

// parsePopulation is ParsePopulation with a row limit and a progress callback, called with the
// number of rows read so far after each row (an error from it stops the reading).
func parsePopulation(data []byte, fileName, keyColumn string, maxRows int, progress func(rows int) error) (*ParsedPopulation, error) {
	sum := sha256.Sum256(data)
	var records [][]string
	var err error
	xlsx := isXLSX(data, fileName)
	if xlsx {
		records, err = readXLSX(data, maxRows, progress)
	} else {
		records, err = readCSV(data, maxRows, progress)
	}
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fileError("The file is empty: the first row must name the columns.")
	}
	header := records[0]
	if len(header) > 0 && strings.HasPrefix(header[0], "\ufeff") {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" {
		header = header[:len(header)-1] // trailing empty cells are spreadsheet noise
	}
	if len(header) == 0 {
		return nil, fileError("Row 1 is empty: the first row must name the columns.")
	}
	cols := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fileError(fmt.Sprintf("Row 1, column %s: the column has no name. Every column needs a heading.", columnLetter(i)))
		}
		if j, dup := seen[strings.ToLower(h)]; dup {
			return nil, fileError(fmt.Sprintf("Row 1, column %s: the heading %q repeats column %s.", columnLetter(i), h, columnLetter(j)))
		}
		seen[strings.ToLower(h)] = i
		cols[i] = h
	}
	keyIdx := 0
	if k := strings.TrimSpace(keyColumn); k != "" {
		idx, ok := seen[strings.ToLower(k)]
		if !ok {
			return nil, apperr.Validation{"key_column": fmt.Sprintf("The file has no column %q. Its columns are: %s.", k, strings.Join(cols, ", "))}
		}
		keyIdx = idx
	}
	body := records[1:]
	for len(body) > 0 && blankRow(body[len(body)-1]) {
		body = body[:len(body)-1]
	}
	if len(body) == 0 {
		return nil, fileError("The file has headings but no items: a population needs at least one row below the headings.")
	}
	if len(body) > maxRows {
		return nil, tooManyRows(maxRows)
	}
	keys := make(map[string]int, len(body))
	rows := make([][]string, len(body))
	for i, rec := range body {
		rowNo := i + 2
		if len(rec) > len(cols) {
			for j := len(cols); j < len(rec); j++ {
				if strings.TrimSpace(rec[j]) != "" {
					return nil, fileError(fmt.Sprintf("Row %d, column %s: a value outside the named columns. Add a heading for it or remove it.", rowNo, columnLetter(j)))
				}
			}
			rec = rec[:len(cols)]
		}
		// A CSV row always carries every column (empty ones as ",,"), so a short row is a broken
		// export; a spreadsheet row simply ends at its last filled cell.
		if !xlsx && len(rec) < len(cols) {
			return nil, fileError(fmt.Sprintf("Row %d: %d of %d columns; column %s (%s) and after are missing. Export the list again with every column.",
				rowNo, len(rec), len(cols), columnLetter(len(rec)), cols[len(rec)]))
		}
		row := make([]string, len(cols))
		copy(row, rec)
		key := strings.TrimSpace(row[keyIdx])
		if key == "" {
			return nil, fileError(fmt.Sprintf("Row %d, column %s (%s): the item key is empty. Every item needs a key.", rowNo, columnLetter(keyIdx), cols[keyIdx]))
		}
		if first, dup := keys[key]; dup {
			return nil, fileError(fmt.Sprintf("Row %d, column %s (%s): the item key %q repeats row %d. Keys must be unique.", rowNo, columnLetter(keyIdx), cols[keyIdx], key, first))
		}
		keys[key] = rowNo
		row[keyIdx] = key
		rows[i] = row
	}
	return &ParsedPopulation{SHA256: hex.EncodeToString(sum[:]), Columns: cols, KeyIdx: keyIdx, Rows: rows}, nil
}

func fileError(msg string) error { return apperr.Validation{"file": msg} }

func blankRow(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func isXLSX(data []byte, fileName string) bool {
	return strings.HasSuffix(strings.ToLower(fileName), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

// tooManyRows names the limit; the reading stops at the first row beyond it.
func tooManyRows(maxRows int) error {
	return fileError(fmt.Sprintf("The file has more than %d items; at most %d fit in one population. Nothing was stored. Split it (for example by quarter) and upload each part to its own test.", maxRows, maxRows))
}

func readCSV(data []byte, maxRows int, progress func(int) error) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileError(fmt.Sprintf("Row %d, column %s: the CSV cannot be read (%v). Save it again as CSV (comma separated, UTF-8).", pe.Line, csvColumnAt(data, pe.Line, pe.Column), pe.Err))
			}
			return nil, fileError("The CSV cannot be read. Save it again as CSV (comma separated, UTF-8).")
		}
		if len(out) > maxRows && !blankRow(rec) {
			return nil, tooManyRows(maxRows)
		}
		out = append(out, rec)
		if progress != nil {
			if err := progress(len(out) - 1); err != nil {
				return nil, err
			}
		}
	}
}

func readXLSX(data []byte, maxRows int, progress func(int) error) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fileError("The file is not a readable XLSX workbook. Save it again from your spreadsheet program, or export it as CSV.")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("The workbook has no sheets.")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("The first sheet of the workbook cannot be read.")
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		rec, err := rows.Columns()
		if err != nil {
			return nil, fileError(fmt.Sprintf("Row %d of the first sheet cannot be read.", len(out)+1))
		}
		if len(out) > maxRows && !blankRow(rec) {
			return nil, tooManyRows(maxRows)
		}
		out = append(out, rec)
		if progress != nil {
			if err := progress(len(out) - 1); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// csvColumnAt names the spreadsheet column (A, B, …) holding the character at line:col (1-based,
// as csv.ParseError gives them) by counting the separators before it outside quotes.
func csvColumnAt(data []byte, line, col int) string {
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return strconv.Itoa(col)
		}
		data = data[i+1:]
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	field, quoted := 0, false
	for n, r := range []rune(string(data)) {
		if n >= col-1 {
			break
		}
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			field++
		}
	}
	return columnLetter(field)
}

// columnLetter is a spreadsheet column name: 0 -> A, 26 -> AA.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// PopulationInput is what the auditor records about a population besides the file.
type PopulationInput struct {
	Source            string // system, query or report the client ran
	CompletenessCheck string // how completeness and accuracy were checked
	KeyColumn         string
	FileName          string
}

// Population is a stored population.
type Population struct {
	ID                int64
	TestID            int64
	Source            string
	CompletenessCheck string
	FileName          string
	SHA256            string `gorm:"column:sha256"`
	RowCount          int
	Columns           dbx.TextArray
	UploaderName      string
	CreatedAt         time.Time
}

// UploadPopulation checks the file and stores it with its items in one transaction; on any
// problem nothing is stored.
func (s *Service) UploadPopulation(ctx context.Context, u auth.User, testID int64, in PopulationInput, data []byte) (Population, error) {
	v := apperr.Validation{}
	if strings.TrimSpace(in.Source) == "" {
		v.Add("source", "Say where the population comes from (system, report or query).")
	}
	if strings.TrimSpace(in.CompletenessCheck) == "" {
		v.Add("completeness_check", "Say how you checked that the population is complete and accurate.")
	}
	if len(data) == 0 {
		v.Add("file", "Choose a CSV or XLSX file.")
	}
	if err := v.Err(); err != nil {
		return Population{}, err
	}
	parsed, err := ParsePopulation(data, in.FileName, in.KeyColumn)
	if err != nil {
		return Population{}, err
	}
	t, err := s.Test(ctx, testID)
	if err != nil {
		return Population{}, err
	}
	var id int64
	// One dedicated connection: the items go in with COPY on that connection's pgx driver, inside
	// the same transaction as the population row and the audit event.
	err = s.DB.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		sqlConn, ok := conn.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("uploading population: no dedicated connection")
		}
		return conn.Transaction(func(tx *gorm.DB) error {
			var err error
			id, err = s.storePopulation(ctx, tx, sqlConn, u, t, in, parsed)
			return err
		})
	})
	if err != nil {
		return Population{}, err
	}
	return s.Population(ctx, id)
}

// storePopulation writes the population row, its items (COPY on conn, which carries tx), clears
// the test's sign-offs and writes the audit event, and returns the new population's id.
func (s *Service) storePopulation(ctx context.Context, tx *gorm.DB, conn *sql.Conn, u auth.User, t Test, in PopulationInput, parsed *ParsedPopulation) (int64, error) {
	return s.storePopulationProgress(ctx, tx, conn, u, t, in, parsed, nil)
}

// storePopulationProgress is storePopulation calling progress with the rows copied so far.
func (s *Service) storePopulationProgress(ctx context.Context, tx *gorm.DB, conn *sql.Conn, u auth.User, t Test, in PopulationInput, parsed *ParsedPopulation, progress func(int) error) (int64, error) {
	var id int64
	err := tx.Raw(`INSERT INTO populations (test_id, source, completeness_check, file_name, sha256, row_count, columns, uploaded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.ID, strings.TrimSpace(in.Source), strings.TrimSpace(in.CompletenessCheck), in.FileName, parsed.SHA256,
		len(parsed.Rows), dbx.TextArray(parsed.Columns), u.ID).Row().Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting population of test %d: %w", t.ID, err)
	}
	if err := copyItems(ctx, conn, id, parsed, progress); err != nil {
		return 0, err
	}
	// A new population changes what the signed workpaper rests on.
	if err := clearSignoffs(ctx, tx, u, t.ID, "population "+in.FileName+" uploaded"); err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, actor(u), audit.Event{Action: "population.upload", EntityType: "population", EntityID: id,
		EngagementID: t.EngagementID, After: map[string]any{"test_id": t.ID, "file_name": in.FileName, "sha256": parsed.SHA256,
			"rows": len(parsed.Rows), "columns": parsed.Columns, "source": in.Source, "completeness_check": in.CompletenessCheck}})
}

// copyItems writes the items with COPY (pgx CopyFrom) on conn, whose transaction is open:
// BenchmarkUploadPopulation measures it.
func copyItems(ctx context.Context, conn *sql.Conn, populationID int64, p *ParsedPopulation, progress func(int) error) error {
	obj := make(map[string]string, len(p.Columns))
	return conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copying population items: the database driver is not pgx")
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{"population_items"}, []string{"population_id", "row_number", "item_key", "data"},
			pgx.CopyFromFunc(func() func() ([]any, error) {
				i := -1
				return func() ([]any, error) {
					if progress != nil && i >= 0 {
						if err := progress(i + 1); err != nil {
							return nil, err
						}
					}
					i++
					if i == len(p.Rows) {
						return nil, nil
					}
					for c, name := range p.Columns {
						obj[name] = p.Rows[i][c]
					}
					data, err := json.Marshal(obj)
					if err != nil {
						return nil, fmt.Errorf("encoding population row %d: %w", i+2, err)
					}
					return []any{populationID, int32(i + 1), p.Key(i), string(data)}, nil
				}
			}()))
		if err != nil {
			return fmt.Errorf("copying population items: %w", err)
		}
		return nil
	})
}

const populationSelect = `SELECT p.id, p.test_id, p.source, p.completeness_check, p.file_name, p.sha256, p.row_count,
	p.columns, coalesce(u.name, '') AS uploader_name, p.created_at
	FROM populations p LEFT JOIN users u ON u.id = p.uploaded_by `

// Population loads one population.
func (s *Service) Population(ctx context.Context, id int64) (Population, error) {
	return dbx.One[Population](s.DB.WithContext(ctx), fmt.Sprintf("population %d", id), populationSelect+`WHERE p.id = ?`, id)
}

// Populations lists a test's populations, newest first, in one query.
func (s *Service) Populations(ctx context.Context, testID int64) ([]Population, error) {
	var out []Population
	if err := s.DB.WithContext(ctx).Raw(populationSelect+`WHERE p.test_id = ? ORDER BY p.id DESC`, testID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing populations of test %d: %w", testID, err)
	}
	return out, nil
}
