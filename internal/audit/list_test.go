package audit_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestListPagesByIDWithoutGapsOrOverlap(t *testing.T) {
	gdb := dbtest.New(t)
	record(t, gdb, 7)
	ctx := context.Background()
	var seen []int64
	f := audit.Filter{EntityType: "client", Limit: 3}
	for {
		p, err := audit.NewService(gdb).List(ctx, f)
		require.NoError(t, err)
		for _, e := range p.Events {
			seen = append(seen, *e.EntityID)
		}
		if p.NextBefore == 0 {
			break
		}
		f.Before = p.NextBefore
	}
	assert.Equal(t, []int64{7, 6, 5, 4, 3, 2, 1}, seen)

	p, err := audit.NewService(gdb).List(ctx, audit.Filter{Actor: "A@EXAMPLE", To: time.Now().AddDate(0, 0, -2)})
	require.NoError(t, err)
	assert.Empty(t, p.Events, "the date range applies")
	p, err = audit.NewService(gdb).List(ctx, audit.Filter{Actor: "%"})
	require.NoError(t, err)
	assert.Empty(t, p.Events, "LIKE wildcards in the actor filter are literal")
}

// BenchmarkListFilteredPage measures one filtered page of the audit trail page with 20,000
// events recorded, the size of a busy year.
func BenchmarkListFilteredPage(b *testing.B) {
	gdb := dbtest.New(b)
	require.NoError(b, gdb.Exec(`
		INSERT INTO audit_events (occurred_at, actor_email, action, entity_type, entity_id, engagement_id, after, prev_hash, hash)
		SELECT now() - (g || ' minutes')::interval, 'user' || (g % 20) || '@firm.example', 'test.update',
		       CASE WHEN g % 4 = 0 THEN 'client' ELSE 'test' END, g, g % 50, '{"status":"done"}', '\x00', '\x00'
		FROM generate_series(1, 20000) g`).Error)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := audit.NewService(gdb).List(ctx, audit.Filter{EngagementID: int64(i%49 + 1), EntityType: "test"})
		if err != nil || len(p.Events) == 0 {
			b.Fatal(fmt.Sprint("no events: ", err))
		}
	}
}

// TestListNamesWhatEventsReferTo: each listed event carries the actor's and the engagement's
// names and its entity's, for every kind of entity the trail names, and no name for a row that
// is gone or a kind without one.
func TestListNamesWhatEventsReferTo(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	id := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		require.NoError(t, gdb.Raw(q+` RETURNING id`, args...).Row().Scan(&id))
		return id
	}
	user := id(`INSERT INTO users (email, name, role) VALUES ('miguel@firm.example', 'Miguel Ortiz', 'manager')`)
	client := id(`INSERT INTO clients (name) VALUES ('Northwind Ledger')`)
	eng := id(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, 'Northwind 2026', 'type1', '2026-06-30')`, client)
	ctl := id(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'NL-03', 'Hiring', 'daily')`, eng)
	test := id(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'design')`, eng, ctl)
	sample := id(`INSERT INTO samples (test_id, item_key) VALUES (?, 'HR-17')`, test)
	exc := id(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested) VALUES (?, ?, 'late', 1, 25)`, eng, test)
	req := id(`INSERT INTO info_requests (engagement_id, number, title) VALUES (?, 4, 'Hiring list')`, eng)
	sub := id(`INSERT INTO subservice_organizations (engagement_id, name, method) VALUES (?, 'Cloud Host', 'carve_out')`, eng)
	cuec := id(`INSERT INTO complementary_controls (engagement_id, kind, ref, description) VALUES (?, 'cuec', 'CUEC-1', 'Users review access')`, eng)
	csoc := id(`INSERT INTO complementary_controls (engagement_id, kind, description) VALUES (?, 'csoc', 'The host restricts physical access to its data centres')`, eng)

	want := map[string]string{}
	for _, e := range []struct {
		kind string
		id   int64
		name string
	}{
		{"user", user, "Miguel Ortiz"}, {"engagement", eng, "Northwind 2026"}, {"client", client, "Northwind Ledger"},
		{"control", ctl, "Control NL-03"}, {"test", test, "Test of NL-03"}, {"sample", sample, "Sample HR-17 (test of NL-03)"},
		{"exception", exc, "Exception in NL-03"}, {"info_request", req, "Request 4: Hiring list"},
		{"subservice_organization", sub, "Cloud Host"}, {"complementary_control", cuec, "CUEC CUEC-1"},
		{"complementary_control", csoc, "CSOC The host restricts physical access to it"},
		{"control", ctl + 1000, ""}, {"session", 7, ""},
	} {
		action := e.kind + ".update"
		want[action+itoa(e.id)] = e.name
		require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(ctx, tx, audit.Actor{ID: user, Email: "miguel@firm.example"},
				audit.Event{Action: action, EntityType: e.kind, EntityID: e.id, EngagementID: eng, ClientID: client})
		}))
	}
	require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, audit.System, audit.Event{Action: "digest.send", EntityType: "digest"})
	}))

	p, err := audit.NewService(gdb).List(ctx, audit.Filter{})
	require.NoError(t, err)
	require.Len(t, p.Events, len(want)+1)
	system := p.Events[0]
	assert.Equal(t, "digest.send", system.Action)
	assert.Nil(t, system.ActorID)
	assert.Empty(t, system.ActorName)
	assert.Nil(t, system.EngagementID)
	assert.Empty(t, system.EngagementName)
	assert.Nil(t, system.EntityID)
	for _, e := range p.Events[1:] {
		assert.Equal(t, want[e.Action+itoa(*e.EntityID)], e.EntityName, "%s %d", e.EntityType, *e.EntityID)
		assert.Equal(t, "Miguel Ortiz", e.ActorName)
		assert.Equal(t, "miguel@firm.example", e.ActorEmail)
		assert.Equal(t, "Northwind 2026", e.EngagementName)
		assert.Equal(t, eng, *e.EngagementID)
	}

	// The engagement filter and the page size hold with the names joined in.
	p, err = audit.NewService(gdb).List(ctx, audit.Filter{EngagementID: eng, EntityType: "complementary_control", Limit: 1})
	require.NoError(t, err)
	require.Len(t, p.Events, 1)
	assert.Equal(t, "CSOC The host restricts physical access to it", p.Events[0].EntityName, "newest first")
	assert.NotZero(t, p.NextBefore)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
