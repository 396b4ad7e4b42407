package web

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

// engagementHeader loads what the engagement shell shows above the tabs.
func (s *Server) engagementHeader(ctx context.Context, engagementID int64, u auth.User, activeTab string) (templates.EngagementHeader, error) {
	var row struct {
		Name        string
		ClientName  string
		ReportType  string
		AsOfDate    *time.Time
		PeriodStart *time.Time
		PeriodEnd   *time.Time
		Status      string
	}
	err := s.DB.WithContext(ctx).Raw(`
		SELECT e.name, c.name AS client_name, e.report_type, e.as_of_date, e.period_start, e.period_end, e.status
		FROM engagements e JOIN clients c ON c.id = e.client_id WHERE e.id = ?`, engagementID).Scan(&row).Error
	if err != nil {
		return templates.EngagementHeader{}, fmt.Errorf("loading engagement %d header: %w", engagementID, err)
	}
	if row.Name == "" {
		return templates.EngagementHeader{}, apperr.ErrNotFound
	}
	h := templates.EngagementHeader{ID: engagementID, Name: row.Name, ClientName: row.ClientName, Status: row.Status,
		StatusLabel: StatusLabel(row.Status), ActiveTab: activeTab, IsClient: u.Role == auth.RoleClient}
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

// LongDate formats a date the way reports write it: 30 June 2026.
func LongDate(t time.Time) string { return t.Format("2 January 2006") }

// StatusLabel is an engagement status as users read it.
func StatusLabel(status string) string {
	switch status {
	case "planning":
		return "Planning"
	case "fieldwork":
		return "Fieldwork"
	case "review":
		return "Review"
	case "signed":
		return "Signed"
	case "issued":
		return "Issued"
	case "archived":
		return "Archived"
	}
	return status
}
