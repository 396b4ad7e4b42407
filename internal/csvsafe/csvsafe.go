// Package csvsafe writes CSV files that spreadsheets open as data, never as formulas. Every CSV
// Attest writes goes through it.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell neutralises a value a spreadsheet would evaluate: one that starts with =, +, -, @, a tab
// or a carriage return (OWASP "CSV injection") gets a leading apostrophe, which Excel, LibreOffice
// and Google Sheets show as text. Other values are returned unchanged.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is csv.Writer with every cell passed through Cell.
type Writer struct{ *csv.Writer }

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{csv.NewWriter(w)} }

// Write writes one record with each cell neutralised.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, s := range record {
		safe[i] = Cell(s)
	}
	return w.Writer.Write(safe)
}
