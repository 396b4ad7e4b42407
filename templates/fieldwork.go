package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attest-soc/attest/internal/fieldwork/result"
)

// TestListPage is the engagement's test list.
type TestListPage struct {
	Header   EngagementHeader
	Tests    []TestView
	Controls []ControlOptionView
	Untested []ControlOptionView // controls without any test yet
	Result   string
	Control  string
	CanEdit  bool
}

// TestForm is what the auditor typed on a test's edit form.
type TestForm struct {
	Techniques       map[string]bool
	Procedure        string
	EvidenceExpected string
	Result           string
	ResultText       string
	Version          int
}

// TestNewPage creates a test for a control.
type TestNewPage struct {
	Header    EngagementHeader
	Controls  []ControlOptionView
	ControlID string
	Library   []ProcedureView
	Form      TestForm
	Errors    Errors
}

// TestPart is one part of a test's workpaper, with its own page under /tests/:id.
type TestPart struct{ Key, Label, Path string }

// TestParts are the parts of a test's workpaper, in the order an auditor works through them.
var TestParts = []TestPart{
	{"procedure", "Procedure & conclusion", ""},
	{"population", "Population & samples", "/population"},
	{"grid", "Testing grid", "/grid"},
	{"evidence", "Evidence", "/evidence"},
	{"exceptions", "Exceptions", "/exceptions"},
	{"notes", "Review notes", "/notes"},
}

// TestPage is a test's workpaper: edit form, sign-offs, population, samples, exceptions, notes.
type TestPage struct {
	Part        string // which part of the workpaper the page shows (TestParts' keys)
	Header      EngagementHeader
	Test        TestView
	Form        TestForm
	Errors      Errors // per field of every form on the page (field names are unique)
	Conflict    *TestView
	Library     []ProcedureView
	Populations []PopulationView
	Imports     []ImportView // population files still importing, or refused
	Suggestion  string
	Samples     []SampleView
	// Reperformance is the check of a seeded random selection against the recorded samples.
	Reperformance *ReperformanceView
	Extensions    []ReperformanceView // each recorded extension draw, reperformed
	SampleSummary string              // "1 of 40 samples with a deviation" over the whole sample
	CanExtend     bool                // a deviation was found in a sample drawn from a population
	Exceptions    []ExceptionView
	Notes         []ReviewNoteView
	Values        map[string]string  // typed values of the smaller forms
	Criteria      []string           // criteria the control is mapped to, offered for an exception
	Checked       map[string]bool    // criteria ticked on the exception form
	Evidence      []EvidenceFileView // the auditors' evidence on the test and its samples
	UploadLimit   string
	CanEdit       bool
	CanReview     bool
	UserID        int64
	// ConclusionBlocked says what the test still needs before it can be concluded ("" when the
	// samples and evidence support a conclusion).
	ConclusionBlocked string
}

// SamplePage edits one sample.
type SamplePage struct {
	Header      EngagementHeader
	Columns     []string // the population's columns, in file order
	Test        TestView
	Sample      SampleView
	Form        SampleForm
	Conflict    *SampleView
	Errors      Errors
	Evidence    []EvidenceFileView
	ItemDate    string // the sampled item's date (YYYY-MM-DD), the default pertains-to date of its evidence
	UploadLimit string
	CanEdit     bool
}

// ClientSamplesPage lists the sample lists sent to the client.
type ClientSamplesPage struct {
	Header EngagementHeader
	Lists  []ClientSampleListView
}

// ExceptionListPage lists exceptions and, for auditors, the criteria roll-up.
type ExceptionListPage struct {
	Header     EngagementHeader
	Exceptions []ExceptionView
	Criteria   []CriterionStatusView
	IsClient   bool
}

// ExceptionPage shows one exception with the response (client) or evaluation (auditor) form.
type ExceptionPage struct {
	Header     EngagementHeader
	Exception  ExceptionView
	Conflict   *ExceptionView
	Values     map[string]string
	Errors     Errors
	IsClient   bool
	CanRespond bool
	CanEdit    bool
}

// ReviewNotesPage lists an engagement's review notes.
type ReviewNotesPage struct {
	Header   EngagementHeader
	Notes    []ReviewNoteView
	Controls []ControlOptionView
	Values   map[string]string
	Errors   Errors
	CanEdit  bool
}

// ReviewQueuePage is a reviewer's queue.
type ReviewQueuePage struct {
	Tests         []QueueTestView
	AnsweredNotes []ReviewNoteView
	OpenNotes     []ReviewNoteView
}

var techniqueOptions = []Option{{"inquiry", "Inquiry"}, {"observation", "Observation"}, {"inspection", "Inspection"}, {"reperformance", "Reperformance"}}

func resultOptions() []Option {
	var out []Option
	for _, r := range result.Tests {
		out = append(out, Option{string(r), r.Label()})
	}
	return out
}

// resultLabel is a test result as auditors read it (result.Test.Label).
func resultLabel(r string) string { return result.Test(r).Label() }

// resultKind colours test, sample and criterion results.
func resultKind(r string) string {
	switch r {
	case "no_exceptions", "pass", "met":
		return "success"
	case "exceptions", "deviation", "not_met", "no_control":
		return "danger"
	case "in_progress", "pending":
		return "warning"
	}
	return "neutral"
}

// sampleResultLabel is a sample result as auditors read it (result.Sample.Label).
func sampleResultLabel(r string) string { return result.Sample(r).Label() }

func criterionLabel(s string) string {
	switch s {
	case "met":
		return "Met"
	case "not_met":
		return "Not met"
	case "no_control":
		return "No control"
	}
	return "Pending"
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04")
}

func optInt(p *int) string {
	if p == nil {
		return "—"
	}
	return strconv.Itoa(*p)
}

func optInt64(p *int64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatInt(*p, 10)
}

func techniqueList(ts []string) string { return strings.Join(ts, ", ") }

func methodLabel(m string) string {
	switch m {
	case "random":
		return "Random with seed"
	case "manual":
		return "Chosen by hand"
	case "all":
		return "All items"
	case "":
		return "Not selected yet"
	}
	return m
}

func yesNo(b *bool) string {
	if b == nil {
		return "Not evaluated"
	}
	if *b {
		return "Yes"
	}
	return "No"
}

func populationOptions(ps []PopulationView) []Option {
	var out []Option
	for _, p := range ps {
		out = append(out, Option{id(p.ID), fmt.Sprintf("%s (%d items)", p.FileName, p.RowCount)})
	}
	return out
}

func sampleOptions(ss []SampleView) []Option {
	out := []Option{{"", "The test as a whole"}}
	for _, s := range ss {
		out = append(out, Option{id(s.ID), "Sample " + s.ItemKey})
	}
	return out
}

func controlOptions(cs []ControlOptionView, blank string) []Option {
	out := []Option{{"", blank}}
	for _, c := range cs {
		out = append(out, Option{id(c.ID), c.Ref + " " + c.Description})
	}
	return out
}

func itemText(item map[string]string, cols []string) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, c+": "+item[c])
	}
	return strings.Join(parts, " · ")
}

func versionString(v int) string { return strconv.Itoa(v) }

func criteriaOptions(ids []string) []Option {
	var out []Option
	for _, c := range ids {
		out = append(out, Option{c, c})
	}
	return out
}

// itemFields lists an item's fields in the population's column order.
func itemFields(item map[string]string, cols []string) []Option {
	var out []Option
	for _, c := range cols {
		out = append(out, Option{c, item[c]})
	}
	return out
}

// criteriaWith lists the ids of the criteria with status.
func criteriaWith(rows []CriterionStatusView, status string) []string {
	var out []string
	for _, r := range rows {
		if r.Status == status {
			out = append(out, r.ID)
		}
	}
	return out
}

// AnswerKey is the error and value key of a review note's answer field (its id is "f-" + key),
// so the error summary links to the answer box of the note that was refused.
func AnswerKey(noteID int64) string { return "answer-" + strconv.FormatInt(noteID, 10) }

// ClearKey is the error key of a review note's clear button.
func ClearKey(noteID int64) string { return "clear-" + strconv.FormatInt(noteID, 10) }

// ReperformanceView is the result of drawing a recorded random selection again.
type ReperformanceView struct {
	Matches bool
	Message string
}
