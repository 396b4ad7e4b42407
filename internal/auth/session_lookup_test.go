package auth

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	dbx "github.com/attest-soc/attest/internal/db"
)

// TestLookupSessionLoadsTheWholeUserAndSession: the one-statement lookup names its columns, so
// it must fill every field the ORM would (a field added to User or Session and not to the
// lookup fails here), and a disabled user's or an unknown token's session is no session.
func TestLookupSessionLoadsTheWholeUserAndSession(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "lee@firm.example", Name: "Lee", Title: "Senior", Role: RoleSenior, Password: "a long enough password"})
	require.NoError(t, err)
	require.NoError(t, s.DB.Exec(`UPDATE users SET mfa_secret = 'S3CRET', mfa_enabled_at = now(), last_login_at = now(), password_changed_at = now() WHERE id = ?`, u.ID).Error)
	token, err := s.StartSession(ctx, u, StageFull, "10.0.0.9", "agent/1")
	require.NoError(t, err)

	sess, got, err := s.LookupSession(ctx, token)
	require.NoError(t, err)
	want, err := dbx.First[User](s.DB.Where("id = ?", u.ID), "user")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	wantSess, err := dbx.First[Session](s.DB.Where("token_hash = ?", hashToken(token)), "session")
	require.NoError(t, err)
	assert.Equal(t, wantSess, sess)

	_, _, err = s.LookupSession(ctx, "not-a-token")
	assert.ErrorIs(t, err, ErrNoSession)
	require.NoError(t, s.DB.Exec(`UPDATE users SET disabled_at = now() WHERE id = ?`, u.ID).Error)
	_, _, err = s.LookupSession(ctx, token)
	assert.ErrorIs(t, err, ErrNoSession)
}
