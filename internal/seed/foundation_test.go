package seed

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestDemoAdminsUseThePublishedMFASecretsAndSeedingIsIdempotent(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)}
	logins, err := Demo(ctx, gdb, clk)
	require.NoError(t, err)
	var events int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events`).Scan(&events).Error)

	_, err = Demo(ctx, gdb, clk)
	require.NoError(t, err)
	var again int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events`).Scan(&again).Error)
	assert.Equal(t, events, again, "a second run changes nothing")

	svc := auth.NewService(gdb, clk, time.Hour, 12*time.Hour)
	for email, secret := range DemoMFASecrets {
		var u auth.User
		require.NoError(t, gdb.Where("email = ?", email).First(&u).Error)
		assert.True(t, u.MFAEnabled(), email)
		code, err := totp.GenerateCode(secret, clk.Now())
		require.NoError(t, err)
		assert.NoError(t, svc.VerifyMFA(ctx, u, code, "127.0.0.1"), "the published secret of %s signs in", email)
		printed := false
		for _, l := range logins {
			printed = printed || (l.Email == email && assert.Contains(t, l.Note, secret))
		}
		assert.True(t, printed, "make run prints the secret of %s", email)
	}
	res, err := audit.NewService(gdb).Verify(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK())
}
