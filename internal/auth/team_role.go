package auth

// TeamRole is a user's role on one engagement's team, as engagement_members.role stores it
// ("" when not on the team). The policy reads it from Resource.TeamRole; engagements stores it.
type TeamRole string

// Team roles.
const (
	TeamPartner       TeamRole = "partner"
	TeamManager       TeamRole = "manager"
	TeamSenior        TeamRole = "senior"
	TeamStaff         TeamRole = "staff"
	TeamClientContact TeamRole = "client_contact"
)

// TeamRoles lists the team roles in the order forms offer them.
var TeamRoles = []TeamRole{TeamPartner, TeamManager, TeamSenior, TeamStaff, TeamClientContact}

// Label is the team role as users read it.
func (r TeamRole) Label() string {
	switch r {
	case TeamPartner:
		return "Engagement partner"
	case TeamManager:
		return "Manager"
	case TeamSenior:
		return "Senior"
	case TeamStaff:
		return "Staff"
	case TeamClientContact:
		return "Client contact"
	}
	return string(r)
}

// Valid reports whether r is one of TeamRoles.
func (r TeamRole) Valid() bool {
	for _, x := range TeamRoles {
		if r == x {
			return true
		}
	}
	return false
}
