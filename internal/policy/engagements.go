package policy

import "github.com/attest-soc/attest/internal/auth"

// Engagement, criteria and control-matrix actions.
const (
	CriteriaView     Action = "criteria.view"
	EngagementList   Action = "engagement.list"
	EngagementCreate Action = "engagement.create"
	EngagementView   Action = "engagement.view"
	EngagementEdit   Action = "engagement.edit"
	ControlView      Action = "control.view"
	ControlEdit      Action = "control.edit"

	// EngagementTeamView opens the team & scope tab (firm users only).
	EngagementTeamView Action = "engagement.team.view"
	// EngagementTeamEdit adds and removes team members and subservice organizations.
	EngagementTeamEdit Action = "engagement.team.edit"
	// EngagementIndependence confirms the acting member's own independence.
	EngagementIndependence Action = "engagement.independence.confirm"
	// EngagementStatus moves the engagement along planning → … → archived; the domain checks
	// the preconditions of each move (only the engagement partner signs).
	EngagementStatus Action = "engagement.status"
	// EngagementRollForward creates the next period's engagement from this one.
	EngagementRollForward Action = "engagement.roll_forward"
)

// firmLeader: partners and managers, who set engagements up before a team exists.
func firmLeader(u auth.User, _ Resource) bool {
	return u.Role == auth.RolePartner || u.Role == auth.RoleManager
}

var engagementRules = map[Action]rule{
	CriteriaView:     isFirm,
	EngagementList:   signedIn,
	EngagementCreate: firmLeader,
	EngagementView:   anyOf(firmOversight, onTeam, isClientOf),
	EngagementEdit:   unlocked(anyOf(leadsTeam, firmLeader)),
	ControlView:      anyOf(firmOversight, onTeam),
	ControlEdit:      unlocked(onTeam),

	EngagementTeamView:     anyOf(firmOversight, onTeam),
	EngagementTeamEdit:     unlocked(anyOf(leadsTeam, firmLeader, isAdmin)), // admins appoint partners
	EngagementIndependence: unlocked(onTeam),
	// Not unlocked: issuing and archiving happen after the signature locks the engagement.
	EngagementStatus:      leadsTeam,
	EngagementRollForward: anyOf(leadsTeam, firmLeader),
}
