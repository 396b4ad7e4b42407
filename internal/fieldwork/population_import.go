package fieldwork

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"io"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
)

// A population upload runs as a background job: the upload stores the file in the blob store,
// records a population_imports row and queues a River job in one transaction, and returns at
// once. The job reads and checks the file, then writes the population, its items and the audit
// event in one transaction that also marks the import done — so an interrupted job leaves
// nothing behind, and a retried job never imports twice.

// MaxPopulationFileBytes bounds the uploaded file itself (a million rows of a wide export).
const MaxPopulationFileBytes = 1 << 30

// PopulationImportArgs is the River job that imports one uploaded population file.
type PopulationImportArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job in river_job.
func (PopulationImportArgs) Kind() string { return "population_import" }

// InsertOpts: a few attempts cover restarts and lost connections; a bad file fails once.
func (PopulationImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: populationImportAttempts}
}

const populationImportAttempts = 5

// ImportStatus is where a population import stands.
type ImportStatus string

const (
	ImportQueued  ImportStatus = "queued"
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"
	ImportFailed  ImportStatus = "failed"
)

// Label is the status as the test page shows it.
func (s ImportStatus) Label() string {
	switch s {
	case ImportQueued:
		return "Waiting to start"
	case ImportRunning:
		return "Importing"
	case ImportDone:
		return "Imported"
	case ImportFailed:
		return "Not imported"
	}
	return string(s)
}

// Finished reports whether the import has ended, either way.
func (s ImportStatus) Finished() bool { return s == ImportDone || s == ImportFailed }

// PopulationImport is one uploaded population file on its way in.
type PopulationImport struct {
	ID           int64
	TestID       int64
	FileName     string
	FileSize     int64
	Status       ImportStatus
	RowsTotal    int
	RowsRead     int
	RowsStored   int
	Attempt      int
	Error        string
	PopulationID *int64
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

// Fraction is how far the import is, 0 to 1: reading the rows is the first half, storing them
// the second.
func (p PopulationImport) Fraction() float64 {
	if p.Status == ImportDone {
		return 1
	}
	if p.RowsTotal <= 0 {
		return 0
	}
	f := (float64(min(p.RowsRead, p.RowsTotal)) + float64(min(p.RowsStored, p.RowsTotal))) / float64(2*p.RowsTotal)
	return min(f, 1)
}

// TimeLeft estimates the time to the end from the pace so far; ok is false until there is a pace.
func (p PopulationImport) TimeLeft(now time.Time) (left time.Duration, ok bool) {
	f := p.Fraction()
	if p.Status != ImportRunning || p.StartedAt == nil || f <= 0.01 {
		return 0, false
	}
	elapsed := now.Sub(*p.StartedAt)
	return time.Duration(float64(elapsed) * (1 - f) / f), true
}

// QueuePopulationImport checks the form, stores the file in the blob store and queues its import
// (row, job and audit event in one transaction). It returns at once; the job does the work.
func (s *Service) QueuePopulationImport(ctx context.Context, u auth.User, testID int64, in PopulationInput, file io.Reader) (PopulationImport, error) {
	v := apperr.Validation{}
	if strings.TrimSpace(in.Source) == "" {
		v.Add("source", "Say where the population comes from (system, report or query).")
	}
	if strings.TrimSpace(in.CompletenessCheck) == "" {
		v.Add("completeness_check", "Say how you checked that the population is complete and accurate.")
	}
	if file == nil {
		v.Add("file", "Choose a CSV or XLSX file.")
	}
	if err := v.Err(); err != nil {
		return PopulationImport{}, err
	}
	if s.Blobs == nil || s.Jobs == nil {
		return PopulationImport{}, errors.New("queueing a population import: no blob store or job queue configured")
	}
	t, err := s.Test(ctx, testID)
	if err != nil {
		return PopulationImport{}, err
	}
	sp, err := s.Blobs.Spool(file, MaxPopulationFileBytes)
	if errors.Is(err, evidence.ErrTooLarge) {
		return PopulationImport{}, fileError(fmt.Sprintf("The file is larger than %d MB. Split it (for example by quarter) and upload each part to its own test.", MaxPopulationFileBytes>>20))
	}
	if err != nil {
		return PopulationImport{}, fmt.Errorf("receiving population file: %w", err)
	}
	defer sp.Discard()
	if sp.Size == 0 {
		return PopulationImport{}, fileError("Choose a CSV or XLSX file.")
	}
	if err := s.Blobs.Commit(ctx, sp); err != nil {
		return PopulationImport{}, fmt.Errorf("storing population file: %w", err)
	}
	var id int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO population_imports (test_id, source, completeness_check, key_column, file_name, file_sha256, file_size, uploaded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, testID, strings.TrimSpace(in.Source), strings.TrimSpace(in.CompletenessCheck),
			strings.TrimSpace(in.KeyColumn), in.FileName, sp.SHA256, sp.Size, u.ID).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("recording population import: %w", err)
		}
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("queueing population import: the transaction is not a *sql.Tx")
		}
		if _, err := s.Jobs.InsertTx(ctx, sqlTx, PopulationImportArgs{ImportID: id}, nil); err != nil {
			return fmt.Errorf("queueing population import: %w", err)
		}
		return audit.Record(ctx, tx, actor(u), audit.Event{Action: "population.import_queued", EntityType: "population_import", EntityID: id,
			EngagementID: t.EngagementID, After: map[string]any{"test_id": testID, "file_name": in.FileName, "sha256": sp.SHA256, "size": sp.Size}})
	})
	if err != nil {
		return PopulationImport{}, err
	}
	return s.PopulationImport(ctx, id)
}

const importSelect = `SELECT id, test_id, file_name, file_size, status, rows_total, rows_read, rows_stored, attempt, error,
	population_id, created_at, started_at, finished_at FROM population_imports `

// PopulationImport loads one import.
func (s *Service) PopulationImport(ctx context.Context, id int64) (PopulationImport, error) {
	return dbx.One[PopulationImport](s.DB.WithContext(ctx), fmt.Sprintf("population import %d", id), importSelect+`WHERE id = ?`, id)
}

// PopulationImports lists a test's latest imports, newest first.
func (s *Service) PopulationImports(ctx context.Context, testID int64, limit int) ([]PopulationImport, error) {
	var out []PopulationImport
	if err := s.DB.WithContext(ctx).Raw(importSelect+`WHERE test_id = ? ORDER BY id DESC LIMIT ?`, testID, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing population imports of test %d: %w", testID, err)
	}
	return out, nil
}

// PopulationImportWorker runs population imports for River.
type PopulationImportWorker struct {
	river.WorkerDefaults[PopulationImportArgs]
	Service *Service
}

// Timeout: a million rows take well under a minute; the margin covers a slow disk.
func (w *PopulationImportWorker) Timeout(*river.Job[PopulationImportArgs]) time.Duration {
	return 15 * time.Minute
}

// NextRetry retries soon: the usual cause is a restart, and the user is watching the page.
func (w *PopulationImportWorker) NextRetry(job *river.Job[PopulationImportArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * time.Second)
}

// Work imports the population.
func (w *PopulationImportWorker) Work(ctx context.Context, job *river.Job[PopulationImportArgs]) error {
	err := w.Service.RunPopulationImport(ctx, job.Args.ImportID, job.Attempt)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Service.failImport(job.Args.ImportID, "The import failed after several attempts ("+err.Error()+"). Upload the file again; if it fails again, tell your administrator.")
	}
	return err
}

// importRow is what the job needs from population_imports.
type importRow struct {
	ID                int64
	TestID            int64
	Source            string
	CompletenessCheck string
	KeyColumn         string
	FileName          string
	FileSHA256        string `gorm:"column:file_sha256"`
	Status            ImportStatus
	UploadedBy        *int64
	UploaderEmail     string
}

// errImportedMeanwhile: the import was marked done by an earlier run of the same job.
var errImportedMeanwhile = errors.New("population import already done")

// RunPopulationImport reads, checks and stores one uploaded population. A problem with the file
// ends the import with the message (row and column) and stores nothing; any other error (a
// restart, a lost connection) is returned so River retries the job, and the transaction that
// writes the population rolls back, leaving nothing half-imported.
func (s *Service) RunPopulationImport(ctx context.Context, importID int64, attempt int) error {
	imp, err := dbx.One[importRow](s.DB.WithContext(ctx), fmt.Sprintf("population import %d", importID), `SELECT i.id, i.test_id,
			i.source, i.completeness_check, i.key_column, i.file_name, i.file_sha256, i.status, i.uploaded_by, coalesce(u.email, '') AS uploader_email
		FROM population_imports i LEFT JOIN users u ON u.id = i.uploaded_by WHERE i.id = ?`, importID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil // deleted with its test
	}
	if err != nil {
		return err
	}
	if imp.Status.Finished() {
		return nil // already finished by an earlier run
	}
	now := s.now()
	if err := s.DB.WithContext(ctx).Exec(`UPDATE population_imports SET status = 'running', attempt = ?, started_at = ?, rows_read = 0, rows_stored = 0, error = ''
		WHERE id = ? AND status IN ('queued', 'running')`, attempt, now, importID).Error; err != nil {
		return fmt.Errorf("starting population import %d: %w", importID, err)
	}
	data, err := s.readBlob(ctx, imp.FileSHA256)
	if err != nil {
		return s.interrupted(importID, err)
	}
	total := 0
	if !isXLSX(data, imp.FileName) {
		total = max(bytes.Count(data, []byte{'\n'}), 1) // lines, a close estimate until the rows are read
		s.progress(importID, "rows_total", total)
	}
	every := s.progressEvery()
	parsed, err := parsePopulation(data, imp.FileName, imp.KeyColumn, s.maxRows(), func(rows int) error {
		if rows%every == 0 {
			s.progress(importID, "rows_read", rows)
		}
		return ctx.Err()
	})
	if v, ok := apperr.AsValidation(err); ok {
		s.failImport(importID, validationText(v))
		return nil
	}
	if err != nil {
		return s.interrupted(importID, err)
	}
	data = nil
	if err := s.DB.WithContext(ctx).Exec(`UPDATE population_imports SET rows_total = ?, rows_read = ? WHERE id = ?`,
		len(parsed.Rows), len(parsed.Rows), importID).Error; err != nil {
		return s.interrupted(importID, err)
	}
	t, err := s.Test(ctx, imp.TestID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil // the test was deleted meanwhile; its imports went with it
	}
	if err != nil {
		return s.interrupted(importID, err)
	}
	var u auth.User
	if imp.UploadedBy != nil {
		u.ID, u.Email = *imp.UploadedBy, imp.UploaderEmail
	}
	in := PopulationInput{Source: imp.Source, CompletenessCheck: imp.CompletenessCheck, KeyColumn: imp.KeyColumn, FileName: imp.FileName}
	err = s.DB.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		sqlConn, ok := conn.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return errors.New("importing population: no dedicated connection")
		}
		return conn.Transaction(func(tx *gorm.DB) error {
			id, err := s.storePopulationProgress(ctx, tx, sqlConn, u, t, in, parsed, func(rows int) error {
				if rows%every == 0 {
					s.progress(importID, "rows_stored", rows)
					if s.OnImportProgress != nil {
						if err := s.OnImportProgress(ctx, importID, rows); err != nil {
							return err
						}
					}
				}
				return ctx.Err()
			})
			if err != nil {
				return err
			}
			// Marking the import done commits with the population: a later run of the same job
			// (River retries one whose completion was lost) finds it done and stops.
			res := tx.Exec(`UPDATE population_imports SET status = 'done', population_id = ?, rows_stored = ?, finished_at = ?
				WHERE id = ? AND status <> 'done'`, id, len(parsed.Rows), s.now(), importID)
			if res.Error != nil {
				return fmt.Errorf("finishing population import %d: %w", importID, res.Error)
			}
			if res.RowsAffected == 0 {
				return errImportedMeanwhile
			}
			return nil
		})
	})
	if errors.Is(err, errImportedMeanwhile) {
		return nil
	}
	if v, ok := apperr.AsValidation(err); ok {
		s.failImport(importID, validationText(v))
		return nil
	}
	if err != nil {
		return s.interrupted(importID, err)
	}
	return nil
}

func (s *Service) readBlob(ctx context.Context, sha string) ([]byte, error) {
	r, err := s.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("opening population file: %w", err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading population file: %w", err)
	}
	return data, nil
}

// progress records how far the job is, on its own connection so the page sees it while the
// import's transaction is still open.
func (s *Service) progress(importID int64, column string, rows int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.DB.WithContext(ctx).Exec(`UPDATE population_imports SET `+column+` = ? WHERE id = ? AND status = 'running'`, rows, importID).Error
}

// interrupted puts the import back in the queue's hands (River retries the job) and says so.
func (s *Service) interrupted(importID int64, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.DB.WithContext(ctx).Exec(`UPDATE population_imports SET status = 'queued', rows_read = 0, rows_stored = 0,
		error = 'Interrupted; it will start again shortly.' WHERE id = ? AND status = 'running'`, importID).Error
	return fmt.Errorf("population import %d: %w", importID, cause)
}

// failImport ends the import with a message for the user; nothing was stored.
func (s *Service) failImport(importID int64, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.DB.WithContext(ctx).Exec(`UPDATE population_imports SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status <> 'done'`,
		msg, s.now(), importID).Error
}

func validationText(v apperr.Validation) string {
	msgs := make([]string, 0, len(v))
	for _, k := range []string{"file", "key_column", "source", "completeness_check"} {
		if m, ok := v[k]; ok {
			msgs = append(msgs, m)
		}
	}
	return strings.Join(msgs, " ")
}

func (s *Service) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Service) maxRows() int {
	if s.MaxRows > 0 {
		return s.MaxRows
	}
	return MaxPopulationRows
}

func (s *Service) progressEvery() int {
	if s.ProgressEvery > 0 {
		return s.ProgressEvery
	}
	return 10_000
}
