package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/templates"
)

// auditTrail is the firm-wide audit trail (administrators).
func (s *Server) auditTrail(c echo.Context) error {
	l, status, err := s.auditListing(c, "/audit", 0)
	if err != nil {
		return err
	}
	return s.render(c, status, templates.AuditPage(s.page(c, "Audit trail", "audit"), l))
}

// engagementAuditTrail is one engagement's events, inside the engagement shell.
func (s *Server) engagementAuditTrail(c echo.Context) error {
	id := resource(c).EngagementID
	h, err := s.engagementHeader(c.Request().Context(), id, mustUser(c), "audit")
	if err != nil {
		return err
	}
	l, status, err := s.auditListing(c, "/engagements/"+itoa(id)+"/audit", id)
	if err != nil {
		return err
	}
	return s.render(c, status, templates.EngagementAuditPage(s.page(c, "Audit trail · "+h.Name, "engagements"), h, l))
}

// auditListing reads the filters from the query, loads one page of events and builds the
// listing both audit pages show. engagementID > 0 pins the listing to that engagement.
// Malformed filters give 422 with the fields marked, and no events.
func (s *Server) auditListing(c echo.Context, action string, engagementID int64) (templates.AuditListing, int, error) {
	ctx := c.Request().Context()
	q := c.QueryParams()
	form := templates.AuditFilter{Action: action, Actor: q.Get("actor"), EntityType: q.Get("entity_type"),
		Engagement: q.Get("engagement"), From: q.Get("from"), To: q.Get("to"), ShowEngagement: engagementID == 0,
		Errors: templates.Errors{}}
	f := audit.Filter{Actor: form.Actor, EntityType: form.EntityType, EngagementID: engagementID}
	if form.ShowEngagement && form.Engagement != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(form.Engagement), "#"), 10, 64)
		if err != nil || n <= 0 {
			form.Errors["engagement"] = "Enter an engagement number such as 12."
		}
		f.EngagementID = n
	}
	f.From = parseDay(form.From, "from", form.Errors)
	f.To = parseDay(form.To, "to", form.Errors)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		form.Errors["to"] = "The end date is before the start date."
	}
	if b := q.Get("before"); b != "" {
		f.Before, _ = strconv.ParseInt(b, 10, 64)
	}
	types, err := s.Audit.EntityTypes(ctx)
	if err != nil {
		return templates.AuditListing{}, 0, err
	}
	form.EntityTypes = []templates.Option{{Value: "", Label: "Any"}}
	for _, t := range types {
		form.EntityTypes = append(form.EntityTypes, templates.Option{Value: t, Label: t})
	}
	l := templates.AuditListing{Filter: form}
	if len(form.Errors) > 0 {
		return l, http.StatusUnprocessableEntity, nil
	}
	page, err := s.Audit.List(ctx, f)
	if err != nil {
		return templates.AuditListing{}, 0, err
	}
	for _, e := range page.Events {
		l.Events = append(l.Events, auditEventRow(e))
	}
	if page.NextBefore != 0 {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", itoa(page.NextBefore))
		l.NextHref = action + "?" + next.Encode()
	}
	return l, http.StatusOK, nil
}

func auditEventRow(e audit.Row) templates.AuditEventRow {
	r := templates.AuditEventRow{ID: itoa(e.ID), When: e.OccurredAt.UTC().Format("2 Jan 2006 15:04:05"),
		WhenSort: e.OccurredAt.UTC().Format(time.RFC3339Nano), Actor: e.ActorEmail, Action: e.Action, Entity: e.EntityType,
		Before: indentJSON(e.Before), After: indentJSON(e.After), IP: e.IP, RequestID: e.RequestID}
	if r.Actor == "" {
		r.Actor = "system"
	}
	if e.EntityID != nil {
		r.Entity += " #" + itoa(*e.EntityID)
	}
	if e.EngagementID != nil {
		r.Engagement = "#" + itoa(*e.EngagementID)
		r.EngagementHref = "/engagements/" + itoa(*e.EngagementID) + "/audit"
	}
	return r
}

func indentJSON(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// parseDay reads a YYYY-MM-DD filter value, noting a malformed one in errs.
func parseDay(v, field string, errs templates.Errors) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		errs[field] = "Enter a date as YYYY-MM-DD, e.g. 2026-06-30."
	}
	return t
}
