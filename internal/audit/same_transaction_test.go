package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/firm"
)

// failAuditOf makes the database refuse to store audit events with action. A domain function
// whose audit event is refused must then leave no trace of its change: that is only so when the
// change and its event share one transaction.
func failAuditOf(t *testing.T, gdb *gorm.DB, action string) {
	t.Helper()
	require.NoError(t, gdb.Exec(`CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.action = TG_ARGV[0] THEN RAISE EXCEPTION 'audit of % refused by the test', NEW.action; END IF;
			RETURN NEW;
		END $$`).Error)
	require.NoError(t, gdb.Exec(`DROP TRIGGER IF EXISTS test_fail_audit ON audit_events`).Error)
	require.NoError(t, gdb.Exec(`CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW
		EXECUTE FUNCTION test_fail_audit('`+action+`')`).Error)
}

func scalar[T any](t *testing.T, gdb *gorm.DB, sql string, args ...any) T {
	t.Helper()
	var v T
	require.NoError(t, gdb.Raw(sql, args...).Row().Scan(&v))
	return v
}

// TestChangesRollBackWhenTheirAuditEventFails samples state-changing functions of the firm, auth
// and engagements packages: each must fail as a whole when its audit event cannot be written.
func TestChangesRollBackWhenTheirAuditEventFails(t *testing.T) {
	ctx := context.Background()
	gdb := dbtest.New(t)
	clk := &clock.Fixed{T: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	firms := &firm.Service{DB: gdb, Clock: clk}
	users := auth.NewService(gdb, clk, time.Hour, 12*time.Hour)
	client, err := firms.CreateClient(ctx, audit.System, firm.ClientInput{Name: "Northwind Ledger"})
	require.NoError(t, err)
	staff, err := users.CreateUser(ctx, audit.System, auth.NewUser{Email: "sam@firm.example", Name: "Sam", Role: auth.RoleStaff,
		Password: "a long enough password"})
	require.NoError(t, err)
	_, err = users.StartSession(ctx, staff, auth.StageFull, "10.0.0.1", "test")
	require.NoError(t, err)
	eventsBefore := scalar[int64](t, gdb, `SELECT count(*) FROM audit_events`)

	cases := []struct {
		action    string
		change    func() error
		unchanged func(t *testing.T)
	}{
		{"client.create", func() error {
			_, err := firms.CreateClient(ctx, audit.System, firm.ClientInput{Name: "Bluejay Health"})
			return err
		}, func(t *testing.T) {
			assert.Zero(t, scalar[int64](t, gdb, `SELECT count(*) FROM clients WHERE name = 'Bluejay Health'`))
		}},
		{"client.update", func() error {
			_, err := firms.UpdateClient(ctx, audit.System, client.ID, client.Version, firm.ClientInput{Name: "Renamed"})
			return err
		}, func(t *testing.T) {
			assert.Equal(t, "Northwind Ledger", scalar[string](t, gdb, `SELECT name FROM clients WHERE id = ?`, client.ID))
		}},
		{"settings.update", func() error {
			_, err := firms.UpdateSettings(ctx, audit.System, 1, firm.SettingsInput{FirmName: "Changed LLP", City: "Denver", State: "CO"})
			return err
		}, func(t *testing.T) {
			assert.Equal(t, 1, scalar[int](t, gdb, `SELECT version FROM firm_settings`))
		}},
		{"user.create", func() error {
			_, err := users.CreateUser(ctx, audit.System, auth.NewUser{Email: "kim@firm.example", Name: "Kim", Role: auth.RoleSenior,
				Password: "a long enough password"})
			return err
		}, func(t *testing.T) {
			assert.Zero(t, scalar[int64](t, gdb, `SELECT count(*) FROM users WHERE email = 'kim@firm.example'`))
		}},
		{"user.role_change", func() error {
			return users.ChangeRole(ctx, audit.System, staff.ID, auth.RoleManager, nil)
		}, func(t *testing.T) {
			assert.Equal(t, "staff", scalar[string](t, gdb, `SELECT role FROM users WHERE id = ?`, staff.ID))
		}},
		{"user.disable", func() error {
			return users.SetDisabled(ctx, audit.System, staff.ID, true)
		}, func(t *testing.T) {
			assert.False(t, scalar[bool](t, gdb, `SELECT disabled_at IS NOT NULL FROM users WHERE id = ?`, staff.ID))
			assert.EqualValues(t, 1, scalar[int64](t, gdb, `SELECT count(*) FROM sessions WHERE user_id = ?`, staff.ID),
				"the session survives: revoking it was part of the failed change")
		}},
		{"user.password_change", func() error {
			return users.SetPassword(ctx, audit.System, staff.ID, "another long password")
		}, func(t *testing.T) {
			hash := scalar[string](t, gdb, `SELECT password_hash FROM users WHERE id = ?`, staff.ID)
			ok, err := auth.CheckPassword(hash, "a long enough password")
			require.NoError(t, err)
			assert.True(t, ok)
		}},
		{"engagement.create", func() error {
			_, err := engagements.NewService(gdb).Create(ctx, audit.System, engagements.Input{ClientID: client.ID, Name: "SOC 2 Type II 2026",
				ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30", Categories: []string{"security"}})
			return err
		}, func(t *testing.T) {
			assert.Zero(t, scalar[int64](t, gdb, `SELECT count(*) FROM engagements`))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			failAuditOf(t, gdb, tc.action)
			err := tc.change()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refused by the test", "the change failed because of its audit event")
			tc.unchanged(t)
		})
	}
	assert.Equal(t, eventsBefore, scalar[int64](t, gdb, `SELECT count(*) FROM audit_events`))
}
