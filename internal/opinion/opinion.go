// Package opinion owns the examination's opinion: the kind Attest proposes from the evidence
// (with its reasons), the partner's choice and basis paragraphs, the gates that must hold before
// the partner signs, the signature itself (password and TOTP re-entered), the lock it puts on
// the engagement, and reopening with a reason (which withdraws the signature).
package opinion

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attest-soc/attest/internal/fieldwork"
)

// Kind is an opinion kind.
type Kind string

// The four opinion kinds (domain guide §5).
const (
	Unmodified Kind = "unmodified"
	Qualified  Kind = "qualified"
	Adverse    Kind = "adverse"
	Disclaimer Kind = "disclaimer"
)

// Kinds lists the kinds in the order the choice form offers them.
var Kinds = []Kind{Unmodified, Qualified, Adverse, Disclaimer}

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Modified reports whether the report needs a basis paragraph before the opinion.
func (k Kind) Modified() bool { return k == Qualified || k == Adverse || k == Disclaimer }

// Label is the kind as the report and the pages name it.
func (k Kind) Label() string {
	switch k {
	case Unmodified:
		return "Unmodified opinion"
	case Qualified:
		return "Qualified opinion"
	case Adverse:
		return "Adverse opinion"
	case Disclaimer:
		return "Disclaimer of opinion"
	}
	return "Not chosen"
}

// Evidence is what the proposal and the gates look at, gathered from the engagement.
type Evidence struct {
	EngagementID int64
	ReportType   string   // type1 or type2
	Criteria     []string // in scope, in catalogue order
	Controls     []Control
	Exceptions   []Exception
	Limitations  []Limitation
	// Description: whether the description package is available, its review complete, the DCs
	// concluded "not presented", and whether management's assertion is approved.
	DescriptionAvailable      bool
	DescriptionReviewComplete bool
	NotPresented              []string
	AssertionApproved         bool
	OpenReviewNotes           int
	UnconfirmedIndependence   []string // names of firm members
	// UnacknowledgedBoilerplate describes each boilerplate warning (text near-identical to another
	// client's engagement) the partner has not acknowledged with a reason.
	UnacknowledgedBoilerplate []string
	HasPartner                bool
}

// Control is a control with the criteria it addresses and its tests.
type Control struct {
	Ref      string
	Criteria []string
	Tests    []Test
}

// Test is one test's state.
type Test struct {
	ID       int64
	Kind     string // design or operating
	Result   string
	Prepared bool
	Reviewed bool
	Untested int // samples without a result
}

// Concluded reports whether the test has a result.
func (t Test) Concluded() bool {
	return t.Result == fieldwork.ResultNoExceptions || t.Result == fieldwork.ResultExceptions
}

// Exception is a deviation and its evaluation.
type Exception struct {
	ID          int64
	ControlRef  string
	Description string
	Deviations  int
	ItemsTested int
	Evaluation  string
	CriteriaMet *bool
	Criteria    []string
}

// Limitation is a scope limitation the team recorded.
type Limitation struct {
	Description string
	Criteria    []string
	Pervasive   bool
}

// Reason is one named reason of a proposal.
type Reason struct {
	Criterion string `json:"criterion,omitempty"`
	Text      string `json:"text"`
}

// Proposal is the kind Attest proposes and why.
type Proposal struct {
	Kind    Kind
	Reasons []Reason
	// NotMet lists the criteria judged not met, in catalogue order.
	NotMet []string
}

// PervasiveShare: failures are pervasive when they touch at least this share of the in-scope
// criteria, or criteria in at least PervasiveSeries series (CC1…CC9, A1…): the effects are then
// not confined to specific criteria. The partner decides in the end.
const (
	PervasiveShare  = 0.25
	PervasiveSeries = 3
)

// CriterionStatuses rolls each in-scope criterion up with fieldwork's rule.
func CriterionStatuses(ev Evidence) map[string]string {
	out := map[string]string{}
	for _, c := range ev.Criteria {
		var ce fieldwork.CriterionEvidence
		mapped := false
		for _, ctl := range ev.Controls {
			if !slices.Contains(ctl.Criteria, c) {
				continue
			}
			mapped = true
			for _, t := range ctl.Tests {
				ce.TestResults = append(ce.TestResults, t.Result)
			}
		}
		for _, x := range ev.Exceptions {
			if slices.Contains(x.Criteria, c) {
				ce.Exceptions = append(ce.Exceptions, fieldwork.ExceptionStatus{Evaluation: x.Evaluation, CriteriaMet: x.CriteriaMet})
			}
		}
		if !mapped {
			out[c] = fieldwork.CriterionPending
			continue
		}
		out[c], _ = fieldwork.CriterionStatus(ce)
	}
	return out
}

// Propose picks the opinion kind the evidence supports: a disclaimer after a recorded scope
// limitation; adverse when criteria are not met (or the description misstates) pervasively;
// qualified when some are; unmodified otherwise. Every reason names its criteria and exceptions.
func Propose(ev Evidence) Proposal {
	var p Proposal
	if len(ev.Limitations) > 0 {
		p.Kind = Disclaimer
		for _, l := range ev.Limitations {
			r := Reason{Text: "Scope limitation: " + l.Description}
			if len(l.Criteria) > 0 {
				r.Criterion = strings.Join(l.Criteria, ", ")
			}
			p.Reasons = append(p.Reasons, r)
		}
		return p
	}
	statuses := CriterionStatuses(ev)
	series := map[string]bool{}
	for _, c := range ev.Criteria {
		if statuses[c] != fieldwork.CriterionNotMet {
			continue
		}
		p.NotMet = append(p.NotMet, c)
		series[seriesOf(c)] = true
		var refs []string
		for _, x := range ev.Exceptions {
			if slices.Contains(x.Criteria, c) && x.CriteriaMet != nil && !*x.CriteriaMet {
				refs = append(refs, fmt.Sprintf("%s: %d of %d items deviated (%s)", x.ControlRef, x.Deviations, x.ItemsTested, evaluationLabel(x.Evaluation)))
			}
		}
		p.Reasons = append(p.Reasons, Reason{Criterion: c, Text: c + " not met — " + strings.Join(refs, "; ")})
	}
	for _, dc := range ev.NotPresented {
		p.Reasons = append(p.Reasons, Reason{Criterion: dc, Text: "The description does not present " + dc + " (concluded \"not presented\")."})
	}
	misstated := len(p.NotMet) + len(ev.NotPresented)
	switch {
	case misstated == 0:
		p.Kind = Unmodified
		var isolated []string
		for _, x := range ev.Exceptions {
			isolated = append(isolated, x.ControlRef)
		}
		text := "Every in-scope criterion is met and the description review found no misstatement."
		if len(isolated) > 0 {
			text += fmt.Sprintf(" %d %s evaluated as leaving the criteria met (%s).", len(isolated),
				plural(len(isolated), "exception was", "exceptions were"), strings.Join(isolated, ", "))
		}
		p.Reasons = append([]Reason{{Text: text}}, p.Reasons...)
	case pervasive(len(p.NotMet), len(ev.Criteria), len(series)) || len(ev.NotPresented) >= 3:
		p.Kind = Adverse
	default:
		p.Kind = Qualified
	}
	return p
}

func pervasive(notMet, inScope, series int) bool {
	if notMet == 0 {
		return false
	}
	return series >= PervasiveSeries || (inScope > 0 && float64(notMet)/float64(inScope) >= PervasiveShare)
}

func seriesOf(criterion string) string {
	if i := strings.IndexByte(criterion, '.'); i > 0 {
		return criterion[:i]
	}
	return criterion
}

func evaluationLabel(e string) string {
	switch e {
	case "isolated":
		return "isolated"
	case "systematic":
		return "systematic"
	}
	return "not evaluated"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
