package engagements

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
)

// NextPeriod shifts a Type II period forward by its own length: whole months stay whole
// months (1 Jan–30 Jun becomes 1 Jul–31 Dec, 15 Jan–14 Apr becomes 15 Apr–14 Jul), other
// periods move by their day count. Days after the 28th are not month-stable, so they count days.
func NextPeriod(start, end time.Time) (time.Time, time.Time) {
	next := end.AddDate(0, 0, 1)
	if start.Day() == next.Day() && start.Day() <= 28 {
		months := (next.Year()-start.Year())*12 + int(next.Month()-start.Month())
		return next, next.AddDate(0, months, -1)
	}
	return next, next.Add(end.Sub(start))
}

// rolledName renames the engagement for its next period: the year of the old period end
// becomes the new one, or the new period end is appended when the name holds no year.
func rolledName(name string, oldEnd, newEnd time.Time) string {
	oldYear, newYear := strconv.Itoa(oldEnd.Year()), strconv.Itoa(newEnd.Year())
	if oldYear != newYear && strings.Contains(name, oldYear) {
		return strings.ReplaceAll(name, oldYear, newYear)
	}
	return name + " (to " + newEnd.Format("2 Jan 2006") + ")"
}

// AlreadyRolledForward says the engagement already has a next period's engagement, so a second
// roll-forward (a double click, a colleague doing the same) does not create a twin.
type AlreadyRolledForward struct {
	NextID int64
	Name   string
}

func (e *AlreadyRolledForward) Error() string {
	return fmt.Sprintf("already rolled forward to engagement %d (%s)", e.NextID, e.Name)
}

// NextOf returns the engagement rolled forward from id, or a zero ID when there is none.
func (s *Service) NextOf(ctx context.Context, id int64) (AlreadyRolledForward, error) {
	var next AlreadyRolledForward
	err := s.DB.WithContext(ctx).Raw(`SELECT id AS next_id, name FROM engagements WHERE prior_engagement_id = ? ORDER BY id LIMIT 1`, id).Scan(&next).Error
	if err != nil {
		return next, fmt.Errorf("looking for the next period of engagement %d: %w", id, err)
	}
	return next, nil
}

// RollForward creates the next period's engagement from engagement id: the same client, scope,
// team (independence to be confirmed afresh), subservice organizations, control matrix,
// complementary controls, test procedures and request list — none of the results, samples,
// exceptions, evidence, sign-offs or review notes. It returns the new engagement's id.
func (s *Service) RollForward(ctx context.Context, actor audit.Actor, id int64) (int64, error) {
	src, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	var asOf, start, end, report *time.Time
	shift := func(t *time.Time, years int) *time.Time {
		if t == nil {
			return nil
		}
		x := t.AddDate(years, 0, 0)
		return &x
	}
	oldEnd := src.AsOfDate
	if src.ReportType == "type2" {
		ns, ne := NextPeriod(*src.PeriodStart, *src.PeriodEnd)
		start, end, oldEnd = &ns, &ne, src.PeriodEnd
		if src.ReportDate != nil {
			r := src.ReportDate.Add(ne.Sub(*src.PeriodEnd))
			report = &r
		}
	} else {
		asOf, report = shift(src.AsOfDate, 1), shift(src.ReportDate, 1)
	}
	newEnd := asOf
	if end != nil {
		newEnd = end
	}
	name := rolledName(src.Name, *oldEnd, *newEnd)

	var newID int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM engagements WHERE id = ? FOR UPDATE`, id).Error; err != nil {
			return fmt.Errorf("locking engagement %d: %w", id, err)
		}
		next, err := s.WithTx(tx).NextOf(ctx, id)
		if err != nil {
			return err
		}
		if next.NextID != 0 {
			return &next
		}
		err = tx.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date, period_start, period_end, report_date,
			categories, period_warning_reason, prior_engagement_id)
			SELECT client_id, ?, report_type, ?, ?, ?, ?, categories, period_warning_reason, id FROM engagements WHERE id = ?
			RETURNING id`, name, asOf, start, end, report, id).Row().Scan(&newID)
		if err != nil {
			return fmt.Errorf("creating the next engagement: %w", err)
		}
		// Each copied table gets an old-id → new-id map first, so children can follow their
		// parents into the new engagement.
		steps := []struct{ what, sql string }{
			{"team", `INSERT INTO engagement_members (engagement_id, user_id, role)
				SELECT @new, m.user_id, m.role FROM engagement_members m JOIN users u ON u.id = m.user_id
				WHERE m.engagement_id = @old AND u.disabled_at IS NULL`},
			{"subservice map", `CREATE TEMP TABLE rf_sso ON COMMIT DROP AS
				SELECT id AS old_id, nextval(pg_get_serial_sequence('subservice_organizations', 'id')) AS new_id
				FROM subservice_organizations WHERE engagement_id = @old`},
			{"subservice organizations", `INSERT INTO subservice_organizations (id, engagement_id, name, services, method)
				SELECT m.new_id, @new, s.name, s.services, s.method FROM subservice_organizations s JOIN rf_sso m ON m.old_id = s.id`},
			{"control map", `CREATE TEMP TABLE rf_controls ON COMMIT DROP AS
				SELECT id AS old_id, nextval(pg_get_serial_sequence('controls', 'id')) AS new_id
				FROM controls WHERE engagement_id = @old`},
			{"controls", `INSERT INTO controls (id, engagement_id, ref, description, owner, frequency, frequency_note, nature,
				control_type, risk, sort_order)
				SELECT m.new_id, @new, c.ref, c.description, c.owner, c.frequency, c.frequency_note, c.nature, c.control_type, c.risk, c.sort_order
				FROM controls c JOIN rf_controls m ON m.old_id = c.id`},
			{"control criteria", `INSERT INTO control_criteria (control_id, criterion_id)
				SELECT m.new_id, cc.criterion_id FROM control_criteria cc JOIN rf_controls m ON m.old_id = cc.control_id`},
			{"complementary control map", `CREATE TEMP TABLE rf_comp ON COMMIT DROP AS
				SELECT id AS old_id, nextval(pg_get_serial_sequence('complementary_controls', 'id')) AS new_id
				FROM complementary_controls WHERE engagement_id = @old`},
			{"complementary controls", `INSERT INTO complementary_controls (id, engagement_id, kind, ref, description, subservice_organization_id)
				SELECT m.new_id, @new, cc.kind, cc.ref, cc.description, s.new_id
				FROM complementary_controls cc JOIN rf_comp m ON m.old_id = cc.id LEFT JOIN rf_sso s ON s.old_id = cc.subservice_organization_id`},
			{"complementary control criteria", `INSERT INTO complementary_control_criteria (complementary_control_id, criterion_id)
				SELECT m.new_id, x.criterion_id FROM complementary_control_criteria x JOIN rf_comp m ON m.old_id = x.complementary_control_id`},
			{"test procedure map", `CREATE TEMP TABLE rf_tests ON COMMIT DROP AS
				SELECT t.id AS old_id, nextval(pg_get_serial_sequence('tests', 'id')) AS new_id, m.new_id AS control_id
				FROM tests t JOIN rf_controls m ON m.old_id = t.control_id WHERE t.engagement_id = @old ORDER BY t.id`},
			{"test procedures", `INSERT INTO tests (id, engagement_id, control_id, kind, techniques, procedure, evidence_expected)
				SELECT m.new_id, @new, m.control_id, t.kind, t.techniques, t.procedure, t.evidence_expected
				FROM tests t JOIN rf_tests m ON m.old_id = t.id ORDER BY m.new_id`},
			{"request map", `CREATE TEMP TABLE rf_requests ON COMMIT DROP AS
				SELECT id AS old_id, nextval(pg_get_serial_sequence('info_requests', 'id')) AS new_id
				FROM info_requests WHERE engagement_id = @old ORDER BY number`},
			{"request list", `INSERT INTO info_requests (id, engagement_id, number, title, description, priority, created_by)
				SELECT m.new_id, @new, r.number, r.title, r.description, r.priority, @actor
				FROM info_requests r JOIN rf_requests m ON m.old_id = r.id ORDER BY m.new_id`},
			// What each request supports follows the request: its controls and test procedures
			// map to their copies; links to samples end with the samples, which stay behind.
			{"request links", `INSERT INTO info_request_links (request_id, target_type, target_id)
				SELECT r.new_id, l.target_type, coalesce(c.new_id, t.new_id)
				FROM info_request_links l JOIN rf_requests r ON r.old_id = l.request_id
				LEFT JOIN rf_controls c ON l.target_type = 'control' AND c.old_id = l.target_id
				LEFT JOIN rf_tests t ON l.target_type = 'test' AND t.old_id = l.target_id
				WHERE coalesce(c.new_id, t.new_id) IS NOT NULL`},
		}
		var actorID *int64
		if actor.ID != 0 {
			actorID = &actor.ID
		}
		args := map[string]any{"new": newID, "old": id, "actor": actorID}
		for _, s := range steps {
			var params []any
			if strings.Contains(s.sql, "@") {
				params = append(params, args)
			}
			if err := tx.Exec(s.sql, params...).Error; err != nil {
				return fmt.Errorf("rolling forward the %s: %w", s.what, err)
			}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.roll_forward", EntityType: "engagement",
			EntityID: newID, EngagementID: newID, ClientID: src.ClientID,
			After: map[string]any{"name": name, "prior_engagement_id": id, "period_start": fmtDate(start),
				"period_end": fmtDate(end), "as_of_date": fmtDate(asOf), "report_date": fmtDate(report)}})
	})
	if err != nil {
		return 0, err
	}
	return newID, nil
}
