package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// keepValues copies the named form fields so a failed form shows what was typed.
func keepValues(c echo.Context, names ...string) func(*templates.TestPage) {
	return func(p *templates.TestPage) {
		for _, n := range names {
			p.Values[n] = c.FormValue(n)
		}
	}
}

// renameFields maps domain field names onto a form's field names where one page holds two forms
// with the same kind of field.
func renameFields(err error, names map[string]string) error {
	v, ok := apperr.AsValidation(err)
	if !ok {
		return err
	}
	out := apperr.Validation{}
	for k, msg := range v {
		if n, ok := names[k]; ok {
			k = n
		}
		out[k] = msg
	}
	return out
}

// populationUpload stores the file and queues its import (a River job); the test page then
// shows the import's progress and its result.
// populationUpload streams the upload (its route is marked for streaming, the CSRF token is in
// the query): the text fields come first (the form puts the file last), then the file part goes
// straight into the import's spool file, so no upload is ever held in memory.
func (s *Server) populationUpload(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	values := map[string]string{}
	keep := func(p *templates.TestPage) {
		for _, n := range []string{"source", "completeness_check", "key_column"} {
			p.Values[n] = values[n]
		}
	}
	input := func() fieldwork.PopulationInput {
		return fieldwork.PopulationInput{Source: values["source"], CompletenessCheck: values["completeness_check"], KeyColumn: values["key_column"]}
	}
	var imp fieldwork.PopulationImport
	err := errNoPopulationFile
	if mr, merr := c.Request().MultipartReader(); merr == nil {
		for {
			part, perr := mr.NextPart()
			if perr != nil {
				var he *echo.HTTPError
				if errors.As(perr, &he) {
					return perr // over the body limit: 413
				}
				break // end of the form (or a malformed one: answered below as a missing file)
			}
			name := part.FormName()
			if fileName, ok := partFileName(part); ok {
				if name != "file" || fileName == "" {
					continue
				}
				in := input()
				in.FileName = fileName
				imp, err = s.fieldwork().QueuePopulationImport(ctx, u, testID, in, part)
				break
			}
			if name == "source" || name == "completeness_check" || name == "key_column" {
				b, _ := io.ReadAll(io.LimitReader(part, maxPopulationField))
				values[name] = string(b)
			}
		}
	}
	if errors.Is(err, errNoPopulationFile) {
		imp, err = s.fieldwork().QueuePopulationImport(ctx, u, testID, input(), nil)
	}
	// Read what is left so the browser sees the answer instead of a reset connection.
	_, _ = io.Copy(io.Discard, c.Request().Body)
	if err != nil {
		return s.testFormFailed(c, testID, err, keep)
	}
	return s.redirectWithFlash(c, testPartPath(testID, "population"),
		fmt.Sprintf("Population %s received: it is being imported; the progress shows below.", imp.FileName))
}

// errNoPopulationFile marks an upload whose form carried no file part.
var errNoPopulationFile = errors.New("no population file in the upload")

// maxPopulationField bounds a text field of the population form (64 KiB).
const maxPopulationField = 64 << 10

// populationImportShow: GET /tests/:testID/imports/:importID, the progress fragment htmx polls.
func (s *Server) populationImportShow(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	importID, err := paramID(c, "importID")
	if err != nil {
		return err
	}
	imp, err := s.fieldwork().PopulationImport(c.Request().Context(), importID)
	if err != nil {
		return err
	}
	if imp.TestID != testID {
		return apperr.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, templates.PopulationImport(importView(imp, s.Clock.Now())))
}

func (s *Server) samplesDraw(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	samples, err := s.fieldwork().DrawSamples(ctx, u, testID, fieldwork.DrawInput{PopulationID: formInt64(c, "population_id"),
		Size: c.FormValue("size"), Seed: c.FormValue("seed"), Justification: c.FormValue("justification"), TestVersion: formVersion(c)})
	if err != nil {
		return s.testFormFailed(c, testID, err, keepValues(c, "population_id", "size", "seed", "justification"))
	}
	return s.redirectWithFlash(c, testPartPath(testID, "population"), fmt.Sprintf("%d samples drawn.", len(samples)))
}

// samplesExtend: POST /tests/:testID/samples/extend — more items after a deviation.
func (s *Server) samplesExtend(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	before, err := s.fieldwork().Samples(ctx, testID)
	if err != nil {
		return err
	}
	samples, err := s.fieldwork().ExtendSample(ctx, u, testID, fieldwork.ExtendInput{Size: c.FormValue("extend_size"), Seed: c.FormValue("extend_seed"),
		Justification: c.FormValue("extend_justification"), TestVersion: formVersion(c)})
	if err != nil {
		return s.testFormFailed(c, testID, err, keepValues(c, "extend_size", "extend_seed", "extend_justification"))
	}
	return s.redirectWithFlash(c, testPartPath(testID, "population"), fmt.Sprintf("Sample extended by %d items: %d in all.", len(samples)-len(before), len(samples)))
}

func (s *Server) samplesPick(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	testID, _ := paramID(c, "testID")
	samples, err := s.fieldwork().PickSamples(ctx, u, testID, fieldwork.PickInput{PopulationID: formInt64(c, "pick_population_id"),
		Keys: strings.Split(c.FormValue("keys"), "\n"), Justification: c.FormValue("pick_justification"), TestVersion: formVersion(c)})
	if err != nil {
		err = renameFields(err, map[string]string{"population_id": "pick_population_id", "justification": "pick_justification", "size": "keys"})
		return s.testFormFailed(c, testID, err, keepValues(c, "pick_population_id", "keys", "pick_justification"))
	}
	return s.redirectWithFlash(c, testPartPath(testID, "population"), fmt.Sprintf("%d picked items recorded.", len(samples)))
}

func (s *Server) samplesSend(c echo.Context) error {
	testID, _ := paramID(c, "testID")
	n, err := s.fieldwork().MarkSentToClient(c.Request().Context(), mustUser(c), testID)
	if err != nil {
		return s.testFormFailed(c, testID, renameFields(err, map[string]string{"samples": "signoff"}), nil)
	}
	return s.redirectWithFlash(c, testPartPath(testID, "population"), fmt.Sprintf("%d samples marked sent to the client; they now see them under Sample lists.", n))
}

// samplesExport is the auditors' download of a test's whole sample list (GET /tests/:testID/samples.xlsx).
func (s *Server) samplesExport(c echo.Context) error { return s.sendSamplesXLSX(c, false) }

// sentSamplesExport is the client's download of a sample list sent to them
// (GET /tests/:testID/sample-list.xlsx): only the items sent; nothing sent yet is a 404.
func (s *Server) sentSamplesExport(c echo.Context) error { return s.sendSamplesXLSX(c, true) }

func (s *Server) sendSamplesXLSX(c echo.Context, onlySent bool) error {
	ctx := c.Request().Context()
	testID, _ := paramID(c, "testID")
	fw := s.fieldwork()
	t, err := fw.Test(ctx, testID)
	if err != nil {
		return err
	}
	samples, err := fw.Samples(ctx, testID)
	if err != nil {
		return err
	}
	if onlySent {
		samples = slices.DeleteFunc(samples, func(sm fieldwork.Sample) bool { return sm.SentToClientAt == nil })
		if len(samples) == 0 {
			return apperr.ErrNotFound
		}
	}
	var pop *fieldwork.Population
	if len(samples) > 0 && samples[0].PopulationID != nil {
		p, err := fw.Population(ctx, *samples[0].PopulationID)
		if err != nil {
			return err
		}
		pop = &p
	}
	data, err := fieldwork.ExportSamplesXLSX(t, pop, samples)
	if err != nil {
		return fmt.Errorf("exporting samples of test %d: %w", testID, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment("samples-"+t.ControlRef+".xlsx"))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

func (s *Server) renderSample(c echo.Context, status int, sm fieldwork.Sample, form fieldwork.SampleInput, conflict bool, errs apperr.Validation) error {
	ctx, u := c.Request().Context(), mustUser(c)
	t, err := s.fieldwork().Test(ctx, sm.TestID)
	if err != nil {
		return err
	}
	h, err := s.engagementHeader(ctx, t.EngagementID, u, "tests")
	if err != nil {
		return err
	}
	var columns []string
	if sm.PopulationID != nil {
		pop, err := s.fieldwork().Population(ctx, *sm.PopulationID)
		if err != nil {
			return err
		}
		columns = pop.Columns
	}
	v := templates.SamplePage{Header: h, Test: testView(t), Columns: columns, Sample: sampleView(sm), Errors: templates.Errors(errs),
		Form: templates.SampleForm{AttributesTested: form.AttributesTested, Result: form.Result, Notes: form.Notes, Version: form.Version}}
	if conflict {
		v.Conflict = &v.Sample
	}
	files, err := s.Evidence.ForSample(ctx, sm.ID)
	if err != nil {
		return err
	}
	v.Evidence = explainableEvidenceViews(files, csrfToken(c))
	if d := s.fieldwork().SampleDate(ctx, sm); d != nil {
		v.ItemDate = d.Format("2006-01-02")
	}
	v.CanEdit = policy.Can(u, policy.EvidenceAttach, resource(c))
	v.UploadLimit = evidence.FormatSize(s.Config.MaxUploadBytes)
	return s.render(c, status, templates.SampleDetail(s.page(c, "Sample "+sm.ItemKey, "engagements"), v))
}

func (s *Server) sampleShow(c echo.Context) error {
	id, _ := paramID(c, "sampleID")
	sm, err := s.fieldwork().Sample(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderSample(c, http.StatusOK, sm, fieldwork.SampleInput{AttributesTested: sm.AttributesTested, Result: sm.Result,
		Notes: sm.Notes, Version: sm.Version}, false, nil)
}

func (s *Server) sampleSave(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	id, _ := paramID(c, "sampleID")
	in := fieldwork.SampleInput{AttributesTested: c.FormValue("attributes_tested"), Result: c.FormValue("result"),
		Notes: c.FormValue("notes"), Version: formVersion(c)}
	sm, err := s.fieldwork().UpdateSample(ctx, u, id, in)
	if v, ok := apperr.AsValidation(err); ok {
		current, lerr := s.fieldwork().Sample(ctx, id)
		if lerr != nil {
			return lerr
		}
		return s.renderSample(c, http.StatusUnprocessableEntity, current, in, false, v)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		stored := conflict.Current.(fieldwork.Sample)
		in.Version = stored.Version
		return s.renderSample(c, http.StatusConflict, stored, in, true, apperr.Validation{"result": "Another auditor saved this sample first; compare their version above."})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, testPartPath(sm.TestID, "population"), "Sample "+sm.ItemKey+" saved.")
}

func (s *Server) clientSamples(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	engagementID, _ := paramID(c, "id")
	h, err := s.engagementHeader(ctx, engagementID, u, "samples")
	if err != nil {
		return err
	}
	lists, err := s.fieldwork().SentSampleLists(ctx, engagementID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.ClientSamples(s.page(c, "Sample lists · "+h.Name, "engagements"), templates.ClientSamplesPage{Header: h, Lists: clientSampleListViews(lists)}))
}
