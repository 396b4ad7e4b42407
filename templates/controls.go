package templates

import "strconv"

// ControlRow is one control of the matrix as the table shows it.
type ControlRow struct {
	ID            int64
	Ref           string
	Description   string
	Frequency     string
	FrequencyNote string
	Nature        string
	Type          string
	Risk          string
	Owner         string
	Criteria      []string
	Version       int
}

// ControlPage is a control's read-only page.
type ControlPage struct {
	EngagementID  int64
	Control       ControlRow
	Criteria      []CriterionStatusView // the criteria it addresses, with their summaries
	Tests         []TestView
	Evidence      []EvidenceFileView
	Exceptions    []ExceptionView
	Locked        bool // the engagement is signed: the page says so, nothing offers a change
	CanEdit       bool
	WorkingPapers bool // tests, evidence and exceptions are the auditors' working papers
}

// ComplementaryRow is a CUEC or CSOC as the lists show it.
type ComplementaryRow struct {
	ID          int64
	Kind        string // cuec or csoc
	Ref         string
	Description string
	Subservice  string
	Criteria    []string
	Version     int
}

// ControlMatrixView is the control matrix tab.
type ControlMatrixView struct {
	EngagementID       int64
	Controls           []ControlRow
	CUECs              []ComplementaryRow
	CSOCs              []ComplementaryRow
	CanEdit            bool
	Covered, Total     int
	ControlsNoCriteria int
}

// ControlValues are a control's fields as text, for the form and the conflict comparison.
type ControlValues struct {
	Ref, Description, Owner, Frequency, FrequencyNote, Nature, ControlType, Risk string
	Criteria                                                                     []string
}

// ControlFormView is the new/edit control form.
type ControlFormView struct {
	EngagementID int64
	ID           int64 // 0 for a new control
	Version      int
	Values       ControlValues
	Errors       Errors
	Frequencies  []Option
	Natures      []Option
	Types        []Option
	Risks        []Option
	Criteria     []Option // in-scope criteria
	Conflict     *ConflictView
}

// ConflictView shows what is stored now next to what the user typed, after a stale save.
type ConflictView struct {
	SavedAt string
	Fields  []ConflictField
}

// ConflictField is one compared field.
type ConflictField struct {
	Label, Stored, Yours string
}

// Changed reports whether the user's input differs from the stored value.
func (f ConflictField) Changed() bool { return f.Stored != f.Yours }

// ComplementaryFormView is the new/edit CUEC or CSOC form.
type ComplementaryFormView struct {
	EngagementID int64
	ID           int64
	Version      int
	Kind         string
	Ref          string
	Description  string
	Subservice   string
	Checked      map[string]bool
	Errors       Errors
	Subservices  []Option
	Criteria     []Option
	Conflict     *ConflictView
}

// ImportProblem is one finding of an import as the page lists it.
type ImportProblem struct {
	Row     string
	Column  string
	Message string
}

// ControlImportView is the import page, with the problems of a refused file.
type ControlImportView struct {
	EngagementID int64
	Action       string // form action, with the CSRF token in the query string
	FileName     string
	FileError    string
	Problems     []ImportProblem
	Warnings     []ImportProblem
	Columns      [][]string // name, required, what to write
	Partial      bool       // "Import the valid rows" ticked
	NoValidRow   bool       // a partial import found no row to import
}

// ControlImportQuestion is a cell naming two frequencies, with the user's choice.
type ControlImportQuestion struct {
	Row, Ref, Text string
	Name           string // form field: freq_<row>
	Choices        []Option
	Chosen         string
}

// ControlImportResultView is one import: pending questions, or a finished partial import.
type ControlImportResultView struct {
	EngagementID int64
	FileName     string
	Pending      bool
	Partial      bool
	Action       string
	Error        string
	Questions    []ControlImportQuestion
	Problems     []ImportProblem
	Imported     int
	Refused      int
	RefusedName  string
	RefusedURL   string
}

// CoverageView is the coverage tab.
type CoverageView struct {
	EngagementID       int64
	Total, Covered     int
	Uncovered          []string
	ControlsNoCriteria int
	Categories         []CoverageCategory
}

// CoverageCategory groups series of one category (Security, Availability, …).
type CoverageCategory struct {
	Label  string
	Series []CoverageSeries
}

// CoverageSeries is one series (CC6, A1) with its criteria.
type CoverageSeries struct {
	Series, Title  string
	Total, Covered int
	Rows           []CoverageRow
}

// CoverageRow is one criterion with what addresses it.
type CoverageRow struct {
	ID, Summary string
	Controls    []ControlLink
	CUECs       []string
	CSOCs       []string
}

// ControlLink names a control and its edit page.
type ControlLink struct {
	ID  int64
	Ref string
}

func engagementPath(id int64, rest string) string {
	return "/engagements/" + strconv.FormatInt(id, 10) + rest
}

func checkedSet(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}
