// Package scaletest gives benchmarks the large scale fixture (seed.LargeScale) in a database of
// its own, attest_scale on the project-local cluster (or SCALE_DATABASE_URL), loaded on first
// use — a couple of minutes — and reused by every later `make bench`.
package scaletest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/seed"
)

// Fixture is the loaded large fixture.
type Fixture struct {
	DB      *gorm.DB
	DSN     string
	BlobDir string
	Store   evidence.Store
	Result  seed.ScaleResult
}

// Open connects to the scale database, migrating and loading it if needed.
func Open(tb testing.TB) *Fixture {
	tb.Helper()
	ctx := context.Background()
	dsn := os.Getenv("SCALE_DATABASE_URL")
	blobDir := os.Getenv("SCALE_BLOB_DIR")
	if dsn == "" {
		cluster, err := db.DefaultLocalCluster()
		if err != nil {
			tb.Fatalf("scale fixture: %v", err)
		}
		if err := cluster.Ensure(ctx); err != nil {
			tb.Fatalf("scale fixture: %v", err)
		}
		if err := cluster.CreateDatabase(ctx, "attest_scale"); err != nil {
			tb.Fatalf("scale fixture: %v", err)
		}
		dsn = cluster.DSN("attest_scale")
		if blobDir == "" {
			blobDir = filepath.Join(filepath.Dir(cluster.Dir), "scale-evidence")
		}
	}
	if blobDir == "" {
		blobDir = filepath.Join(os.TempDir(), "attest-scale-evidence")
	}
	gdb, err := db.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("scale fixture: %v", err)
	}
	tb.Cleanup(func() { db.Close(gdb) })
	if err := db.Migrate(ctx, gdb); err != nil {
		tb.Fatalf("scale fixture: %v", err)
	}
	store, err := evidence.NewLocalStore(blobDir)
	if err != nil {
		tb.Fatalf("scale fixture: %v", err)
	}
	res, err := seed.SeedScale(ctx, gdb, store, clock.System{}, seed.LargeScale)
	if err != nil {
		tb.Fatalf("scale fixture: %v", err)
	}
	if res.Created {
		tb.Logf("loaded the large scale fixture in %s", res.Took.Round(time.Second))
	}
	return &Fixture{DB: gdb, DSN: dsn, BlobDir: blobDir, Store: store, Result: res}
}
