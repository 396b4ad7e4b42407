package templates

import (
	"strconv"

	"github.com/a-h/templ"
)

func itoaInt(n int) string { return strconv.Itoa(n) }

// engagementURL is the address of an engagement page, e.g. engagementURL(7, "/team").
func engagementURL(id int64, suffix string) templ.SafeURL {
	return templ.SafeURL("/engagements/" + strconv.FormatInt(id, 10) + suffix)
}

// EngagementRow is one engagement in a list.
type EngagementRow struct {
	ID              int64
	Name            string
	ClientName      string
	ReportType      string // Type I / Type II
	Period          string
	PeriodSort      string // YYYY-MM-DD of the period end, for sorting
	ReportDate      string
	Status          string
	StatusLabel     string
	PartnerName     string
	MyRole          string
	OpenRequests    int
	OpenExceptions  int
	OpenReviewNotes int
	ShowReviewNotes bool   // the user may read the engagement's review notes (firm only)
	Description     string // the description's state, on the firm's home page
}

// anyReviewNotes: the review-note column appears only when some row may show its count.
func anyReviewNotes(rows []EngagementRow) bool {
	for _, r := range rows {
		if r.ShowReviewNotes {
			return true
		}
	}
	return false
}

// EngagementFilters is the filter form of the engagement list, as submitted.
type EngagementFilters struct {
	Status, ClientID, PartnerID, PeriodFrom, PeriodTo string
	Statuses, Clients, Partners                       []Option
	Pager                                             PagerView // the list's page, filters kept
}

// EngagementFormView is the create/edit form of an engagement.
type EngagementFormView struct {
	Title      string
	Action     string // where the form posts
	IsNew      bool
	Values     map[string]string // field name → typed value
	Checked    map[string]bool   // categories in scope
	Version    int
	Clients    []Option
	Errors     Errors
	Warning    string           // the period-length warning, when it applies
	Conflicted bool             // someone else saved first
	Conflict   []ConflictChange // the fields that differ (none when only the status moved)
	CancelURL  string
}

// ConflictChange is one field that another user changed while this one was editing.
type ConflictChange struct {
	Label, Yours, Stored string
}

// Options for the engagement form.
var (
	ReportTypeOptions = []Option{{"", "Choose…"}, {"type2", "Type II (operating effectiveness over a period)"}, {"type1", "Type I (design as of a date)"}}
	CategoryOptions   = []Option{{"security", "Security (common criteria)"}, {"availability", "Availability"},
		{"confidentiality", "Confidentiality"}, {"processing_integrity", "Processing Integrity"}, {"privacy", "Privacy"}}
)

func joinComma(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
