package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/words"
	"github.com/attest-soc/attest/templates"
)

// importLimit caps a control matrix upload: real matrices are a few hundred kilobytes at most.
const importLimit = 5 << 20

func (s *Server) renderControlImport(c echo.Context, status int, v templates.ControlImportView) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "controls")
	if err != nil {
		return err
	}
	p := s.page(c, "Import control matrix · "+h.Name, "engagements")
	v.EngagementID = res.EngagementID
	v.Action = "/engagements/" + itoa(res.EngagementID) + "/controls/import?_csrf=" + p.CSRF
	v.Columns = controls.ColumnHelp()
	return s.render(c, status, templates.ControlImportPage(p, h, v))
}

func (s *Server) controlImportForm(c echo.Context) error {
	return s.renderControlImport(c, http.StatusOK, templates.ControlImportView{})
}

// controlImport reads an uploaded CSV or XLSX matrix and imports it: all or nothing, or — with
// "Import the valid rows" ticked — the valid rows, giving the refused ones back as a file. A cell
// naming two frequencies sends the user to the import's page to choose.
func (s *Server) controlImport(c echo.Context) error {
	res, u := resource(c), mustUser(c)
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, importLimit+64<<10)
	fh, err := c.FormFile("file")
	partial := c.FormValue("partial") != ""
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{Partial: partial, FileError: "The file is larger than 5 MB. Upload the control matrix only."})
	case err != nil:
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{Partial: partial, FileError: "Choose the control matrix file (.xlsx or .csv) to import."})
	case fh.Size > importLimit:
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{Partial: partial, FileError: "The file is larger than 5 MB. Upload the control matrix only."})
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("opening uploaded matrix: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("reading uploaded matrix: %w", err)
	}
	result, err := s.Controls.ImportUpload(c.Request().Context(), u.Actor(), res.EngagementID, controls.Upload{Name: fh.Filename, Data: data},
		controls.ImportOptions{Partial: partial})
	return s.afterControlImport(c, fh.Filename, partial, result, err)
}

// afterControlImport answers an import (new or finished after questions): the questions' page,
// the refused file's page, the matrix, or the upload form with every problem.
func (s *Server) afterControlImport(c echo.Context, fileName string, partial bool, result controls.ImportResult, err error) error {
	eng := resource(c).EngagementID
	var ie *controls.ImportError
	switch {
	case errors.Is(err, controls.ErrUnreadable):
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileName: fileName, Partial: partial,
			FileError: "Attest could not read " + fileName + ". Upload an .xlsx workbook or a UTF-8 .csv file with a header row."})
	case errors.As(err, &ie) && ie.PendingID != 0:
		return c.Redirect(http.StatusSeeOther, controlImportPath(eng, ie.PendingID))
	case errors.As(err, &ie):
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileName: fileName, Partial: partial,
			NoValidRow: ie.NoValidRow, Problems: importProblems(ie.Problems), Warnings: importProblems(ie.Warnings)})
	case err != nil:
		return err
	}
	s.flash(c, "success", fmt.Sprintf("Imported %d %s from %s.", result.Imported, words.Plural(result.Imported, "control", "controls"), fileName))
	for _, w := range result.Warnings {
		s.flash(c, "warning", truncate(w.Message, 600))
	}
	if result.ImportID != 0 {
		return c.Redirect(http.StatusSeeOther, controlImportPath(eng, result.ImportID))
	}
	return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(eng)+"/controls")
}

func controlImportPath(engagementID, importID int64) string {
	return "/engagements/" + itoa(engagementID) + "/controls/imports/" + itoa(importID)
}

// controlImportShow: GET /engagements/:id/controls/imports/:importID — the questions of a
// pending import, or what a finished partial import did with the link to its refused rows.
func (s *Server) controlImportShow(c echo.Context) error {
	return s.renderControlImportResult(c, http.StatusOK, nil, "")
}

func (s *Server) renderControlImportResult(c echo.Context, status int, chosen map[int]string, problem string) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	importID, err := paramID(c, "importID")
	if err != nil {
		return err
	}
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "controls")
	if err != nil {
		return err
	}
	v := templates.ControlImportResultView{EngagementID: res.EngagementID}
	pending, err := s.Controls.PendingImport(ctx, res.EngagementID, importID)
	switch {
	case err == nil:
		p := s.page(c, "Import of "+pending.FileName+" · "+h.Name, "engagements")
		v.Pending, v.Partial, v.FileName, v.Error = true, pending.Partial, pending.FileName, problem
		v.Action = controlImportPath(res.EngagementID, importID)
		v.Problems = importProblems(pending.Problems)
		for _, q := range pending.Questions {
			tq := templates.ControlImportQuestion{Row: strconv.Itoa(q.Row), Ref: q.Ref, Text: q.Text, Name: "freq_" + strconv.Itoa(q.Row), Chosen: chosen[q.Row]}
			for _, ch := range q.Choices {
				tq.Choices = append(tq.Choices, templates.Option{Value: ch.Value, Label: ch.Label})
			}
			v.Questions = append(v.Questions, tq)
		}
		return s.render(c, status, templates.ControlImportResultPage(p, h, v))
	case !errors.Is(err, apperr.ErrNotFound):
		return err
	}
	done, err := s.Controls.ImportSummary(ctx, res.EngagementID, importID)
	if err != nil {
		return err
	}
	v.FileName, v.Imported, v.Refused, v.RefusedName = done.FileName, done.Imported, done.Refused, done.RefusedName
	if done.Refused > 0 {
		v.RefusedURL = controlImportPath(res.EngagementID, importID) + "/refused"
	}
	return s.render(c, status, templates.ControlImportResultPage(s.page(c, "Import of "+done.FileName+" · "+h.Name, "engagements"), h, v))
}

// controlImportAnswer: POST /engagements/:id/controls/imports/:importID — the user's choice of
// frequency per row finishes a pending import.
func (s *Server) controlImportAnswer(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	importID, err := paramID(c, "importID")
	if err != nil {
		return err
	}
	pending, err := s.Controls.PendingImport(ctx, res.EngagementID, importID)
	if err != nil {
		return err
	}
	answers := map[int]string{}
	for _, q := range pending.Questions {
		if v := c.FormValue("freq_" + strconv.Itoa(q.Row)); v != "" {
			answers[q.Row] = v
		}
	}
	result, err := s.Controls.Answer(ctx, u.Actor(), res.EngagementID, importID, answers)
	var ie *controls.ImportError
	if errors.As(err, &ie) && ie.PendingID != 0 {
		return s.renderControlImportResult(c, http.StatusUnprocessableEntity, answers,
			fmt.Sprintf("%d %s still without a frequency: choose one of those the cell names.", len(ie.Questions), words.Plural(len(ie.Questions), "row is", "rows are")))
	}
	return s.afterControlImport(c, pending.FileName, pending.Partial, result, err)
}

// controlImportRefused: GET /engagements/:id/controls/imports/:importID/refused — the refused
// rows of a partial import, in the upload's format.
func (s *Server) controlImportRefused(c echo.Context) error {
	importID, err := paramID(c, "importID")
	if err != nil {
		return err
	}
	name, data, err := s.Controls.RefusedFile(c.Request().Context(), resource(c).EngagementID, importID)
	if err != nil {
		return err
	}
	if controls.IsCSV(name) {
		c.Response().Header().Set(echo.HeaderContentDisposition, attachment(name))
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", data)
	}
	return sendXLSX(c, name, data)
}

func importProblems(ps []controls.Problem) []templates.ImportProblem {
	out := make([]templates.ImportProblem, len(ps))
	for i, p := range ps {
		out[i] = templates.ImportProblem{Column: p.Column, Message: p.Message}
		if p.Row > 0 {
			out[i].Row = strconv.Itoa(p.Row)
		}
	}
	return out
}

// truncate keeps flash cookies small; the full text is in the audit event.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n], " ")
	if cut < 0 {
		cut = n
	}
	return s[:cut] + " …"
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) controlExport(c echo.Context) error {
	res := resource(c)
	var buf bytes.Buffer
	if err := s.Controls.Export(c.Request().Context(), res.EngagementID, &buf); err != nil {
		return err
	}
	return sendXLSX(c, fmt.Sprintf("control-matrix-engagement-%d.xlsx", res.EngagementID), buf.Bytes())
}

func (s *Server) controlTemplate(c echo.Context) error {
	var buf bytes.Buffer
	if err := controls.WriteTemplate(&buf); err != nil {
		return err
	}
	return sendXLSX(c, "control-matrix-template.xlsx", buf.Bytes())
}

func sendXLSX(c echo.Context, name string, data []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment(name))
	return c.Blob(http.StatusOK, xlsxType, data)
}
