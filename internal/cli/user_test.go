package cli_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// TestUserCreateReadsThePasswordOffTheCommandLine: `attest user create` takes the initial
// password from standard input (--password-stdin) or ATTEST_USER_PASSWORD, never from an
// argument, which other users see in the process list and which stays in the shell history.
func TestUserCreateReadsThePasswordOffTheCommandLine(t *testing.T) {
	gdb, dsn := dbtest.NewWithDSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	run := func(stdin io.Reader, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.RunWithInput(context.Background(), append([]string{"user", "create", "--role", "staff"}, args...), stdin,
			&out, &errOut, func(k string) string { return env[k] })
		return code, out.String(), errOut.String()
	}
	passwordOf := func(email string) string {
		var hash string
		require.NoError(t, gdb.Raw(`SELECT coalesce(password_hash, '') FROM users WHERE email = ?`, email).Row().Scan(&hash))
		return hash
	}

	// From standard input: the first line, without its line ending.
	code, out, errOut := run(strings.NewReader("stdin password of ann\nignored\n"), "--email", "ann@firm.example", "--name", "Ann", "--password-stdin")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "created user")
	assert.NotContains(t, out, "set-password link")
	ok, err := auth.CheckPassword(passwordOf("ann@firm.example"), "stdin password of ann")
	require.NoError(t, err)
	assert.True(t, ok, "the password read from standard input is the user's")

	// From the environment.
	env["ATTEST_USER_PASSWORD"] = "environment password of bo"
	code, _, errOut = run(strings.NewReader(""), "--email", "bo@firm.example", "--name", "Bo")
	require.Equal(t, 0, code, errOut)
	ok, err = auth.CheckPassword(passwordOf("bo@firm.example"), "environment password of bo")
	require.NoError(t, err)
	assert.True(t, ok)
	delete(env, "ATTEST_USER_PASSWORD")

	// On the command line: refused, with the way to do it instead; nobody is created.
	code, _, errOut = run(strings.NewReader(""), "--email", "cy@firm.example", "--name", "Cy", "--password", "visible in ps")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "--password-stdin")
	assert.Contains(t, errOut, "ATTEST_USER_PASSWORD")
	var n int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM users WHERE email = 'cy@firm.example'`).Row().Scan(&n))
	assert.Zero(t, n)

	// --password-stdin with nothing on standard input is an error, not a password-less user.
	code, _, errOut = run(strings.NewReader(""), "--email", "dee@firm.example", "--name", "Dee", "--password-stdin")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "standard input held no password")

	// Neither: an invitation, as before.
	code, out, errOut = run(strings.NewReader(""), "--email", "eve@firm.example", "--name", "Eve")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "set-password link")
	assert.Empty(t, passwordOf("eve@firm.example"))
}
