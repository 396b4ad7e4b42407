package templates

import (
	"strconv"

	"github.com/a-h/templ"
)

// RequestRow is one request in a list.
type RequestRow struct {
	ID            int64
	Label         string
	Title         string
	Assignee      string
	Due           string
	DueSort       string // YYYY-MM-DD for sorting
	Priority      string
	Status        string // open, returned, submitted, accepted
	Overdue       bool
	EvidenceCount int
	EngagementID  int64
	Engagement    string // on lists that span engagements
}

// RequestListView is the request list of one engagement.
type RequestListView struct {
	Rows []RequestRow
	// The client's coordinator: CanSeeContacts links the contacts page; OwnOnly says the list
	// holds only the viewer's requests (another client user coordinates).
	CanSeeContacts bool
	OwnOnly        bool
	CanManage      bool
	IsClient       bool
	Filter         RequestFilterView
	Contacts       []Option
	Controls       []Option
	ExportQuery    string // the filter as a query string for the export link
	Pager          PagerView
	// Forms on the page, with what was typed and the problems found.
	Template       TemplateFormView
	Invite         InviteFormView
	ImportProblems []ImportProblemView
}

// RequestFilterView is the list's current filter.
type RequestFilterView struct {
	Status, AssigneeID, ControlID string
}

// TemplateFormView is the "create from the firm's template" form.
type TemplateFormView struct {
	AssigneeID, DueDate string
	Count               int // entries in the firm's template
	Errors              Errors
}

// InviteFormView is the "invite a client contact" form.
type InviteFormView struct {
	Email, Name string
	Errors      Errors
}

// ImportProblemView is one problem of a refused spreadsheet.
type ImportProblemView struct {
	Row     int
	Column  string
	Message string
}

// RequestFormView is the form for a new request or, with RequestID set, for changing one.
type RequestFormView struct {
	EngagementID int64
	RequestID    int64  // set when editing
	Label        string // R-007, when editing
	Version      int    // the version being edited
	Conflict     bool   // someone else changed the request meanwhile
	Title        string
	Description  string
	AssigneeID   string
	DueDate      string
	Priority     string
	Controls     map[string]bool
	Tests        map[string]bool
	Samples      map[string]bool
	Contacts     []Option
	ControlOpts  []Option
	TestOpts     []Option
	SampleGroups []OptionGroup // sampled items, grouped by the test they were drawn for
	Errors       Errors
}

// OptionGroup is a labelled group of choices (an <optgroup>).
type OptionGroup struct {
	Label   string
	Options []Option
}

// RequestView is one request's page.
type RequestView struct {
	ID           int64
	EngagementID int64
	Label        string
	Title        string
	Description  string
	Assignee     string
	Due          string
	Priority     string
	Status       string
	Overdue      bool
	ReturnReason string
	Version      int
	Links        []string
	Files        []EvidenceFileView
	Comments     []CommentView
	// What the viewer may do now.
	CanUpload, CanSubmit, CanDecide, CanComment, CanEdit bool
	// CanAssign: the client's coordinator may give the request to a colleague (Colleagues).
	CanAssign           bool
	AssigneeID          string
	Colleagues          []Option
	UploadLimit         string
	DefaultDate         string // pertains-to date offered on the upload form
	CommentBody, Reason string
	Errors              Errors
}

// EvidenceFileView is one evidence file in a list.
type EvidenceFileView struct {
	ID         int64
	Name       string
	Size       string
	SHA256     string
	UploadedBy string
	UploadedAt string
	Context    string // what the file belongs to, when a list mixes several (e.g. "sample NW-1004")
	PertainsTo string // the date the evidence is about, or "" for files uploaded before dates were asked
	// OutOfPeriod marks a file dated outside the examination period; it does not count for a
	// test until Explanation is given (by ExplainedBy).
	OutOfPeriod bool
	Explanation string
	ExplainedBy string
	ExplainURL  string // set where the viewer may explain an out-of-period file
	CSRF        string
}

// CommentView is one comment.
type CommentView struct {
	Author   string
	IsClient bool
	Body     string
	At       string
}

// ClientDashboardView is the client's home page.
type ClientDashboardView struct {
	Engagements []ClientEngagementView
	Attention   []RequestRow
	// AttentionMore: more requests need attention than the dashboard shows (the most urgent first).
	AttentionMore bool
}

// ClientEngagementView counts one engagement's requests.
type ClientEngagementView struct {
	ID                                           int64
	Name                                         string
	Open, Returned, Submitted, Accepted, Overdue int
	ExceptionsAwaiting                           int      // exceptions waiting for management's response
	SamplesToSupport                             int      // sampled items sent for evidence that still wait on the client
	DescriptionTodo                              []string // what the description and assertion still ask of the client
}

// TemplateItemView is one entry of the firm's standard request list.
type TemplateItemView struct {
	ID          int64
	Position    int
	Title       string
	Description string
	Criteria    string
}

// RequestTemplateView is the admin page of the standard request list.
type RequestTemplateView struct {
	Items  []TemplateItemView
	New    TemplateItemView
	EditID int64 // the entry whose form shows errors
	Errors Errors
}

func requestStatusKind(status string) string {
	switch status {
	case "accepted":
		return "success"
	case "submitted":
		return "info"
	case "returned":
		return "warning"
	}
	return "neutral"
}

func requestStatusLabel(status string) string {
	switch status {
	case "open":
		return "Open"
	case "returned":
		return "Returned"
	case "submitted":
		return "Submitted"
	case "accepted":
		return "Accepted"
	}
	return status
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func requestURL(id int64) templ.SafeURL { return templ.SafeURL("/requests/" + idStr(id)) }

var requestStatusOptions = []Option{{"", "Any status"}, {"open", "Open"}, {"returned", "Returned"}, {"submitted", "Submitted"},
	{"accepted", "Accepted"}, {"overdue", "Overdue"}}

var priorityOptions = []Option{{"normal", "Normal"}, {"high", "High"}, {"low", "Low"}}

// requestFormAction is where the request form posts: the engagement's list for a new request,
// the request itself for a change.
func requestFormAction(f RequestFormView) string {
	if f.RequestID != 0 {
		return "/requests/" + idStr(f.RequestID)
	}
	return "/engagements/" + idStr(f.EngagementID) + "/requests"
}

// ColleaguesView is an engagement's client contacts: the firm marks the coordinator, the
// coordinator invites colleagues.
type ColleaguesView struct {
	EngagementID int64
	Colleagues   []ColleagueRow
	CanInvite    bool // the coordinator
	CanAppoint   bool // the firm's team
	IsClient     bool
	Invite       InviteFormView
}

// ColleagueRow is one client contact.
type ColleagueRow struct {
	ID                             int64
	Name, Email                    string
	Coordinator, Invited, Disabled bool
	Self                           bool
	Assigned                       int
}
