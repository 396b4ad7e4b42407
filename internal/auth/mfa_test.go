package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	return NewService(dbtest.New(t), &clock.Fixed{T: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}, time.Hour, 12*time.Hour)
}

func TestEnrolmentKeepsThePendingSecretUntilConfirmed(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "pat@firm.example", Name: "Pat", Role: RolePartner, Password: "a long enough password"})
	require.NoError(t, err)

	setup, err := s.BeginMFAEnrolment(ctx, u)
	require.NoError(t, err)
	assert.Contains(t, setup.QRDataURI, "data:image/png;base64,")
	u, _ = s.UserByID(ctx, u.ID)
	again, err := s.BeginMFAEnrolment(ctx, u)
	require.NoError(t, err)
	assert.Equal(t, setup.Secret, again.Secret)
	assert.False(t, u.MFAEnabled(), "a pending secret does not turn MFA on")

	_, err = s.ConfirmMFAEnrolment(ctx, u, "000000", "10.0.0.1")
	assert.ErrorIs(t, err, ErrInvalidMFACode)
	code, _ := totp.GenerateCode(setup.Secret, s.Clock.Now())
	codes, err := s.ConfirmMFAEnrolment(ctx, u, code, "10.0.0.1")
	require.NoError(t, err)
	assert.Len(t, codes, RecoveryCodeCount)
	u, _ = s.UserByID(ctx, u.ID)
	assert.True(t, u.MFAEnabled())
	_, err = s.BeginMFAEnrolment(ctx, u)
	_, isValidation := apperr.AsValidation(err)
	assert.True(t, isValidation, "enrolling twice is refused")

	// Codes from the neighbouring 30-second steps are accepted (clock drift), older ones not.
	prev, _ := totp.GenerateCode(setup.Secret, s.Clock.Now().Add(-30*time.Second))
	assert.NoError(t, s.VerifyMFA(ctx, u, prev, "10.0.0.1"))
	old, _ := totp.GenerateCode(setup.Secret, s.Clock.Now().Add(-5*time.Minute))
	assert.ErrorIs(t, s.VerifyMFA(ctx, u, old, "10.0.0.1"), ErrInvalidMFACode)

	// Recovery codes: any case, spaces or dashes; once each.
	assert.NoError(t, s.VerifyMFA(ctx, u, " "+codes[0][:5]+" "+codes[0][6:]+" ", "10.0.0.1"))
	assert.ErrorIs(t, s.VerifyMFA(ctx, u, codes[0], "10.0.0.1"), ErrInvalidMFACode)
	left, err := s.RemainingRecoveryCodes(ctx, u.ID)
	require.NoError(t, err)
	assert.EqualValues(t, RecoveryCodeCount-1, left)
}

func TestVerifyMFARefusesUsersWithoutMFAAndThrottles(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "tom@firm.example", Name: "Tom", Role: RoleStaff, Password: "a long enough password"})
	require.NoError(t, err)
	assert.ErrorIs(t, s.VerifyMFA(ctx, u, "123456", "10.0.0.2"), ErrInvalidMFACode)
	for i := 1; i < s.Throttle.PerAccount; i++ {
		assert.ErrorIs(t, s.VerifyMFA(ctx, u, "123456", "10.0.0.2"), ErrInvalidMFACode)
	}
	var throttled *ThrottledError
	assert.True(t, errors.As(s.VerifyMFA(ctx, u, "123456", "10.0.0.2"), &throttled))
	// The password throttle of the same account is separate.
	_, err = s.Authenticate(ctx, "tom@firm.example", "a long enough password", "10.0.0.3")
	assert.NoError(t, err)
}

func TestInviteUserIsAllOrNothing(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, _, err := s.InviteUser(ctx, audit.System, NewUser{Email: "dana@northwind.example", Name: "Dana", Role: RoleClient})
	_, isValidation := apperr.AsValidation(err)
	assert.True(t, isValidation)
	var n int64
	require.NoError(t, s.DB.Raw(`SELECT count(*) FROM users`).Scan(&n).Error)
	assert.Zero(t, n)

	u, token, err := s.InviteUser(ctx, audit.System, NewUser{Email: "nina@firm.example", Name: "Nina", Role: RoleStaff, Password: "ignored on purpose"})
	require.NoError(t, err)
	assert.Empty(t, u.PasswordHash)
	got, err := s.InvitationUser(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
}

func TestChangeRoleValidatesAndRevokesSessions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, audit.System, NewUser{Email: "avery@firm.example", Name: "Avery", Role: RoleAdmin, Password: "a long enough password"})
	require.NoError(t, err)
	tom, err := s.CreateUser(ctx, audit.System, NewUser{Email: "tom@firm.example", Name: "Tom", Role: RoleStaff, Password: "a long enough password"})
	require.NoError(t, err)
	token, err := s.StartSession(ctx, tom, StageFull, "", "")
	require.NoError(t, err)

	err = s.ChangeRole(ctx, admin.Actor(), admin.ID, RoleStaff, nil)
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["role"], "your own role")
	missing := int64(424242)
	err = s.ChangeRole(ctx, admin.Actor(), tom.ID, RoleClient, &missing)
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["client_id"], "existing client")
	assert.ErrorIs(t, s.ChangeRole(ctx, admin.Actor(), 999999, RoleStaff, nil), apperr.ErrNotFound)

	require.NoError(t, s.ChangeRole(ctx, admin.Actor(), tom.ID, RoleSenior, nil))
	_, _, err = s.LookupSession(ctx, token)
	assert.ErrorIs(t, err, ErrNoSession)
	tom, _ = s.UserByID(ctx, tom.ID)
	assert.Equal(t, RoleSenior, tom.Role)
}

func TestTOTPCodeIsAcceptedOnce(t *testing.T) {
	s := newTestService(t)
	clk := s.Clock.(*clock.Fixed)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "pat@firm.example", Name: "Pat", Role: RolePartner, Password: "a long enough password"})
	require.NoError(t, err)
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	require.NoError(t, s.DB.Exec(`UPDATE users SET mfa_secret = ?, mfa_enabled_at = now() WHERE id = ?`, secret, u.ID).Error)
	u, _ = s.UserByID(ctx, u.ID)

	code, err := totp.GenerateCode(secret, clk.Now())
	require.NoError(t, err)
	require.NoError(t, s.VerifyMFA(ctx, u, code, "10.0.0.1"))
	assert.ErrorIs(t, s.VerifyMFA(ctx, u, code, "10.0.0.1"), ErrInvalidMFACode, "the same code again is a replay")

	// A code of an earlier step, still inside the skew window, is refused too.
	earlier, err := totp.GenerateCode(secret, clk.Now().Add(-30*time.Second))
	require.NoError(t, err)
	assert.ErrorIs(t, s.VerifyMFA(ctx, u, earlier, "10.0.0.1"), ErrInvalidMFACode)

	clk.Advance(30 * time.Second)
	next, err := totp.GenerateCode(secret, clk.Now())
	require.NoError(t, err)
	assert.NoError(t, s.VerifyMFA(ctx, u, next, "10.0.0.1"), "the next step's code works")
}
