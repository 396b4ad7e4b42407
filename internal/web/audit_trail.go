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
	l.Events = make([]templates.AuditEventRow, len(page.Events))
	for i, e := range page.Events {
		l.Events[i] = auditEventRow(e)
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

// auditEventRow shows an event with names, not ids (the user, the engagement, the control by
// its reference), its changes field by field, and the raw JSON for whoever needs it.
func auditEventRow(e audit.Entry) templates.AuditEventRow {
	r := templates.AuditEventRow{ID: itoa(e.ID), When: e.OccurredAt.UTC().Format("2 Jan 2006 15:04:05"),
		WhenSort: e.OccurredAt.UTC().Format(time.RFC3339Nano), Actor: e.ActorEmail, ActorEmail: e.ActorEmail, Action: e.Action,
		Entity: strings.ReplaceAll(e.EntityType, "_", " "), Before: indentJSON(e.Before), After: indentJSON(e.After), IP: e.IP, RequestID: e.RequestID}
	switch {
	case e.ActorID != nil && e.ActorName != "":
		r.Actor = e.ActorName
	case r.Actor == "":
		r.Actor, r.ActorEmail = "system", ""
	}
	if e.EntityID != nil {
		if e.EntityName != "" {
			r.Entity = e.EntityName
		} else if name := recordedName(e); name != "" {
			r.Entity += " " + name + " (deleted)"
		} else {
			r.Entity += " #" + itoa(*e.EntityID)
		}
	}
	if e.EngagementID != nil {
		r.Engagement = e.EngagementName
		if r.Engagement == "" {
			r.Engagement = "#" + itoa(*e.EngagementID)
		}
		r.EngagementHref = "/engagements/" + itoa(*e.EngagementID) + "/audit"
	}
	for _, ch := range audit.Changes(e.Before, e.After) {
		r.Changes = append(r.Changes, templates.AuditChange{Field: strings.ReplaceAll(ch.Field, "_", " "), Before: ch.Before, After: ch.After})
	}
	return r
}

// recordedName is what the event itself says an entity was called (its ref, name or title),
// for rows deleted since.
func recordedName(e audit.Entry) string {
	for _, raw := range [][]byte{e.Before, e.After} {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		for _, k := range []string{"ref", "name", "title", "item_key"} {
			if v, ok := m[k].(string); ok && v != "" {
				return v
			}
		}
	}
	return ""
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
