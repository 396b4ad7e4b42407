package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// appConnection creates a least-privilege role on the test database and connects as it.
func appConnection(t *testing.T) (owner, app *gorm.DB) {
	t.Helper()
	ctx := context.Background()
	owner, dsn := dbtest.NewWithDSN(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "attest_app_test_" + hex.EncodeToString(b)
	require.NoError(t, db.EnsureRole(ctx, owner, role, ""))
	require.NoError(t, db.GrantAppRole(ctx, owner, role))
	app, err := db.Open(ctx, strings.Replace(dsn, "user=attest ", "user="+role+" ", 1))
	require.NoError(t, err)
	t.Cleanup(func() {
		db.Close(app)
		owner.Exec(`DROP OWNED BY ` + role)
		owner.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	return owner, app
}

func TestTheAppRoleCannotAlterTheAuditTrail(t *testing.T) {
	ctx := context.Background()
	owner, app := appConnection(t)
	require.Error(t, db.CheckLeastPrivilege(ctx, owner), "the owner (here a superuser) could alter the trail")
	require.NoError(t, db.CheckLeastPrivilege(ctx, app))

	// The application works: ordinary tables read and write, the trail grows.
	require.NoError(t, app.Exec(`INSERT INTO clients (name) VALUES ('Northwind')`).Error)
	require.NoError(t, app.Exec(`UPDATE clients SET legal_name = 'Northwind Ledger, Inc.'`).Error)
	require.NoError(t, app.Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, audit.System, audit.Event{Action: "client.create", EntityType: "client", EntityID: 1})
	}))
	var n int64
	require.NoError(t, app.Raw(`SELECT count(*) FROM audit_events`).Scan(&n).Error)
	assert.Equal(t, int64(1), n)
	require.NoError(t, app.Exec(`INSERT INTO audit_checkpoints (created_at, reason, event_count, head_id, head_hash, key_id, signature)
		VALUES (now(), 'test', 1, 1, '\x00', 'k', '\x00')`).Error)

	// But it cannot change, remove or empty the trail or its checkpoints, nor switch off their
	// triggers (only the owner can), nor turn triggers off for its session.
	for _, table := range db.AppendOnlyTables {
		for _, stmt := range []string{
			`UPDATE ` + table + ` SET id = id`,
			`DELETE FROM ` + table,
			`TRUNCATE ` + table,
			`ALTER TABLE ` + table + ` DISABLE TRIGGER ALL`,
			`ALTER TABLE ` + table + ` DISABLE TRIGGER USER`,
			`DROP TABLE ` + table,
		} {
			err := app.Exec(stmt).Error
			require.Error(t, err, stmt)
			assert.Regexp(t, `permission denied|must be owner`, err.Error(), stmt)
		}
	}
	assert.Error(t, app.Exec(`SET session_replication_role = replica`).Error)
	assert.Error(t, app.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999999, true)`).Error, "migrations are the owner's")
}
