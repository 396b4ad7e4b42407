package opinion

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func bp(b bool) *bool { return &b }

// ready is a Type II engagement where every gate holds: two criteria, each with a tested control.
func ready() Evidence {
	return Evidence{EngagementID: 4, ReportType: "type2", Criteria: []string{"CC1.1", "CC2.1", "CC3.1", "CC6.2", "CC7.2", "A1.2"},
		Controls: []Control{
			{Ref: "NL-01", Criteria: []string{"CC1.1", "CC2.1", "CC3.1"}, Tests: []Test{{ID: 1, Kind: "operating", Result: "no_exceptions", Prepared: true, Reviewed: true}}},
			{Ref: "NL-05", Criteria: []string{"CC6.2"}, Tests: []Test{{ID: 2, Kind: "operating", Result: "exceptions", Prepared: true, Reviewed: true}}},
			{Ref: "NL-10", Criteria: []string{"CC7.2"}, Tests: []Test{{ID: 3, Kind: "operating", Result: "no_exceptions", Prepared: true, Reviewed: true}}},
			{Ref: "NL-15", Criteria: []string{"A1.2"}, Tests: []Test{{ID: 4, Kind: "operating", Result: "no_exceptions", Prepared: true, Reviewed: true}}},
		},
		Exceptions: []Exception{{ID: 9, ControlRef: "NL-05", Description: "For 1 of 15 sampled leavers, access was removed 4 days after termination.",
			Deviations: 1, ItemsTested: 15, Evaluation: "isolated", CriteriaMet: bp(true), Criteria: []string{"CC6.2"}}},
		DescriptionAvailable: true, DescriptionReviewComplete: true, AssertionApproved: true, HasPartner: true}
}

func TestPropose(t *testing.T) {
	cases := []struct {
		name    string
		change  func(*Evidence)
		kind    Kind
		reasons []string // each must appear in some reason
	}{
		{"isolated exception, criterion met", func(*Evidence) {}, Unmodified, []string{"Every in-scope criterion is met", "NL-05"}},
		{"one criterion not met", func(ev *Evidence) {
			ev.Exceptions[0].CriteriaMet, ev.Exceptions[0].Evaluation = bp(false), "systematic"
		}, Qualified, []string{"CC6.2 not met", "NL-05: 1 of 15 items deviated (systematic)"}},
		{"description criterion not presented", func(ev *Evidence) { ev.NotPresented = []string{"DC4"} }, Qualified, []string{"DC4"}},
		{"failures across three series are pervasive", func(ev *Evidence) {
			for i, c := range []string{"CC1.1", "CC6.2", "CC7.2"} {
				ev.Exceptions = append(ev.Exceptions, Exception{ID: int64(20 + i), ControlRef: "X", Deviations: 5, ItemsTested: 10,
					Evaluation: "systematic", CriteriaMet: bp(false), Criteria: []string{c}})
			}
		}, Adverse, []string{"CC1.1 not met", "CC6.2 not met", "CC7.2 not met"}},
		{"scope limitation", func(ev *Evidence) {
			ev.Limitations = []Limitation{{Description: "The termination population was not provided.", Criteria: []string{"CC6.2"}}}
		}, Disclaimer, []string{"Scope limitation: The termination population was not provided."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := ready()
			tc.change(&ev)
			p := Propose(ev)
			assert.Equal(t, tc.kind, p.Kind)
			var all []string
			for _, r := range p.Reasons {
				all = append(all, r.Text)
			}
			for _, want := range tc.reasons {
				assert.Contains(t, strings.Join(all, "\n"), want)
			}
		})
	}
}

func TestAllGatesHoldWhenReady(t *testing.T) {
	assert.Empty(t, Unmet(Gates(ready())))
}

// TestEachGateBlocksOnItsOwn breaks one fact at a time: exactly the gate about it fails, with a
// link to where it is fixed.
func TestEachGateBlocksOnItsOwn(t *testing.T) {
	cases := []struct {
		gate    string
		link    string
		problem string
		change  func(*Evidence)
	}{
		{"criteria_controls", "/engagements/4/coverage", "CC9.9 has no control", func(ev *Evidence) { ev.Criteria = append(ev.Criteria, "CC9.9") }},
		{"tests_concluded", "/engagements/4/tests", "NL-10 has no concluded operating effectiveness test", func(ev *Evidence) {
			ev.Controls[2].Tests[0].Kind = "design" // a walkthrough is not enough for Type II
		}},
		{"test_signoffs", "/engagements/4/tests", "NL-01 (operating effectiveness test): reviewer sign-off", func(ev *Evidence) { ev.Controls[0].Tests[0].Reviewed = false }},
		{"test_signoffs", "/engagements/4/tests", "NL-01 (operating effectiveness test): 3 untested samples", func(ev *Evidence) { ev.Controls[0].Tests[0].Untested = 3 }},
		{"review_notes", "/engagements/4/review-notes", "2 open review notes", func(ev *Evidence) { ev.OpenReviewNotes = 2 }},
		{"description_review", "/engagements/4/description", "not every description criterion", func(ev *Evidence) { ev.DescriptionReviewComplete = false }},
		{"assertion_approved", "/engagements/4/description", "management has not approved", func(ev *Evidence) { ev.AssertionApproved = false }},
		{"independence", "/engagements/4/team", "Sam Staff has not confirmed independence", func(ev *Evidence) { ev.UnconfirmedIndependence = []string{"Sam Staff"} }},
		{"boilerplate", "/engagements/4/boilerplate", "DC3 matches Bluejay", func(ev *Evidence) {
			ev.UnacknowledgedBoilerplate = []string{"DC3 matches Bluejay 2026 (96% identical)"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.gate+"/"+tc.problem, func(t *testing.T) {
			ev := ready()
			tc.change(&ev)
			unmet := Unmet(Gates(ev))
			if assert.Len(t, unmet, 1, "only the gate about the broken fact fails: %+v", unmet) {
				assert.Equal(t, tc.gate, unmet[0].Key)
				assert.Equal(t, tc.link, unmet[0].Link)
				assert.Contains(t, strings.Join(unmet[0].Problems, "\n"), tc.problem)
			}
		})
	}
}

// Two gates roll up the same facts as the others and cannot be broken alone: a pending criterion
// (an unconcluded test) and an unevaluated exception also show as pending criteria.
func TestPendingAndUnevaluatedGates(t *testing.T) {
	ev := ready()
	ev.Exceptions[0].CriteriaMet, ev.Exceptions[0].Evaluation = nil, ""
	keys := map[string]bool{}
	for _, g := range Unmet(Gates(ev)) {
		keys[g.Key] = true
	}
	assert.Equal(t, map[string]bool{"exceptions_evaluated": true, "criteria_pending": true}, keys)

	ev = ready()
	ev.Controls[3].Tests[0].Result = "in_progress"
	keys = map[string]bool{}
	for _, g := range Unmet(Gates(ev)) {
		keys[g.Key] = true
	}
	assert.Equal(t, map[string]bool{"tests_concluded": true, "criteria_pending": true}, keys)
}

func TestType1NeedsDesignTests(t *testing.T) {
	ev := ready()
	ev.ReportType = "type1"
	for i := range ev.Controls {
		ev.Controls[i].Tests[0].Kind = "design"
		ev.Controls[i].Tests[0].Untested = 2 // samples do not matter for Type I
	}
	assert.Empty(t, Unmet(Gates(ev)))
}

func TestGatesWithoutTheDescriptionPackageBlock(t *testing.T) {
	ev := ready()
	ev.DescriptionAvailable = false
	unmet := Unmet(Gates(ev))
	assert.Len(t, unmet, 2)
}
