package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/evidence"
)

// Scale sizes the scale fixture: a firm with years of engagements and one large Type II
// engagement. Benchmarks and the load command use LargeScale; the query-count tests use two
// small sizes to show that a page's statements do not grow with the data.
type Scale struct {
	Clients     int // client organizations, the large engagement's client among them
	Engagements int // over five years, the large one among them

	// The large engagement.
	Controls         int // mapped to all 61 criteria
	Tests            int // a design test per control, then operating tests
	Samples          int // over the operating tests
	Exceptions       int // one deviation each, on the first operating tests
	Requests         int
	Evidence         int // small files on the requests, each with its own bytes in the blob store
	PopulationRows   int // one population on the first operating test
	DescriptionPages int // of text over DC1-DC9 (a page: about 3,000 characters)
	AuditEvents      int
}

// LargeScale is the fixture of `attest seed --scale large` (issue #19).
var LargeScale = Scale{Clients: 200, Engagements: 1000, Controls: 300, Tests: 600, Samples: 15_000, Exceptions: 300,
	Requests: 5000, Evidence: 20_000, PopulationRows: 1_000_000, DescriptionPages: 60, AuditEvents: 200_000}

// The scale fixture's own accounts (password DemoPassword); the load command signs in as them.
const (
	ScaleManagerEmail = "manager@scale.attest.example"
	ScaleClientEmail  = "contact@scale.attest.example"
	ScaleLargeClient  = "Scale Large Client"
	// ScaleLargeEngagement names the large engagement; its presence means the fixture is loaded.
	ScaleLargeEngagement = "Scale Large Engagement 2025"
)

// ScaleResult says where the fixture is.
type ScaleResult struct {
	Created      bool // false: it was already there and nothing changed
	ClientID     int64
	EngagementID int64 // the large engagement
	TestID       int64 // an operating test with samples and the population
	Took         time.Duration
}

// SeedScale loads the scale fixture once: a second run finds the large engagement and changes
// nothing. Everything but the accounts and the evidence bytes is written in one transaction,
// with set-based INSERT … SELECT generate_series and COPY (the population, the audit trail), so
// a failed run leaves nothing half-loaded and the large fixture loads in about a minute.
func SeedScale(ctx context.Context, gdb *gorm.DB, store evidence.Store, clk clock.Clock, sc Scale) (ScaleResult, error) {
	start := time.Now()
	db := gdb.WithContext(ctx)
	var res ScaleResult
	if found, err := scaleFound(db, &res); err != nil || found {
		return res, err
	}
	authSvc := auth.NewService(gdb, clk, time.Hour, 12*time.Hour)
	if err := db.Exec(`INSERT INTO clients (name, legal_name) VALUES (?, ?) ON CONFLICT ((lower(name))) DO NOTHING`, ScaleLargeClient, ScaleLargeClient+", Inc.").Error; err != nil {
		return res, fmt.Errorf("scale client: %w", err)
	}
	if err := db.Raw(`SELECT id FROM clients WHERE lower(name) = lower(?)`, ScaleLargeClient).Row().Scan(&res.ClientID); err != nil {
		return res, fmt.Errorf("scale client: %w", err)
	}
	users := map[string]int64{}
	hash := ""
	for _, su := range []struct {
		email, name string
		role        auth.Role
	}{
		{ScaleManagerEmail, "Morgan Scale", auth.RoleManager},
		{"senior@scale.attest.example", "Sam Scale", auth.RoleSenior},
		{"staff@scale.attest.example", "Sky Scale", auth.RoleStaff},
		{ScaleClientEmail, "Casey Client", auth.RoleClient},
	} {
		var u auth.User
		err := db.Where("lower(email) = ?", su.email).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			in := auth.NewUser{Email: su.email, Name: su.name, Role: su.role, Password: DemoPassword}
			if su.role == auth.RoleClient {
				in.ClientID = &res.ClientID
			}
			if hash != "" {
				in.Password = ""
			}
			u, err = authSvc.CreateUser(ctx, audit.System, in)
			if err == nil && hash != "" {
				// Same password: reuse the first account's hash rather than spend argon2id's
				// 64 MiB and tens of milliseconds again (the fixture also loads in tests).
				err = db.Exec(`UPDATE users SET password_hash = ?, password_changed_at = now() WHERE id = ?`, hash, u.ID).Error
			}
		}
		if err != nil {
			return res, fmt.Errorf("scale user %s: %w", su.email, err)
		}
		if hash == "" {
			hash = u.PasswordHash
		}
		users[string(su.role)] = u.ID
	}
	// The evidence bytes go to the store first (content-addressed: a rerun rewrites nothing new).
	blobs := make([]evidence.Blob, sc.Evidence)
	for i := range blobs {
		sp, err := store.Spool(strings.NewReader(fmt.Sprintf("Scale evidence file %d: system export, %d rows reviewed.\n", i+1, 10+i%90)), 1<<20)
		if err != nil {
			return res, fmt.Errorf("scale evidence %d: %w", i, err)
		}
		err = store.Commit(ctx, sp)
		sp.Discard()
		if err != nil {
			return res, fmt.Errorf("scale evidence %d: %w", i, err)
		}
		blobs[i] = sp.Blob
	}
	err := db.Connection(func(conn *gorm.DB) error {
		sqlConn, ok := conn.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return errors.New("scale fixture: no dedicated connection")
		}
		return conn.Transaction(func(tx *gorm.DB) error {
			// Two seeds at once: the second waits, then finds the fixture.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(19019)`).Error; err != nil {
				return err
			}
			if found, err := scaleFound(tx, &res); err != nil || found {
				return err
			}
			if err := seedScaleTx(ctx, tx, sqlConn, sc, users, blobs, &res); err != nil {
				return err
			}
			res.Created = true
			return nil
		})
	})
	if err != nil {
		return ScaleResult{}, fmt.Errorf("scale fixture: %w", err)
	}
	if !res.Created {
		return res, nil
	}
	// Fresh statistics, so the planner sees the new sizes at once.
	if err := db.Exec(`ANALYZE`).Error; err != nil {
		return res, fmt.Errorf("scale fixture: analyze: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

func scaleFound(db *gorm.DB, res *ScaleResult) (bool, error) {
	var row struct{ ID, ClientID int64 }
	if err := db.Raw(`SELECT id, client_id FROM engagements WHERE name = ?`, ScaleLargeEngagement).Scan(&row).Error; err != nil {
		return false, fmt.Errorf("looking for the scale fixture: %w", err)
	}
	if row.ID == 0 {
		return false, nil
	}
	res.EngagementID, res.ClientID = row.ID, row.ClientID
	err := db.Raw(`SELECT t.id FROM tests t JOIN populations p ON p.test_id = t.id WHERE t.engagement_id = ? ORDER BY t.id LIMIT 1`, row.ID).Row().Scan(&res.TestID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("looking for the scale fixture's test: %w", err)
	}
	return true, nil
}

func seedScaleTx(ctx context.Context, tx *gorm.DB, conn *sql.Conn, sc Scale, users map[string]int64, blobs []evidence.Blob, res *ScaleResult) error {
	manager, senior, staff, client := users["manager"], users["senior"], users["staff"], users["client"]
	exec := func(what, q string, args ...any) error {
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	// Other clients and their engagements over five years (2021-2025), a quarter with the manager.
	if err := exec("clients", `INSERT INTO clients (name, legal_name)
		SELECT 'Scale Client ' || lpad(g::text, 4, '0'), 'Scale Client ' || g || ' LLC' FROM generate_series(1, ?) g
		ON CONFLICT ((lower(name))) DO NOTHING`, max(sc.Clients-1, 0)); err != nil {
		return err
	}
	if err := exec("engagements", `WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM clients WHERE name LIKE 'Scale Client %'),
			nc AS (SELECT count(*) AS k FROM c)
		INSERT INTO engagements (client_id, name, report_type, period_start, period_end, report_date, status, categories)
		SELECT c.id, 'Scale SOC 2 ' || (2021 + g % 5) || ' #' || g, 'type2',
			make_date(2021 + g % 5, 1, 1), make_date(2021 + g % 5, 12, 31),
			CASE WHEN g % 5 < 4 THEN make_date(2022 + g % 5, 2, 15) END,
			CASE WHEN g % 5 < 3 THEN 'archived' WHEN g % 5 = 3 THEN 'issued' ELSE (ARRAY['planning','fieldwork','review'])[1 + g % 3] END,
			'{security,availability}'
		FROM generate_series(1, ?) g, nc JOIN c ON true WHERE c.n = g % nc.k`, max(sc.Engagements-1, 0)); err != nil {
		return err
	}
	if err := tx.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status, categories)
		VALUES (?, ?, 'type2', '2025-01-01', '2025-12-31', 'fieldwork', '{security,availability,confidentiality,processing_integrity,privacy}')
		RETURNING id`, res.ClientID, ScaleLargeEngagement).Row().Scan(&res.EngagementID); err != nil {
		return fmt.Errorf("large engagement: %w", err)
	}
	eng := res.EngagementID
	if err := exec("team", `INSERT INTO engagement_members (engagement_id, user_id, role, independence_confirmed_at)
		SELECT id, ?, 'manager', now() FROM engagements WHERE name LIKE 'Scale SOC 2 %' AND id % 4 = 0
		UNION ALL VALUES (?::bigint, ?::bigint, 'manager', now()), (?, ?, 'senior', now()), (?, ?, 'staff', now()), (?, ?, 'client_contact', NULL)`,
		manager, eng, manager, eng, senior, eng, staff, eng, client); err != nil {
		return err
	}
	// 300 controls mapped to all 61 criteria (each control to two; every criterion covered).
	if err := exec("controls", `INSERT INTO controls (engagement_id, ref, description, owner, frequency, nature, control_type, risk, sort_order)
		SELECT ?, 'SC-' || lpad(g::text, 4, '0'),
			'Scale control ' || g || ': access to production systems is approved, reviewed quarterly and removed on termination.',
			(ARRAY['IT Operations','Security','HR','Engineering'])[1 + g % 4],
			(ARRAY['annual','quarterly','monthly','weekly','daily','multiple_daily','automated','as_needed'])[1 + g % 8],
			(ARRAY['manual','automated','it_dependent_manual'])[1 + g % 3], (ARRAY['preventive','detective'])[1 + g % 2],
			(ARRAY['low','higher'])[1 + g % 2], g
		FROM generate_series(1, ?) g`, eng, sc.Controls); err != nil {
		return err
	}
	if err := exec("control criteria", `WITH cr AS (SELECT id, row_number() OVER (ORDER BY sort_order) - 1 AS n, count(*) OVER () AS k FROM criteria),
			ct AS (SELECT id, sort_order - 1 AS n FROM controls WHERE engagement_id = ?)
		INSERT INTO control_criteria (control_id, criterion_id)
		SELECT DISTINCT ct.id, cr.id FROM ct JOIN cr ON cr.n = ct.n % cr.k OR cr.n = (ct.n + 17) % cr.k`, eng); err != nil {
		return err
	}
	// A design test per control, then operating tests, signed as prepared and reviewed.
	if err := exec("tests", `WITH ct AS (SELECT id, sort_order - 1 AS n, count(*) OVER () AS k FROM controls WHERE engagement_id = ?)
		INSERT INTO tests (engagement_id, control_id, kind, techniques, procedure, evidence_expected, result, result_text,
			sample_method, sample_size, prepared_by, prepared_at, reviewed_by, reviewed_at)
		SELECT ?, ct.id, CASE WHEN g <= ct.k THEN 'design' ELSE 'operating' END, '{inquiry,inspection}',
			'Inspected the approvals for the selected items and agreed them to the system of record (' || g || ').',
			'Approval records', 'no_exceptions', 'No exceptions noted.',
			CASE WHEN g <= ct.k THEN '' ELSE 'random' END, CASE WHEN g <= ct.k THEN NULL ELSE 25 END,
			?, '2025-11-01', ?, '2025-11-15'
		FROM generate_series(1, ?) g JOIN ct ON ct.n = (g - 1) % ct.k`, eng, eng, staff, senior, sc.Tests); err != nil {
		return err
	}
	if err := tx.Raw(`SELECT id FROM tests WHERE engagement_id = ? AND kind = 'operating' ORDER BY id LIMIT 1`, eng).Row().Scan(&res.TestID); err != nil {
		return fmt.Errorf("first operating test: %w", err)
	}
	// The population: a million rows, copied by the server from generate_series.
	var popID int64
	if err := tx.Raw(`INSERT INTO populations (test_id, source, completeness_check, file_name, sha256, row_count, columns, uploaded_by)
		VALUES (?, 'Scale HRIS export', 'Agreed the count to the system report', 'scale-population.csv', repeat('0', 64), ?, '{item_id,date,amount}', ?) RETURNING id`,
		res.TestID, sc.PopulationRows, staff).Row().Scan(&popID); err != nil {
		return fmt.Errorf("population: %w", err)
	}
	if err := exec("population items", `INSERT INTO population_items (population_id, row_number, item_key, data)
		SELECT ?, g, 'IT-' || lpad(g::text, 7, '0'),
			jsonb_build_object('item_id', 'IT-' || lpad(g::text, 7, '0'), 'date', (date '2025-01-01' + g % 365)::text, 'amount', (g * 37 % 100000)::text)
		FROM generate_series(1, ?) g`, popID, sc.PopulationRows); err != nil {
		return err
	}
	// Samples over the operating tests, drawn from the population's first rows.
	if err := exec("samples", `WITH ot AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS k FROM tests WHERE engagement_id = ? AND kind = 'operating')
		INSERT INTO samples (test_id, population_id, row_number, item_key, item, attributes_tested, result, sent_to_client_at)
		SELECT ot.id, ?, 1 + g * 61 % ?, 'IT-' || lpad((1 + g * 61 % ?)::text, 7, '0'), jsonb_build_object('item_id', 'IT-' || g),
			'Approved before access; access matches role', 'pass', '2025-10-01'
		FROM generate_series(0, ? - 1) g JOIN ot ON ot.n = g % ot.k`, eng, popID, max(sc.PopulationRows, 1), max(sc.PopulationRows, 1), sc.Samples); err != nil {
		return err
	}
	// Exceptions: one deviation on each of the first operating tests.
	if err := exec("exceptions", `WITH ot AS (SELECT id FROM tests WHERE engagement_id = ? AND kind = 'operating' ORDER BY id LIMIT ?),
			s AS (SELECT DISTINCT ON (s.test_id) s.id, s.test_id FROM samples s JOIN ot ON ot.id = s.test_id ORDER BY s.test_id, s.id)
		INSERT INTO exceptions (engagement_id, test_id, sample_id, description, cause, deviations, items_tested, management_response,
			management_responded_by, management_responded_at, evaluation, criteria_met, evaluation_notes, created_by)
		SELECT ?, s.test_id, s.id, 'Access was granted before approval for one sampled item.', 'Manual process', 1, 25,
			'Management has added an automated check.', ?, '2025-11-20', 'isolated', true, 'Isolated; compensating review exists.', ?
		FROM s`, eng, sc.Exceptions, eng, client, staff); err != nil {
		return err
	}
	if err := exec("deviations", `UPDATE samples SET result = 'deviation' WHERE id IN (SELECT sample_id FROM exceptions WHERE engagement_id = ?)`, eng); err != nil {
		return err
	}
	if err := exec("test results", `UPDATE tests SET result = 'exceptions', result_text = 'One deviation noted; see the exception.'
		WHERE id IN (SELECT test_id FROM exceptions WHERE engagement_id = ?)`, eng); err != nil {
		return err
	}
	if err := exec("exception criteria", `INSERT INTO exception_criteria (exception_id, criterion_id)
		SELECT DISTINCT ON (x.id) x.id, cc.criterion_id FROM exceptions x JOIN tests t ON t.id = x.test_id
		JOIN control_criteria cc ON cc.control_id = t.control_id WHERE x.engagement_id = ? ORDER BY x.id, cc.criterion_id`, eng); err != nil {
		return err
	}
	// Requests to the client, in every state, and their evidence files.
	if err := exec("requests", `INSERT INTO info_requests (engagement_id, number, title, description, assignee_id, due_date, priority, status,
			submitted_at, accepted_at, created_by)
		SELECT ?, g, 'Scale request ' || g || ': provide the approval evidence for the sampled items',
			'Export from the ticketing system, one file per item.', ?, date '2025-10-01' + g % 90,
			(ARRAY['low','normal','high'])[1 + g % 3], (ARRAY['open','submitted','accepted'])[1 + g % 3],
			CASE WHEN g % 3 > 0 THEN timestamptz '2025-10-15' END, CASE WHEN g % 3 = 2 THEN timestamptz '2025-10-20' END, ?
		FROM generate_series(1, ?) g`, eng, client, senior, sc.Requests); err != nil {
		return err
	}
	// The firm's other engagements have their own requests (ten each), as years of work leave.
	if err := exec("other requests", `INSERT INTO info_requests (engagement_id, number, title, assignee_id, due_date, status, created_by)
		SELECT e.id, g, 'Request ' || g, NULL, coalesce(e.period_end, date '2025-12-31') - 30 + g, CASE WHEN e.status IN ('issued','archived') THEN 'accepted' ELSE 'open' END, ?
		FROM engagements e, generate_series(1, 10) g WHERE e.name LIKE 'Scale SOC 2 %'`, senior); err != nil {
		return err
	}
	var firstRequest int64
	if err := tx.Raw(`SELECT coalesce(min(id), 0) FROM info_requests WHERE engagement_id = ?`, eng).Row().Scan(&firstRequest); err != nil {
		return fmt.Errorf("requests: %w", err)
	}
	if err := copyRows(ctx, conn, "evidence_files", []string{"engagement_id", "request_id", "file_name", "content_type", "size_bytes", "sha256", "blob_key", "pertains_to", "uploaded_by", "uploaded_at"},
		len(blobs), func(i int) []any {
			var req any
			if sc.Requests > 0 {
				req = firstRequest + int64(i%sc.Requests)
			}
			return []any{eng, req, fmt.Sprintf("export-%05d.txt", i+1), "text/plain", blobs[i].Size, blobs[i].SHA256, blobs[i].SHA256,
				time.Date(2025, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), client, time.Date(2025, 10, 15, 9, 0, 0, 0, time.UTC)}
		}); err != nil {
		return fmt.Errorf("evidence files: %w", err)
	}
	// The description: DC1-DC9 over the pages asked for.
	perSection := sc.DescriptionPages * 3000 / 9
	for i := 1; i <= 9; i++ {
		body := scaleDescription(i, perSection)
		var sid int64
		if err := tx.Raw(`INSERT INTO description_sections (engagement_id, code, body, current_version, updated_by, updated_at)
			VALUES (?, ?, ?, 1, ?, '2025-09-01') RETURNING id`, eng, fmt.Sprintf("DC%d", i), body, senior).Row().Scan(&sid); err != nil {
			return fmt.Errorf("description DC%d: %w", i, err)
		}
		if err := exec("description version", `INSERT INTO description_section_versions (section_id, number, body, saved_by, saved_at)
			VALUES (?, 1, ?, ?, '2025-09-01')`, sid, body, senior); err != nil {
			return err
		}
	}
	// The audit trail of a year of work on the large engagement, chained like every event.
	actions := []struct{ action, entity string }{{"test.update", "test"}, {"sample.update", "sample"}, {"request.submit", "info_request"},
		{"evidence.upload", "evidence_file"}, {"request.accept", "info_request"}, {"test.prepare", "test"}, {"test.review", "test"}}
	actors := []audit.Actor{{ID: staff, Email: "staff@scale.attest.example"}, {ID: senior, Email: "senior@scale.attest.example"},
		{ID: client, Email: ScaleClientEmail}, {ID: manager, Email: ScaleManagerEmail}}
	from := time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)
	step := time.Duration(int64(360*24*time.Hour) / int64(max(sc.AuditEvents, 1)))
	return audit.AppendBulk(ctx, tx, conn, sc.AuditEvents, func(i int) audit.Generated {
		a := actions[i%len(actions)]
		return audit.Generated{Actor: actors[i%len(actors)], OccurredAt: from.Add(time.Duration(i) * step),
			Event: audit.Event{Action: a.action, EntityType: a.entity, EntityID: int64(1 + i%5000), EngagementID: eng, ClientID: res.ClientID,
				After: map[string]any{"n": i, "note": "scale fixture"}}}
	})
}

// copyRows writes n rows with COPY on conn, whose transaction is open.
func copyRows(ctx context.Context, conn *sql.Conn, table string, cols []string, n int, row func(i int) []any) error {
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("the database driver is not pgx")
		}
		i := 0
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(i - 1), nil
		}))
		return err
	})
}

// scaleDescription is Markdown of about n characters for description criterion DCi.
func scaleDescription(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## DC%d\n\n", i)
	for p := 1; b.Len() < n; p++ {
		if p%6 == 0 {
			fmt.Fprintf(&b, "### Part %d\n\n", p/6)
		}
		fmt.Fprintf(&b, "Paragraph %d. The company operates its production systems in two regions with automated failover. "+
			"Access to production is granted through the identity provider after a manager's approval, reviewed every quarter and "+
			"removed within one business day of termination. Changes follow the documented change management process: a ticket, "+
			"peer review of the code, automated tests and approval before deployment.\n\n", p)
	}
	return b.String()
}
