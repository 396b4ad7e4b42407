package fieldwork

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
)

// fixture is an engagement with a team and controls, made with plain SQL because engagements
// and controls belong to other packages.
type fixture struct {
	t          testing.TB
	db         *gorm.DB
	svc        *Service
	ctx        context.Context
	engagement int64
	client     int64
	users      map[string]auth.User // by team role: partner, manager, senior, staff, client
}

func newFixture(t testing.TB, reportType string) *fixture {
	t.Helper()
	gdb := dbtest.New(t)
	return fixtureOn(t, gdb, reportType)
}

func fixtureOn(t testing.TB, gdb *gorm.DB, reportType string) *fixture {
	f := &fixture{t: t, db: gdb, svc: NewService(gdb, &clock.Fixed{T: time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)}),
		ctx: context.Background(), users: map[string]auth.User{}}
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES (?) RETURNING id`, "Northwind Ledger "+reportType).Row().Scan(&f.client))
	if reportType == "type1" {
		require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, 'Northwind Type I', 'type1', '2026-06-30') RETURNING id`, f.client).Row().Scan(&f.engagement))
	} else {
		require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
			VALUES (?, 'Northwind 2026', 'type2', '2026-01-01', '2026-06-30', 'fieldwork') RETURNING id`, f.client).Row().Scan(&f.engagement))
	}
	for _, role := range []string{"partner", "manager", "senior", "staff", "client"} {
		u := f.user(role+"@"+reportType+".example.test", role)
		f.users[role] = u
		if role != "client" {
			require.NoError(t, gdb.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, f.engagement, u.ID, role).Error)
		}
	}
	return f
}

func (f *fixture) user(email, role string) auth.User {
	var u auth.User
	var clientID any
	if role == "client" {
		clientID = f.client
	}
	require.NoError(f.t, f.db.Raw(`INSERT INTO users (email, name, role, client_id, password_hash) VALUES (?, ?, ?, ?, 'x') RETURNING id`,
		email, strings.Split(email, "@")[0], role, clientID).Row().Scan(&u.ID))
	require.NoError(f.t, f.db.First(&u, u.ID).Error)
	return u
}

// control adds a control mapped to criteria.
func (f *fixture) control(ref, frequency, risk string, criteria ...string) int64 {
	var id int64
	require.NoError(f.t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency, risk) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		f.engagement, ref, "Control "+ref, frequency, risk).Row().Scan(&id))
	for _, c := range criteria {
		require.NoError(f.t, f.db.Exec(`INSERT INTO control_criteria (control_id, criterion_id) VALUES (?, ?)`, id, c).Error)
	}
	return id
}

// test creates an in-progress inspection test of a control.
func (f *fixture) test(controlID int64) Test {
	t, err := f.svc.CreateTest(f.ctx, f.users["staff"], f.engagement, controlID, TestInput{
		Techniques: []string{"inquiry", "inspection"}, Procedure: "Inspect the records.", Result: ResultInProgress})
	require.NoError(f.t, err)
	return t
}

// csvPopulation makes a CSV of n hires.
func csvPopulation(n int) []byte {
	var b strings.Builder
	b.WriteString("employee_id,name,start_date\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "E%05d,Person %d,2026-%02d-%02d\n", i, i, 1+i%6, 1+i%28)
	}
	return []byte(b.String())
}

func (f *fixture) population(testID int64, n int) Population {
	p, err := f.svc.UploadPopulation(f.ctx, f.users["staff"], testID, PopulationInput{Source: "HRIS new-hire report",
		CompletenessCheck: "Agreed the count to payroll headcount changes", FileName: "hires.csv"}, csvPopulation(n))
	require.NoError(f.t, err)
	return p
}

func (f *fixture) auditActions(entityType string, id int64) []string {
	var actions []string
	require.NoError(f.t, f.db.Raw(`SELECT action FROM audit_events WHERE entity_type = ? AND entity_id = ? ORDER BY id`, entityType, id).Scan(&actions).Error)
	return actions
}

// evidenceFile receives one small PDF dated d (YYYY-MM-DD, "" for no date) as the web layer would.
func (f *fixture) evidenceFile(name, d string) evidence.Received {
	f.t.Helper()
	store, err := evidence.NewLocalStore(f.t.TempDir())
	require.NoError(f.t, err)
	ev := &evidence.Service{DB: f.db, Store: store, MaxBytes: 1 << 20}
	rec, err := ev.Receive(f.ctx, name, strings.NewReader("%PDF-1.4\n"+name+"\n%%EOF\n"))
	require.NoError(f.t, err)
	f.t.Cleanup(rec.Discard)
	if d != "" {
		day, err := time.Parse(time.DateOnly, d)
		require.NoError(f.t, err)
		rec.PertainsTo = &day
	}
	return rec
}

// tested gives an operating test n samples from a population, each passed and with evidence
// dated within the period, so it can be concluded. It returns the samples.
func (f *fixture) tested(testID int64, n int) []Sample {
	f.t.Helper()
	pop := f.population(testID, n+5)
	tst, err := f.svc.Test(f.ctx, testID)
	require.NoError(f.t, err)
	var keys []string
	for i := 1; i <= n; i++ {
		keys = append(keys, fmt.Sprintf("E%05d", i))
	}
	samples, err := f.svc.PickSamples(f.ctx, f.users["staff"], testID, PickInput{PopulationID: pop.ID, Keys: keys,
		Justification: "Picked the first items for the test.", TestVersion: tst.Version})
	require.NoError(f.t, err)
	for i, sm := range samples {
		_, err := f.svc.UpdateSample(f.ctx, f.users["staff"], sm.ID, SampleInput{Result: "pass", Version: sm.Version})
		require.NoError(f.t, err)
		require.NoError(f.t, f.svc.AttachEvidence(f.ctx, f.users["staff"], testID, sm.ID, []evidence.Received{f.evidenceFile(fmt.Sprintf("item-%d.pdf", i), "2026-03-01")}))
	}
	samples, err = f.svc.Samples(f.ctx, testID)
	require.NoError(f.t, err)
	return samples
}
