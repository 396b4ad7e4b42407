package webtest

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"
)

// TOTP returns the code an authenticator app would show for secret at t.
func TOTP(tb testing.TB, secret string, t time.Time) string {
	tb.Helper()
	code, err := totp.GenerateCode(secret, t)
	require.NoError(tb, err)
	return code
}
