package fieldwork

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/jobs"
)

// importFixture is a fixture whose service queues population imports on River.
type importFixture struct {
	*fixture
	dsn  string
	test Test
}

func newImportFixture(t *testing.T) *importFixture {
	t.Helper()
	gdb, dsn := dbtest.NewWithDSN(t)
	f := fixtureOn(t, gdb, "type2")
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	ins, err := jobs.NewInserter(gdb)
	require.NoError(t, err)
	f.svc.Blobs, f.svc.Jobs, f.svc.ProgressEvery = store, ins, 500
	return &importFixture{fixture: f, dsn: dsn, test: f.test(f.control("NL-03", FreqAsNeeded, "low", "CC1.4"))}
}

// runner starts a River client working population imports with svc, as one `attest serve` does.
func (f *importFixture) runner(t *testing.T, name string, svc *Service) *jobs.Runner {
	t.Helper()
	w := river.NewWorkers()
	river.AddWorker(w, &PopulationImportWorker{Service: svc})
	r, err := jobs.NewRunner(context.Background(), f.dsn, w, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{ID: name})
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

func (f *importFixture) queue(t *testing.T, name string, data []byte) PopulationImport {
	t.Helper()
	imp, err := f.svc.QueuePopulationImport(f.ctx, f.users["staff"], f.test.ID,
		PopulationInput{Source: "HRIS", CompletenessCheck: "Agreed to headcount", FileName: name}, bytes.NewReader(data))
	require.NoError(t, err)
	require.NotZero(t, imp.ID)
	return imp
}

// wait polls the import until it has finished.
func (f *importFixture) wait(t *testing.T, id int64) PopulationImport {
	t.Helper()
	var imp PopulationImport
	require.Eventually(t, func() bool {
		var err error
		imp, err = f.svc.PopulationImport(f.ctx, id)
		require.NoError(t, err)
		return imp.Status.Finished()
	}, 30*time.Second, 20*time.Millisecond)
	return imp
}

func (f *importFixture) stored() (pops, items int) {
	require.NoError(f.t, f.db.Raw(`SELECT (SELECT count(*) FROM populations), (SELECT count(*) FROM population_items)`).Row().Scan(&pops, &items))
	return pops, items
}

// The upload returns at once with a queued import; the job reads and stores the rows, reports
// its progress on the way, and ends done with the population linked.
func TestPopulationImportRunsAsJob(t *testing.T) {
	f := newImportFixture(t)
	imp := f.queue(t, "hires.csv", csvPopulation(2500))
	assert.Equal(t, ImportQueued, imp.Status)
	pops, _ := f.stored()
	assert.Zero(t, pops, "the upload only queues the work")

	var seen []int
	svc := *f.svc
	svc.OnImportProgress = func(ctx context.Context, id int64, rows int) error {
		got, err := f.svc.PopulationImport(ctx, id)
		require.NoError(t, err)
		seen = append(seen, got.RowsStored)
		return nil
	}
	f.runner(t, "server-1", &svc)
	done := f.wait(t, imp.ID)
	assert.Equal(t, ImportDone, done.Status, done.Error)
	require.NotNil(t, done.PopulationID)
	assert.Equal(t, 2500, done.RowsTotal)
	assert.Equal(t, 2500, done.RowsStored)
	assert.Equal(t, 1.0, done.Fraction())
	assert.Equal(t, []int{500, 1000, 1500, 2000, 2500}, seen, "progress is visible outside the import's transaction")
	p, err := f.svc.Population(f.ctx, *done.PopulationID)
	require.NoError(t, err)
	assert.Equal(t, 2500, p.RowCount)
	assert.Equal(t, "staff", p.UploaderName)
	assert.Equal(t, []string{"population.upload"}, f.auditActions("population", p.ID))
	assert.Equal(t, []string{"population.import_queued"}, f.auditActions("population_import", imp.ID))
}

// A server stopped in the middle of an import (its jobs cancelled, as at a restart) leaves no
// population and no items; the job is retried by the next server and imports once.
func TestPopulationImportInterruptedIsRetriedAndLeavesNothing(t *testing.T) {
	f := newImportFixture(t)
	imp := f.queue(t, "hires.csv", csvPopulation(3000))

	halfway := make(chan struct{})
	first := *f.svc
	first.OnImportProgress = func(ctx context.Context, _ int64, rows int) error {
		if rows == 1500 {
			close(halfway)
			<-ctx.Done() // hold the transaction open until the server stops
			return ctx.Err()
		}
		return nil
	}
	r1 := f.runner(t, "server-1", &first)
	select {
	case <-halfway:
	case <-time.After(30 * time.Second):
		t.Fatal("the import never reached half-way")
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, r1.Stop(stopCtx))

	pops, items := f.stored()
	assert.Zero(t, pops, "an interrupted import stores no population")
	assert.Zero(t, items, "and no items")
	got, err := f.svc.PopulationImport(f.ctx, imp.ID)
	require.NoError(t, err)
	assert.Equal(t, ImportQueued, got.Status, "the import waits for its retry")
	var state string
	require.NoError(t, f.db.Raw(`SELECT state FROM river_job WHERE args->>'import_id' = ?`, fmt.Sprint(imp.ID)).Row().Scan(&state))
	assert.Contains(t, []string{"available", "retryable"}, state, "the job goes back to the queue")

	f.runner(t, "server-2", f.svc)
	done := f.wait(t, imp.ID)
	assert.Equal(t, ImportDone, done.Status, done.Error)
	pops, items = f.stored()
	assert.Equal(t, 1, pops)
	assert.Equal(t, 3000, items)
}

// Two servers working one database share the imports; each job runs once.
func TestPopulationImportTwoServersRunEachJobOnce(t *testing.T) {
	f := newImportFixture(t)
	var ids []int64
	for i := range 6 {
		ids = append(ids, f.queue(t, fmt.Sprintf("part-%d.csv", i), csvPopulation(300+i)).ID)
	}
	f.runner(t, "server-a", f.svc)
	f.runner(t, "server-b", f.svc)
	for i, id := range ids {
		done := f.wait(t, id)
		assert.Equal(t, ImportDone, done.Status, done.Error)
		assert.Equal(t, 300+i, done.RowsStored)
	}
	require.Eventually(t, func() bool { // River records completions in batches, just after
		var n int
		require.NoError(t, f.db.Raw(`SELECT count(*) FROM river_job WHERE state <> 'completed'`).Row().Scan(&n))
		return n == 0
	}, 10*time.Second, 20*time.Millisecond)
	pops, items := f.stored()
	assert.Equal(t, 6, pops, "one population per upload")
	assert.Equal(t, 6*300+15, items)
	type jobRow struct {
		State       string
		Attempt     int
		AttemptedBy int
	}
	var rows []jobRow
	require.NoError(t, f.db.Raw(`SELECT state::text, attempt, cardinality(attempted_by) AS attempted_by FROM river_job WHERE kind = 'population_import'`).Scan(&rows).Error)
	require.Len(t, rows, 6)
	for _, r := range rows {
		assert.Equal(t, jobRow{State: "completed", Attempt: 1, AttemptedBy: 1}, r, "each job ran once, on one server")
	}
}

// A malformed row deep in a large file ends the import with its row and column; nothing is
// stored and the job is not retried.
func TestPopulationImportMalformedDeepRow(t *testing.T) {
	f := newImportFixture(t)
	data := csvPopulation(20_000)
	lines := strings.Split(string(data), "\n")
	lines[19_500] = `E19500,Person "19500",2026-01-01` // a stray quote in column B, on spreadsheet row 19,501
	imp := f.queue(t, "hires.csv", []byte(strings.Join(lines, "\n")))
	f.runner(t, "server-1", f.svc)
	done := f.wait(t, imp.ID)
	assert.Equal(t, ImportFailed, done.Status)
	assert.Contains(t, done.Error, "Row 19501, column B: the CSV cannot be read")
	pops, items := f.stored()
	assert.Zero(t, pops)
	assert.Zero(t, items)

	lines = strings.Split(string(csvPopulation(20_000)), "\n")
	lines[15_000] = "E14999,Someone,2026-02-02" // a repeated key
	imp = f.queue(t, "hires.csv", []byte(strings.Join(lines, "\n")))
	done = f.wait(t, imp.ID)
	assert.Equal(t, ImportFailed, done.Status)
	assert.Contains(t, done.Error, `Row 15001, column A (employee_id): the item key "E14999" repeats row 15000.`)
	var attempts int
	require.NoError(t, f.db.Raw(`SELECT max(attempt) FROM river_job`).Row().Scan(&attempts))
	assert.Equal(t, 1, attempts, "a bad file is not retried")
}

// One row over the limit is refused with the limit named; nothing is stored. The job runs with a
// limit of 5,000 to stay fast; TestParsePopulationRowLimit reads 1,000,001 rows against the real one.
func TestPopulationImportOverTheRowLimit(t *testing.T) {
	f := newImportFixture(t)
	f.svc.MaxRows = 5000
	imp := f.queue(t, "big.csv", csvPopulation(5001))
	f.runner(t, "server-1", f.svc)
	done := f.wait(t, imp.ID)
	assert.Equal(t, ImportFailed, done.Status)
	assert.Contains(t, done.Error, "more than 5000 items; at most 5000 fit in one population. Nothing was stored.")
	pops, items := f.stored()
	assert.Zero(t, pops)
	assert.Zero(t, items)
}

// The progress figures: reading is the first half, storing the second; time left follows the pace.
func TestPopulationImportProgress(t *testing.T) {
	start := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	p := PopulationImport{Status: ImportRunning, RowsTotal: 1000, RowsRead: 1000, RowsStored: 500, StartedAt: &start}
	assert.InDelta(t, 0.75, p.Fraction(), 1e-9)
	left, ok := p.TimeLeft(start.Add(30 * time.Second))
	require.True(t, ok)
	assert.Equal(t, 10*time.Second, left)
	p = PopulationImport{Status: ImportQueued, RowsTotal: 1000}
	_, ok = p.TimeLeft(start)
	assert.False(t, ok)
	assert.Equal(t, 0.0, p.Fraction())
}
