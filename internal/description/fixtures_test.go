package description_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
)

// fixture is a Type II engagement with a team, a client contact and an officer, made with plain
// SQL because engagements and controls belong to other packages.
type fixture struct {
	t          testing.TB
	db         *gorm.DB
	svc        *description.Service
	clk        *clock.Fixed
	ctx        context.Context
	engagement int64
	client     int64
	users      map[string]auth.User
}

// passwords accepts "right" as everyone's password.
type passwords struct{}

func (passwords) ConfirmPassword(_ context.Context, _ int64, pw, _ string) error {
	if pw != "right" {
		return auth.ErrInvalidCredentials
	}
	return nil
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	gdb := dbtest.New(t)
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, db: gdb, clk: clk, ctx: context.Background(), users: map[string]auth.User{},
		svc: &description.Service{DB: gdb, Clock: clk, Store: store, Password: passwords{}}}
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name, legal_name) VALUES ('Northwind', 'Northwind Ledger, Inc.') RETURNING id`).Row().Scan(&f.client))
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status, categories)
		VALUES (?, 'Northwind 2026', 'type2', '2026-01-01', '2026-06-30', 'fieldwork', '{security,availability}') RETURNING id`, f.client).Row().Scan(&f.engagement))
	for _, role := range []string{"partner", "manager", "senior", "client", "officer"} {
		f.users[role] = f.user(role, role)
	}
	return f
}

func (f *fixture) user(name, teamRole string) auth.User {
	role, clientID := teamRole, any(nil)
	if teamRole == "client" || teamRole == "officer" {
		role, clientID = "client", f.client
	}
	var u auth.User
	require.NoError(f.t, f.db.Raw(`INSERT INTO users (email, name, title, role, client_id, password_hash) VALUES (?, ?, 'CTO', ?, ?, 'x') RETURNING id`,
		name+"@example.test", strings.ToUpper(name[:1])+name[1:], role, clientID).Row().Scan(&u.ID))
	require.NoError(f.t, f.db.First(&u, u.ID).Error)
	if teamRole != "officer" {
		tr := teamRole
		if tr == "client" {
			tr = "client_contact"
		}
		require.NoError(f.t, f.db.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, f.engagement, u.ID, tr).Error)
	}
	return u
}

func (f *fixture) control(ref string, criteria ...string) int64 {
	var id int64
	require.NoError(f.t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, ?, ?, 'daily') RETURNING id`,
		f.engagement, ref, "Control "+ref).Row().Scan(&id))
	for _, c := range criteria {
		require.NoError(f.t, f.db.Exec(`INSERT INTO control_criteria (control_id, criterion_id) VALUES (?, ?)`, id, c).Error)
	}
	return id
}

func (f *fixture) section(code string) description.Section {
	s, err := f.svc.Section(f.ctx, f.engagement, code)
	require.NoError(f.t, err)
	return s
}

func (f *fixture) save(u auth.User, code, body string) description.Section {
	cur := f.section(code)
	s, err := f.svc.SaveSection(f.ctx, u, f.engagement, code, description.SectionInput{Body: body, Version: cur.Version})
	require.NoError(f.t, err)
	return s
}
