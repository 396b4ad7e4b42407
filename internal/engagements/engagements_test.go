package engagements_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/engagements"
)

type fixture struct {
	t      testing.TB
	db     *gorm.DB
	client int64
	users  map[string]int64
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{t: t, db: dbtest.New(t), users: map[string]int64{}}
	require.NoError(t, f.db.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&f.client))
	var other int64
	require.NoError(t, f.db.Raw(`INSERT INTO clients (name) VALUES ('Bluejay') RETURNING id`).Row().Scan(&other))
	for _, u := range []struct {
		name, role string
		client     *int64
	}{{"ada", "admin", nil}, {"patricia", "partner", nil}, {"miguel", "manager", nil}, {"sara", "senior", nil}, {"tom", "staff", nil},
		{"dana", "client", &f.client}, {"lee", "client", &other}} {
		var id int64
		require.NoError(t, f.db.Raw(`INSERT INTO users (email, name, role, client_id) VALUES (?, ?, ?, ?) RETURNING id`,
			u.name+"@example.com", u.name, u.role, u.client).Row().Scan(&id))
		f.users[u.name] = id
	}
	return f
}

func (f *fixture) actor(name string) audit.Actor {
	return audit.Actor{ID: f.users[name], Email: name + "@example.com"}
}

func (f *fixture) create(in engagements.Input) int64 {
	f.t.Helper()
	in.ClientID = f.client
	id, err := engagements.NewService(f.db).Create(context.Background(), f.actor("miguel"), in)
	require.NoError(f.t, err)
	return id
}

var typeII = engagements.Input{Name: "SOC 2 Type II 2026", ReportType: "type2", PeriodStart: "2026-01-01",
	PeriodEnd: "2026-06-30", ReportDate: "2026-08-15", Categories: []string{"availability"}}

func TestCreateValidatesAndWarnsOnPeriodLength(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		in    engagements.Input
		field string
	}{
		{"no name", engagements.Input{ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30"}, "name"},
		{"no type", engagements.Input{Name: "X"}, "report_type"},
		{"type I needs as-of date", engagements.Input{Name: "X", ReportType: "type1"}, "as_of_date"},
		{"end before start", engagements.Input{Name: "X", ReportType: "type2", PeriodStart: "2026-06-30", PeriodEnd: "2026-01-01"}, "period_end"},
		{"bad date", engagements.Input{Name: "X", ReportType: "type2", PeriodStart: "30/06/2026", PeriodEnd: "2026-12-31"}, "period_start"},
		{"short period needs a reason", engagements.Input{Name: "X", ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2026-02-15"}, "period_warning_reason"},
		{"long period needs a reason", engagements.Input{Name: "X", ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2027-01-31"}, "period_warning_reason"},
		{"unknown category", engagements.Input{Name: "X", ReportType: "type1", AsOfDate: "2026-09-30", Categories: []string{"speed"}}, "categories"},
		{"report before period end", engagements.Input{Name: "X", ReportType: "type1", AsOfDate: "2026-09-30", ReportDate: "2026-09-01"}, "report_date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.ClientID = f.client
			_, err := engagements.NewService(f.db).Create(ctx, f.actor("miguel"), tc.in)
			v, ok := apperr.AsValidation(err)
			require.True(t, ok, "want validation error, got %v", err)
			assert.Contains(t, v, tc.field)
		})
	}
	var n int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM engagements`).Scan(&n).Error)
	assert.Zero(t, n, "nothing stored")

	short := engagements.Input{Name: "Bridge", ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2026-02-15",
		PeriodWarningReason: "Bridge period before the annual cycle"}
	id := f.create(short)
	e, err := engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "Bridge period before the annual cycle", e.PeriodWarningReason)
	assert.Equal(t, []string{"security"}, e.Categories(), "Security is always in scope")

	id = f.create(typeII)
	e, err = engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []string{"security", "availability"}, e.Categories())
	assert.Equal(t, engagements.Status("planning"), e.Status)
	assert.Empty(t, e.PeriodWarningReason, "6 months needs no reason")
	var audited int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'engagement.create' AND engagement_id = ?`, id).Scan(&audited).Error)
	assert.Equal(t, int64(1), audited)
}

func TestScopeCannotDropACategoryStillMappedInTheMatrix(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := typeII
	in.Categories = []string{"availability", "confidentiality"}
	id := f.create(in)
	var ctl, cuec int64
	require.NoError(t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'NL-09', 'Backups', 'daily') RETURNING id`, id).Row().Scan(&ctl))
	require.NoError(t, f.db.Exec(`INSERT INTO control_criteria VALUES (?, 'CC7.2'), (?, 'A1.2')`, ctl, ctl).Error)
	require.NoError(t, f.db.Raw(`INSERT INTO complementary_controls (engagement_id, kind, ref, description) VALUES (?, 'cuec', 'CUEC-1', 'Users restore their own exports') RETURNING id`, id).Row().Scan(&cuec))
	require.NoError(t, f.db.Exec(`INSERT INTO complementary_control_criteria VALUES (?, 'A1.3')`, cuec).Error)

	e, err := engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	drop := e.Input()
	drop.Categories = []string{"confidentiality"}
	v, ok := apperr.AsValidation(engagements.NewService(f.db).Update(ctx, f.actor("miguel"), id, drop))
	require.True(t, ok, "taking Availability out of scope while NL-09 maps A1.2 is refused")
	assert.Contains(t, v["categories"], "Availability: CUEC-1 (A1.3), NL-09 (A1.2)")
	e, err = engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []string{"security", "availability", "confidentiality"}, e.Categories(), "nothing changed")

	// Confidentiality has nothing mapped: it may go.
	keep := e.Input()
	keep.Categories = []string{"availability"}
	require.NoError(t, engagements.NewService(f.db).Update(ctx, f.actor("miguel"), id, keep))
}

func TestUpdateRefusesStaleVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.create(typeII)
	e, err := engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)

	first := e.Input()
	first.Name = "SOC 2 Type II 2026 (renamed)"
	require.NoError(t, engagements.NewService(f.db).Update(ctx, f.actor("miguel"), id, first))

	stale := e.Input() // still version 1
	stale.ReportDate = "2026-09-01"
	err = engagements.NewService(f.db).Update(ctx, f.actor("patricia"), id, stale)
	c, ok := apperr.AsConflict(err)
	require.True(t, ok, "want conflict, got %v", err)
	current := c.Current.(engagements.Input)
	assert.Equal(t, "SOC 2 Type II 2026 (renamed)", current.Name)
	assert.Equal(t, 2, current.Version)
	changes := engagements.Changes(stale, current)
	require.Len(t, changes, 2)
	assert.Equal(t, "name", changes[0].Field)
	assert.Equal(t, "report_date", changes[1].Field)
	assert.Equal(t, "2026-09-01", changes[1].Yours)
	assert.Equal(t, "2026-08-15", changes[1].Stored)

	e, err = engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "2026-08-15", e.ReportDate.Format("2006-01-02"), "the stale save changed nothing")
	assert.Equal(t, 2, e.Version)
}

func TestTeamIndependenceAndStatusMoves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.create(typeII)

	add := func(who, role string) error {
		by := "miguel"
		if role == "partner" || who == "miguel" {
			by = "ada" // the partner is appointed, and the manager placed, by someone else
		}
		return engagements.NewService(f.db).AddMember(ctx, f.actor(by), id, f.users[who], role)
	}
	v, ok := apperr.AsValidation(add("lee", "client_contact"))
	require.True(t, ok)
	assert.Contains(t, v["role"], "Only users of Northwind Ledger")
	v, ok = apperr.AsValidation(add("dana", "staff"))
	require.True(t, ok)
	assert.Contains(t, v["role"], "Client users can only be client contacts")
	require.NoError(t, add("patricia", "partner"))
	v, ok = apperr.AsValidation(add("sara", "partner"))
	require.True(t, ok)
	assert.Contains(t, v["role"], "must be a partner of the firm")
	require.NoError(t, add("sara", "senior"))
	require.NoError(t, add("dana", "client_contact"))

	err := engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "fieldwork")
	var tr *apperr.Transition
	require.ErrorAs(t, err, &tr)
	assert.Equal(t, []string{"a manager on the team", "independence confirmation from patricia", "independence confirmation from sara"}, tr.Missing)

	require.NoError(t, add("miguel", "manager"))
	for _, who := range []string{"patricia", "sara", "miguel"} {
		require.NoError(t, engagements.NewService(f.db).ConfirmIndependence(ctx, f.actor(who), id))
	}
	_, ok = apperr.AsValidation(engagements.NewService(f.db).ConfirmIndependence(ctx, f.actor("dana"), id))
	assert.True(t, ok, "client contacts do not confirm independence")
	require.NoError(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "fieldwork"))

	// One control with a test in progress and an open review note.
	var controlID, testID int64
	require.NoError(t, f.db.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'NL-01', 'Access reviews', 'quarterly') RETURNING id`, id).Row().Scan(&controlID))
	require.NoError(t, f.db.Raw(`INSERT INTO tests (engagement_id, control_id, kind, result) VALUES (?, ?, 'operating', 'in_progress') RETURNING id`, id, controlID).Row().Scan(&testID))
	require.NoError(t, f.db.Exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by) VALUES (?, 'test', ?, 'Tie out', ?)`, id, testID, f.users["miguel"]).Error)

	// The review gate lists the test without a result, the control without a concluded test and
	// every in-scope criterion without a control.
	require.ErrorAs(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "review"), &tr)
	var security []string
	require.NoError(t, f.db.Raw(`SELECT cr.id FROM criteria cr JOIN engagements e ON e.id = ?
		WHERE cr.category = 'security' OR cr.category = ANY(e.categories) ORDER BY cr.sort_order`, id).Scan(&security).Error)
	require.Greater(t, len(security), 30)
	want := []string{"a result recorded for 1 test", "a concluded operating effectiveness test of control NL-01"}
	for _, c := range security {
		want = append(want, "a control addressing criterion "+c+" (in scope, no control)")
	}
	assert.Equal(t, want, tr.Missing)
	require.NoError(t, f.db.Exec(`INSERT INTO control_criteria (control_id, criterion_id) SELECT ?, cr.id FROM criteria cr JOIN engagements e ON e.id = ?
		WHERE (cr.category = 'security' OR cr.category = ANY(e.categories)) AND cr.id <> 'CC9.2'`, controlID, id).Error)
	require.NoError(t, f.db.Exec(`UPDATE tests SET result = 'no_exceptions' WHERE id = ?`, testID).Error)
	require.ErrorAs(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "review"), &tr)
	assert.Equal(t, []string{"a control addressing criterion CC9.2 (in scope, no control)"}, tr.Missing)
	require.NoError(t, f.db.Exec(`INSERT INTO control_criteria (control_id, criterion_id) VALUES (?, 'CC9.2')`, controlID).Error)
	require.NoError(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "review"))

	// Joined during fieldwork, and an exception not yet judged: both stop the signature.
	require.NoError(t, add("tom", "staff"))
	require.NoError(t, f.db.Exec(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested) VALUES (?, ?, 'Review not signed', 1, 4)`, id, testID).Error)
	require.ErrorAs(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("miguel"), id, "signed"), &tr)
	assert.Equal(t, []string{"1 open review note cleared", "an evaluation of 1 exception (isolated or systematic, criteria met or not)",
		"independence confirmation from tom", "the engagement partner's signature (only the engagement partner may sign)"}, tr.Missing)
	require.NoError(t, f.db.Exec(`UPDATE review_notes SET cleared_at = now(), cleared_by = ? WHERE engagement_id = ?`, f.users["miguel"], id).Error)
	require.NoError(t, f.db.Exec(`UPDATE exceptions SET evaluation = 'isolated', criteria_met = true WHERE engagement_id = ?`, id).Error)
	require.NoError(t, engagements.NewService(f.db).ConfirmIndependence(ctx, f.actor("tom"), id))
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer := audit.NewSigner(key)
	require.NoError(t, engagements.NewService(f.db).ChangeStatusAnchored(ctx, signer, f.actor("patricia"), id, "signed"))

	e, err := engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, engagements.Status("signed"), e.Status)
	assert.NotNil(t, e.LockedAt)
	assert.Nil(t, e.ReleasedAt)
	assert.ErrorIs(t, add("tom", "staff"), apperr.ErrLocked, "a signed engagement's team is frozen")
	assert.ErrorIs(t, engagements.NewService(f.db).Update(ctx, f.actor("miguel"), id, e.Input()), apperr.ErrLocked)

	require.NoError(t, engagements.NewService(f.db).ChangeStatusAnchored(ctx, signer, f.actor("patricia"), id, "issued"))
	// The signature and the issue are anchored in their own transactions.
	cps, err := audit.NewService(f.db).Checkpoints(ctx)
	require.NoError(t, err)
	require.Len(t, cps, 2)
	assert.Equal(t, "engagement.sign", cps[0].Reason)
	assert.Equal(t, "engagement.issue", cps[1].Reason)
	var events int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events`).Scan(&events).Error)
	assert.Equal(t, events, cps[1].EventCount, "the issue's own event is covered")
	res, err := audit.NewService(f.db).VerifyAnchored(ctx, signer.Public())
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Reason)
	e, err = engagements.NewService(f.db).Get(ctx, id)
	require.NoError(t, err)
	assert.NotNil(t, e.ReleasedAt)
	require.NoError(t, engagements.NewService(f.db).ChangeStatus(ctx, f.actor("patricia"), id, "archived"))

	var moves []string
	require.NoError(t, f.db.Raw(`SELECT after->>'status' FROM audit_events WHERE action = 'engagement.status' AND engagement_id = ? ORDER BY id`, id).Scan(&moves).Error)
	assert.Equal(t, []string{"fieldwork", "review", "signed", "issued", "archived"}, moves)
}

func TestOnlyAFirmPartnerIsTheEngagementPartner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var paul int64
	require.NoError(t, f.db.Raw(`INSERT INTO users (email, name, role) VALUES ('paul@example.com', 'paul', 'partner') RETURNING id`).Row().Scan(&paul))
	f.users["paul"] = paul
	id := f.create(typeII)
	add := func(by, who, role string) error {
		return engagements.NewService(f.db).AddMember(ctx, f.actor(by), id, f.users[who], role)
	}
	field := func(err error, name string) string {
		t.Helper()
		v, ok := apperr.AsValidation(err)
		require.True(t, ok, "want a validation error, got %v", err)
		return v[name]
	}

	// A manager appoints nobody as partner: not a staff member, not a real partner, not themselves.
	assert.Contains(t, field(add("miguel", "tom", "partner"), "role"), "Only a partner or an administrator")
	assert.Contains(t, field(add("miguel", "patricia", "partner"), "role"), "Only a partner or an administrator")
	assert.Contains(t, field(add("miguel", "miguel", "partner"), "user_id"), "your own place")
	// Even an administrator cannot make staff the partner.
	assert.Contains(t, field(add("ada", "tom", "partner"), "role"), "must be a partner of the firm")
	// Nobody places themselves, not even a partner.
	assert.Contains(t, field(add("patricia", "patricia", "partner"), "user_id"), "your own place")
	assert.Contains(t, field(add("miguel", "miguel", "manager"), "user_id"), "your own place")

	require.NoError(t, add("ada", "patricia", "partner"))
	assert.Contains(t, field(add("ada", "paul", "partner"), "role"), "already has a partner")
	require.NoError(t, add("patricia", "miguel", "manager"))
	require.NoError(t, add("miguel", "tom", "staff"))

	// The manager can neither remove the partner nor themselves; the partner cannot leave by themselves.
	assert.Contains(t, field(engagements.NewService(f.db).RemoveMember(ctx, f.actor("miguel"), id, f.users["patricia"]), "role"), "Only a partner or an administrator")
	assert.Contains(t, field(engagements.NewService(f.db).RemoveMember(ctx, f.actor("miguel"), id, f.users["miguel"]), "user_id"), "your own place")
	assert.Contains(t, field(engagements.NewService(f.db).RemoveMember(ctx, f.actor("patricia"), id, f.users["patricia"]), "user_id"), "your own place")

	// A partner replaces the partner; both steps are in the audit trail.
	require.NoError(t, engagements.NewService(f.db).RemoveMember(ctx, f.actor("paul"), id, f.users["patricia"]))
	require.NoError(t, add("ada", "paul", "partner"))
	var events []string
	require.NoError(t, f.db.Raw(`SELECT action || ' ' || actor_email || ' ' || coalesce(after->>'role', before->>'role') FROM audit_events
		WHERE engagement_id = ? AND action LIKE 'engagement.member_%' ORDER BY id`, id).Scan(&events).Error)
	assert.Equal(t, []string{"engagement.member_add ada@example.com partner", "engagement.member_add patricia@example.com manager",
		"engagement.member_add miguel@example.com staff", "engagement.member_remove paul@example.com partner",
		"engagement.member_add ada@example.com partner"}, events)

	// A partner whose firm role is later lowered cannot sign.
	ok, err := engagements.IsSigningPartner(ctx, f.db, id, paul)
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, f.db.Exec(`UPDATE users SET role = 'manager' WHERE id = ?`, paul).Error)
	ok, err = engagements.IsSigningPartner(ctx, f.db, id, paul)
	require.NoError(t, err)
	assert.False(t, ok, "only a firm partner signs")
}

func TestCheckTeamChange(t *testing.T) {
	cases := []struct {
		name                      string
		actorID                   int64
		actorRole, userRole, role string
		userID                    int64
		wantField                 string
	}{
		{"manager adds staff", 1, "manager", "staff", "staff", 2, ""},
		{"manager appoints partner", 1, "manager", "partner", "partner", 2, "role"},
		{"partner appoints partner", 1, "partner", "partner", "partner", 2, ""},
		{"admin appoints partner", 1, "admin", "partner", "partner", 2, ""},
		{"admin appoints staff as partner", 1, "admin", "staff", "partner", 2, "role"},
		{"self", 1, "partner", "partner", "partner", 1, "user_id"},
		{"system seeds", 0, "", "partner", "partner", 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := engagements.CheckTeamChange(tc.actorID, tc.actorRole, tc.userID, tc.userRole, tc.role)
			if tc.wantField == "" {
				assert.Empty(t, v)
			} else {
				assert.Contains(t, v, tc.wantField)
			}
		})
	}
}
