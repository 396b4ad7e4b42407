package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
)

func TestFieldworkRules(t *testing.T) {
	clientID, otherClient := int64(7), int64(8)
	staff := auth.User{ID: 1, Role: auth.RoleStaff}
	senior := auth.User{ID: 2, Role: auth.RoleSenior}
	client := auth.User{ID: 3, Role: auth.RoleClient, ClientID: &clientID}
	stranger := auth.User{ID: 4, Role: auth.RoleClient, ClientID: &otherClient}
	onTeamAs := func(role TeamRole) Resource { return Resource{ClientID: clientID, EngagementID: 1, TeamRole: role} }
	withOwner := func(r Resource, owner int64) Resource { r.OwnerID = owner; return r }
	locked := Resource{ClientID: clientID, EngagementID: 1, TeamRole: TeamSenior, Locked: true}

	cases := []struct {
		name   string
		u      auth.User
		action Action
		r      Resource
		want   bool
	}{
		{"staff edits tests", staff, TestEdit, onTeamAs(TeamStaff), true},
		{"staff cannot review", staff, TestReview, onTeamAs(TeamStaff), false},
		{"senior reviews", senior, TestReview, onTeamAs(TeamSenior), true},
		{"nothing changes when locked", senior, TestEdit, locked, false},
		{"off-team staff sees no tests", staff, TestView, onTeamAs(""), false},
		{"client never sees workpapers", client, TestView, Resource{ClientID: clientID, EngagementID: 1}, false},
		{"client sees sent sample lists", client, SampleListView, Resource{ClientID: clientID, EngagementID: 1}, true},
		{"client sees their exceptions", client, ExceptionView, Resource{ClientID: clientID, EngagementID: 1}, true},
		{"client responds", client, ExceptionRespond, Resource{ClientID: clientID, EngagementID: 1}, true},
		{"client cannot respond once locked", client, ExceptionRespond, Resource{ClientID: clientID, EngagementID: 1, Locked: true}, false},
		{"another client cannot respond", stranger, ExceptionRespond, Resource{ClientID: clientID, EngagementID: 1}, false},
		{"auditors do not write management's response", senior, ExceptionRespond, onTeamAs(TeamSenior), false},
		{"client cannot evaluate", client, ExceptionEdit, Resource{ClientID: clientID, EngagementID: 1}, false},
		{"client sees no review notes", client, ReviewNoteView, Resource{ClientID: clientID, EngagementID: 1}, false},
		{"team raises review notes", staff, ReviewNoteEdit, onTeamAs(TeamStaff), true},
		{"the author clears their note", staff, ReviewNoteClear, withOwner(onTeamAs(TeamStaff), staff.ID), true},
		{"staff cannot clear another's note", staff, ReviewNoteClear, withOwner(onTeamAs(TeamStaff), senior.ID), false},
		{"a senior cannot clear another's note", senior, ReviewNoteClear, withOwner(onTeamAs(TeamSenior), staff.ID), false},
		{"the manager clears any note", senior, ReviewNoteClear, withOwner(onTeamAs(TeamManager), staff.ID), true},
		{"the partner clears any note", senior, ReviewNoteClear, withOwner(onTeamAs(TeamPartner), staff.ID), true},
		{"an author off the team does not clear", staff, ReviewNoteClear, withOwner(onTeamAs(""), staff.ID), false},
		{"no note is cleared once locked", senior, ReviewNoteClear, withOwner(locked, senior.ID), false},
		{"the team sees working papers", staff, WorkingPapersView, onTeamAs(TeamStaff), true},
		{"off-team staff sees no working papers", staff, WorkingPapersView, onTeamAs(""), false},
		{"client sees no working papers", client, WorkingPapersView, Resource{ClientID: clientID, EngagementID: 1}, false},
		{"client cannot reach firm-only evidence", client, RequestView, Resource{ClientID: clientID, EngagementID: 1, FirmOnly: true}, false},
		{"client reaches request evidence", client, RequestView, Resource{ClientID: clientID, EngagementID: 1}, true},
		{"the team reaches firm-only evidence", staff, RequestView, Resource{ClientID: clientID, EngagementID: 1, TeamRole: TeamStaff, FirmOnly: true}, true},
		{"firm users have a review queue", staff, ReviewQueue, Resource{}, true},
		{"clients have no review queue", client, ReviewQueue, Resource{}, false},
	}
	assert.ErrorIs(t, Check(client, RequestView, Resource{ClientID: clientID, EngagementID: 1, FirmOnly: true}), apperr.ErrNotFound,
		"firm-only evidence does not exist for client users")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Can(tc.u, tc.action, tc.r))
		})
	}
}
