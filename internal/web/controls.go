package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// controlList shows the engagement's control matrix with its CUECs and CSOCs.
func (s *Server) controlList(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "controls")
	if err != nil {
		return err
	}
	m, err := s.Controls.LoadMatrix(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	list, comps := m.Controls, m.Complementary
	v := templates.ControlMatrixView{EngagementID: res.EngagementID, CanEdit: policy.Can(u, policy.ControlEdit, res),
		Covered: m.Covered, Total: m.Total, ControlsNoCriteria: m.ControlsNoCriteria}
	for _, ctl := range list {
		v.Controls = append(v.Controls, templates.ControlRow{ID: ctl.ID, Ref: ctl.Ref, Description: ctl.Description,
			Frequency: controls.Label(controls.Frequencies, ctl.Frequency), FrequencyNote: ctl.FrequencyNote,
			Nature: controls.Label(controls.Natures, ctl.Nature), Type: controls.Label(controls.ControlTypes, ctl.ControlType),
			Risk: controls.Label(controls.Risks, ctl.Risk), Owner: ctl.Owner, Criteria: ctl.Criteria, Version: ctl.Version})
	}
	for _, cc := range comps {
		row := templates.ComplementaryRow{ID: cc.ID, Kind: cc.Kind, Ref: cc.Ref, Description: cc.Description,
			Subservice: cc.SubserviceName, Criteria: cc.Criteria, Version: cc.Version}
		if cc.Kind == controls.KindCSOC {
			v.CSOCs = append(v.CSOCs, row)
		} else {
			v.CUECs = append(v.CUECs, row)
		}
	}
	return s.render(c, http.StatusOK, templates.ControlMatrixPage(s.page(c, "Control matrix · "+h.Name, "engagements"), h, v))
}

func options(choices []controls.Choice) []templates.Option {
	out := make([]templates.Option, len(choices))
	for i, ch := range choices {
		out[i] = templates.Option{Value: ch.Value, Label: ch.Label}
	}
	return out
}

func criteriaOptions(sc controls.Scope) []templates.Option {
	var out []templates.Option
	for _, cr := range sc.InScope() {
		out = append(out, templates.Option{Value: cr.ID, Label: cr.ID + " — " + cr.Summary})
	}
	return out
}

func controlValues(in controls.Input) templates.ControlValues {
	return templates.ControlValues{Ref: in.Ref, Description: in.Description, Owner: in.Owner, Frequency: in.Frequency,
		FrequencyNote: in.FrequencyNote, Nature: in.Nature, ControlType: in.ControlType, Risk: in.Risk, Criteria: in.Criteria}
}

func controlInput(c echo.Context) (controls.Input, int) {
	version, _ := strconv.Atoi(c.FormValue("version"))
	form, _ := c.FormParams()
	return controls.Input{Ref: c.FormValue("ref"), Description: c.FormValue("description"), Owner: c.FormValue("owner"),
		Frequency: c.FormValue("frequency"), FrequencyNote: c.FormValue("frequency_note"), Nature: c.FormValue("nature"),
		ControlType: c.FormValue("control_type"), Risk: c.FormValue("risk"), Criteria: form["criteria"]}, version
}

// renderControlForm shows the control form with status; err may carry field problems or a conflict.
func (s *Server) renderControlForm(c echo.Context, status int, engagementID, id int64, version int, in controls.Input, errs apperr.Validation, conflict *templates.ConflictView) error {
	ctx, u := c.Request().Context(), mustUser(c)
	h, err := s.engagementHeader(ctx, engagementID, u, "controls")
	if err != nil {
		return err
	}
	sc, err := s.Controls.LoadScope(ctx, engagementID)
	if err != nil {
		return err
	}
	f := templates.ControlFormView{EngagementID: engagementID, ID: id, Version: version, Values: controlValues(in),
		Errors: templates.Errors(errs), Frequencies: append([]templates.Option{{Value: "", Label: "Choose…"}}, options(controls.Frequencies)...), Natures: options(controls.Natures),
		Types: options(controls.ControlTypes), Risks: options(controls.Risks), Criteria: criteriaOptions(sc), Conflict: conflict}
	title := "Add control"
	if id != 0 {
		title = "Edit control " + in.Ref
	}
	return s.render(c, status, templates.ControlFormPage(s.page(c, title+" · "+h.Name, "engagements"), h, f))
}

func (s *Server) controlNew(c echo.Context) error {
	// No frequency preselected: it drives the sample size, so the auditor chooses it knowingly.
	in := controls.Input{Nature: "manual", ControlType: "preventive", Risk: "low"}
	return s.renderControlForm(c, http.StatusOK, resource(c).EngagementID, 0, 0, in, nil, nil)
}

func (s *Server) controlCreate(c echo.Context) error {
	res, u := resource(c), mustUser(c)
	in, _ := controlInput(c)
	ctl, err := s.Controls.Create(c.Request().Context(), u.Actor(), res.EngagementID, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderControlForm(c, http.StatusUnprocessableEntity, res.EngagementID, 0, 0, in, v, nil)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(res.EngagementID)+"/controls", "Control "+ctl.Ref+" added.")
}

func (s *Server) controlEdit(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	ctl, err := s.Controls.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderControlForm(c, http.StatusOK, ctl.EngagementID, ctl.ID, ctl.Version, ctl.Input(), nil, nil)
}

func (s *Server) controlUpdate(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	u, res := mustUser(c), resource(c)
	in, version := controlInput(c)
	ctl, err := s.Controls.Update(c.Request().Context(), u.Actor(), id, version, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderControlForm(c, http.StatusUnprocessableEntity, res.EngagementID, id, version, in, v, nil)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		cur := conflict.Current.(controls.Control)
		// The form now carries the stored version: saving again is a deliberate overwrite.
		return s.renderControlForm(c, http.StatusConflict, res.EngagementID, id, cur.Version, in, nil, controlConflict(cur, in))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(ctl.EngagementID)+"/controls", "Control "+ctl.Ref+" saved.")
}

func controlConflict(cur controls.Control, in controls.Input) *templates.ConflictView {
	stored := cur.Input()
	field := func(label, a, b string) templates.ConflictField {
		return templates.ConflictField{Label: label, Stored: a, Yours: b}
	}
	return &templates.ConflictView{SavedAt: cur.UpdatedAt.UTC().Format("15:04 UTC, 2 January 2006"), Fields: []templates.ConflictField{
		field("Reference", stored.Ref, strings.TrimSpace(in.Ref)),
		field("Description", stored.Description, strings.TrimSpace(in.Description)),
		field("Owner", stored.Owner, strings.TrimSpace(in.Owner)),
		field("Frequency", controls.Label(controls.Frequencies, stored.Frequency), controls.Label(controls.Frequencies, in.Frequency)),
		field("Frequency note", stored.FrequencyNote, strings.TrimSpace(in.FrequencyNote)),
		field("Nature", controls.Label(controls.Natures, stored.Nature), controls.Label(controls.Natures, in.Nature)),
		field("Type", controls.Label(controls.ControlTypes, stored.ControlType), controls.Label(controls.ControlTypes, in.ControlType)),
		field("Risk", controls.Label(controls.Risks, stored.Risk), controls.Label(controls.Risks, in.Risk)),
		field("Criteria", strings.Join(stored.Criteria, ", "), strings.Join(in.Criteria, ", ")),
	}}
}

func (s *Server) controlDelete(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	u, res := mustUser(c), resource(c)
	version, _ := strconv.Atoi(c.FormValue("version"))
	err = s.Controls.Delete(c.Request().Context(), u.Actor(), id, version)
	back := "/engagements/" + itoa(res.EngagementID) + "/controls"
	switch conflict, isConflict := apperr.AsConflict(err); {
	case isConflict:
		s.flash(c, "error", conflict.Entity+" was changed by someone else; it was not deleted. Review it and try again.")
		return c.Redirect(http.StatusSeeOther, "/controls/"+itoa(id)+"/edit")
	case errors.Is(err, controls.ErrHasTests):
		s.flash(c, "error", "This control already has tests, so it cannot be deleted. Delete its tests first.")
		return c.Redirect(http.StatusSeeOther, "/controls/"+itoa(id)+"/edit")
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, back, "Control deleted.")
}

// coverage shows every in-scope criterion with its controls, flagging those with none.
func (s *Server) coverage(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "coverage")
	if err != nil {
		return err
	}
	cov, err := s.Controls.LoadCoverage(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.CoverageView{EngagementID: res.EngagementID, Total: cov.Total, Covered: cov.Covered,
		Uncovered: cov.Uncovered, ControlsNoCriteria: cov.ControlsNoCriteria}
	for _, ser := range cov.Series {
		label := controls.CategoryLabels[ser.Category]
		if len(v.Categories) == 0 || v.Categories[len(v.Categories)-1].Label != label {
			v.Categories = append(v.Categories, templates.CoverageCategory{Label: label})
		}
		cat := &v.Categories[len(v.Categories)-1]
		sv := templates.CoverageSeries{Series: ser.Series, Title: ser.Title, Total: len(ser.Rows), Covered: len(ser.Rows) - ser.Uncovered}
		for _, r := range ser.Rows {
			row := templates.CoverageRow{ID: r.Criterion.ID, Summary: r.Criterion.Summary}
			for _, ctl := range r.Controls {
				row.Controls = append(row.Controls, templates.ControlLink{ID: ctl.ID, Ref: ctl.Ref})
			}
			for _, cc := range r.Complementary {
				text := strings.TrimSpace(cc.Ref + " " + cc.Description)
				if cc.Kind == controls.KindCSOC {
					row.CSOCs = append(row.CSOCs, text)
				} else {
					row.CUECs = append(row.CUECs, text)
				}
			}
			sv.Rows = append(sv.Rows, row)
		}
		cat.Series = append(cat.Series, sv)
	}
	return s.render(c, http.StatusOK, templates.CoveragePage(s.page(c, "Coverage · "+h.Name, "engagements"), h, v))
}
