package policy

// Engagement, criteria and control-matrix actions.
const (
	CriteriaView     Action = "criteria.view"
	EngagementList   Action = "engagement.list"
	EngagementCreate Action = "engagement.create"
	EngagementView   Action = "engagement.view"
	EngagementEdit   Action = "engagement.edit"
	ControlView      Action = "control.view"
	ControlEdit      Action = "control.edit"
)

var engagementRules = map[Action]rule{
	CriteriaView:     isFirm,
	EngagementList:   signedIn,
	EngagementCreate: firmOversight,
	EngagementView:   anyOf(firmOversight, onTeam, isClientOf),
	EngagementEdit:   unlocked(leadsTeam),
	ControlView:      anyOf(firmOversight, onTeam),
	ControlEdit:      unlocked(onTeam),
}
