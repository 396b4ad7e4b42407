package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func testApp(cfg config.Config) *app {
	return &app{stdout: io.Discard, stderr: io.Discard, cfg: cfg, clock: clock.System{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestServeConnectsAsTheLeastPrivilegeRole(t *testing.T) {
	ctx := context.Background()
	owner, dsn := dbtest.NewWithDSN(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "attest_app_serve_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		owner.Exec(`DROP OWNED BY ` + role)
		owner.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	appDSN := strings.Replace(dsn, "user=attest ", "user="+role+" ", 1)

	// Production with one all-powerful role: refused.
	a := testApp(config.Config{Env: "production", DatabaseURL: dsn})
	_, _, err := a.appDatabase(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to start")
	assert.ErrorIs(t, err, db.ErrTooPrivileged)

	// Owner migrates and creates the application role; the server runs as that role.
	a = testApp(config.Config{Env: "production", DatabaseURL: appDSN, MigrateDatabaseURL: dsn})
	app, _, err := a.appDatabase(ctx)
	require.NoError(t, err)
	defer db.Close(app)
	var who string
	require.NoError(t, app.Raw(`SELECT current_user`).Scan(&who).Error)
	assert.Equal(t, role, who)
	assert.Error(t, app.Exec(`DELETE FROM audit_events`).Error)
}

func TestTheAuditKeyIsRequiredInProductionAndGeneratedInDevelopment(t *testing.T) {
	_, err := testApp(config.Config{Env: "production"}).auditSigner()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ATTEST_AUDIT_KEY_FILE must be set")
	missing := filepath.Join(t.TempDir(), "nope.pem")
	_, err = testApp(config.Config{Env: "production", AuditKeyFile: missing}).auditSigner()
	require.Error(t, err, "production never generates a key")
	_, statErr := os.Stat(missing)
	assert.ErrorIs(t, statErr, os.ErrNotExist)

	dev := filepath.Join(t.TempDir(), ".data", "audit-key.pem")
	s, err := testApp(config.Config{Env: "development", AuditKeyFile: dev}).auditSigner()
	require.NoError(t, err)
	again, err := testApp(config.Config{Env: "development", AuditKeyFile: dev}).auditSigner()
	require.NoError(t, err)
	assert.Equal(t, s.KeyID, again.KeyID, "the generated key is kept")
	info, err := os.Stat(dev)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
