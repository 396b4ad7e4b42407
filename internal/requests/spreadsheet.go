package requests

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/auth"
)

// ImportColumns are the columns of a request spreadsheet, in the order Export writes them. Only
// Title is required; the header row names the columns (any order, case-insensitive).
var ImportColumns = []string{"Title", "Description", "Assignee email", "Due date", "Priority", "Controls"}

// ImportProblem is one problem in an uploaded spreadsheet.
type ImportProblem struct {
	Row     int // spreadsheet row, 1-based as Excel shows it
	Column  string
	Message string
}

// ImportError lists every problem found; nothing was imported.
type ImportError struct{ Problems []ImportProblem }

func (e *ImportError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, fmt.Sprintf("row %d, column %s: %s", p.Row, p.Column, p.Message))
	}
	return "the spreadsheet was not imported: " + strings.Join(parts, "; ")
}

// Import reads requests from the first sheet of an XLSX file and adds them all in one
// transaction, or none when any row has a problem: parse the sheet, check each row against the
// engagement (contacts, control matrix), then write.
func (s *Service) Import(ctx context.Context, actor auth.User, engagementID int64, r io.Reader) (int, error) {
	sheet, err := readRequestSheet(r)
	if err != nil {
		return 0, err
	}
	planned, err := s.planRequests(ctx, engagementID, sheet)
	if err != nil {
		return 0, err
	}
	if err := s.writeRequests(ctx, actor, engagementID, planned); err != nil {
		return 0, err
	}
	return len(planned), nil
}

// requestSheet is the first sheet of an import workbook: its rows and where each known column is.
type requestSheet struct {
	rows [][]string // rows[0] is the header
	col  map[string]int
}

func (sh requestSheet) cell(row []string, name string) string {
	i, ok := sh.col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func (sh requestSheet) letter(name string) string {
	n, _ := excelize.ColumnNumberToName(sh.col[name] + 1)
	return n + " (" + name + ")"
}

// readRequestSheet parses the workbook and finds the columns; it needs no database.
func readRequestSheet(r io.Reader) (requestSheet, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return requestSheet{}, &ImportError{Problems: []ImportProblem{{Row: 1, Column: "-", Message: "The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."}}}
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		return requestSheet{}, fmt.Errorf("reading the spreadsheet: %w", err)
	}
	if len(rows) == 0 {
		return requestSheet{}, &ImportError{Problems: []ImportProblem{{1, "A", "The sheet is empty. The first row names the columns: " + strings.Join(ImportColumns, ", ") + "."}}}
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		for _, want := range ImportColumns {
			if strings.EqualFold(strings.TrimSpace(h), want) {
				col[want] = i
			}
		}
	}
	if _, ok := col["Title"]; !ok {
		return requestSheet{}, &ImportError{Problems: []ImportProblem{{1, "-", "No “Title” column in the first row. Name the columns: " + strings.Join(ImportColumns, ", ") + "."}}}
	}
	return requestSheet{rows: rows, col: col}, nil
}

// plannedRequest is one checked row, ready to write.
type plannedRequest struct {
	in  Input
	due *time.Time
}

// planRequests checks every row against the engagement's contacts and control matrix and
// returns the requests to add, or an *ImportError listing every problem by row and column.
func (s *Service) planRequests(ctx context.Context, engagementID int64, sh requestSheet) ([]plannedRequest, error) {
	var problems []ImportProblem
	add := func(row int, col, msg string) { problems = append(problems, ImportProblem{row, col, msg}) }
	contacts, err := s.Contacts(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	byEmail := map[string]int64{}
	for _, c := range contacts {
		byEmail[strings.ToLower(c.Email)] = c.ID
	}
	var controls []struct {
		ID  int64
		Ref string
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT id, ref FROM controls WHERE engagement_id = ?`, engagementID).Scan(&controls).Error; err != nil {
		return nil, err
	}
	byRef := map[string]int64{}
	for _, c := range controls {
		byRef[strings.ToUpper(c.Ref)] = c.ID
	}

	var planned []plannedRequest
	for i, row := range sh.rows[1:] {
		n := i + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		in := Input{Title: sh.cell(row, "Title"), Description: sh.cell(row, "Description"), Priority: strings.ToLower(sh.cell(row, "Priority"))}
		if in.Title == "" {
			add(n, sh.letter("Title"), "Enter a title.")
		}
		if e := strings.ToLower(sh.cell(row, "Assignee email")); e != "" {
			if id, ok := byEmail[e]; ok {
				in.AssigneeID = id
			} else {
				add(n, sh.letter("Assignee email"), e+" is not a contact of this client. Invite them first, or leave the cell empty.")
			}
		}
		due, ok := spreadsheetDate(sh.cell(row, "Due date"))
		if !ok {
			add(n, sh.letter("Due date"), "Write the due date as YYYY-MM-DD or use an Excel date.")
		}
		if due != nil {
			in.DueDate = due.Format("2006-01-02")
		}
		if in.Priority != "" && !validPriority(in.Priority) {
			add(n, sh.letter("Priority"), "Use low, normal or high.")
		}
		for _, ref := range strings.Split(sh.cell(row, "Controls"), ",") {
			if ref = strings.ToUpper(strings.TrimSpace(ref)); ref == "" {
				continue
			}
			if id, ok := byRef[ref]; ok {
				in.Links = append(in.Links, Link{TargetType: "control", TargetID: id})
			} else {
				add(n, sh.letter("Controls"), "No control "+ref+" in this engagement's control matrix.")
			}
		}
		if in.Title != "" {
			if v, _ := in.validate(); len(v) > 0 {
				for k, m := range v {
					add(n, k, m)
				}
			}
		}
		planned = append(planned, plannedRequest{in: in, due: due})
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(a, b int) bool { return problems[a].Row < problems[b].Row })
		return nil, &ImportError{Problems: problems}
	}
	if len(planned) == 0 {
		return nil, &ImportError{Problems: []ImportProblem{{2, "-", "The sheet has a header row but no requests below it."}}}
	}
	return planned, nil
}

// writeRequests adds the planned requests in one transaction (audited) and tells each assignee
// once about all of theirs.
func (s *Service) writeRequests(ctx context.Context, actor auth.User, engagementID int64, planned []plannedRequest) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		clientID, engName, err := engagementRow(tx, engagementID)
		if err != nil {
			return err
		}
		perAssignee := map[int64][]Request{}
		for _, p := range planned {
			r, err := s.insert(ctx, tx, actor, engagementID, clientID, p.in, p.due)
			if err != nil {
				return err
			}
			if p.in.AssigneeID != 0 {
				perAssignee[p.in.AssigneeID] = append(perAssignee[p.in.AssigneeID], r)
			}
		}
		for id, rs := range perAssignee {
			var u auth.User
			if err := tx.First(&u, id).Error; err != nil {
				return err
			}
			if err := s.notifyAssigned(ctx, tx, u, engName, rs); err != nil {
				return err
			}
		}
		return nil
	})
}

// spreadsheetDate reads a date typed as text or stored as an Excel serial number.
func spreadsheetDate(s string) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	if serial, err := strconv.ParseFloat(s, 64); err == nil && serial > 0 {
		t, err := excelize.ExcelDateToTime(serial, false)
		if err != nil {
			return nil, false
		}
		t = dateOf(t)
		return &t, true
	}
	for _, layout := range []string{"2006-01-02", "1/2/2006", "2 January 2006", "Jan 2, 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, true
		}
	}
	return nil, false
}

// Export writes requests as an XLSX workbook: the import columns plus number, status and
// evidence count, so a list can be reviewed offline or re-imported into another engagement.
func (s *Service) Export(ctx context.Context, rs []Request, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Requests"
	f.SetSheetName("Sheet1", sheet)
	header := append([]string{"Number", "Status", "Overdue"}, ImportColumns...)
	// Tests and sampled items come last: the import does not read them (their labels are not
	// unique keys like control references), so the columns it does read keep their places.
	header = append(header, "Return reason", "Evidence files", "Comments", "Tests and sampled items")
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	toRow := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out
	}
	if err := sw.SetRow("A1", toRow(header)); err != nil {
		return err
	}
	today := s.Clock.Now()
	for i, r := range rs {
		links, err := s.Links(ctx, r.ID)
		if err != nil {
			return err
		}
		var refs, others []string
		for _, l := range links {
			if l.TargetType == "control" {
				refs = append(refs, l.Label)
			} else {
				others = append(others, l.Label)
			}
		}
		due, overdue := "", ""
		if r.DueDate != nil {
			due = r.DueDate.Format("2006-01-02")
		}
		if Overdue(r.Status, r.DueDate, today) {
			overdue = "yes"
		}
		cellName, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []string{r.Label(), Display(r.Status, r.ReturnReason), overdue, r.Title, r.Description, r.AssigneeEmail, due, r.Priority,
			strings.Join(refs, ", "), r.ReturnReason, strconv.Itoa(r.EvidenceCount), strconv.Itoa(r.CommentCount),
			strings.Join(others, "; ")}
		if err := sw.SetRow(cellName, toRow(row)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
