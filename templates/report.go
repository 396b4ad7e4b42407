package templates

import "html/template"

// ReportPage is the engagement's Report tab: opinion, gates, signature, issue, versions.
type ReportPage struct {
	Header   EngagementHeader
	IsClient bool
	Status   string

	ProposedLabel string
	Reasons       []string
	KindLabel     string
	KindReason    string
	Basis         string
	SOC3Reason    string
	ChosenBy      string
	KindOptions   []Option
	Signed        bool
	SignedBy      string
	SignedAt      string
	ReportDate    string
	Gates         []GateView
	Ready         bool

	CanChoose, CanSign, CanIssue, CanReopen, CanDraft, CanAddendum bool

	Variants []Option // the drafts this engagement produces
	Versions []VersionView

	Released        bool
	ReleaseDate     string
	CompletionDate  string
	RetentionEnd    string
	AfterCompletion bool
	Addenda         []AddendumView
	Reopenings      []ReopeningView

	Values map[string]string
	Errors Errors

	Limitations []ScopeLimitationView
	CanLimit    bool // may record or remove scope limitations

	OpinionVersion  int              // the stored choice's version (0: none), sent back with the form
	OpinionConflict *OpinionConflict // set after a stale save: the stored choice, beside what was typed
}

// OpinionConflict is the opinion another save stored while the partner's form was open.
type OpinionConflict struct {
	Version                         int
	Kind, Reason, Basis, SOC3Reason string
	ChosenBy, ChosenAt              string
	YourKind                        string
}

// GateView is one signature gate.
type GateView struct {
	Key      string
	Label    string
	Met      bool
	Problems []string
	Link     string
}

// VersionView is one issued report version.
type VersionView struct {
	ID          int64
	Label       string // "SOC 2 Type II"
	Version     int
	State       string
	StateLabel  string
	Opinion     string
	SHA256      string
	Size        string
	Pages       int
	ReleaseDate string
	ReportDate  string
	IssuedBy    string
	IssuedAt    string
	Withdrawal  string
}

// AddendumView is one dated addendum.
type AddendumView struct {
	Author, Reason, Body, At string
}

// ReopeningView is one withdrawn signature.
type ReopeningView struct {
	Reason, By, At, Withdrawn string
}

// ReportPreviewPage shows the HTML preview of one variant.
type ReportPreviewPage struct {
	Header   EngagementHeader
	Variant  string
	Variants []Option
	HTML     template.HTML
	Error    string
}

// ScopeLimitationView is one recorded scope limitation.
type ScopeLimitationView struct {
	ID                    int64
	Description, Criteria string
	Pervasive             bool
	By, At                string
}
