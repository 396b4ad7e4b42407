package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// fieldwork is s.Fieldwork (built once in New, with the blob store and the job queue).
func (s *Server) fieldwork() *fieldwork.Service { return s.Fieldwork }

// testScope resolves routes whose :param is a test id.
func (s *Server) testScope(param string) scope { return s.childScope("tests", param) }

// sampleScope resolves routes whose :param is a sample id: samples reach their engagement through their test.
func (s *Server) sampleScope(param string) scope { return s.childScope("samples", param) }

func formVersion(c echo.Context) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

func formInt64(c echo.Context, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue(name)), 10, 64)
	return v
}

func (s *Server) testList(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "tests")
	if err != nil {
		return err
	}
	f := fieldwork.TestFilter{Result: c.QueryParam("result")}
	f.ControlID, _ = strconv.ParseInt(c.QueryParam("control"), 10, 64)
	tests, err := s.fieldwork().Tests(ctx, engagementID, f)
	if err != nil {
		return err
	}
	controls, err := s.fieldwork().Controls(ctx, engagementID)
	if err != nil {
		return err
	}
	all, err := s.fieldwork().Tests(ctx, engagementID, fieldwork.TestFilter{})
	if err != nil {
		return err
	}
	tested := map[int64]bool{}
	for _, t := range all {
		tested[t.ControlID] = true
	}
	var untested []fieldwork.ControlOption
	for _, ctl := range controls {
		if !tested[ctl.ID] {
			untested = append(untested, ctl)
		}
	}
	return s.render(c, http.StatusOK, templates.TestList(s.page(c, "Tests · "+h.Name, "engagements"), templates.TestListPage{
		Header: h, Tests: testViews(tests), Controls: controlOptionViews(controls), Untested: controlOptionViews(untested),
		Result: f.Result, Control: c.QueryParam("control"), CanEdit: policy.Can(u, policy.TestEdit, resource(c))}))
}

func testInputFromForm(c echo.Context) fieldwork.TestInput {
	form, _ := c.FormParams()
	return fieldwork.TestInput{Techniques: form["techniques"], Procedure: c.FormValue("procedure"),
		EvidenceExpected: c.FormValue("evidence_expected"), Result: c.FormValue("result"), ResultText: c.FormValue("result_text"),
		Version: formVersion(c)}
}

func testFormOf(in fieldwork.TestInput) templates.TestForm {
	f := templates.TestForm{Techniques: map[string]bool{}, Procedure: in.Procedure, EvidenceExpected: in.EvidenceExpected,
		Result: in.Result, ResultText: in.ResultText, Version: in.Version}
	for _, t := range in.Techniques {
		f.Techniques[t] = true
	}
	return f
}

func (s *Server) testNew(c echo.Context) error {
	return s.renderTestNew(c, http.StatusOK, c.QueryParam("control"), fieldwork.TestInput{Result: fieldwork.ResultNotStarted}, nil)
}

func (s *Server) renderTestNew(c echo.Context, status int, controlID string, in fieldwork.TestInput, errs apperr.Validation) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "tests")
	if err != nil {
		return err
	}
	controls, err := s.fieldwork().Controls(ctx, engagementID)
	if err != nil {
		return err
	}
	var lib []fieldwork.Procedure
	if cid, _ := strconv.ParseInt(controlID, 10, 64); cid != 0 {
		if lib, err = s.fieldwork().LibraryForControl(ctx, cid); err != nil {
			return err
		}
	}
	return s.render(c, status, templates.TestNew(s.page(c, "New test · "+h.Name, "engagements"), templates.TestNewPage{
		Header: h, Controls: controlOptionViews(controls), ControlID: controlID, Library: procedureViews(lib), Form: testFormOf(in), Errors: templates.Errors(errs)}))
}

func (s *Server) testCreate(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	in := testInputFromForm(c)
	// A library procedure fills the fields the auditor left empty.
	if libID := formInt64(c, "library_id"); libID != 0 {
		lib, err := s.fieldwork().LibraryProcedure(ctx, libID)
		if err != nil {
			return err
		}
		if strings.TrimSpace(in.Procedure) == "" {
			in.Procedure = lib.Procedure
		}
		if len(in.Techniques) == 0 {
			in.Techniques = lib.Techniques
		}
	}
	t, err := s.fieldwork().CreateTest(ctx, u, engagementID, formInt64(c, "control_id"), in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderTestNew(c, http.StatusUnprocessableEntity, c.FormValue("control_id"), in, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d", t.ID), "Test of "+t.ControlRef+" created.")
}

// testView gathers everything the test page shows.
// testView loads part of test testID's page (only what that part shows).
func (s *Server) testView(ctx context.Context, c echo.Context, testID int64, part string) (templates.TestPage, error) {
	u := mustUser(c)
	fw := s.fieldwork()
	w, err := fw.Workpaper(ctx, testID, fieldwork.Part(part))
	if err != nil {
		return templates.TestPage{}, err
	}
	t := w.Test
	h, err := s.engagementHeader(ctx, t.EngagementID, u, "tests")
	if err != nil {
		return templates.TestPage{}, err
	}
	v := templates.TestPage{Part: part, Header: h, Test: testView(t), Values: map[string]string{}, Errors: templates.Errors{}, UserID: u.ID,
		CanEdit: policy.Can(u, policy.TestEdit, resource(c)), CanReview: policy.Can(u, policy.TestReview, resource(c))}
	v.Form = testFormOf(fieldwork.TestInput{Techniques: t.Techniques, Procedure: t.Procedure, EvidenceExpected: t.EvidenceExpected,
		Result: t.Result, ResultText: t.ResultText, Version: t.Version})
	v.Library = procedureViews(w.Library)
	v.Criteria = w.Criteria
	v.Checked = map[string]bool{}
	for _, c := range v.Criteria {
		v.Checked[c] = true
	}
	v.Populations = populationViews(w.Populations)
	if fieldwork.Part(part) == fieldwork.PartPopulation {
		imports, err := fw.PopulationImports(ctx, testID, 5)
		if err != nil {
			return v, err
		}
		v.Imports = importViews(imports, w.Populations, s.Clock.Now())
		if err := s.sampleExtensions(ctx, &v, w); err != nil {
			return v, err
		}
	}
	if w.SuggestionProblem == "" {
		v.Suggestion = fmt.Sprintf("Suggested sample size: %d (%s).", w.Suggestion.Size, w.Suggestion.Basis)
	} else {
		v.Suggestion = "Suggested sample size: " + w.SuggestionProblem + "."
	}
	v.Samples = sampleViews(w.Samples)
	if rep := w.Reperformance; rep != nil {
		v.Reperformance = &templates.ReperformanceView{Matches: rep.Matches, Message: rep.Message}
	}
	for _, x := range w.Exceptions {
		v.Exceptions = append(v.Exceptions, exceptionView(x))
	}
	v.Notes = reviewNoteViews(w.Notes)
	v.UploadLimit = evidence.FormatSize(s.Config.MaxUploadBytes)
	switch fieldwork.Part(part) {
	case fieldwork.PartEvidence:
		files, err := s.Evidence.ForTest(ctx, testID)
		if err != nil {
			return v, err
		}
		v.Evidence = evidenceFileViews(files)
		if v.CanEdit {
			v.Evidence = explainableEvidenceViews(files, csrfToken(c))
		}
	case fieldwork.PartProcedure:
		facts, err := fw.ConclusionFactsOf(ctx, t)
		if err != nil {
			return v, err
		}
		if msg := fieldwork.CheckConclusion(fieldwork.ResultExceptions, facts); msg != nil {
			v.ConclusionBlocked = msg["result"]
		}
	}
	return v, nil
}

func (s *Server) renderTest(c echo.Context, status int, v templates.TestPage) error {
	return s.render(c, status, templates.TestDetail(s.page(c, "Test of "+v.Test.ControlRef, "engagements"), v))
}

// testShow shows one part of a test's workpaper: GET /tests/:testID is the procedure and
// conclusion, /tests/:testID/population (and /evidence, /exceptions, /notes) the others.
func (s *Server) testShow(part string) echo.HandlerFunc {
	return func(c echo.Context) error {
		testID, _ := paramID(c, "testID")
		v, err := s.testView(c.Request().Context(), c, testID, part)
		if err != nil {
			return err
		}
		return s.renderTest(c, http.StatusOK, v)
	}
}

// testPartOf names the part of the workpaper whose form posted to routePath, so a refused
// submission shows again on the part it came from.
func testPartOf(routePath string) string {
	switch {
	case strings.HasSuffix(routePath, "/populations"), strings.Contains(routePath, "/samples/"):
		return "population"
	case strings.HasSuffix(routePath, "/exceptions"):
		return "exceptions"
	case strings.HasSuffix(routePath, "/review-notes"):
		return "notes"
	case strings.HasSuffix(routePath, "/evidence"):
		return "evidence"
	}
	return "procedure"
}

// testPartPath is the address of a part of test testID.
func testPartPath(testID int64, part string) string {
	for _, p := range templates.TestParts {
		if p.Key == part {
			return fmt.Sprintf("/tests/%d%s", testID, p.Path)
		}
	}
	return fmt.Sprintf("/tests/%d", testID)
}

// testFormFailed re-renders the test page with what the user typed and the problems, or the
// stored version beside their input on a conflict. Other errors pass through.
func (s *Server) testFormFailed(c echo.Context, testID int64, err error, keep func(*templates.TestPage)) error {
	v, ok := apperr.AsValidation(err)
	conflict, isConflict := apperr.AsConflict(err)
	if !ok && !isConflict {
		return err
	}
	page, lerr := s.testView(c.Request().Context(), c, testID, testPartOf(c.Path()))
	if lerr != nil {
		return lerr
	}
	for k, msg := range v {
		page.Errors[k] = msg
	}
	if keep != nil {
		keep(&page)
	}
	status := http.StatusUnprocessableEntity
	if isConflict {
		stored := testView(conflict.Current.(fieldwork.Test))
		page.Conflict = &stored
		page.Form.Version = stored.Version // saving again replaces theirs, knowingly
		page.Errors["signoff"] = "This test was changed by another auditor; review their version and try again."
		status = http.StatusConflict
	}
	return s.renderTest(c, status, page)
}

func (s *Server) testSave(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	in := testInputFromForm(c)
	t, err := s.fieldwork().UpdateTest(ctx, u, testID, in)
	if err != nil {
		return s.testFormFailed(c, testID, err, func(p *templates.TestPage) {
			version := p.Form.Version
			p.Form = testFormOf(in)
			p.Form.Version = version
			if _, conflict := apperr.AsConflict(err); !conflict {
				p.Form.Version = in.Version
			}
		})
	}
	msg := "Test saved."
	if t.EditedAfterReview {
		msg = "Test saved. It was reviewed before, so it is marked edited after review and needs a fresh review."
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d", testID), msg)
}

func (s *Server) testSignPreparer(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	if err := s.fieldwork().SignAsPreparer(c.Request().Context(), mustUser(c), testID, formVersion(c)); err != nil {
		return s.testFormFailed(c, testID, err, nil)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d", testID), "Signed off as preparer.")
}

func (s *Server) testSignReviewer(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	if err := s.fieldwork().SignAsReviewer(c.Request().Context(), mustUser(c), testID, formVersion(c)); err != nil {
		return s.testFormFailed(c, testID, err, nil)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/tests/%d", testID), "Signed off as reviewer.")
}

// sampleExtensions adds "x of n" over the whole sample, whether it may be extended, and each
// recorded extension draw reperformed.
func (s *Server) sampleExtensions(ctx context.Context, v *templates.TestPage, w fieldwork.Workpaper) error {
	samples := w.Samples
	deviating := 0
	for _, sm := range samples {
		if sm.Result == "deviation" {
			deviating++
		}
	}
	v.SampleSummary = fmt.Sprintf("%d of %d samples with a deviation", deviating, len(samples))
	v.CanExtend = deviating > 0 && len(samples) > 0 && samples[0].PopulationID != nil
	if len(samples) == 0 || samples[0].PopulationID == nil {
		return nil
	}
	draws, err := s.fieldwork().Draws(ctx, w.Test.ID)
	if err != nil {
		return err
	}
	for _, p := range w.Populations {
		if p.ID == *samples[0].PopulationID {
			for i, r := range fieldwork.ReperformDraws(p, draws, samples) {
				if draws[i].Kind == "extension" {
					v.Extensions = append(v.Extensions, templates.ReperformanceView{Matches: r.Matches, Message: r.Message})
				}
			}
		}
	}
	return nil
}
