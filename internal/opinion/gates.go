package opinion

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attest-soc/attest/internal/fieldwork"
)

// Gate is one condition the signature needs, with what fails it and where to fix it.
type Gate struct {
	Key      string
	Label    string
	Problems []string // empty when the gate holds
	Link     string   // the page where it is fixed
}

// Met reports whether the gate holds.
func (g Gate) Met() bool { return len(g.Problems) == 0 }

// maxListed bounds how many problems one gate lists before "and N more".
const maxListed = 8

func (g *Gate) add(format string, args ...any) {
	g.Problems = append(g.Problems, fmt.Sprintf(format, args...))
}

func (g *Gate) cap() {
	if len(g.Problems) > maxListed {
		more := len(g.Problems) - maxListed
		g.Problems = append(g.Problems[:maxListed:maxListed], fmt.Sprintf("and %d more", more))
	}
}

// Gates evaluates every condition of the partner's signature, in the order the page lists them.
// Each gate looks at its own facts only, so each can be tested (and can block) on its own.
func Gates(ev Evidence) []Gate {
	base := fmt.Sprintf("/engagements/%d", ev.EngagementID)
	needKind := "operating"
	if ev.ReportType == "type1" {
		needKind = "design"
	}

	coverage := Gate{Key: "criteria_controls", Label: "Every in-scope criterion has a control", Link: base + "/coverage"}
	for _, c := range ev.Criteria {
		if !slices.ContainsFunc(ev.Controls, func(ctl Control) bool { return slices.Contains(ctl.Criteria, c) }) {
			coverage.add("%s has no control", c)
		}
	}

	concluded := Gate{Key: "tests_concluded", Label: fmt.Sprintf("Every control has a concluded %s test", kindLabel(needKind)), Link: base + "/tests"}
	signoffs := Gate{Key: "test_signoffs", Label: "Every test is signed off by its preparer and reviewer" + map[bool]string{true: " and all its samples are tested", false: ""}[ev.ReportType == "type2"], Link: base + "/tests"}
	for _, ctl := range ev.Controls {
		ok := false
		for _, t := range ctl.Tests {
			if t.Kind == needKind && t.Concluded() {
				ok = true
			}
		}
		if !ok {
			concluded.add("%s has no concluded %s test", ctl.Ref, kindLabel(needKind))
		}
		for _, t := range ctl.Tests {
			var miss []string
			if !t.Prepared {
				miss = append(miss, "preparer sign-off")
			}
			if !t.Reviewed {
				miss = append(miss, "reviewer sign-off")
			}
			if ev.ReportType == "type2" && t.Untested > 0 {
				miss = append(miss, fmt.Sprintf("%d untested %s", t.Untested, plural(t.Untested, "sample", "samples")))
			}
			if len(miss) > 0 {
				signoffs.add("%s (%s test): %s", ctl.Ref, kindLabel(t.Kind), strings.Join(miss, ", "))
			}
		}
	}

	pending := Gate{Key: "criteria_pending", Label: "No criterion is left pending", Link: base + "/coverage"}
	statuses := CriterionStatuses(ev)
	for _, c := range ev.Criteria {
		// A criterion without a control is the coverage gate's problem, not listed twice.
		hasControl := slices.ContainsFunc(ev.Controls, func(ctl Control) bool { return slices.Contains(ctl.Criteria, c) })
		if hasControl && statuses[c] == fieldwork.CriterionPending {
			pending.add("%s is pending", c)
		}
	}

	notes := Gate{Key: "review_notes", Label: "No open review notes", Link: base + "/review-notes"}
	if ev.OpenReviewNotes > 0 {
		notes.add("%d open review %s", ev.OpenReviewNotes, plural(ev.OpenReviewNotes, "note", "notes"))
	}

	exceptions := Gate{Key: "exceptions_evaluated", Label: "Every exception is evaluated", Link: base + "/exceptions"}
	for _, x := range ev.Exceptions {
		if x.Evaluation == "" || x.CriteriaMet == nil {
			exceptions.add("%s: %s", x.ControlRef, x.Description)
		}
	}

	description := Gate{Key: "description_review", Label: "The description review is complete", Link: base + "/description"}
	assertion := Gate{Key: "assertion_approved", Label: "Management's assertion is approved", Link: base + "/description"}
	if !ev.DescriptionAvailable {
		description.add("the description of the system is not available in this version of Attest")
		assertion.add("management's assertion is not available in this version of Attest")
	} else {
		if !ev.DescriptionReviewComplete {
			description.add("not every description criterion is concluded on its current text")
		}
		if !ev.AssertionApproved {
			assertion.add("management has not approved its assertion")
		}
	}

	independence := Gate{Key: "independence", Label: "Independence confirmed by every firm member", Link: base + "/team"}
	for _, name := range ev.UnconfirmedIndependence {
		independence.add("%s has not confirmed independence", name)
	}

	boilerplate := Gate{Key: "boilerplate", Label: "Every boilerplate warning is acknowledged with a reason", Link: base + "/boilerplate"}
	for _, w := range ev.UnacknowledgedBoilerplate {
		boilerplate.add("%s", w)
	}

	gates := []Gate{coverage, concluded, signoffs, pending, notes, exceptions, description, assertion, independence, boilerplate}
	for i := range gates {
		gates[i].cap()
	}
	return gates
}

// Unmet returns the gates that do not hold.
func Unmet(gates []Gate) []Gate {
	var out []Gate
	for _, g := range gates {
		if !g.Met() {
			out = append(out, g)
		}
	}
	return out
}

func kindLabel(kind string) string {
	if kind == "design" {
		return "design and implementation"
	}
	return "operating effectiveness"
}
