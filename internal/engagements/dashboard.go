package engagements

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ControlStatuses are the test states of a control, in the order the overview charts them.
var ControlStatuses = []struct{ Key, Label string }{
	{"not_started", "Not started"},
	{"in_progress", "In progress"},
	{"no_exceptions", "No exceptions"},
	{"exceptions", "Exceptions noted"},
}

// Dashboard holds the overview figures of one engagement.
type Dashboard struct {
	ControlsByStatus    map[string]int // keys from ControlStatuses
	Controls            int
	RequestsOutstanding int
	RequestsOverdue     int
	OpenExceptions      int
	OpenReviewNotes     int
	DaysToPeriodEnd     *int // negative once the period has ended
	DaysToReportDate    *int
}

// LoadDashboard computes the overview of engagement e as of today.
func (s *Service) LoadDashboard(ctx context.Context, e Engagement, today time.Time) (Dashboard, error) {
	d := Dashboard{ControlsByStatus: map[string]int{}}
	// One statement: a control's status summarises its tests (any exceptions wins, then work in
	// progress; a control whose tests all concluded without exceptions is done), and the open
	// items are counted beside it. Requests come from the tally the database keeps by due date
	// and status (migration 0161), not from counting the large engagement's 5,000 requests on
	// every visit (issue #19).
	var row struct {
		ByStatus                                                              string // JSON {status: controls}
		RequestsOutstanding, RequestsOverdue, OpenExceptions, OpenReviewNotes int
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT
		(SELECT coalesce(json_object_agg(status, n), '{}')::text FROM (SELECT status, count(*) AS n FROM (
			SELECT CASE
				WHEN bool_or(t.result = 'exceptions') THEN 'exceptions'
				WHEN count(t.id) > 0 AND bool_and(t.result = 'no_exceptions') THEN 'no_exceptions'
				WHEN bool_or(t.result <> 'not_started') THEN 'in_progress'
				ELSE 'not_started' END AS status
			FROM controls c LEFT JOIN tests t ON t.control_id = c.id
			WHERE c.engagement_id = @id GROUP BY c.id) s GROUP BY status) g) AS by_status,
		(SELECT coalesce(sum(open + returned + submitted), 0) FROM request_tallies WHERE engagement_id = @id) AS requests_outstanding,
		(SELECT coalesce(sum(open + returned), 0) FROM request_tallies WHERE engagement_id = @id AND due_date < @today) AS requests_overdue,
		(SELECT count(*) FROM exceptions WHERE engagement_id = @id AND (criteria_met IS NULL OR evaluation = '')) AS open_exceptions,
		(SELECT count(*) FROM review_notes WHERE engagement_id = @id AND cleared_at IS NULL) AS open_review_notes`,
		map[string]any{"id": e.ID, "today": today.Format(DateLayout)}).Scan(&row).Error
	if err != nil {
		return d, fmt.Errorf("counting the overview of engagement %d: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(row.ByStatus), &d.ControlsByStatus); err != nil {
		return d, fmt.Errorf("reading the control statuses of engagement %d: %w", e.ID, err)
	}
	for _, n := range d.ControlsByStatus {
		d.Controls += n
	}
	d.RequestsOutstanding, d.RequestsOverdue = row.RequestsOutstanding, row.RequestsOverdue
	d.OpenExceptions, d.OpenReviewNotes = row.OpenExceptions, row.OpenReviewNotes
	end := e.PeriodEnd
	if end == nil {
		end = e.AsOfDate
	}
	d.DaysToPeriodEnd = daysBetween(today, end)
	d.DaysToReportDate = daysBetween(today, e.ReportDate)
	return d, nil
}

func daysBetween(today time.Time, to *time.Time) *int {
	if to == nil {
		return nil
	}
	from := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	target := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	n := int(target.Sub(from).Hours() / 24)
	return &n
}
