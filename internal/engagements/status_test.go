package engagements_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/engagements"
)

func TestCheckMove(t *testing.T) {
	ready := engagements.Readiness{HasPartner: true, HasManager: true, ActorIsPartner: true}
	cases := []struct {
		name     string
		from, to string
		r        engagements.Readiness
		missing  []string // nil: the move is allowed
	}{
		{"planning to fieldwork with a full, independent team", "planning", "fieldwork", ready, nil},
		{"fieldwork needs partner, manager and every confirmation", "planning", "fieldwork",
			engagements.Readiness{UnconfirmedFirm: []string{"Sara", "Tom"}},
			[]string{"an engagement partner on the team", "a manager on the team", "independence confirmation from Sara", "independence confirmation from Tom"}},
		{"fieldwork needs the manager", "planning", "fieldwork", engagements.Readiness{HasPartner: true},
			[]string{"a manager on the team"}},
		{"review needs every test's result", "fieldwork", "review", engagements.Readiness{TestsWithoutResult: 3},
			[]string{"a result recorded for 3 tests"}},
		{"review with all results", "fieldwork", "review", engagements.Readiness{}, nil},
		{"review lists untested controls and uncovered criteria", "fieldwork", "review",
			engagements.Readiness{TestKind: "design", UntestedControls: []string{"NL-02", "NL-07"}, UncoveredCriteria: []string{"CC9.2"}},
			[]string{"a concluded design test of control NL-02", "a concluded design test of control NL-07", "a control addressing criterion CC9.2 (in scope, no control)"}},
		{"back to fieldwork from review needs nothing", "review", "fieldwork", engagements.Readiness{}, nil},
		{"signing needs notes cleared", "review", "signed", engagements.Readiness{HasPartner: true, ActorIsPartner: true, OpenReviewNotes: 1},
			[]string{"1 open review note cleared"}},
		{"only the engagement partner signs", "review", "signed", engagements.Readiness{HasPartner: true},
			[]string{"the engagement partner's signature (only the engagement partner may sign)"}},
		{"signing needs a partner", "review", "signed", engagements.Readiness{OpenReviewNotes: 2},
			[]string{"2 open review notes cleared", "an engagement partner on the team"}},
		{"signing needs every exception evaluated and every firm member independent", "review", "signed",
			engagements.Readiness{HasPartner: true, ActorIsPartner: true, UnevaluatedExceptions: 2, UnconfirmedFirm: []string{"Tom"}},
			[]string{"an evaluation of 2 exceptions (isolated or systematic, criteria met or not)", "independence confirmation from Tom"}},
		{"partner signs", "review", "signed", ready, nil},
		{"issue after signing", "signed", "issued", engagements.Readiness{}, nil},
		{"archive after issue", "issued", "archived", engagements.Readiness{}, nil},
		{"no skipping to signed", "fieldwork", "signed", ready, []string{"an engagement in fieldwork cannot move to signed"}},
		{"no issue before signing", "review", "issued", ready, []string{"an engagement in review cannot move to issued"}},
		{"no archive before issue", "signed", "archived", ready, []string{"an engagement in signed cannot move to archived"}},
		{"archived is final", "archived", "planning", ready, []string{"an engagement in archived cannot move to planning"}},
		{"unknown status", "planning", "done", ready, []string{"an engagement in planning cannot move to done"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := engagements.CheckMove(engagements.Status(tc.from), engagements.Status(tc.to), tc.r)
			if tc.missing == nil {
				assert.NoError(t, err)
				return
			}
			var tr *apperr.Transition
			require.ErrorAs(t, err, &tr)
			assert.Equal(t, tc.from, tr.From)
			assert.Equal(t, tc.to, tr.To)
			assert.Equal(t, tc.missing, tr.Missing)
		})
	}
}
