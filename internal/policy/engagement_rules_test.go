package policy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
)

func TestEngagementTeamAndStatusRules(t *testing.T) {
	client := int64(7)
	user := func(role auth.Role) auth.User {
		u := auth.User{ID: 1, Role: role}
		if role == auth.RoleClient {
			u.ClientID = &client
		}
		return u
	}
	on := func(role policy.TeamRole) policy.Resource {
		return policy.Resource{ClientID: client, EngagementID: 3, TeamRole: role}
	}
	locked := func(r policy.Resource) policy.Resource { r.Locked = true; return r }
	cases := []struct {
		name   string
		u      auth.User
		action policy.Action
		r      policy.Resource
		want   bool
	}{
		{"a manager not yet on the team sets it up", user(auth.RoleManager), policy.EngagementTeamEdit, on(""), true},
		{"a senior on the team cannot change it", user(auth.RoleSenior), policy.EngagementTeamEdit, on(policy.TeamSenior), false},
		{"nobody changes a signed engagement's team", user(auth.RoleManager), policy.EngagementTeamEdit, locked(on(policy.TeamManager)), false},
		{"staff on the team confirm independence", user(auth.RoleStaff), policy.EngagementIndependence, on(policy.TeamStaff), true},
		{"client contacts do not confirm independence", user(auth.RoleClient), policy.EngagementIndependence, on(policy.TeamClientContact), false},
		{"staff off the team cannot confirm", user(auth.RoleStaff), policy.EngagementIndependence, on(""), false},
		{"the team's manager moves the status", user(auth.RoleManager), policy.EngagementStatus, on(policy.TeamManager), true},
		{"the partner issues a signed (locked) engagement", user(auth.RolePartner), policy.EngagementStatus, locked(on(policy.TeamPartner)), true},
		{"a manager off the team does not move the status", user(auth.RoleManager), policy.EngagementStatus, on(""), false},
		{"seniors do not move the status", user(auth.RoleSenior), policy.EngagementStatus, on(policy.TeamSenior), false},
		{"client users have no team tab", user(auth.RoleClient), policy.EngagementTeamView, on(policy.TeamClientContact), false},
		{"staff on the team see the team tab", user(auth.RoleStaff), policy.EngagementTeamView, on(policy.TeamStaff), true},
		{"partners roll forward", user(auth.RolePartner), policy.EngagementRollForward, locked(on("")), true},
		{"seniors do not roll forward", user(auth.RoleSenior), policy.EngagementRollForward, on(policy.TeamSenior), false},
		{"admins may not edit engagements", user(auth.RoleAdmin), policy.EngagementEdit, on(""), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, policy.Can(tc.u, tc.action, tc.r))
		})
	}
}
