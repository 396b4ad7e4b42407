package engagements_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/engagements"
)

func TestNextPeriod(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	cases := []struct{ start, end, wantStart, wantEnd string }{
		{"2026-01-01", "2026-06-30", "2026-07-01", "2026-12-31"},
		{"2025-07-01", "2025-12-31", "2026-01-01", "2026-06-30"},
		{"2025-10-01", "2026-09-30", "2026-10-01", "2027-09-30"},
		{"2026-01-15", "2026-04-14", "2026-04-15", "2026-07-14"}, // three whole months from the 15th
		{"2026-01-15", "2026-04-20", "2026-04-21", "2026-07-25"}, // not whole months: same day count
		{"2026-01-31", "2026-04-30", "2026-05-01", "2026-07-29"}, // month ends are not month-stable: day count
	}
	for _, tc := range cases {
		s, e := engagements.NextPeriod(d(tc.start), d(tc.end))
		assert.Equal(t, tc.wantStart, s.Format("2006-01-02"), tc.start)
		assert.Equal(t, tc.wantEnd, e.Format("2006-01-02"), tc.start)
	}
}

func TestRollForwardCopiesPlanNotResults(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	db := f.db
	src := f.create(engagements.Input{Name: "SOC 2 Type II 2025", ReportType: "type2", PeriodStart: "2025-01-01",
		PeriodEnd: "2025-12-31", ReportDate: "2026-02-15", Categories: []string{"availability", "confidentiality"}})
	exec := func(sql string, args ...any) {
		t.Helper()
		require.NoError(t, db.Exec(sql, args...).Error)
	}
	scan := func(dst any, sql string, args ...any) {
		t.Helper()
		require.NoError(t, db.Raw(sql, args...).Row().Scan(dst))
	}
	u := f.users
	exec(`INSERT INTO engagement_members (engagement_id, user_id, role, independence_confirmed_at) VALUES
		(?, ?, 'partner', now()), (?, ?, 'manager', now()), (?, ?, 'client_contact', NULL)`,
		src, u["patricia"], src, u["miguel"], src, u["dana"])
	var sso int64
	scan(&sso, `INSERT INTO subservice_organizations (engagement_id, name, services, method) VALUES (?, 'Cloud host', 'IaaS', 'carve_out') RETURNING id`, src)
	var c1, c2 int64
	scan(&c1, `INSERT INTO controls (engagement_id, ref, description, owner, frequency, nature, risk, sort_order)
		VALUES (?, 'NL-01', 'Quarterly access review', 'CTO', 'quarterly', 'manual', 'higher', 1) RETURNING id`, src)
	scan(&c2, `INSERT INTO controls (engagement_id, ref, description, frequency, nature) VALUES (?, 'NL-02', 'Backups', 'daily', 'automated') RETURNING id`, src)
	exec(`INSERT INTO control_criteria VALUES (?, 'CC6.2'), (?, 'CC6.3'), (?, 'A1.2')`, c1, c1, c2)
	var csoc int64
	scan(&csoc, `INSERT INTO complementary_controls (engagement_id, kind, ref, description, subservice_organization_id)
		VALUES (?, 'csoc', 'CSOC-1', 'Physical security at the data centre', ?) RETURNING id`, src, sso)
	exec(`INSERT INTO complementary_control_criteria VALUES (?, 'CC6.4')`, csoc)
	var t1 int64
	scan(&t1, `INSERT INTO tests (engagement_id, control_id, kind, techniques, procedure, evidence_expected, result, result_text,
		sample_method, sample_size, prepared_by, prepared_at, reviewed_by, reviewed_at)
		VALUES (?, ?, 'operating', '{inspection,inquiry}', 'Inspect a sample of reviews', 'Signed review records', 'exceptions',
		'1 of 4 not signed', 'random', 4, ?, now(), ?, now()) RETURNING id`, src, c1, u["sara"], u["miguel"])
	exec(`INSERT INTO tests (engagement_id, control_id, kind, procedure) VALUES (?, ?, 'design', 'Walk through the backup job')`, src, c2)
	var sample int64
	scan(&sample, `INSERT INTO samples (test_id, item_key, result) VALUES (?, 'Q1', 'deviation') RETURNING id`, t1)
	exec(`INSERT INTO exceptions (engagement_id, test_id, sample_id, description, deviations, items_tested) VALUES (?, ?, ?, 'Unsigned review', 1, 4)`, src, t1, sample)
	exec(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by) VALUES (?, 'test', ?, 'Check', ?)`, src, t1, u["miguel"])
	var req int64
	scan(&req, `INSERT INTO info_requests (engagement_id, number, title, description, priority, status, assignee_id, due_date, submitted_at)
		VALUES (?, 1, 'User access listing', 'Export of all users', 'high', 'submitted', ?, '2025-03-01', now()) RETURNING id`, src, u["dana"])
	exec(`INSERT INTO request_comments (request_id, author_id, body) VALUES (?, ?, 'Attached')`, req, u["dana"])
	exec(`INSERT INTO info_request_links (request_id, target_type, target_id) VALUES (?, 'control', ?), (?, 'test', ?), (?, 'sample', ?)`,
		req, c1, req, t1, req, sample)

	id, err := engagements.NewService(db).RollForward(ctx, f.actor("miguel"), src)
	require.NoError(t, err)
	_, err = engagements.NewService(db).RollForward(ctx, f.actor("miguel"), src)
	var twice *engagements.AlreadyRolledForward
	require.ErrorAs(t, err, &twice, "a second roll-forward creates no twin")
	assert.Equal(t, id, twice.NextID)
	e, err := engagements.NewService(db).Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "SOC 2 Type II 2026", e.Name)
	assert.Equal(t, "2026-01-01", e.PeriodStart.Format("2006-01-02"))
	assert.Equal(t, "2026-12-31", e.PeriodEnd.Format("2006-01-02"))
	assert.Equal(t, "2027-02-15", e.ReportDate.Format("2006-01-02"))
	assert.Equal(t, []string{"security", "availability", "confidentiality"}, e.Categories())
	assert.Equal(t, engagements.Status("planning"), e.Status)
	require.NotNil(t, e.PriorEngagementID)
	assert.Equal(t, src, *e.PriorEngagementID)

	members, err := engagements.NewService(db).Members(ctx, id)
	require.NoError(t, err)
	require.Len(t, members, 3)
	for _, m := range members {
		assert.Nil(t, m.IndependenceConfirmedAt, "independence is confirmed afresh each period: %s", m.Name)
	}
	assert.Equal(t, "partner", members[0].Role)

	type row = map[string]any
	rows := func(sql string) []row {
		t.Helper()
		var out []row
		require.NoError(t, db.Raw(sql, id).Scan(&out).Error)
		return out
	}
	assert.Equal(t, []row{{"name": "Cloud host", "services": "IaaS", "method": "carve_out"}},
		rows(`SELECT name, services, method FROM subservice_organizations WHERE engagement_id = ?`))
	assert.Equal(t, []row{
		{"ref": "NL-01", "description": "Quarterly access review", "owner": "CTO", "frequency": "quarterly", "risk": "higher", "criteria": "CC6.2,CC6.3"},
		{"ref": "NL-02", "description": "Backups", "owner": "", "frequency": "daily", "risk": "low", "criteria": "A1.2"},
	}, rows(`SELECT c.ref, c.description, c.owner, c.frequency, c.risk,
		(SELECT string_agg(criterion_id, ',' ORDER BY criterion_id) FROM control_criteria WHERE control_id = c.id) AS criteria
		FROM controls c WHERE engagement_id = ? ORDER BY ref`))
	assert.Equal(t, []row{{"kind": "csoc", "ref": "CSOC-1", "sso": "Cloud host", "criteria": "CC6.4"}},
		rows(`SELECT cc.kind, cc.ref, s.name AS sso,
		(SELECT string_agg(criterion_id, ',') FROM complementary_control_criteria WHERE complementary_control_id = cc.id) AS criteria
		FROM complementary_controls cc JOIN subservice_organizations s ON s.id = cc.subservice_organization_id
		WHERE cc.engagement_id = ? AND s.engagement_id = cc.engagement_id`))
	assert.Equal(t, []row{
		{"ref": "NL-01", "kind": "operating", "techniques": "inspection,inquiry", "procedure": "Inspect a sample of reviews",
			"evidence_expected": "Signed review records", "result": "not_started", "result_text": "", "sample_method": "",
			"signed": false, "same_engagement": true},
		{"ref": "NL-02", "kind": "design", "techniques": "", "procedure": "Walk through the backup job",
			"evidence_expected": "", "result": "not_started", "result_text": "", "sample_method": "",
			"signed": false, "same_engagement": true},
	}, rows(`SELECT c.ref, t.kind, array_to_string(t.techniques, ',') AS techniques, t.procedure, t.evidence_expected, t.result,
		t.result_text, t.sample_method, (t.prepared_by IS NOT NULL OR t.reviewed_by IS NOT NULL OR t.sample_size IS NOT NULL) AS signed,
		c.engagement_id = t.engagement_id AS same_engagement
		FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.engagement_id = ? ORDER BY c.ref`))
	assert.Equal(t, []row{{"number": int32(1), "title": "User access listing", "description": "Export of all users", "priority": "high",
		"status": "open", "assigned": false, "comments": int64(0)}},
		rows(`SELECT number, title, description, priority, status,
		(assignee_id IS NOT NULL OR due_date IS NOT NULL OR submitted_at IS NOT NULL) AS assigned,
		(SELECT count(*) FROM request_comments WHERE request_id = r.id) AS comments FROM info_requests r WHERE engagement_id = ?`))
	assert.Equal(t, []row{
		{"target_type": "control", "target": "NL-01", "same_engagement": true},
		{"target_type": "test", "target": "NL-01 operating", "same_engagement": true},
	}, rows(`SELECT l.target_type, coalesce(c.ref, tc.ref || ' ' || t.kind) AS target,
		coalesce(c.engagement_id, t.engagement_id) = r.engagement_id AS same_engagement
		FROM info_request_links l JOIN info_requests r ON r.id = l.request_id
		LEFT JOIN controls c ON l.target_type = 'control' AND c.id = l.target_id
		LEFT JOIN tests t ON l.target_type = 'test' AND t.id = l.target_id LEFT JOIN controls tc ON tc.id = t.control_id
		WHERE r.engagement_id = ? ORDER BY l.target_type`), "what each request supports is carried over; sample links are not")
	for _, table := range []string{"exceptions", "review_notes", "evidence_files"} {
		var n int64
		scan(&n, `SELECT count(*) FROM `+table+` WHERE engagement_id = ?`, id)
		assert.Zero(t, n, table+" are not rolled forward")
	}
	var samples int64
	scan(&samples, `SELECT count(*) FROM samples s JOIN tests t ON t.id = s.test_id WHERE t.engagement_id = ?`, id)
	assert.Zero(t, samples)
	var srcTests int64
	scan(&srcTests, `SELECT count(*) FROM tests WHERE engagement_id = ? AND result = 'exceptions'`, src)
	assert.Equal(t, int64(1), srcTests, "the source engagement is untouched")
	var audited int64
	scan(&audited, `SELECT count(*) FROM audit_events WHERE action = 'engagement.roll_forward' AND engagement_id = ?`, id)
	assert.Equal(t, int64(1), audited)
}
