package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) renderReviewNotes(c echo.Context, status int, engagementID int64, values map[string]string, errs apperr.Validation) error {
	ctx, u := c.Request().Context(), mustUser(c)
	h, err := s.engagementHeader(ctx, engagementID, u, "review-notes")
	if err != nil {
		return err
	}
	fw := s.fieldwork()
	v := templates.ReviewNotesPage{Header: h, Values: values, Errors: templates.Errors(errs), CanEdit: policy.Can(u, policy.ReviewNoteEdit, resource(c))}
	notes, err := fw.ReviewNotes(ctx, engagementID)
	if err != nil {
		return err
	}
	controls, err := fw.Controls(ctx, engagementID)
	if err != nil {
		return err
	}
	v.Notes, v.Controls = reviewNoteViews(notes), controlOptionViews(controls)
	return s.render(c, status, templates.ReviewNotes(s.page(c, "Review notes · "+h.Name, "engagements"), v))
}

func (s *Server) reviewNoteList(c echo.Context) error {
	engagementID, _ := paramID(c, "id")
	return s.renderReviewNotes(c, http.StatusOK, engagementID, map[string]string{}, nil)
}

func (s *Server) reviewNoteRaise(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	targetType, targetID, body := c.FormValue("target_type"), formInt64(c, "target_id"), c.FormValue("body")
	_, err := s.fieldwork().RaiseReviewNote(ctx, u, engagementID, targetType, targetID, body)
	back := fmt.Sprintf("/engagements/%d/review-notes", engagementID)
	if targetType == "test" {
		back = testPartPath(targetID, "notes")
	}
	if v, ok := apperr.AsValidation(err); ok {
		if targetType == "test" && v["target"] == "" {
			// The test belongs to this engagement: show its page again with the typed note.
			return s.testFormFailed(c, targetID, v, keepValues(c, "body"))
		}
		if v["target"] != "" {
			v["target_id"] = v["target"]
			delete(v, "target")
		}
		return s.renderReviewNotes(c, http.StatusUnprocessableEntity, engagementID, map[string]string{"body": body, "target_id": c.FormValue("target_id")}, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, back, "Review note raised.")
}

func (s *Server) noteEngagement(c echo.Context) (int64, int64) {
	noteID, _ := paramID(c, "noteID")
	return resource(c).EngagementID, noteID
}

// noteFailed shows a refused answer or clear at the note concerned, with the typed answer kept:
// errors are keyed by the note's field (templates.AnswerKey / ClearKey) so the error summary
// links to it; a conflict shows the note as it is now above the kept answer.
func (s *Server) noteFailed(c echo.Context, engagementID int64, field string, err error) error {
	values := map[string]string{field: c.FormValue("response")}
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderReviewNotes(c, http.StatusUnprocessableEntity, engagementID, values, apperr.Validation{field: joinedMessage(v)})
	}
	if _, ok := apperr.AsConflict(err); ok {
		return s.renderReviewNotes(c, http.StatusConflict, engagementID, values,
			apperr.Validation{field: "The note changed since you opened the page; it is shown as it is now. Try again."})
	}
	return err
}

// joinedMessage joins a domain refusal's messages (one per field) for the one field on the page.
func joinedMessage(v apperr.Validation) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = v[k]
	}
	return strings.Join(msgs, " ")
}

func (s *Server) reviewNoteAnswer(c echo.Context) error {
	engagementID, noteID := s.noteEngagement(c)
	if err := s.fieldwork().AnswerReviewNote(c.Request().Context(), mustUser(c), noteID, c.FormValue("response"), formVersion(c)); err != nil {
		return s.noteFailed(c, engagementID, templates.AnswerKey(noteID), err)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/review-notes", engagementID), "Answer saved.")
}

// reviewNoteScope is childScope plus the note's author, for the policy's ReviewNoteClear.
func (s *Server) reviewNoteScope(param string) scope {
	base := s.childScope("review_notes", param)
	return func(c echo.Context, u auth.User) (policy.Resource, error) {
		res, err := base(c, u)
		if err != nil {
			return res, err
		}
		id, _ := paramID(c, param)
		if res.OwnerID, err = s.fieldwork().ReviewNoteAuthor(c.Request().Context(), id); err != nil {
			return policy.Resource{}, err
		}
		return res, nil
	}
}

// reviewNoteClear: any team member may try (the route's ReviewNoteEdit); whether this user may
// clear this note is policy.ReviewNoteClear, answered at the note like a field error.
func (s *Server) reviewNoteClear(c echo.Context) error {
	engagementID, noteID := s.noteEngagement(c)
	if !policy.Can(mustUser(c), policy.ReviewNoteClear, resource(c)) {
		return s.noteFailed(c, engagementID, templates.ClearKey(noteID),
			apperr.Validation{"clear": "Only the note's author, or a manager or partner on the team, can clear it."})
	}
	if err := s.fieldwork().ClearReviewNote(c.Request().Context(), mustUser(c), noteID, formVersion(c)); err != nil {
		return s.noteFailed(c, engagementID, templates.ClearKey(noteID), err)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/review-notes", engagementID), "Review note cleared.")
}

func (s *Server) reviewQueue(c echo.Context) error {
	q, err := s.fieldwork().ReviewQueueFor(c.Request().Context(), mustUser(c))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.ReviewQueueView(s.page(c, "Review queue", "review"), reviewQueueView(q)))
}
