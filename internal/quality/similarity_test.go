package quality

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

const copiedProcedure = `Inspected the quarterly user access review for the production database and the
identity provider, confirmed that each reviewer signed off within ten business days, traced a
selection of removals to tickets and verified that access was revoked in the system.`

// The same procedure, lightly touched: capitalisation, punctuation and spacing differ.
const copiedAgain = `Inspected the quarterly user access review for the production database and the
identity provider; confirmed that each reviewer signed off within ten business days, traced a
selection of removals to tickets and verified that access was revoked in the system`

const differentProcedure = `Observed the nightly backup job of the ledger cluster, obtained the restore test log of
March, compared restored row counts with the source and inquired of the operations lead about the
two failed runs in the period and how they were resolved.`

func text(kind Kind, item, engagement, client int64, body string) Text {
	return Text{Kind: kind, ItemID: item, EngagementID: engagement, ClientID: client, Body: body, Ref: "C-1"}
}

func TestCompareFindsCopiedTextBetweenClients(t *testing.T) {
	mine := []Text{text(KindProcedure, 1, 10, 100, copiedProcedure), text(KindProcedure, 2, 10, 100, differentProcedure)}
	others := []Text{text(KindProcedure, 7, 20, 200, copiedAgain)}
	ws := Compare(mine, others, nil, DefaultThreshold)
	require.Len(t, ws, 1)
	assert.Equal(t, int64(1), ws[0].Text.ItemID)
	assert.Equal(t, int64(7), ws[0].Other.ItemID)
	assert.Equal(t, int64(20), ws[0].Other.EngagementID)
	assert.Equal(t, 100, ws[0].Percent(), "only punctuation and case differ")
}

func TestCompareStaysQuietOnDifferentEngagements(t *testing.T) {
	mine := []Text{text(KindProcedure, 1, 10, 100, copiedProcedure)}
	others := []Text{text(KindProcedure, 7, 20, 200, differentProcedure)}
	assert.Empty(t, Compare(mine, others, nil, DefaultThreshold))
}

func TestCompareIgnoresTheSameClientAndOtherKinds(t *testing.T) {
	mine := []Text{text(KindProcedure, 1, 10, 100, copiedProcedure)}
	sameClient := []Text{text(KindProcedure, 7, 11, 100, copiedProcedure)} // last year's engagement
	assert.Empty(t, Compare(mine, sameClient, nil, DefaultThreshold))
	otherKind := []Text{text(KindResultText, 8, 20, 200, copiedProcedure)}
	assert.Empty(t, Compare(mine, otherKind, nil, DefaultThreshold))
}

func TestCompareHonoursTheThreshold(t *testing.T) {
	// The copied procedure with a sentence of its own added: similar, but not near-identical.
	extended := copiedProcedure + ` Walked through the onboarding checklist with the HR lead and
reperformed three background checks.`
	mine := []Text{text(KindProcedure, 1, 10, 100, copiedProcedure)}
	others := []Text{text(KindProcedure, 7, 20, 200, extended)}
	assert.Empty(t, Compare(mine, others, nil, 0.9))
	ws := Compare(mine, others, nil, 0.6)
	require.Len(t, ws, 1, "a lower configured threshold finds it")
	assert.Less(t, ws[0].Share, 0.9)
	assert.GreaterOrEqual(t, ws[0].Share, 0.6)
}

func TestCompareLeavesOutTemplateText(t *testing.T) {
	template := shingles(copiedProcedure)
	mine := []Text{text(KindProcedure, 1, 10, 100, copiedProcedure)}
	others := []Text{text(KindProcedure, 7, 20, 200, copiedAgain)}
	assert.Empty(t, Compare(mine, others, template, DefaultThreshold), "the firm's standard wording is not boilerplate")
}

func TestCompareSkipsShortStandardPhrases(t *testing.T) {
	mine := []Text{text(KindResultText, 1, 10, 100, "No exceptions noted.")}
	others := []Text{text(KindResultText, 7, 20, 200, "No exceptions noted.")}
	assert.Empty(t, Compare(mine, others, nil, DefaultThreshold))
}

func TestMinHashEstimatesJaccard(t *testing.T) {
	a, b := shingles(copiedProcedure), shingles(differentProcedure)
	assert.InDelta(t, 1.0, minhash(a).estimate(minhash(shingles(copiedAgain))), 0.05)
	assert.InDelta(t, jaccard(a, b), minhash(a).estimate(minhash(b)), 0.15)
}

// dbFixture: two clients' engagements with tests, made with plain SQL (the rows belong to
// other packages).
type dbFixture struct {
	db       *gorm.DB
	svc      *Service
	ctx      context.Context
	partner  auth.User
	mine     int64 // engagement of client A
	theirs   int64 // engagement of client B
	myTest   int64
	copyTest int64
}

func newDBFixture(t *testing.T) *dbFixture {
	t.Helper()
	gdb := dbtest.New(t)
	f := &dbFixture{db: gdb, ctx: context.Background(),
		svc: &Service{DB: gdb, Clock: &clock.Fixed{T: time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)}}}
	require.NoError(t, gdb.Raw(`INSERT INTO users (email, name, role) VALUES ('pat@firm.example', 'Pat Partner', 'partner') RETURNING id`).Row().Scan(&f.partner.ID))
	f.partner.Email, f.partner.Role = "pat@firm.example", auth.RolePartner
	mk := func(client string) (eng, ctl int64) {
		var cid int64
		require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES (?) RETURNING id`, client).Row().Scan(&cid))
		require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
			VALUES (?, ?, 'type2', '2026-01-01', '2026-06-30') RETURNING id`, cid, client+" SOC 2 2026").Row().Scan(&eng))
		require.NoError(t, gdb.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'AC-01', 'Access review', 'quarterly') RETURNING id`, eng).Row().Scan(&ctl))
		return eng, ctl
	}
	var c1, c2 int64
	f.mine, c1 = mk("Northwind Ledger")
	f.theirs, c2 = mk("Bluejay Health")
	test := func(eng, ctl int64, procedure string) (id int64) {
		require.NoError(t, gdb.Raw(`INSERT INTO tests (engagement_id, control_id, kind, procedure) VALUES (?, ?, 'operating', ?) RETURNING id`,
			eng, ctl, procedure).Row().Scan(&id))
		return id
	}
	f.myTest = test(f.mine, c1, copiedProcedure)
	test(f.mine, c1, differentProcedure)
	f.copyTest = test(f.theirs, c2, copiedAgain)
	return f
}

func TestWarningsAcknowledgementsAndTheGate(t *testing.T) {
	f := newDBFixture(t)
	ws, err := f.svc.Warnings(f.ctx, f.mine)
	require.NoError(t, err)
	require.Len(t, ws, 1)
	w := ws[0]
	assert.Equal(t, f.myTest, w.Text.ItemID)
	assert.Equal(t, f.theirs, w.Other.EngagementID)
	assert.Equal(t, "Bluejay Health SOC 2 2026", w.Other.EngagementName)
	assert.Equal(t, "Bluejay Health", w.Other.ClientName)

	open, err := f.svc.Unacknowledged(f.ctx, f.mine)
	require.NoError(t, err)
	assert.Len(t, open, 1, "the signature gate sees the warning")

	// A reason is required; nothing is stored without one.
	err = f.svc.Acknowledge(f.ctx, f.partner, f.mine, w.Key(), "  ")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v, "reason")

	// An unknown warning is not found.
	err = f.svc.Acknowledge(f.ctx, f.partner, f.mine, WarningKey{Kind: KindProcedure, ItemID: f.myTest, OtherItemID: 999}, "x")
	assert.ErrorIs(t, err, apperr.ErrNotFound)

	require.NoError(t, f.svc.Acknowledge(f.ctx, f.partner, f.mine, w.Key(), "Both clients run the same vendor's IdP; procedure reviewed with the senior."))
	open, err = f.svc.Unacknowledged(f.ctx, f.mine)
	require.NoError(t, err)
	assert.Empty(t, open)
	ws, err = f.svc.Warnings(f.ctx, f.mine)
	require.NoError(t, err)
	require.NotNil(t, ws[0].Ack)
	assert.Equal(t, "Pat Partner", ws[0].Ack.ByName)

	var events int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'boilerplate.acknowledge' AND engagement_id = ?`, f.mine).Scan(&events).Error)
	assert.Equal(t, int64(1), events)

	// The other client's text changes but stays near-identical: the acknowledgement no longer
	// holds for what the partner saw, so the warning asks again.
	require.NoError(t, f.db.Exec(`UPDATE tests SET procedure = procedure || ' Also inspected the ticket.' WHERE id = ?`, f.copyTest).Error)
	f.svc.Threshold = 0.8
	open, err = f.svc.Unacknowledged(f.ctx, f.mine)
	require.NoError(t, err)
	assert.Len(t, open, 1)
}

func TestTemplateTextSilencesTheWarning(t *testing.T) {
	f := newDBFixture(t)
	_, err := f.svc.AddTemplate(f.ctx, f.partner, "", "short")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v, "title")
	assert.Contains(t, v, "body")

	id, err := f.svc.AddTemplate(f.ctx, f.partner, "Access review procedure", copiedProcedure)
	require.NoError(t, err)
	ws, err := f.svc.Warnings(f.ctx, f.mine)
	require.NoError(t, err)
	assert.Empty(t, ws)

	require.NoError(t, f.svc.DeleteTemplate(f.ctx, f.partner, id))
	ws, err = f.svc.Warnings(f.ctx, f.mine)
	require.NoError(t, err)
	assert.Len(t, ws, 1)
	assert.ErrorIs(t, f.svc.DeleteTemplate(f.ctx, f.partner, id), apperr.ErrNotFound)
}

func TestDescriptionSectionsCopiedBetweenClients(t *testing.T) {
	f := newDBFixture(t)
	const system = `The Ledger platform is a multi-tenant accounting service hosted in two regions of a public
cloud provider. Customers reach it through a web application and an API; engineers deploy through a
pipeline that requires peer review and passing tests before any change reaches production.`
	for _, eng := range []int64{f.mine, f.theirs} {
		require.NoError(t, f.db.Exec(`INSERT INTO description_sections (engagement_id, code, body) VALUES (?, 'DC2', ?)`, eng, system).Error)
	}
	require.NoError(t, f.db.Exec(`INSERT INTO description_sections (engagement_id, code, body) VALUES (?, 'DC3', ?)`, f.mine, differentProcedure).Error)
	ws, err := f.svc.Warnings(f.ctx, f.mine)
	require.NoError(t, err)
	var desc []Warning
	for _, w := range ws {
		if w.Text.Kind == KindDescription {
			desc = append(desc, w)
		}
	}
	require.Len(t, desc, 1)
	assert.Equal(t, "DC2", desc[0].Text.Ref)
	assert.Equal(t, f.theirs, desc[0].Other.EngagementID)
}
