package description_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/engagements"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestDraftGoldenTexts(t *testing.T) {
	host := description.SubserviceFact{Name: "Cloudbank Hosting, Inc.", Services: "data centre hosting", Method: "carve_out"}
	for _, typ := range []string{"type1", "type2"} {
		for _, method := range []string{"carve_out", "inclusive"} {
			for _, cuecs := range []bool{true, false} {
				f := description.Facts{Company: "Northwind Ledger, Inc.", ReportType: typ, Categories: []string{"security", "availability"},
					CUECs: []string{}, CSOCs: []string{}}
				if typ == "type1" {
					f.AsOf = "2026-09-30"
				} else {
					f.PeriodStart, f.PeriodEnd = "2026-01-01", "2026-06-30"
				}
				so := host
				so.Method = method
				f.Subservices = []description.SubserviceFact{so}
				if method == "carve_out" {
					f.CSOCs = []string{"CSOC-1 Physical access to data centres is restricted"}
				}
				name := typ + "_" + method
				if cuecs {
					f.CUECs = []string{"CUEC-1 User entities manage their users' access"}
					name += "_cuecs"
				}
				soc2, soc3, err := description.Draft(f)
				require.NoError(t, err)
				golden(t, name+".md", soc2)
				golden(t, name+"_soc3.md", soc3)
			}
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "assertion", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/description/ -run TestDraftGoldenTexts -update")
	assert.Equal(t, string(want), got, name)
}

func TestApprovalAndWithdrawal(t *testing.T) {
	f := newFixture(t)
	client, officer, manager := f.users["client"], f.users["officer"], f.users["manager"]
	a, err := f.svc.Assertion(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.True(t, a.Drafted)
	assert.Contains(t, a.Body, "throughout the period January 1, 2026 to June 30, 2026")
	assert.Contains(t, a.Body, "Security and Availability")
	assert.Equal(t, "no signing officer", a.State())

	approve := func(pw string) error {
		cur, err := f.svc.Assertion(f.ctx, f.engagement)
		require.NoError(t, err)
		return f.svc.Approve(f.ctx, officer, f.engagement, description.ApprovalInput{Name: "Dana Whitfield", Title: "CTO", Date: "2026-07-20",
			Password: pw, Version: cur.Version})
	}
	err = approve("right")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["password"], "Only the signing officer", "nobody approves before the contact designates an officer")

	require.NoError(t, f.svc.DesignateOfficer(f.ctx, client, f.engagement, officer.ID))
	err = approve("wrong")
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["password"], "not right")
	err = f.svc.Approve(f.ctx, officer, f.engagement, description.ApprovalInput{Name: "Dana", Title: "CTO", Date: "2026-07-21", Password: "right"})
	v, _ = apperr.AsValidation(err)
	assert.Contains(t, v["date"], "future")
	require.NoError(t, approve("right"))

	r, err := f.svc.ForReport(f.ctx, f.engagement)
	require.NoError(t, err)
	require.NotNil(t, r.Assertion)
	assert.Equal(t, "Dana Whitfield", r.Assertion.OfficerName)
	assert.Equal(t, "2026-07-20", r.Assertion.ApprovedOn.Format("2006-01-02"))
	assert.Contains(t, r.Assertion.SOC3Text, "We assert that the controls within the system were effective")

	// The period changes through the engagement form: the approval falls in the same transaction.
	e, err := engagements.NewService(f.db).Get(f.ctx, f.engagement)
	require.NoError(t, err)
	in := e.Input()
	in.PeriodEnd = "2026-09-30"
	in.PeriodWarningReason = ""
	require.NoError(t, engagements.NewService(f.db).Update(f.ctx, audit.Actor{ID: manager.ID, Email: manager.Email}, f.engagement, in))
	var reason string
	require.NoError(t, f.db.Raw(`SELECT withdrawn_reason FROM assertions WHERE engagement_id = ? AND approved_at IS NULL`, f.engagement).Row().Scan(&reason))
	assert.Equal(t, "The period changed from January 1, 2026 – June 30, 2026 to January 1, 2026 – September 30, 2026.", reason)
	var withdrawals int
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'assertion.withdraw' AND actor_id = ?`, manager.ID).Row().Scan(&withdrawals))
	assert.Equal(t, 1, withdrawals, "the withdrawal is audited, attributed to whoever changed the facts")
	r, err = f.svc.ForReport(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.Nil(t, r.Assertion)
	assert.Contains(t, r.AssertionWithdrawnReason, "The period changed")

	// Approved again, then the text changes: withdrawn again, with the reason.
	require.NoError(t, approve("right"))
	a, _ = f.svc.Assertion(f.ctx, f.engagement)
	require.NoError(t, f.svc.SaveText(f.ctx, client, f.engagement, description.TextInput{Body: a.Body + "\nAn added sentence.", SOC3Body: a.SOC3Body, Version: a.Version}))
	a, _ = f.svc.Assertion(f.ctx, f.engagement)
	assert.False(t, a.Approved)
	assert.Contains(t, a.WithdrawnReason, "text was changed by Client")
	assert.False(t, a.Drafted)
}

func TestAFactChangeNoHookSawStillWithdraws(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.svc.DesignateOfficer(f.ctx, f.users["client"], f.engagement, f.users["officer"].ID))
	require.NoError(t, f.svc.Approve(f.ctx, f.users["officer"], f.engagement, description.ApprovalInput{Name: "D", Title: "CTO", Date: "2026-07-20", Password: "right"}))
	// A change made outside the functions that call WithdrawIfFactsChanged (here plain SQL):
	require.NoError(t, f.db.Exec(`UPDATE engagements SET categories = '{security}' WHERE id = ?`, f.engagement).Error)
	a, err := f.svc.Assertion(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.False(t, a.Approved, "the approval is checked against the facts whenever it is read")
	assert.Equal(t, "The categories in scope changed from Security and Availability to Security.", a.WithdrawnReason)
}

func TestSubserviceAndCUECChangesWithdrawTheApproval(t *testing.T) {
	f := newFixture(t)
	manager := f.users["manager"]
	actor := audit.Actor{ID: manager.ID, Email: manager.Email}
	approve := func() {
		a, err := f.svc.Assertion(f.ctx, f.engagement)
		require.NoError(t, err)
		require.NoError(t, f.svc.Approve(f.ctx, f.users["officer"], f.engagement, description.ApprovalInput{Name: "D", Title: "CTO", Date: "2026-07-20", Password: "right", Version: a.Version}))
	}
	reason := func() string {
		var r string
		require.NoError(t, f.db.Raw(`SELECT withdrawn_reason FROM assertions WHERE engagement_id = ? AND approved_at IS NULL`, f.engagement).Row().Scan(&r))
		return r
	}
	require.NoError(t, f.svc.DesignateOfficer(f.ctx, f.users["client"], f.engagement, f.users["officer"].ID))
	approve()
	_, err := engagements.NewService(f.db).AddSubserviceOrg(f.ctx, actor, f.engagement, engagements.SubserviceOrg{Name: "Cloudbank", Services: "hosting", Method: "inclusive"})
	require.NoError(t, err)
	assert.Equal(t, "The subservice organizations or their carve-out/inclusive method changed.", reason())

	approve()
	_, err = controls.NewService(f.db).CreateComplementary(f.ctx, actor, f.engagement, controls.ComplementaryInput{Kind: "cuec", Ref: "CUEC-1",
		Description: "User entities manage their users", Criteria: []string{"CC6.2"}})
	require.NoError(t, err)
	assert.Equal(t, "The complementary user entity controls (CUECs) changed.", reason())
	a, err := f.svc.Assertion(f.ctx, f.engagement)
	require.NoError(t, err)
	assert.Contains(t, a.Body, "complementary user entity controls", "the draft follows the new facts")
}
