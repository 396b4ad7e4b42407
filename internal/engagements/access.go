package engagements

import (
	"context"
	"fmt"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"time"

	dbx "github.com/attest-soc/attest/internal/db"
)

// Status is where an engagement stands (lifecycle.Status, a leaf package so that the
// packages engagements itself imports can use the one locked rule too).
type Status = lifecycle.Status

// Engagement statuses.
const (
	StatusPlanning  = lifecycle.Planning
	StatusFieldwork = lifecycle.Fieldwork
	StatusReview    = lifecycle.Review
	StatusSigned    = lifecycle.Signed
	StatusIssued    = lifecycle.Issued
	StatusArchived  = lifecycle.Archived
)

// Access is what the policy needs to know about one engagement for one user.
type Access struct {
	ClientID int64
	Status   Status
	TeamRole string // the user's role on the team, "" when not on it
	// Coordinator: the user is the client's coordinator on this engagement (issue #16 point 8);
	// HasCoordinator: the engagement has one, so its other client users reach only their requests.
	Coordinator    bool
	HasCoordinator bool
	// Header is what the engagement shell shows, read in the same statement: every engagement
	// page needs both (issue #19).
	Header Header
}

// AccessFor loads engagement id's owner, status, header and userID's role on its team, or
// apperr.ErrNotFound.
func (s *Service) AccessFor(ctx context.Context, engagementID, userID int64) (Access, error) {
	type row struct {
		ClientID                     int64
		Status                       Status
		TeamRole                     string
		Coordinator, HasCoordinator  bool
		Name, ClientName, ReportType string
		AsOfDate, PeriodStart        *time.Time
		PeriodEnd                    *time.Time
	}
	r, err := dbx.One[row](s.DB.WithContext(ctx), fmt.Sprintf("engagement %d for the policy", engagementID), `
		SELECT e.client_id, e.status, coalesce(m.role, '') AS team_role, coalesce(m.coordinator, false) AS coordinator,
			EXISTS (SELECT 1 FROM engagement_members c WHERE c.engagement_id = e.id AND c.coordinator) AS has_coordinator,
			e.name, cl.name AS client_name, e.report_type, e.as_of_date, e.period_start, e.period_end
		FROM engagements e JOIN clients cl ON cl.id = e.client_id
		LEFT JOIN engagement_members m ON m.engagement_id = e.id AND m.user_id = ?
		WHERE e.id = ?`, userID, engagementID)
	if err != nil {
		return Access{}, err
	}
	return Access{ClientID: r.ClientID, Status: r.Status, TeamRole: r.TeamRole, Coordinator: r.Coordinator, HasCoordinator: r.HasCoordinator,
		Header: Header{Name: r.Name, ClientName: r.ClientName, ReportType: r.ReportType, AsOfDate: r.AsOfDate, PeriodStart: r.PeriodStart,
			PeriodEnd: r.PeriodEnd, Status: r.Status}}, nil
}

// ownerQueries finds the engagement a row belongs to, by the kind of row (its table).
var ownerQueries = map[string]string{
	"controls":               `SELECT engagement_id FROM controls WHERE id = ?`,
	"complementary_controls": `SELECT engagement_id FROM complementary_controls WHERE id = ?`,
	"tests":                  `SELECT engagement_id FROM tests WHERE id = ?`,
	"samples":                `SELECT t.engagement_id FROM samples s JOIN tests t ON t.id = s.test_id WHERE s.id = ?`,
	"exceptions":             `SELECT engagement_id FROM exceptions WHERE id = ?`,
	"review_notes":           `SELECT engagement_id FROM review_notes WHERE id = ?`,
	"info_requests":          `SELECT engagement_id FROM info_requests WHERE id = ?`,
	"report_versions":        `SELECT engagement_id FROM report_versions WHERE id = ?`,
	"report_copies":          `SELECT v.engagement_id FROM report_copies c JOIN report_versions v ON v.id = c.report_version_id WHERE c.id = ?`,
	"description_images":     `SELECT engagement_id FROM description_images WHERE id = ?`,
}

// OwnsKind reports whether EngagementOf knows rows of kind (routes check it when registered).
func OwnsKind(kind string) bool { _, ok := ownerQueries[kind]; return ok }

// EngagementOf returns the engagement the row id of kind ("tests", "samples", …) belongs to, or
// apperr.ErrNotFound.
func (s *Service) EngagementOf(ctx context.Context, kind string, id int64) (int64, error) {
	q, ok := ownerQueries[kind]
	if !ok {
		return 0, fmt.Errorf("engagements: no owner query for %q", kind)
	}
	return dbx.One[int64](s.DB.WithContext(ctx), fmt.Sprintf("the engagement of %s %d", kind, id), q, id)
}

// Header is what the engagement shell shows above the tabs.
type Header struct {
	Name        string
	ClientName  string
	ReportType  string
	AsOfDate    *time.Time
	PeriodStart *time.Time
	PeriodEnd   *time.Time
	Status      Status
}
