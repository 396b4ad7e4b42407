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
