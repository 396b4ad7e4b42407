package web

import (
	"context"
	"errors"
	"fmt"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/markdown"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04")
}

func conclusionKind(c description.Conclusion) string {
	switch c {
	case description.Presented:
		return "success"
	case description.NotPresented:
		return "danger"
	}
	return "neutral"
}

// readOnlyReason says why the description cannot be edited by u now, or "" when it can.
func readOnlyReason(status string, u auth.User) string {
	switch st := lifecycle.Status(status); {
	case st.Locked():
		return "The opinion has been signed, so the description and the assertion can no longer change."
	case u.Role == auth.RoleClient && !st.ClientMayEdit():
		return "The engagement is in review: the description is with the auditors and can no longer be changed in the portal. Ask the engagement team if something must change."
	}
	return ""
}

func descriptionSummaryView(sum description.Summary) templates.DescriptionSummary {
	return templates.DescriptionSummary{Written: sum.Written, Total: sum.Total, Concluded: sum.Concluded, OpenNotes: sum.OpenNotes,
		Complete: sum.Complete, Missing: sum.Missing(), NotPresented: sum.NotPresented, AssertionState: sum.AssertionState,
		AssertionApproved: sum.Approved, ClientTodo: sum.ClientTodo}
}

func imageViews(list []description.Image) []templates.DescriptionImage {
	out := make([]templates.DescriptionImage, 0, len(list))
	for _, img := range list {
		out = append(out, templates.DescriptionImage{ID: img.ID, FileName: img.FileName, Markdown: img.Markdown(),
			URL: markdown.ImagePrefix + itoa(img.ID), Size: evidence.FormatSize(img.SizeBytes), Uploaded: img.UploaderName + ", " + stamp(&img.UploadedAt)})
	}
	return out
}

func tablesView(code string, t *description.Tables) *templates.DescriptionTables {
	if t == nil {
		return nil
	}
	v := &templates.DescriptionTables{Code: code}
	for _, r := range t.Criteria {
		row := templates.DescriptionCriterionRow{ID: r.ID, Category: r.CategoryLabel, Summary: r.Summary}
		for _, c := range r.Controls {
			row.Controls = append(row.Controls, templates.DescriptionControlRef{Ref: c.Ref, Description: c.Description})
		}
		v.Criteria = append(v.Criteria, row)
	}
	comp := func(list []description.ComplementaryRow) []templates.DescriptionComplementaryRow {
		var out []templates.DescriptionComplementaryRow
		for _, k := range list {
			out = append(out, templates.DescriptionComplementaryRow{Ref: k.Ref, Description: k.Description, Criteria: strings.Join(k.Criteria, ", ")})
		}
		return out
	}
	for _, so := range t.Subservices {
		v.Subservices = append(v.Subservices, templates.DescriptionSubserviceRow{Name: so.Name, Services: so.Services, Method: so.MethodLabel, CSOCs: comp(so.CSOCs)})
	}
	v.CUECs = comp(t.CUECs)
	return v
}

func (s *Server) descriptionIndex(c echo.Context) error {
	return s.renderDescriptionIndex(c, http.StatusOK, nil)
}

func (s *Server) renderDescriptionIndex(c echo.Context, status int, errs apperr.Validation) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "description")
	if err != nil {
		return err
	}
	secs, err := s.Description.Sections(ctx, engagementID)
	if err != nil {
		return err
	}
	sum, err := s.Description.Summarize(ctx, engagementID)
	if err != nil {
		return err
	}
	imgs, err := s.Description.Images(ctx, engagementID)
	if err != nil {
		return err
	}
	v := templates.DescriptionIndexPage{Header: h, Summary: descriptionSummaryView(sum), Images: imageViews(imgs),
		CanEdit:      policy.Can(u, policy.DescriptionEdit, resource(c)) && readOnlyReason(h.Status, u) == "",
		UploadAction: fmt.Sprintf("/engagements/%d/description/images?_csrf=%s", engagementID, url.QueryEscape(s.page(c, "", "").CSRF)),
		Errors:       templates.Errors(errs)}
	for _, sec := range secs {
		row := templates.DescriptionSectionRow{Code: sec.Code, Title: sec.Title, Written: sec.Written(), Version: sec.CurrentVersion,
			UpdatedBy: sec.UpdatedByName, UpdatedAt: stamp(sec.UpdatedAt), Changed: sec.ChangedAfterReview(), OpenNotes: sec.OpenNotes}
		if sec.Review != nil {
			row.Conclusion, row.ConclusionKind = sec.Review.Conclusion.Label(), conclusionKind(sec.Review.Conclusion)
			row.Reviewer, row.Comment = sec.Review.ReviewerName+", "+stamp(&sec.Review.ReviewedAt), sec.Review.Comment
		}
		v.Sections = append(v.Sections, row)
	}
	return s.render(c, status, templates.DescriptionIndex(s.page(c, "Description · "+h.Name, "engagements"), v))
}

func (s *Server) descriptionSection(c echo.Context) error {
	return s.renderSection(c, http.StatusOK, nil, nil, nil)
}

// renderSection shows a section; values keep what was typed after a refused save, conflict
// holds the stored version a stale save collided with.
func (s *Server) renderSection(c echo.Context, status int, values map[string]string, errs apperr.Validation, conflict *description.StaleSection) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	code := strings.ToUpper(c.Param("code"))
	sec, err := s.Description.Section(ctx, engagementID, code)
	if err != nil {
		return err
	}
	h, err := s.engagementHeader(ctx, engagementID, u, "description")
	if err != nil {
		return err
	}
	isClient := u.Role == auth.RoleClient
	notes, err := s.Description.Notes(ctx, engagementID, isClient)
	if err != nil {
		return err
	}
	imgs, err := s.Description.Images(ctx, engagementID)
	if err != nil {
		return err
	}
	reason := readOnlyReason(h.Status, u)
	v := templates.DescriptionSectionPage{Header: h, Code: sec.Code, Title: sec.Title, Guidance: sec.Guidance, Body: sec.Body,
		Version: sec.Version, CurrentVersion: sec.CurrentVersion, UpdatedBy: sec.UpdatedByName, UpdatedAt: stamp(sec.UpdatedAt),
		Tables: tablesView(sec.Code, sec.Tables), Changed: sec.ChangedAfterReview(), Images: imageViews(imgs), IsClient: isClient,
		CanEdit:        policy.Can(u, policy.DescriptionEdit, resource(c)) && reason == "",
		CanReview:      policy.Can(u, policy.DescriptionReview, resource(c)),
		ReadOnlyReason: reason, Values: map[string]string{"body": sec.Body}, Errors: templates.Errors(errs),
		UploadAction: fmt.Sprintf("/engagements/%d/description/images?_csrf=%s&back=%s", engagementID, url.QueryEscape(s.page(c, "", "").CSRF), sec.Code)}
	if strings.TrimSpace(sec.Body) != "" {
		v.BodyHTML = string(markdown.HTML(sec.Body))
	}
	for _, cc := range description.Conclusions {
		v.Conclusions = append(v.Conclusions, templates.Option{Value: string(cc), Label: cc.Label()})
	}
	if sec.Review != nil {
		v.Review = &templates.DescriptionReview{Conclusion: sec.Review.Conclusion.Label(), ConclusionValue: string(sec.Review.Conclusion),
			Kind: conclusionKind(sec.Review.Conclusion), Comment: sec.Review.Comment, Reviewer: sec.Review.ReviewerName,
			ReviewedAt: stamp(&sec.Review.ReviewedAt), ReviewedVersion: sec.Review.ReviewedVersion, Version: sec.Review.Version}
		v.Values["conclusion"], v.Values["comment"] = string(sec.Review.Conclusion), sec.Review.Comment
	}
	for _, n := range notes {
		if n.Code != sec.Code {
			continue
		}
		v.Notes = append(v.Notes, templates.DescriptionNote{ID: n.ID, Body: n.Body, RaisedBy: n.RaisedByName, RaisedAt: n.RaisedAt,
			Response: n.Response, Responder: n.ResponderName, Status: n.Status(), ToClient: n.ToClient, Version: n.Version})
	}
	if sec.ID != 0 {
		versions, err := s.Description.Versions(ctx, sec.ID)
		if err != nil {
			return err
		}
		for _, ver := range versions {
			v.Versions = append(v.Versions, templates.DescriptionVersion{Number: ver.Number, SavedBy: ver.SavedByName, SavedAt: stamp(&ver.SavedAt)})
		}
	}
	for k, val := range values {
		v.Values[k] = val
	}
	if conflict != nil {
		st := conflict.Stored
		v.Conflict = &templates.SectionConflict{StoredBody: st.Body, SavedBy: st.UpdatedByName, SavedAt: stamp(st.UpdatedAt),
			StoredVersion: st.CurrentVersion, Diff: chunkViews(description.WordDiff(st.Body, values["body"]))}
	}
	return s.render(c, status, templates.DescriptionSection(s.page(c, sec.Code+" · "+h.Name, "engagements"), v))
}

func chunkViews(chunks []description.Chunk) []templates.DiffChunk {
	out := make([]templates.DiffChunk, len(chunks))
	for i, ch := range chunks {
		out[i] = templates.DiffChunk{Kind: string(ch.Change), Text: ch.Text}
	}
	return out
}

// formFailed re-renders a form after a domain error: field problems and conflicts are shown on
// the page with what was typed; anything else goes to the error page.
func formFailed(err error, show func(status int, errs apperr.Validation, conflict *apperr.ConflictError) error) error {
	if v, ok := apperr.AsValidation(err); ok {
		return show(http.StatusUnprocessableEntity, v, nil)
	}
	if cf, ok := apperr.AsConflict(err); ok {
		return show(http.StatusConflict, nil, cf)
	}
	return err
}

func (s *Server) descriptionSectionSave(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	code := strings.ToUpper(c.Param("code"))
	body := c.FormValue("body")
	_, err := s.Description.SaveSection(ctx, u, engagementID, code, description.SectionInput{Body: body, Version: formVersion(c)})
	if err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, cf *apperr.ConflictError) error {
			var stale *description.StaleSection
			if cf != nil {
				if st, ok := cf.Current.(description.StaleSection); ok {
					stale = &st
				}
			}
			return s.renderSection(c, status, map[string]string{"body": body}, errs, stale)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/description/%s", engagementID, code), code+" saved as a new version.")
}

func (s *Server) descriptionConclude(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	code := strings.ToUpper(c.Param("code"))
	ver, _ := strconv.Atoi(c.FormValue("review_version"))
	err := s.Description.Conclude(ctx, u, engagementID, code, description.ConclusionInput{
		Conclusion: description.Conclusion(c.FormValue("conclusion")), Comment: c.FormValue("comment"), Version: ver})
	if err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, cf *apperr.ConflictError) error {
			if cf != nil {
				errs = apperr.Validation{"conclusion": "Someone else recorded a conclusion on " + code + " meanwhile; it is shown above. Choose again to replace it."}
			}
			return s.renderSection(c, status, map[string]string{"conclusion": c.FormValue("conclusion"), "comment": c.FormValue("comment")}, errs, nil)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/description/%s", engagementID, code), "Conclusion on "+code+" recorded.")
}

func (s *Server) descriptionNoteRaise(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	code := strings.ToUpper(c.Param("code"))
	_, err := s.Description.RaiseNote(ctx, u, engagementID, code, c.FormValue("note"), c.FormValue("to_client") != "")
	if err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, _ *apperr.ConflictError) error {
			return s.renderSection(c, status, map[string]string{"note": c.FormValue("note")}, errs, nil)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/description/%s#notes", engagementID, code), "Review note raised.")
}

// noteSection finds where a description note lives, to return there.
func (s *Server) noteSection(c echo.Context, noteID int64) (int64, string) {
	engagementID, code, _ := s.Description.NoteSection(c.Request().Context(), noteID)
	return engagementID, code
}

func (s *Server) descriptionNoteAnswer(c echo.Context) error {
	return s.descriptionNoteAction(c, "Answer recorded.", func(ctx context.Context, u auth.User, noteID int64) error {
		return s.Description.AnswerNote(ctx, u, noteID, c.FormValue("response"), formVersion(c))
	})
}

func (s *Server) descriptionNoteClear(c echo.Context) error {
	return s.descriptionNoteAction(c, "Note cleared.", func(ctx context.Context, u auth.User, noteID int64) error {
		if !policy.Can(u, policy.ReviewNoteClear, resource(c)) {
			return apperr.Validation{"note": "Only the note's author, or a manager or partner on the team, can clear it."}
		}
		return s.fieldwork().ClearReviewNote(ctx, u, noteID, formVersion(c))
	})
}

// descriptionNoteAction runs one change of a note on a description section and returns to the
// section's notes, with done as the flash or the refusal's first message.
func (s *Server) descriptionNoteAction(c echo.Context, done string, change func(ctx context.Context, u auth.User, noteID int64) error) error {
	noteID, _ := paramID(c, "noteID")
	engagementID, code := s.noteSection(c, noteID)
	if code == "" {
		return apperr.ErrNotFound
	}
	back := fmt.Sprintf("/engagements/%d/description/%s#notes", engagementID, code)
	if err := change(c.Request().Context(), mustUser(c), noteID); err != nil {
		if v, ok := apperr.AsValidation(err); ok {
			return s.redirectWithFlashKind(c, back, "error", sortedMessages(v)[0])
		}
		return err
	}
	return s.redirectWithFlash(c, back, done)
}

func (s *Server) descriptionCompare(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	code := strings.ToUpper(c.Param("code"))
	sec, err := s.Description.Section(ctx, engagementID, code)
	if err != nil {
		return err
	}
	if sec.ID == 0 {
		return apperr.ErrNotFound
	}
	versions, err := s.Description.Versions(ctx, sec.ID)
	if err != nil {
		return err
	}
	from, _ := strconv.Atoi(c.QueryParam("from"))
	to, _ := strconv.Atoi(c.QueryParam("to"))
	find := func(n int) (description.SectionVersion, bool) {
		for _, v := range versions {
			if v.Number == n {
				return v, true
			}
		}
		return description.SectionVersion{}, false
	}
	a, okA := find(from)
	b, okB := find(to)
	if !okA || !okB {
		return apperr.ErrNotFound
	}
	h, err := s.engagementHeader(ctx, engagementID, u, "description")
	if err != nil {
		return err
	}
	chunks := description.WordDiff(a.Body, b.Body)
	v := templates.DescriptionComparePage{Header: h, Code: sec.Code, Title: sec.Title, From: from, To: to, Inline: c.QueryParam("view") == "inline",
		FromLabel: fmt.Sprintf("version %d (%s, %s)", a.Number, a.SavedByName, stamp(&a.SavedAt)),
		ToLabel:   fmt.Sprintf("version %d (%s, %s)", b.Number, b.SavedByName, stamp(&b.SavedAt)), Chunks: chunkViews(chunks)}
	for _, ch := range chunks {
		switch ch.Change {
		case description.Inserted:
			v.Inserted++
		case description.Deleted:
			v.Deleted++
		}
	}
	return s.render(c, http.StatusOK, templates.DescriptionCompare(s.page(c, "Compare "+sec.Code+" · "+h.Name, "engagements"), v))
}

func (s *Server) descriptionImageUpload(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	back := fmt.Sprintf("/engagements/%d/description", engagementID)
	if code := strings.ToUpper(c.QueryParam("back")); code != "" {
		if _, ok := description.CriterionByCode(code); ok {
			back += "/" + code
		}
	}
	fh, err := c.FormFile("image")
	if err != nil {
		if bodyTooLarge(c) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return s.renderDescriptionIndex(c, http.StatusUnprocessableEntity, apperr.Validation{"image": "Choose an image file to upload."})
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("opening uploaded image: %w", err)
	}
	defer f.Close()
	img, err := s.Description.UploadImage(ctx, u, engagementID, fh.Filename, f)
	if err != nil {
		if v, ok := apperr.AsValidation(err); ok {
			return s.renderDescriptionIndex(c, http.StatusUnprocessableEntity, v)
		}
		return err
	}
	return s.redirectWithFlash(c, back, "Image uploaded. Insert it with "+img.Markdown())
}

func (s *Server) descriptionImage(c echo.Context) error {
	ctx := c.Request().Context()
	id, _ := paramID(c, "imageID")
	img, err := s.Description.Image(ctx, id)
	if err != nil {
		return err
	}
	rc, err := s.Description.OpenImage(ctx, img)
	if err != nil {
		if errors.Is(err, evidence.ErrCorrupt) {
			return echo.NewHTTPError(http.StatusInternalServerError, "The stored image does not match its checksum; upload it again.")
		}
		return err
	}
	defer rc.Close()
	hd := c.Response().Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened on its own must not run anything, even if a future sanitiser missed something.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	hd.Set("Cache-Control", "private, max-age=3600")
	return c.Stream(http.StatusOK, img.ContentType, rc)
}

func assertionStateKind(a description.Assertion) string {
	switch {
	case a.Approved:
		return "success"
	case a.WithdrawnReason != "":
		return "danger"
	}
	return "warning"
}

func (s *Server) assertionShow(c echo.Context) error {
	return s.renderAssertion(c, http.StatusOK, nil, nil, false)
}

func (s *Server) renderAssertion(c echo.Context, status int, values map[string]string, errs apperr.Validation, conflict bool) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "description")
	if err != nil {
		return err
	}
	a, err := s.Description.Assertion(ctx, engagementID)
	if err != nil {
		return err
	}
	reason := readOnlyReason(h.Status, u)
	v := templates.AssertionPage{Header: h, BodyHTML: string(markdown.HTML(a.Body)), SOC3HTML: string(markdown.HTML(a.SOC3Body)),
		Body: a.Body, SOC3Body: a.SOC3Body, Drafted: a.Drafted, State: a.State(), StateKind: assertionStateKind(a),
		Officer: a.OfficerName, OfficerTitle: a.OfficerTitle, Approved: a.Approved, ApprovedName: a.ApprovedName, ApprovedTitle: a.ApprovedTitle,
		WithdrawnReason: a.WithdrawnReason, Version: a.Version, ReadOnlyReason: reason,
		CanEdit:      policy.Can(u, policy.AssertionEdit, resource(c)) && reason == "",
		CanDesignate: policy.Can(u, policy.AssertionDesignate, resource(c)) && reason == "",
		IsOfficer:    u.Role == auth.RoleClient && a.OfficerID != nil && *a.OfficerID == u.ID,
		Errors:       templates.Errors(errs), Conflict: conflict, Today: s.Clock.Now().Format("2006-01-02"),
		Values: map[string]string{"body": a.Body, "soc3_body": a.SOC3Body, "name": u.Name, "title": u.Title, "date": s.Clock.Now().Format("2006-01-02")}}
	if a.Approved {
		v.ApprovedOn, v.ApprovedAt = LongDate(*a.ApprovedOn), stamp(a.ApprovedAt)
	}
	if a.OfficerID != nil {
		v.OfficerID = itoa(*a.OfficerID)
	}
	if v.CanDesignate {
		officers, err := s.Description.OfficerCandidates(ctx, engagementID)
		if err != nil {
			return err
		}
		v.OfficerOptions = []templates.Option{{Value: "", Label: "Choose a person"}}
		for _, o := range officers {
			v.OfficerOptions = append(v.OfficerOptions, templates.Option{Value: itoa(o.ID), Label: o.Name + titleSuffix(o.Title)})
		}
	}
	for k, val := range values {
		v.Values[k] = val
	}
	return s.render(c, status, templates.AssertionView(s.page(c, "Management's assertion · "+h.Name, "engagements"), v))
}

func titleSuffix(t string) string {
	if t == "" {
		return ""
	}
	return ", " + t
}

func (s *Server) assertionSave(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	in := description.TextInput{Body: c.FormValue("body"), SOC3Body: c.FormValue("soc3_body"), Version: formVersion(c)}
	if err := s.Description.SaveText(ctx, u, engagementID, in); err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, cf *apperr.ConflictError) error {
			return s.renderAssertion(c, status, map[string]string{"body": in.Body, "soc3_body": in.SOC3Body}, errs, cf != nil)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/assertion", engagementID), "The assertion's wording is saved.")
}

func (s *Server) assertionRedraft(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	if err := s.Description.Redraft(ctx, u, engagementID, formVersion(c)); err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, cf *apperr.ConflictError) error {
			return s.renderAssertion(c, status, nil, errs, cf != nil)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/assertion", engagementID), "The assertion is back to Attest's draft from the engagement's facts.")
}

func (s *Server) assertionDesignate(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	if err := s.Description.DesignateOfficer(ctx, u, engagementID, formInt64(c, "officer_id")); err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, _ *apperr.ConflictError) error {
			return s.renderAssertion(c, status, nil, errs, false)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/assertion", engagementID), "Signing officer designated.")
}

func (s *Server) assertionApprove(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	in := description.ApprovalInput{Name: c.FormValue("name"), Title: c.FormValue("title"), Date: c.FormValue("date"),
		Password: c.FormValue("password"), IP: c.RealIP(), Version: formVersion(c)}
	if err := s.Description.Approve(ctx, u, engagementID, in); err != nil {
		return formFailed(err, func(status int, errs apperr.Validation, cf *apperr.ConflictError) error {
			if cf != nil {
				errs = apperr.Validation{"password": "The assertion changed while you were approving it. Read it again above, then approve."}
			}
			return s.renderAssertion(c, status, map[string]string{"name": in.Name, "title": in.Title, "date": in.Date}, errs, false)
		})
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/assertion", engagementID), "You approved management's assertion.")
}

func (s *Server) descriptionPreview(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "description")
	if err != nil {
		return err
	}
	r, err := s.Description.ForReport(ctx, engagementID)
	if err != nil {
		return err
	}
	v := templates.DescriptionPreview{EngagementID: engagementID, ClientName: h.ClientName, EngagementName: h.Name, ReportType: h.ReportType,
		Period: h.Period, ReviewComplete: r.ReviewComplete, ReviewMissing: r.ReviewMissing}
	if r.Assertion != nil {
		v.AssertionApproved, v.AssertionHTML = true, string(markdown.HTML(r.Assertion.Text))
		v.OfficerName, v.OfficerTitle, v.ApprovedOn = r.Assertion.OfficerName, r.Assertion.OfficerTitle, LongDate(r.Assertion.ApprovedOn)
	} else {
		a, err := s.Description.Assertion(ctx, engagementID)
		if err != nil {
			return err
		}
		v.AssertionHTML = string(markdown.HTML(a.Body))
		v.AssertionNote = "Not approved yet: the report carries the assertion only once the signing officer approves it."
		if r.AssertionWithdrawnReason != "" {
			v.AssertionNote = "The approval was withdrawn. " + r.AssertionWithdrawnReason
		}
	}
	for _, sec := range r.Sections {
		v.Sections = append(v.Sections, templates.PreviewSection{Code: sec.Code, Title: sec.Title, HTML: string(markdown.HTML(sec.Markdown)),
			Tables: tablesView(sec.Code, sec.Tables)})
	}
	return s.render(c, http.StatusOK, templates.DescriptionPreviewPage(s.page(c, "Sections II and III · "+h.Name, "engagements"), v))
}
