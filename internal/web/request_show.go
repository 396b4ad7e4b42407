package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/requests"
	"github.com/attest-soc/attest/templates"
)

// renderRequest shows request id; form values and errors come back when a post was refused.
func (s *Server) renderRequest(c echo.Context, status int, id int64, mutate func(*templates.RequestView)) error {
	ctx := c.Request().Context()
	u, res := mustUser(c), resource(c)
	r, err := s.Requests.Get(ctx, id)
	if err != nil {
		return err
	}
	h, err := s.engagementHeader(ctx, r.EngagementID, u, "requests")
	if err != nil {
		return err
	}
	links, err := s.Requests.Links(ctx, id)
	if err != nil {
		return err
	}
	files, err := s.Evidence.ForRequest(ctx, id)
	if err != nil {
		return err
	}
	comments, err := s.Requests.Comments(ctx, id)
	if err != nil {
		return err
	}
	v := templates.RequestView{ID: r.ID, EngagementID: r.EngagementID, Label: r.Label(), Title: r.Title, Description: r.Description,
		Assignee: r.AssigneeName, Due: shortDate(r.DueDate), Priority: r.Priority, Status: requests.Display(r.Status, r.ReturnReason),
		Overdue: requests.Overdue(r.Status, r.DueDate, s.Clock.Now()), ReturnReason: r.ReturnReason, Version: r.Version,
		UploadLimit: evidence.FormatSize(s.Config.MaxUploadBytes), Errors: templates.Errors{}}
	for _, l := range links {
		v.Links = append(v.Links, l.Label)
	}
	for _, f := range files {
		v.Files = append(v.Files, evidenceFileView(f))
	}
	for _, cm := range comments {
		v.Comments = append(v.Comments, templates.CommentView{Author: cm.AuthorName, IsClient: cm.AuthorRole == string(auth.RoleClient),
			Body: cm.Body, At: cm.CreatedAt.Format("2 Jan 2006 15:04")})
	}
	open := r.Status == requests.StatusOpen
	v.CanUpload = open && policy.Can(u, policy.EvidenceUpload, res)
	v.CanSubmit = open && r.EvidenceCount > 0 && policy.Can(u, policy.RequestRespond, res)
	v.CanDecide = r.Status == requests.StatusSubmitted && policy.Can(u, policy.RequestManage, res)
	v.CanComment = r.Status != requests.StatusAccepted && policy.Can(u, policy.RequestComment, res)
	v.CanEdit = r.Status != requests.StatusAccepted && policy.Can(u, policy.RequestManage, res)
	if v.CanAssign = r.Status != requests.StatusAccepted && policy.Can(u, policy.RequestAssign, res); v.CanAssign {
		colleagues, err := s.Requests.Colleagues(ctx, r.EngagementID)
		if err != nil {
			return err
		}
		for _, cl := range colleagues {
			if !cl.Disabled {
				v.Colleagues = append(v.Colleagues, templates.Option{Value: itoa(cl.ID), Label: cl.Name + " <" + cl.Email + ">"})
			}
		}
		if r.AssigneeID != nil {
			v.AssigneeID = itoa(*r.AssigneeID)
		}
	}
	if mutate != nil {
		mutate(&v)
	}
	return s.render(c, status, templates.RequestPage(s.page(c, r.Label()+" "+r.Title, "engagements"), h, v))
}

func evidenceFileView(f evidence.File) templates.EvidenceFileView {
	v := templates.EvidenceFileView{ID: f.ID, Name: f.FileName, Size: evidence.FormatSize(f.SizeBytes), SHA256: f.SHA256,
		UploadedBy: f.UploaderName, UploadedAt: f.UploadedAt.Format("2 Jan 2006 15:04")}
	if f.SampleItem != "" {
		v.Context = "sample " + f.SampleItem
	}
	if f.PertainsTo != nil {
		v.PertainsTo = f.PertainsTo.Format("2 Jan 2006")
	}
	v.OutOfPeriod, v.Explanation, v.ExplainedBy = f.OutOfPeriod, f.PeriodExplanation, f.PeriodExplainer
	return v
}

// explainableEvidenceViews lists files for auditors who may explain out-of-period ones.
func explainableEvidenceViews(files []evidence.File, csrf string) []templates.EvidenceFileView {
	out := evidenceFileViews(files)
	for i := range out {
		if out[i].OutOfPeriod && out[i].Explanation == "" {
			out[i].ExplainURL, out[i].CSRF = "/evidence/"+itoa(out[i].ID)+"/period-explanation", csrf
		}
	}
	return out
}

func evidenceFileViews(files []evidence.File) []templates.EvidenceFileView {
	out := make([]templates.EvidenceFileView, len(files))
	for i, f := range files {
		out[i] = evidenceFileView(f)
	}
	return out
}

// requestShow: GET /requests/:requestID.
func (s *Server) requestShow(c echo.Context) error {
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	return s.renderRequest(c, http.StatusOK, id, nil)
}

// requestMove handles submit, accept and return: POST /requests/:requestID/<step>.
func (s *Server) requestMove(step string) echo.HandlerFunc {
	done := map[string]string{requests.StepSubmit: "submitted to the auditors", requests.StepAccept: "accepted",
		requests.StepReturn: "returned to the client"}
	return func(c echo.Context) error {
		id, err := paramID(c, "requestID")
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(c.FormValue("version"))
		reason := c.FormValue("reason")
		r, err := s.Requests.Move(c.Request().Context(), mustUser(c), id, step, version, reason)
		if err != nil {
			return s.refuseOnRequest(c, id, err, func(v *templates.RequestView) { v.Reason = reason })
		}
		return s.redirectWithFlash(c, "/requests/"+itoa(id), r.Label()+" "+done[step]+".")
	}
}

// refuseOnRequest shows the request again with why a change was refused (422, or 409 when
// someone else changed it first), keeping what the user typed.
func (s *Server) refuseOnRequest(c echo.Context, id int64, err error, keep func(*templates.RequestView)) error {
	var tr *apperr.Transition
	var ref *evidence.Refusal
	v, isValidation := apperr.AsValidation(err)
	conflict, isConflict := apperr.AsConflict(err)
	switch {
	case isValidation:
	case errors.As(err, &tr):
		v = apperr.Validation{"status": "This step is not possible now: " + joinMissing(tr.Missing) + "."}
	case errors.As(err, &ref):
		v = apperr.Validation{"files": ref.Reason}
	case isConflict:
		return s.renderRequest(c, http.StatusConflict, id, func(rv *templates.RequestView) {
			rv.Errors["status"] = conflict.Entity + " was changed by someone else in the meantime. Review it below, then try again."
		})
	default:
		return err
	}
	return s.renderRequest(c, http.StatusUnprocessableEntity, id, func(rv *templates.RequestView) {
		for k, m := range v {
			rv.Errors[k] = m
		}
		if keep != nil {
			keep(rv)
		}
	})
}

func joinMissing(m []string) string {
	out := ""
	for i, x := range m {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// requestComment: POST /requests/:requestID/comments.
func (s *Server) requestComment(c echo.Context) error {
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	if err := s.Requests.AddComment(c.Request().Context(), mustUser(c), id, body); err != nil {
		return s.refuseOnRequest(c, id, err, func(v *templates.RequestView) { v.CommentBody = body })
	}
	return s.redirectWithFlash(c, "/requests/"+itoa(id)+"#comments-heading", "Comment added.")
}
