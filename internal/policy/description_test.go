package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/auth"
)

func TestDescriptionRules(t *testing.T) {
	clientID, otherID := int64(7), int64(8)
	contact := auth.User{ID: 1, Role: auth.RoleClient, ClientID: &clientID}
	stranger := auth.User{ID: 2, Role: auth.RoleClient, ClientID: &otherID}
	senior := auth.User{ID: 3, Role: auth.RoleSenior}
	res := Resource{ClientID: clientID, EngagementID: 1}
	asContact := Resource{ClientID: clientID, EngagementID: 1, TeamRole: TeamClientContact}
	onTeam := Resource{ClientID: clientID, EngagementID: 1, TeamRole: TeamSenior}
	locked := asContact
	locked.Locked = true
	cases := []struct {
		name   string
		u      auth.User
		action Action
		r      Resource
		want   bool
	}{
		{"client users write the description", contact, DescriptionEdit, res, true},
		{"the team edits too", senior, DescriptionEdit, onTeam, true},
		{"nobody edits once signed", contact, DescriptionEdit, locked, false},
		{"another organization's user sees nothing", stranger, DescriptionView, res, false},
		{"clients do not conclude on DC 200", contact, DescriptionReview, asContact, false},
		{"the team concludes", senior, DescriptionReview, onTeam, true},
		{"a client contact designates the officer", contact, AssertionDesignate, asContact, true},
		{"a client user who is not a contact does not", contact, AssertionDesignate, res, false},
		{"auditors never designate the officer", senior, AssertionDesignate, onTeam, false},
		{"client users may reach the approval (the domain checks it is the officer)", contact, AssertionApprove, res, true},
		{"auditors never approve management's assertion", senior, AssertionApprove, onTeam, false},
		{"management words the assertion", contact, AssertionEdit, res, true},
		{"auditors do not write management's assertion", senior, AssertionEdit, onTeam, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Can(tc.u, tc.action, tc.r), tc.name)
	}
}
