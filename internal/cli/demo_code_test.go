package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/seed"
)

func runCLI(env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestDemoCodePrintsTheCurrentCodeOfADemoAccount(t *testing.T) {
	exit, out, stderr := runCLI(nil, "demo-code", "--email", "Admin@attest.example")
	require.Equal(t, 0, exit, stderr)
	code := strings.TrimSpace(out)
	ok, err := totp.ValidateCustom(code, seed.DemoMFASecrets["admin@attest.example"], time.Now(),
		totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	assert.True(t, ok, "printed %q", code)
}

func TestDemoCodeRefusesOtherAccountsAndProduction(t *testing.T) {
	exit, out, stderr := runCLI(nil, "demo-code", "--email", "someone@firm.example")
	assert.Equal(t, 1, exit)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "is not a demo account with MFA")

	exit, out, stderr = runCLI(map[string]string{"ATTEST_ENV": "production", "DATABASE_URL": "postgres://attest@db/attest",
		"ATTEST_BASE_URL": "https://attest.firm.example"}, "demo-code", "--email", "admin@attest.example")
	assert.Equal(t, 1, exit)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "disabled when ATTEST_ENV=production")
}
