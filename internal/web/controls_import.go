package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/controls"
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

// controlImport reads an uploaded CSV or XLSX matrix and imports it all or nothing.
func (s *Server) controlImport(c echo.Context) error {
	res, u := resource(c), mustUser(c)
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, importLimit+64<<10)
	fh, err := c.FormFile("file")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileError: "The file is larger than 5 MB. Upload the control matrix only."})
	case err != nil:
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileError: "Choose the control matrix file (.xlsx or .csv) to import."})
	case fh.Size > importLimit:
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileError: "The file is larger than 5 MB. Upload the control matrix only."})
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("opening uploaded matrix: %w", err)
	}
	defer f.Close()
	sh, err := controls.ReadSheet(fh.Filename, f)
	if errors.Is(err, controls.ErrUnreadable) {
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileName: fh.Filename,
			FileError: "Attest could not read " + fh.Filename + ". Upload an .xlsx workbook or a UTF-8 .csv file with a header row."})
	}
	if err != nil {
		return err
	}
	result, err := s.Controls.Import(c.Request().Context(), u.Actor(), res.EngagementID, fh.Filename, sh)
	var ie *controls.ImportError
	if errors.As(err, &ie) {
		return s.renderControlImport(c, http.StatusUnprocessableEntity, templates.ControlImportView{FileName: fh.Filename,
			Problems: importProblems(ie.Problems), Warnings: importProblems(ie.Warnings)})
	}
	if err != nil {
		return err
	}
	noun := "controls"
	if result.Imported == 1 {
		noun = "control"
	}
	s.flash(c, "success", fmt.Sprintf("Imported %d %s from %s.", result.Imported, noun, fh.Filename))
	for _, w := range result.Warnings {
		s.flash(c, "warning", truncate(w.Message, 600))
	}
	return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(res.EngagementID)+"/controls")
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
