// Package fieldwork owns the auditors' testing work: test procedures per control, populations
// and samples, exceptions with management's responses and the auditor's evaluation, workpaper
// sign-offs and review notes.
package fieldwork

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/evidence"
)

// Service runs the fieldwork domain functions against the database.
type Service struct {
	DB    *gorm.DB
	Clock clock.Clock

	// Population imports (population_import.go): the blob store keeps uploaded files, Jobs
	// queues the import inside the upload's transaction.
	Blobs evidence.Store
	Jobs  *river.Client[*sql.Tx]
	// MaxRows overrides MaxPopulationRows (tests); ProgressEvery is how many rows pass between
	// progress updates (default 10,000); OnImportProgress, when set, is called at each update
	// and an error from it interrupts the import (tests use it to stop a job half-way).
	MaxRows          int
	ProgressEvery    int
	OnImportProgress func(ctx context.Context, importID int64, rowsStored int) error
}

// NewService returns a Service.
func NewService(db *gorm.DB, clk clock.Clock) *Service { return &Service{DB: db, Clock: clk} }

func actor(u auth.User) audit.Actor { return audit.Actor{ID: u.ID, Email: u.Email} }
