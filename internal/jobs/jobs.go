// Package jobs runs Attest's background work on River, a PostgreSQL-backed job queue: the
// client that works jobs in `attest serve` (several servers share the queue; each job runs
// once) and the insert-only client that queues a job inside a gorm transaction. River's schema
// is part of our numbered migrations (0140_river_queue.sql); see docs/decisions.md.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"
)

// Inserter queues jobs; InsertTx takes the *sql.Tx under a gorm transaction
// (tx.Statement.ConnPool), so a job is queued only if the change that asks for it commits.
type Inserter = river.Client[*sql.Tx]

// NewInserter returns an insert-only client on gorm's connection pool.
func NewInserter(gdb *gorm.DB) (*Inserter, error) {
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("job inserter: %w", err)
	}
	c, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("job inserter: %w", err)
	}
	return c, nil
}

// Runner works jobs from the queue until stopped.
type Runner struct {
	Client *river.Client[pgx.Tx]
	pool   *pgxpool.Pool
}

// Options tune a Runner; the zero value suits `attest serve`.
type Options struct {
	MaxWorkers int    // jobs worked at once by this server (default 2)
	ID         string // the client's name in River (default: River picks one)
}

// NewRunner connects its own pgx pool (River's pgx driver listens for new jobs with
// LISTEN/NOTIFY, so they start at once) and prepares a client working the given workers.
func NewRunner(ctx context.Context, dsn string, workers *river.Workers, log *slog.Logger, opts Options) (*Runner, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("job runner: connecting: %w", err)
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = 2
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                opts.ID,
		Logger:            log,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.MaxWorkers}},
		Workers:           workers,
		FetchPollInterval: 500 * time.Millisecond,
		// A server that dies mid-job (no graceful stop) leaves its job running; after this long
		// another server retries it. It is longer than any worker's timeout.
		RescueStuckJobsAfter: 20 * time.Minute,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("job runner: %w", err)
	}
	return &Runner{Client: c, pool: pool}, nil
}

// Start begins working jobs in the background.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.Client.Start(ctx); err != nil {
		return fmt.Errorf("starting job runner: %w", err)
	}
	return nil
}

// Stop cancels the jobs in progress (each rolls back and is retried, here or on another
// server), waits for them to return, and closes the pool.
func (r *Runner) Stop(ctx context.Context) error {
	defer r.pool.Close()
	return r.Client.StopAndCancel(ctx)
}
