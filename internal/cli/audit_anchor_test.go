package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestAuditVerifySaysTruncatedAndExportsCheckpoints(t *testing.T) {
	gdb, dsn := dbtest.NewWithDSN(t)
	key := filepath.Join(t.TempDir(), "audit-key.pem")
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "ATTEST_AUDIT_KEY_FILE":
			return key
		case "ATTEST_USER_PASSWORD":
			return "a long enough password"
		}
		return ""
	}
	ctx := context.Background()
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(ctx, args, &out, &errOut, getenv)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run("audit", "keygen", key)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "audit signing key written to")
	for _, who := range []string{"ann", "bo", "cy"} {
		code, _, errOut = run("user", "create", "--email", who+"@firm.example", "--name", who, "--role", "staff")
		require.Equal(t, 0, code, errOut)
	}
	signer, err := audit.LoadSigner(key)
	require.NoError(t, err)
	cp, err := audit.NewService(gdb).WriteCheckpoint(ctx, signer, audit.CheckpointHourly)
	require.NoError(t, err)

	code, out, errOut = run("audit", "verify")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "audit trail intact: 3 events verified; matches 1 signed checkpoints (key "+signer.KeyID+")")

	code, out, errOut = run("audit", "checkpoints", "--export")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1)
	var exported map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &exported))
	assert.EqualValues(t, 3, exported["event_count"])
	assert.EqualValues(t, cp.HeadID, exported["head_id"])
	assert.Equal(t, signer.KeyID, exported["key_id"])
	assert.NotEmpty(t, exported["signature"])
	assert.NotEmpty(t, exported["public_key"])

	// A DBA (the owner role) removes the last event behind the triggers' back.
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events DISABLE TRIGGER USER`).Error)
	require.NoError(t, gdb.Exec(`DELETE FROM audit_events WHERE id = ?`, cp.HeadID).Error)
	code, _, errOut = run("audit", "verify")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, fmt.Sprintf("audit trail truncated at event %d:", cp.HeadID))
}
