// Package dbtest gives each test a real PostgreSQL database of its own, cloned from a
// migrated template database on the project-local cluster (or on TEST_DATABASE_URL's server).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/migrations"
)

var (
	once     sync.Once
	cluster  db.LocalCluster
	template string
	setupErr error
)

// New returns a fresh, migrated database for one test; it is dropped when the test ends.
func New(t testing.TB) *gorm.DB {
	t.Helper()
	gdb, _ := NewWithDSN(t)
	return gdb
}

// NewWithDSN is New plus the connection string, for code that opens its own connections.
func NewWithDSN(t testing.TB) (*gorm.DB, string) {
	t.Helper()
	ctx := context.Background()
	once.Do(func() { setupErr = prepareTemplate(ctx) })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	name := "attest_test_" + randomSuffix()
	admin, err := db.Open(ctx, cluster.DSN("postgres"))
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	defer db.Close(admin)
	// CREATE DATABASE … TEMPLATE fails while another session touches the template; retry briefly.
	for attempt := 0; ; attempt++ {
		err = admin.Exec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, template)).Error
		if err == nil || attempt == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("cloning test database: %v", err)
	}
	dsn := cluster.DSN(name)
	gdb, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close(gdb)
		drop, err := db.Open(context.Background(), cluster.DSN("postgres"))
		if err == nil {
			drop.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
			db.Close(drop)
		}
	})
	return gdb, dsn
}

// prepareTemplate starts the cluster and creates a template database named after a hash of the
// migrations, so a changed migration gets a fresh template and an unchanged one is reused.
func prepareTemplate(ctx context.Context) error {
	var err error
	cluster, err = db.DefaultLocalCluster()
	if err != nil {
		return err
	}
	if err := cluster.Ensure(ctx); err != nil {
		return err
	}
	sum, err := migrationsHash()
	if err != nil {
		return err
	}
	template = "attest_tpl_" + sum[:16]
	admin, err := db.Open(ctx, cluster.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close(admin)
	// Serialise template creation across test binaries with an advisory lock.
	conn, err := admin.DB()
	if err != nil {
		return err
	}
	c, err := conn.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(424242)`); err != nil {
		return err
	}
	defer c.ExecContext(ctx, `SELECT pg_advisory_unlock(424242)`)
	var exists bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := template + "_build"
	if _, err := c.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return err
	}
	tdb, err := db.Open(ctx, cluster.DSN(building))
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, tdb)
	db.Close(tdb)
	if err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+template); err != nil {
		return err
	}
	_, err = c.ExecContext(ctx, `ALTER DATABASE `+template+` WITH IS_TEMPLATE true`)
	return err
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\n%d\n", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
