package controls

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Columns of an import file. The first three are required; the rest may be left out.
const (
	ColControlID     = "control_id"
	ColDescription   = "control_description"
	ColCriteria      = "criteria"
	ColFrequency     = "frequency"
	ColControlType   = "control_type"
	ColOwner         = "owner"
	ColNature        = "nature"
	ColRisk          = "risk"
	ColFrequencyNote = "frequency_note"
)

// ImportColumns lists the columns in the order the template and the export write them.
var ImportColumns = []string{ColControlID, ColDescription, ColCriteria, ColFrequency, ColControlType, ColOwner, ColNature, ColRisk, ColFrequencyNote}

var requiredColumns = []string{ColControlID, ColDescription, ColCriteria}

// columnAliases lets headers such as "Control ID", "Description" or "TSC" name the columns.
var columnAliases = map[string]string{
	"control id": ColControlID, "id": ColControlID, "ref": ColControlID, "reference": ColControlID, "control ref": ColControlID,
	"control description": ColDescription, "description": ColDescription, "control": ColDescription,
	"criteria": ColCriteria, "tsc": ColCriteria, "criterion": ColCriteria, "trust services criteria": ColCriteria,
	"frequency": ColFrequency, "control type": ColControlType, "type": ColControlType,
	"owner": ColOwner, "control owner": ColOwner, "nature": ColNature, "risk": ColRisk, "frequency note": ColFrequencyNote,
}

// Sheet is an import file read into rows of text: Header is spreadsheet row 1, Rows[i] is
// spreadsheet (and CSV line) row i+2.
type Sheet struct {
	Header []string
	Rows   [][]string
}

// ErrUnreadable says the upload is not a CSV or XLSX file Attest can read.
var ErrUnreadable = errors.New("unreadable import file")

// ReadSheet reads a CSV or XLSX upload. The file name's extension decides the format; a
// spreadsheet is read from its first sheet, every cell as the text it shows.
func ReadSheet(name string, r io.Reader) (Sheet, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Sheet{}, fmt.Errorf("reading upload: %w", err)
	}
	var rows [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return Sheet{}, fmt.Errorf("%w: %s is not a readable XLSX workbook", ErrUnreadable, name)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return Sheet{}, fmt.Errorf("%w: %s has no sheets", ErrUnreadable, name)
		}
		if rows, err = f.GetRows(sheets[0]); err != nil {
			return Sheet{}, fmt.Errorf("%w: reading %s: %v", ErrUnreadable, name, err)
		}
	case ".csv", ".txt":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel writes a BOM
		if !utf8.Valid(data) {
			return Sheet{}, fmt.Errorf("%w: %s is not UTF-8 text; save it as CSV UTF-8", ErrUnreadable, name)
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		// Excel in many European locales saves "CSV" with semicolons between fields.
		if first, _, _ := bytes.Cut(data, []byte("\n")); !bytes.Contains(first, []byte(",")) && bytes.Contains(first, []byte(";")) {
			cr.Comma = ';'
		}
		if rows, err = cr.ReadAll(); err != nil {
			return Sheet{}, fmt.Errorf("%w: %s: %v", ErrUnreadable, name, err)
		}
		for _, row := range rows {
			for i, c := range row {
				row[i] = unneutralise(c)
			}
		}
	default:
		return Sheet{}, fmt.Errorf("%w: %s is neither .csv nor .xlsx", ErrUnreadable, name)
	}
	if len(rows) == 0 {
		return Sheet{}, fmt.Errorf("%w: %s is empty", ErrUnreadable, name)
	}
	sh := Sheet{Header: rows[0]}
	sh.Rows = rows[1:]
	// Spreadsheets often carry empty rows at the end; they are not controls.
	for len(sh.Rows) > 0 && blank(sh.Rows[len(sh.Rows)-1]) {
		sh.Rows = sh.Rows[:len(sh.Rows)-1]
	}
	return sh, nil
}

// unneutralise undoes csvsafe.Cell: a CSV Attest wrote (the refused rows of a partial import)
// comes back with a leading apostrophe before =, +, -, @, tab or CR, which is not the user's.
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// columnLetter is the spreadsheet letter of a zero-based column index (0 → A, 26 → AA).
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
