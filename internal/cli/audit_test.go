package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// TestAuditVerifyCommand: `attest audit verify` passes an intact trail and, after someone with
// database rights edits an event behind the trigger's back, exits 1 naming that event.
func TestAuditVerifyCommand(t *testing.T) {
	gdb, dsn := dbtest.NewWithDSN(t)
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "ATTEST_USER_PASSWORD":
			return "a long enough password"
		}
		return ""
	}
	verify := func() (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), []string{"audit", "verify"}, &out, &errOut, getenv)
		return code, out.String(), errOut.String()
	}
	var out, errOut bytes.Buffer
	require.Equal(t, 0, cli.Run(context.Background(), []string{"user", "create", "--email", "ann@firm.example", "--name", "Ann",
		"--role", "staff"}, &out, &errOut, getenv), errOut.String())
	require.Equal(t, 0, cli.Run(context.Background(), []string{"user", "create", "--email", "bo@firm.example", "--name", "Bo",
		"--role", "senior"}, &out, &errOut, getenv), errOut.String())

	code, stdout, stderr := verify()
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "audit trail intact: 2 events verified")

	var first int64
	require.NoError(t, gdb.Raw(`SELECT min(id) FROM audit_events`).Scan(&first).Error)
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`).Error)
	require.NoError(t, gdb.Exec(`UPDATE audit_events SET actor_email = 'someone-else@firm.example' WHERE id = ?`, first).Error)

	code, _, stderr = verify()
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, fmt.Sprintf("audit trail broken at event %d:", first))
	assert.Contains(t, stderr, "the event was altered")
}
