package engagements

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
)

// Filter narrows the engagement list; zero values do not filter.
type Filter struct {
	Status    Status
	ClientID  int64
	PartnerID int64
	// The engagement's period (or as-of date) overlaps [PeriodFrom, PeriodTo].
	PeriodFrom *time.Time
	PeriodTo   *time.Time
	// OnlyMine keeps the engagements the user is on the team of (the firm home page).
	OnlyMine bool
	// Limit and Offset page the list (0: all); the counts are computed for the page's rows only.
	Limit, Offset int
}

// Summary is one engagement in a list, with its key counts.
type Summary struct {
	ID              int64
	Name            string
	ClientID        int64
	ClientName      string
	ReportType      string
	AsOfDate        *time.Time
	PeriodStart     *time.Time
	PeriodEnd       *time.Time
	Status          Status
	PartnerName     string
	MyRole          string
	OpenRequests    int
	OpenExceptions  int
	OpenReviewNotes int
}

// End is the last day the engagement covers: the period end, or the as-of date.
func (s Summary) End() *time.Time {
	if s.PeriodEnd != nil {
		return s.PeriodEnd
	}
	return s.AsOfDate
}

// listOrder is the list's order: status in the order of the work (fieldwork first), then the
// period's end, newest first. migrations/0165_engagement_list_indexes.sql indexes exactly these
// expressions, so a page reads its rows from the index instead of sorting every engagement.
const listOrder = `array_position(ARRAY['fieldwork','review','planning','signed','issued','archived'], e.status), coalesce(e.period_end, e.as_of_date) DESC, e.id`

// List returns the engagements u may see that match f: firm oversight (admins, partners,
// managers) sees all, other firm users those they are on the team of, client users their own
// organization's.
func (s *Service) List(ctx context.Context, u auth.User, f Filter) ([]Summary, error) {
	var (
		where []string
		args  []any
	)
	switch {
	case u.Role == auth.RoleClient:
		var clientID int64
		if u.ClientID != nil {
			clientID = *u.ClientID
		}
		where = append(where, "e.client_id = ?")
		args = append(args, clientID)
	case f.OnlyMine || !(u.Role == auth.RoleAdmin || u.Role == auth.RolePartner || u.Role == auth.RoleManager):
		where = append(where, "EXISTS (SELECT 1 FROM engagement_members mm WHERE mm.engagement_id = e.id AND mm.user_id = ?)")
		args = append(args, u.ID)
	}
	if f.Status != "" {
		where = append(where, "e.status = ?")
		args = append(args, f.Status)
	}
	if f.ClientID != 0 {
		where = append(where, "e.client_id = ?")
		args = append(args, f.ClientID)
	}
	if f.PartnerID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM engagement_members pm WHERE pm.engagement_id = e.id AND pm.role = 'partner' AND pm.user_id = ?)")
		args = append(args, f.PartnerID)
	}
	if f.PeriodFrom != nil {
		where = append(where, "coalesce(e.period_end, e.as_of_date) >= ?")
		args = append(args, *f.PeriodFrom)
	}
	if f.PeriodTo != nil {
		where = append(where, "coalesce(e.period_start, e.as_of_date) <= ?")
		args = append(args, *f.PeriodTo)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := ""
	if f.Limit > 0 {
		limit = " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	args = append(args, u.ID)
	// The page's engagements first, read in order from engagements_list_order_idx; then the
	// user's role, each row's open requests added up from its request_tallies rows (0161: one a
	// due date, where counting read every open request, thousands for a large engagement), and
	// the open exceptions and review notes, few in a whole firm, in one pass over their partial
	// indexes of 0165 (issue #19: grouping every count over the page hashed every open request
	// of the firm, 4.5-7.7 ms a page).
	out, err := dbx.Select(s.DB.WithContext(ctx), `WITH page AS (
			SELECT e.id, e.name, e.client_id, e.report_type, e.as_of_date, e.period_start, e.period_end, e.status
			FROM engagements e`+cond+`
			ORDER BY `+listOrder+limit+`)
		SELECT e.id, e.name, e.client_id, c.name AS client_name, e.report_type, e.as_of_date, e.period_start, e.period_end,
			e.status, coalesce(me.role, '') AS my_role, coalesce(pn.name, '') AS partner_name,
			coalesce(rq.n, 0) AS open_requests, coalesce(xe.n, 0) AS open_exceptions, coalesce(rn.n, 0) AS open_review_notes
		FROM page e JOIN clients c ON c.id = e.client_id
		LEFT JOIN engagement_members me ON me.engagement_id = e.id AND me.user_id = ?
		LEFT JOIN (SELECT DISTINCT ON (pm.engagement_id) pm.engagement_id, u.name FROM engagement_members pm JOIN users u ON u.id = pm.user_id
			WHERE pm.role = 'partner' AND pm.engagement_id IN (SELECT id FROM page) ORDER BY pm.engagement_id, pm.user_id) pn ON pn.engagement_id = e.id
		CROSS JOIN LATERAL (SELECT sum(t.open + t.returned + t.submitted) AS n FROM request_tallies t WHERE t.engagement_id = e.id) rq
		LEFT JOIN (SELECT engagement_id, count(*) AS n FROM exceptions WHERE (criteria_met IS NULL OR evaluation = '')
			AND engagement_id IN (SELECT id FROM page) GROUP BY engagement_id) xe ON xe.engagement_id = e.id
		LEFT JOIN (SELECT engagement_id, count(*) AS n FROM review_notes WHERE cleared_at IS NULL
			AND engagement_id IN (SELECT id FROM page) GROUP BY engagement_id) rn ON rn.engagement_id = e.id
		ORDER BY `+listOrder, args, func(e *Summary) []any {
		return []any{&e.ID, &e.Name, &e.ClientID, &e.ClientName, &e.ReportType, &e.AsOfDate, &e.PeriodStart, &e.PeriodEnd,
			&e.Status, &e.MyRole, &e.PartnerName, &e.OpenRequests, &e.OpenExceptions, &e.OpenReviewNotes}
	})
	if err != nil {
		return nil, fmt.Errorf("listing engagements: %w", err)
	}
	return out, nil
}

// Option is a choice for a list filter.
type Option struct {
	ID   int64
	Name string
}

// FilterOptions returns the clients and partners the list can be filtered by, in one statement.
func (s *Service) FilterOptions(ctx context.Context) (clients, partners []Option, err error) {
	type option struct {
		partner bool
		Option
	}
	opts, err := dbx.Select(s.DB.WithContext(ctx), `SELECT false AS partner, id, name FROM clients
		UNION ALL SELECT true, id, name FROM users WHERE role = 'partner' AND disabled_at IS NULL
		ORDER BY 1, 3`, nil, func(o *option) []any { return []any{&o.partner, &o.ID, &o.Name} })
	if err != nil {
		return nil, nil, fmt.Errorf("loading the list's clients and partners: %w", err)
	}
	for _, o := range opts {
		if o.partner {
			partners = append(partners, o.Option)
		} else {
			clients = append(clients, o.Option)
		}
	}
	return clients, partners, nil
}
