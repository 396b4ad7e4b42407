package db

import (
	"context"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/migrations"
)

func provider(gdb *gorm.DB) (*goose.Provider, error) {
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	// The advisory lock makes concurrent starts of several instances safe: one migrates, the
	// others wait and then find nothing pending.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	// Out-of-order migrations are applied rather than refused: each issue owns a range of numbers
	// (docs/decisions.md), so a lower number can land after a higher one (0130 after 0140), and a
	// database migrated in between must still take it.
	return goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration.
func Migrate(ctx context.Context, gdb *gorm.DB) error {
	p, err := provider(gdb)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	return nil
}

// MigrateDown rolls back the most recent migration (development only).
func MigrateDown(ctx context.Context, gdb *gorm.DB) error {
	p, err := provider(gdb)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("rolling back: %w", err)
	}
	return nil
}

// MigrationStatus writes one line per migration: applied or pending.
func MigrationStatus(ctx context.Context, gdb *gorm.DB, w io.Writer) error {
	p, err := provider(gdb)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("reading migration status: %w", err)
	}
	for _, s := range statuses {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "%-40s %s\n", s.Source.Path, applied)
	}
	return nil
}
