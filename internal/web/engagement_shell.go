package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// engagementHeader loads what the engagement shell shows above the tabs.
func (s *Server) engagementHeader(ctx context.Context, engagementID int64, u auth.User, activeTab string) (templates.EngagementHeader, error) {
	a, err := s.engagementAccess(ctx, engagementID, u)
	if err != nil {
		return templates.EngagementHeader{}, err
	}
	row := a.Header
	h := templates.EngagementHeader{ID: engagementID, Name: row.Name, ClientName: row.ClientName, Status: string(row.Status),
		StatusLabel: row.Status.Label(), ActiveTab: activeTab, IsClient: u.Role == auth.RoleClient}
	if h.CanOpen, err = s.openableTabs(ctx, engagementID, u); err != nil {
		return h, err
	}
	if row.ReportType == "type1" {
		h.ReportType = "Type I"
		if row.AsOfDate != nil {
			h.Period = "as of " + LongDate(*row.AsOfDate)
		}
	} else {
		h.ReportType = "Type II"
		if row.PeriodStart != nil && row.PeriodEnd != nil {
			h.Period = LongDate(*row.PeriodStart) + " – " + LongDate(*row.PeriodEnd)
		}
	}
	return h, nil
}

// openableTabs asks the policy, with the action each tab's route is registered with, which of
// the engagement's tabs u may open, so nobody is shown a tab that answers 403.
func (s *Server) openableTabs(ctx context.Context, engagementID int64, u auth.User) (map[string]bool, error) {
	res, err := s.engagementResource(ctx, engagementID, u)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range s.routes {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/engagements/:id") {
			continue
		}
		suffix := strings.TrimPrefix(r.Path, "/engagements/:id")
		if strings.ContainsAny(suffix, ":*") {
			continue
		}
		out[suffix] = policy.Can(u, r.Action, res)
	}
	return out, nil
}

// LongDate formats a date the way reports write it: 30 June 2026.
func LongDate(t time.Time) string { return t.Format("2 January 2006") }
