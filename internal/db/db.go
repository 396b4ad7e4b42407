// Package db owns the connection to PostgreSQL, the migrations and the project-local cluster
// that development and tests use when no DATABASE_URL is set.
package db

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to PostgreSQL and checks the connection.
func Open(ctx context.Context, dsn string) (*gorm.DB, error) {
	gdb, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		return nil, fmt.Errorf("connecting to database (check DATABASE_URL): %w", err)
	}
	return gdb, nil
}

// Close closes the pool behind gdb, logging rather than failing: it runs at shutdown.
func Close(gdb *gorm.DB) {
	if sqlDB, err := gdb.DB(); err == nil {
		if err := sqlDB.Close(); err != nil {
			slog.Warn("closing database", "err", err)
		}
	}
}
