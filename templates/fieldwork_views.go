package templates

import "time"

// View models of the fieldwork pages; internal/web fills them from the fieldwork package.

// TestView is a test workpaper as the pages show it.
type TestView struct {
	ID                      int64
	ControlRef              string
	ControlDescription      string
	Kind                    string
	Techniques              []string
	InquiryOnly             bool
	Procedure               string
	EvidenceExpected        string
	Result                  string
	ResultText              string
	SampleMethod            string
	SampleSeed              *int64
	SuggestedSampleSize     *int
	SampleSize              *int
	SampleSizeJustification string
	Prepared                bool
	PreparedByName          string
	PreparedAt              *time.Time
	Reviewed                bool
	ReviewedByName          string
	ReviewedAt              *time.Time
	EditedAfterReview       bool
	Version                 int
	UpdatedAt               time.Time
}

// ProcedureView is a library procedure.
type ProcedureView struct {
	ID          int64
	CriterionID string
	Title       string
	Procedure   string
	Techniques  []string
}

// ControlOptionView is a control in pickers and filters.
type ControlOptionView struct {
	ID          int64
	Ref         string
	Description string
}

// PopulationView is an uploaded population.
type PopulationView struct {
	ID                int64
	FileName          string
	RowCount          int
	Source            string
	CompletenessCheck string
	SHA256            string
	UploaderName      string
	CreatedAt         time.Time
}

// ImportView is a population file being imported in the background.
type ImportView struct {
	ID          int64
	TestID      int64
	FileName    string
	StatusLabel string
	Finished    bool
	Failed      bool
	Percent     int    // 0-100 for the progress bar
	Progress    string // "Reading rows: 420,000 of about 1,000,000 · about 12 s left"
	Error       string // the reason it failed, with row and column; or the last interruption
	RowsStored  int
}

// SampleView is one selected item.
type SampleView struct {
	ID               int64
	RowNumber        *int
	ItemKey          string
	Item             map[string]string
	AttributesTested string
	Result           string
	Notes            string
	SentToClientAt   *time.Time
	UpdatedAt        time.Time
}

// SampleForm is what the auditor typed on a sample.
type SampleForm struct {
	AttributesTested string
	Result           string
	Notes            string
	Version          int
}

// ClientSampleListView is a sample list sent to the client.
type ClientSampleListView struct {
	TestID     int64
	ControlRef string
	Control    string
	Procedure  string
	SentAt     time.Time
	Columns    []string
	Samples    []SampleView
}

// ExceptionView is a deviation with its response and evaluation.
type ExceptionView struct {
	ID                    int64
	TestID                int64
	ControlRef            string
	Description           string
	Cause                 string
	Deviations            int
	ItemsTested           int
	Criteria              []string
	ManagementResponse    string
	ResponderName         string
	ManagementRespondedAt *time.Time
	Evaluation            string
	Suggested             string // what the deviation rate suggests
	CriteriaMet           *bool
	EvaluationNotes       string
	UpdatedAt             time.Time
}

// CriterionStatusView is a criterion's rolled-up status.
type CriterionStatusView struct {
	ID, Summary, Status, Reason string
}

// ReviewNoteView is a review note.
type ReviewNoteView struct {
	ID            int64
	EngagementID  int64
	TargetLabel   string
	Body          string
	RaisedByName  string
	RaisedAt      time.Time
	Response      string
	ResponderName string
	RespondedAt   *time.Time
	ClearedAt     *time.Time
	ClearerName   string
	Status        string // open, answered, cleared
	Version       int
}

// QueueTestView is a test waiting for review.
type QueueTestView struct {
	TestID            int64
	EngagementName    string
	ControlRef        string
	PreparedByName    string
	PreparedAt        time.Time
	EditedAfterReview bool
}
