package templates

// BoilerplateWarningView is one boilerplate warning as the reviewer and the partner see it.
type BoilerplateWarningView struct {
	Key             string // kind:item:other, the acknowledgement form's value
	KindLabel       string
	Ref             string
	TextHref        string
	Excerpt         string
	OtherEngagement string // "Bluejay Health — SOC 2 Type I 2026"
	OtherHref       string
	OtherExcerpt    string
	Percent         int
	AckReason       string // "" while unacknowledged
	AckBy, AckAt    string
}

// BoilerplatePage is an engagement's boilerplate warnings.
type BoilerplatePage struct {
	Threshold      int // percent
	Warnings       []BoilerplateWarningView
	Unacknowledged int
	CanAcknowledge bool
	Errors         Errors
	FailedKey      string // the warning whose acknowledgement was refused
	Reason         string // what was typed there
}

// BoilerplateTemplateView is one piece of the firm's standard wording.
type BoilerplateTemplateView struct {
	ID          int64
	Title, Body string
}

// BoilerplateTemplatesPage lists and adds the firm's template texts.
type BoilerplateTemplatesPage struct {
	Templates   []BoilerplateTemplateView
	Title, Body string
	Errors      Errors
}

// ComparisonRow is one engagement in the firm comparison.
type ComparisonRow struct {
	Href, Engagement, Client, Status string
	Concluded, WithExceptions        int
	ExceptionShare                   string // "12 %" or "—"
	ExceptionShareSort               string
	ExceptionOutlier                 string // "" or "unusually low/high"
	Days                             string // "41.5" or "—"
	DaysSort                         string
	DaysOutlier                      string
}

// ComparisonPage is the firm dashboard comparing engagements.
type ComparisonPage struct {
	Rows     []ComparisonRow
	Outliers int
}

// TimelineEntryView is one step of the timeline.
type TimelineEntryView struct {
	When, Step, Actor, Detail string
	Flags                     []string
}

// TimelineGroupView is the steps of one control and test.
type TimelineGroupView struct {
	Title, Href string
	Flagged     int
	Entries     []TimelineEntryView
}

// TimelinePage is the engagement timeline for a quality reviewer.
type TimelinePage struct {
	ReportDate string
	Steps      int
	Flagged    int
	Groups     []TimelineGroupView
	PDFHref    string
}
