package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// controlShow is a control's read-only page: what it is, the criteria it addresses, its tests,
// their evidence and exceptions. It only reads, so it stays open after the engagement is
// signed (the policy's ControlView is not an unlocked rule).
func (s *Server) controlShow(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	ctl, err := s.Controls.Get(ctx, id)
	if err != nil {
		return err
	}
	h, err := s.engagementHeader(ctx, ctl.EngagementID, u, "controls")
	if err != nil {
		return err
	}
	all, err := s.Criteria.List(ctx)
	if err != nil {
		return err
	}
	summaries := map[string]string{}
	for _, cr := range all {
		summaries[cr.ID] = cr.Summary
	}
	v := templates.ControlPage{Control: templates.ControlRow{ID: ctl.ID, Ref: ctl.Ref, Description: ctl.Description,
		Frequency: controls.Label(controls.Frequencies, ctl.Frequency), FrequencyNote: ctl.FrequencyNote,
		Nature: controls.Label(controls.Natures, ctl.Nature), Type: controls.Label(controls.ControlTypes, ctl.ControlType),
		Risk: controls.Label(controls.Risks, ctl.Risk), Owner: ctl.Owner, Criteria: ctl.Criteria, Version: ctl.Version},
		EngagementID: ctl.EngagementID, Locked: res.Locked, CanEdit: policy.Can(u, policy.ControlEdit, res),
		WorkingPapers: policy.Can(u, policy.WorkingPapersView, res)}
	for _, id := range ctl.Criteria {
		v.Criteria = append(v.Criteria, templates.CriterionStatusView{ID: id, Summary: summaries[id]})
	}
	if v.WorkingPapers {
		tests, err := s.fieldwork().Tests(ctx, ctl.EngagementID, fieldwork.TestFilter{ControlID: ctl.ID})
		if err != nil {
			return err
		}
		v.Tests = testViews(tests)
		ofControl := map[int64]bool{}
		for _, t := range tests {
			ofControl[t.ID] = true
			files, err := s.Evidence.ForTest(ctx, t.ID)
			if err != nil {
				return err
			}
			v.Evidence = append(v.Evidence, evidenceFileViews(files)...)
		}
		exceptions, err := s.fieldwork().Exceptions(ctx, ctl.EngagementID)
		if err != nil {
			return err
		}
		for _, x := range exceptions {
			if ofControl[x.TestID] {
				v.Exceptions = append(v.Exceptions, exceptionView(x))
			}
		}
	}
	return s.render(c, http.StatusOK, templates.ControlDetailPage(s.page(c, "Control "+ctl.Ref+" · "+h.Name, "engagements"), h, v))
}
