package criteria

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
)

// Entry is one criterion's official text read from an import file.
type Entry struct {
	Row  int // CSV line number, or JSON item number counted from 1
	ID   string
	Text string
}

// Problem is one thing wrong with an import file, located by row and column.
type Problem struct {
	Row     int    // CSV line number (the header is line 1), or JSON item number counted from 1
	Column  string // "id" or "text"; "" when the whole row or file is wrong
	Message string
	json    bool
}

// place names the line of a CSV file or the item of a JSON array, both counted from 1 as people
// count them.
func (p Problem) place() string {
	if p.json {
		return fmt.Sprintf("item %d", p.Row)
	}
	return fmt.Sprintf("line %d", p.Row)
}

func (p Problem) String() string {
	where := p.place()
	if p.Column != "" {
		where += ", column " + p.Column
	}
	return where + ": " + p.Message
}

// ImportError lists every problem of a rejected import; nothing was changed.
type ImportError struct{ Problems []Problem }

func (e *ImportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("criteria file rejected, nothing changed (%d %s):\n  %s", len(e.Problems), noun, strings.Join(lines, "\n  "))
}

// ImportFile reads a CSV (header id,text) or JSON ([{"id","text"}]) file of official texts and
// replaces the official text of every criterion it names, all or nothing.
func (s *Service) ImportFile(ctx context.Context, actor audit.Actor, name string, data []byte) (int, error) {
	var f File
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		f = parseCSV(data)
	case ".json":
		f = parseJSON(data)
	default:
		return 0, fmt.Errorf("%s: the file must end in .csv or .json", name)
	}
	return s.Import(ctx, actor, f)
}

// File is a parsed import file: its entries and the problems found while reading it.
type File struct {
	JSON     bool // rows are JSON array indexes rather than CSV line numbers
	Entries  []Entry
	Problems []Problem
}

// Import checks f's entries against the catalog and, when neither they nor the parse problems
// show anything wrong, stores their texts in one audited transaction.
func (s *Service) Import(ctx context.Context, actor audit.Actor, f File) (int, error) {
	ids, err := s.ValidIDs(ctx)
	if err != nil {
		return 0, err
	}
	entries, problems, jsonRows := f.Entries, f.Problems, f.JSON
	seen := map[string]int{}
	for i := range entries {
		en := &entries[i]
		loc := Problem{Row: en.Row, json: jsonRows}
		id, ok := ids.Lookup(en.ID)
		switch {
		case strings.TrimSpace(en.ID) == "":
			problems = append(problems, at(loc, "id", "the criterion id is empty"))
		case !ok:
			problems = append(problems, at(loc, "id", fmt.Sprintf("%q is not a Trust Services Criterion (e.g. CC6.1, A1.2, P4.3)", en.ID)))
		case seen[id] != 0:
			problems = append(problems, at(loc, "id", fmt.Sprintf("%s appears twice (also at %s)", id, Problem{Row: seen[id], json: jsonRows}.place())))
		default:
			seen[id] = en.Row
		}
		en.ID = id
		if strings.TrimSpace(en.Text) == "" {
			problems = append(problems, at(loc, "text", "the official text is empty"))
		}
	}
	if len(entries) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{Row: 1, Message: "the file holds no criteria", json: jsonRows})
	}
	if len(problems) > 0 {
		return 0, &ImportError{Problems: problems}
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed := map[string]string{}
		for _, en := range entries {
			text := strings.TrimSpace(en.Text)
			if err := tx.Exec(`UPDATE criteria SET official_text = ? WHERE id = ?`, text, en.ID).Error; err != nil {
				return fmt.Errorf("storing the text of %s: %w", en.ID, err)
			}
			changed[en.ID] = text
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "criteria.import", EntityType: "criteria",
			After: map[string]any{"count": len(entries), "official_text": changed}})
	})
	if err != nil {
		return 0, err
	}
	return len(entries), nil
}

func at(p Problem, column, msg string) Problem {
	p.Column, p.Message = column, msg
	return p
}

func parseCSV(data []byte) File {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return File{Problems: []Problem{{Row: 1, Message: "the file has no header line: expected id,text"}}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var problems []Problem
	for _, want := range []string{"id", "text"} {
		if _, ok := col[want]; !ok {
			problems = append(problems, Problem{Row: 1, Column: want, Message: "the header has no " + want + " column: expected id,text"})
		}
	}
	if len(problems) > 0 {
		return File{Problems: problems}
	}
	var entries []Entry
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			problems = append(problems, Problem{Row: line, Message: "the line is not valid CSV: " + err.Error()})
			break // the reader cannot resynchronise after a quoting error
		}
		line, _ = r.FieldPos(0)
		en := Entry{Row: line}
		for name, i := range col {
			if i >= len(rec) {
				if name == "id" || name == "text" {
					problems = append(problems, Problem{Row: line, Column: name, Message: "the line has no " + name + " value"})
				}
				continue
			}
			switch name {
			case "id":
				en.ID = rec[i]
			case "text":
				en.Text = rec[i]
			}
		}
		entries = append(entries, en)
	}
	return File{Entries: entries, Problems: problems}
}

func parseJSON(data []byte) File {
	f := File{JSON: true}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		f.Problems = []Problem{{Row: 0, Message: "the file is not a JSON array of {\"id\", \"text\"} objects: " + err.Error(), json: true}}
		return f
	}
	for i, item := range raw {
		var obj struct {
			ID   *string `json:"id"`
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(item, &obj); err != nil {
			f.Problems = append(f.Problems, Problem{Row: i + 1, Message: "the item is not an object with string id and text: " + err.Error(), json: true})
			continue
		}
		en := Entry{Row: i + 1}
		if obj.ID != nil {
			en.ID = *obj.ID
		}
		if obj.Text != nil {
			en.Text = *obj.Text
		}
		f.Entries = append(f.Entries, en)
	}
	return f
}
