package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// AppendOnlyTables may only grow: the application's role can read them and add rows, never
// change or remove one (the triggers refuse too, but a table's owner could disable them).
var AppendOnlyTables = []string{"audit_events", "audit_checkpoints"}

// LocalAppRole is the least-privilege role the project-local cluster creates for the server.
const LocalAppRole = "attest_app"

// GrantAppRole gives role what the running application needs and nothing more: read and write
// on every table of the schema except the append-only ones (SELECT and INSERT only), the
// sequences, and read-only access to the migration table. It does not own any table, so it can
// neither change the schema nor disable a trigger. Run it as the owner after every migration
// (attest serve does), so tables added by later migrations are covered. Idempotent.
func GrantAppRole(ctx context.Context, owner *gorm.DB, role string) error {
	r := quoteIdent(role)
	stmts := []string{
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + r,
		`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON goose_db_version FROM ` + r,
	}
	for _, t := range AppendOnlyTables {
		stmts = append(stmts, `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON `+quoteIdent(t)+` FROM `+r)
	}
	return owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("granting the application role %s: %s: %w", role, s, err)
			}
		}
		return nil
	})
}

// EnsureRole creates a login role (no superuser, no role or database creation) unless it exists.
func EnsureRole(ctx context.Context, owner *gorm.DB, role, password string) error {
	var n int64
	if err := owner.WithContext(ctx).Raw(`SELECT count(*) FROM pg_roles WHERE rolname = ?`, role).Scan(&n).Error; err != nil {
		return fmt.Errorf("looking for role %s: %w", role, err)
	}
	if n > 0 {
		return nil
	}
	stmt := `CREATE ROLE ` + quoteIdent(role) + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`
	if password != "" {
		stmt += ` PASSWORD '` + strings.ReplaceAll(password, `'`, `''`) + `'`
	}
	if err := owner.WithContext(ctx).Exec(stmt).Error; err != nil {
		return fmt.Errorf("creating role %s: %w", role, err)
	}
	return nil
}

// ErrTooPrivileged: the connected role could alter the audit trail.
var ErrTooPrivileged = errors.New("the database role can alter the audit trail")

// CheckLeastPrivilege returns ErrTooPrivileged (with what the role could do) when the role gdb
// connects as is a superuser, owns an append-only table (and could disable its triggers), or may
// UPDATE, DELETE or TRUNCATE it. The production server refuses to start then.
func CheckLeastPrivilege(ctx context.Context, gdb *gorm.DB) error {
	var problems []string
	var who struct {
		User  string
		Super bool
	}
	if err := gdb.WithContext(ctx).Raw(`SELECT current_user AS user, rolsuper AS super FROM pg_roles WHERE rolname = current_user`).Scan(&who).Error; err != nil {
		return fmt.Errorf("checking the database role: %w", err)
	}
	if who.Super {
		problems = append(problems, "it is a superuser")
	}
	for _, t := range AppendOnlyTables {
		var p struct {
			Owner                    bool
			Update, Delete, Truncate bool
		}
		err := gdb.WithContext(ctx).Raw(`SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS owner,
			has_table_privilege(current_user, c.oid, 'UPDATE') AS update,
			has_table_privilege(current_user, c.oid, 'DELETE') AS delete,
			has_table_privilege(current_user, c.oid, 'TRUNCATE') AS truncate
			FROM pg_class c WHERE c.relname = ? AND c.relnamespace = 'public'::regnamespace`, t).Scan(&p).Error
		if err != nil {
			return fmt.Errorf("checking privileges on %s: %w", t, err)
		}
		switch {
		case p.Owner:
			problems = append(problems, "it owns "+t+" (and could disable its triggers)")
		case p.Update || p.Delete || p.Truncate:
			problems = append(problems, "it may UPDATE, DELETE or TRUNCATE "+t)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: role %s: %s", ErrTooPrivileged, who.User, strings.Join(problems, "; "))
	}
	return nil
}
