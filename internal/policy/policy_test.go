package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
)

func TestCheckExplainsWhyAUserIsRefused(t *testing.T) {
	client := int64(7)
	other := int64(8)
	senior := auth.User{ID: 1, Role: auth.RoleSenior}
	staffOffTeam := auth.User{ID: 2, Role: auth.RoleStaff}
	clientUser := auth.User{ID: 3, Role: auth.RoleClient, ClientID: &other}
	onTeam := Resource{ClientID: client, EngagementID: 1, TeamRole: TeamSenior}
	locked := onTeam
	locked.Locked = true

	assert.NoError(t, Check(senior, ControlEdit, onTeam))
	assert.ErrorIs(t, Check(senior, ControlEdit, locked), apperr.ErrLocked, "allowed but for the lock: say it is locked")
	assert.ErrorIs(t, Check(staffOffTeam, ControlEdit, Resource{ClientID: client, EngagementID: 1, Locked: true}), apperr.ErrForbidden,
		"not allowed even unlocked: forbidden, the lock is not the reason")
	assert.ErrorIs(t, Check(clientUser, EngagementView, onTeam), apperr.ErrNotFound, "another organization's engagement does not exist for a client")
	assert.ErrorIs(t, Check(auth.User{ID: 4, Role: auth.RoleAdmin}, EngagementCreate, Resource{}), apperr.ErrForbidden,
		"the IT administrator does not open engagements; partners and managers do")
	assert.NoError(t, Check(auth.User{ID: 5, Role: auth.RoleManager}, EngagementCreate, Resource{}))
}

// TestCoordinatorRules: the client's coordinator (issue #16 point 8) sees and assigns every
// request of the engagement and invites colleagues; once an engagement has one, its other client
// users reach only the requests they are involved in (others do not exist for them); nobody of
// another organization reaches anything.
func TestCoordinatorRules(t *testing.T) {
	const clientA, clientB = int64(1), int64(2)
	a, b := clientA, clientB
	dana := auth.User{ID: 1, Role: auth.RoleClient, ClientID: &a}
	lee := auth.User{ID: 3, Role: auth.RoleClient, ClientID: &b}
	coordinator := Resource{ClientID: clientA, EngagementID: 1, TeamRole: TeamClientContact, Coordinator: true, HasCoordinator: true}
	colleague := Resource{ClientID: clientA, EngagementID: 1, TeamRole: TeamClientContact, HasCoordinator: true}
	noCoordinator := Resource{ClientID: clientA, EngagementID: 1, TeamRole: TeamClientContact}
	one := func(r Resource, involved bool) Resource { r.OneRequest, r.Involved = true, involved; return r }

	for _, c := range []struct {
		name string
		u    auth.User
		a    Action
		r    Resource
		want bool
	}{
		{"coordinator sees every request", dana, RequestView, one(coordinator, false), true},
		{"coordinator sees the whole list", dana, RequestViewAll, coordinator, true},
		{"coordinator assigns", dana, RequestAssign, one(coordinator, false), true},
		{"coordinator invites", dana, ColleagueInvite, coordinator, true},
		{"not after the signature", dana, ColleagueInvite, func() Resource { r := coordinator; r.Locked = true; return r }(), false},
		{"colleague: own request", dana, RequestView, one(colleague, true), true},
		{"colleague: own request, upload", dana, EvidenceUpload, one(colleague, true), true},
		{"colleague: another's request", dana, RequestView, one(colleague, false), false},
		{"colleague: another's request, comment", dana, RequestComment, one(colleague, false), false},
		{"colleague: the list, filtered", dana, RequestView, colleague, true},
		{"colleague: not the whole list", dana, RequestViewAll, colleague, false},
		{"colleague does not assign", dana, RequestAssign, one(colleague, true), false},
		{"colleague does not invite", dana, ColleagueInvite, colleague, false},
		{"no coordinator: every request, as before", dana, RequestView, one(noCoordinator, false), true},
		{"no coordinator: the whole list", dana, RequestViewAll, noCoordinator, true},
		{"another organization's coordinator", lee, RequestAssign, one(Resource{ClientID: clientA, EngagementID: 1, Coordinator: true, HasCoordinator: true}, false), false},
		{"another organization's coordinator invites", lee, ColleagueInvite, Resource{ClientID: clientA, EngagementID: 1, Coordinator: true}, false},
	} {
		assert.Equal(t, c.want, Can(c.u, c.a, c.r), c.name)
	}
	assert.ErrorIs(t, Check(dana, RequestView, one(colleague, false)), apperr.ErrNotFound, "a colleague's request does not exist for them")
	assert.ErrorIs(t, Check(lee, RequestAssign, one(coordinator, false)), apperr.ErrNotFound)
}
