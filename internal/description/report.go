package description

import (
	"context"
	"strconv"
	"time"

	"github.com/attest-soc/attest/internal/apperr"
)

// Report is what the report (Sections II and III, the signature gates, the opinion proposal)
// reads from the description. Build it with ForReport.
type Report struct {
	EngagementID int64
	ReportType   string
	// Sections are DC1-DC8 (DC9 for Type II) in order: code, title, management's Markdown and,
	// for DC5-DC7, the tables generated from the engagement as data (Tables).
	Sections []ReportSection
	// Assertion is the approved assertion, or nil while none is approved (or its approval was
	// withdrawn: AssertionWithdrawnReason says why).
	Assertion                *ApprovedAssertion
	AssertionWithdrawnReason string
	// ReviewComplete: every DC has a conclusion covering its current text and no note on a
	// section is open. ReviewMissing says what is still missing, in words.
	ReviewComplete bool
	ReviewMissing  []string
	// NotPresented lists the DCs the auditors concluded "not presented": possible description
	// misstatements the opinion must take into account.
	NotPresented []Misstatement
}

// ReportSection is one section of Section III.
type ReportSection struct {
	Code     string
	Title    string
	Markdown string  // render with internal/markdown (HTML) or walk markdown.Parse (PDF)
	Tables   *Tables // DC5, DC6, DC7 only
}

// SOC3Codes are the sections a SOC 3 report carries beside the assertion: the boundaries of the
// system (DC3) and the principal service commitments and system requirements (DC2).
var SOC3Codes = []string{"DC2", "DC3"}

// ApprovedAssertion is the assertion as the officer approved it.
type ApprovedAssertion struct {
	Text         string // Markdown, SOC 2 (Section II)
	SOC3Text     string // Markdown, SOC 3 variant
	OfficerName  string
	OfficerTitle string
	ApprovedOn   time.Time // the date the officer gave
	ApprovedAt   time.Time // when it was recorded
}

// Misstatement is a "not presented" conclusion with the auditor's comment.
type Misstatement struct {
	Code, Title, Comment string
}

// ForReport gathers what the report needs from the description and the assertion.
func (s *Service) ForReport(ctx context.Context, engagementID int64) (Report, error) {
	db := s.DB.WithContext(ctx)
	e, err := loadEngagement(db, engagementID, false)
	if err != nil {
		return Report{}, err
	}
	secs, err := s.sections(db, e)
	if err != nil {
		return Report{}, err
	}
	a, err := s.assertion(db, engagementID)
	if err != nil {
		return Report{}, err
	}
	c := Evaluate(secs)
	r := Report{EngagementID: engagementID, ReportType: e.ReportType, ReviewComplete: c.Complete, ReviewMissing: c.Missing(),
		AssertionWithdrawnReason: a.WithdrawnReason}
	for _, sec := range secs {
		r.Sections = append(r.Sections, ReportSection{Code: sec.Code, Title: sec.Title, Markdown: sec.Body, Tables: sec.Tables})
		if sec.Review != nil && sec.Review.Conclusion == NotPresented {
			r.NotPresented = append(r.NotPresented, Misstatement{Code: sec.Code, Title: sec.Title, Comment: sec.Review.Comment})
		}
	}
	if a.Approved {
		r.Assertion = &ApprovedAssertion{Text: a.ApprovedBody, SOC3Text: a.ApprovedSOC3Body, OfficerName: a.ApprovedName,
			OfficerTitle: a.ApprovedTitle, ApprovedOn: *a.ApprovedOn, ApprovedAt: *a.ApprovedAt}
	}
	return r, nil
}

// Summary is the description's state in a line, for the overview and the dashboards.
type Summary struct {
	Completeness
	Concluded      int
	AssertionState string
	Approved       bool
	// ForClient: what the client still has to do (sections to write, notes to answer, approval).
	ClientTodo []string
}

// Summarize computes an engagement's Summary (SummarizeMany for one), or apperr.ErrNotFound.
func (s *Service) Summarize(ctx context.Context, engagementID int64) (Summary, error) {
	sums, err := s.SummarizeMany(ctx, []int64{engagementID})
	if err != nil {
		return Summary{}, err
	}
	sum, ok := sums[engagementID]
	if !ok {
		return Summary{}, apperr.ErrNotFound
	}
	return sum, nil
}

// clientTodo says what the client still has to do on the description and the assertion.
func clientTodo(toWrite, toAnswer int, hasOfficer bool, officerName string, approved bool) []string {
	var out []string
	if toWrite > 0 {
		out = append(out, plural(toWrite, "description section to write", "description sections to write"))
	}
	if toAnswer > 0 {
		out = append(out, plural(toAnswer, "review note on the description to answer", "review notes on the description to answer"))
	}
	switch {
	case !hasOfficer:
		out = append(out, "a signing officer to designate for management's assertion")
	case !approved:
		out = append(out, "management's assertion to approve ("+officerName+")")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
