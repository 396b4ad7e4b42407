package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) exceptionList(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "exceptions")
	if err != nil {
		return err
	}
	fw := s.fieldwork()
	// IsClient: whoever may not read the working papers (the evaluation, the criteria status).
	v := templates.ExceptionListPage{Header: h, IsClient: !policy.Can(u, policy.WorkingPapersView, resource(c))}
	exceptions, err := fw.Exceptions(ctx, engagementID)
	if err != nil {
		return err
	}
	v.Exceptions = exceptionViews(exceptions)
	if !v.IsClient {
		criteria, err := fw.CriteriaStatus(ctx, engagementID)
		if err != nil {
			return err
		}
		v.Criteria = criterionStatusViews(criteria)
	}
	return s.render(c, http.StatusOK, templates.ExceptionList(s.page(c, "Exceptions · "+h.Name, "engagements"), v))
}

func (s *Server) exceptionCreate(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	deviations, _ := strconv.Atoi(c.FormValue("deviations"))
	items, _ := strconv.Atoi(c.FormValue("items_tested"))
	form, _ := c.FormParams()
	x, err := s.fieldwork().RecordException(ctx, u, testID, fieldwork.ExceptionInput{SampleID: formInt64(c, "sample_id"),
		Description: c.FormValue("description"), Cause: c.FormValue("cause"), Deviations: deviations, ItemsTested: items, Criteria: form["criteria"]})
	if err != nil {
		keep := keepValues(c, "sample_id", "description", "cause", "deviations", "items_tested")
		return s.testFormFailed(c, testID, err, func(p *templates.TestPage) {
			keep(p)
			p.Checked = map[string]bool{}
			for _, crit := range form["criteria"] {
				p.Checked[crit] = true
			}
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/exceptions/%d", x.ID), "Deviation recorded. The client can now write management's response.")
}

func (s *Server) renderException(c echo.Context, status int, x fieldwork.Exception, values map[string]string, conflict bool, errs apperr.Validation) error {
	ctx, u := c.Request().Context(), mustUser(c)
	h, err := s.engagementHeader(ctx, x.EngagementID, u, "exceptions")
	if err != nil {
		return err
	}
	v := templates.ExceptionPage{Header: h, Exception: exceptionView(x), Values: values, Errors: templates.Errors(errs), IsClient: !policy.Can(u, policy.WorkingPapersView, resource(c)),
		CanRespond: policy.Can(u, policy.ExceptionRespond, resource(c)), CanEdit: policy.Can(u, policy.ExceptionEdit, resource(c))}
	if conflict {
		v.Conflict = &v.Exception
	}
	return s.render(c, status, templates.ExceptionDetail(s.page(c, "Exception in "+x.ControlRef, "engagements"), v))
}

func exceptionValues(x fieldwork.Exception) map[string]string {
	met := ""
	if x.CriteriaMet != nil {
		met = map[bool]string{true: "yes", false: "no"}[*x.CriteriaMet]
	}
	return map[string]string{"version": strconv.Itoa(x.Version), "management_response": x.ManagementResponse,
		"evaluation": x.Evaluation, "criteria_met": met, "evaluation_notes": x.EvaluationNotes}
}

func (s *Server) exceptionShow(c echo.Context) error {
	id, _ := paramID(c, "exceptionID")
	x, err := s.fieldwork().Exception(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderException(c, http.StatusOK, x, exceptionValues(x), false, nil)
}

// exceptionFormFailed re-renders the exception with the typed values kept. A conflict is reported
// on firstField, the submitted form's first field, so the error summary links to a field that is
// on the page (the version is a hidden input).
func (s *Server) exceptionFormFailed(c echo.Context, id int64, err error, firstField string, typed map[string]string) error {
	v, isValidation := apperr.AsValidation(err)
	conflict, isConflict := apperr.AsConflict(err)
	if !isValidation && !isConflict {
		return err
	}
	x, lerr := s.fieldwork().Exception(c.Request().Context(), id)
	if lerr != nil {
		return lerr
	}
	values := exceptionValues(x)
	for k, val := range typed {
		values[k] = val
	}
	if isConflict {
		values["version"] = strconv.Itoa(conflict.Current.(fieldwork.Exception).Version)
		return s.renderException(c, http.StatusConflict, x, values, true, apperr.Validation{firstField: "Someone else saved this exception first: compare, then save again."})
	}
	return s.renderException(c, http.StatusUnprocessableEntity, x, values, false, v)
}

func (s *Server) exceptionRespond(c echo.Context) error {
	id, _ := paramID(c, "exceptionID")
	response := c.FormValue("management_response")
	x, err := s.fieldwork().RespondToException(c.Request().Context(), mustUser(c), id, response, formVersion(c))
	if err != nil {
		return s.exceptionFormFailed(c, id, err, "management_response", map[string]string{"management_response": response})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/exceptions/%d", x.ID), "Management's response submitted to the auditors.")
}

func (s *Server) exceptionEvaluate(c echo.Context) error {
	id, _ := paramID(c, "exceptionID")
	in := fieldwork.EvaluationInput{Evaluation: c.FormValue("evaluation"), CriteriaMet: c.FormValue("criteria_met"),
		Notes: c.FormValue("evaluation_notes"), Version: formVersion(c)}
	x, err := s.fieldwork().EvaluateException(c.Request().Context(), mustUser(c), id, in)
	if err != nil {
		return s.exceptionFormFailed(c, id, err, "evaluation", map[string]string{"evaluation": in.Evaluation, "criteria_met": in.CriteriaMet, "evaluation_notes": in.Notes})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/exceptions/%d", x.ID), "Evaluation saved.")
}
