package controls

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

const matrixSheet = "Control matrix"

// Export writes the engagement's control matrix as an XLSX workbook in the import format, so
// that importing it into an empty engagement recreates the same matrix.
func (s *Service) Export(ctx context.Context, engagementID int64, w io.Writer) error {
	list, err := s.List(ctx, engagementID)
	if err != nil {
		return err
	}
	comps, err := s.ListComplementary(ctx, engagementID)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(list))
	for _, c := range list {
		rows = append(rows, []string{c.Ref, c.Description, strings.Join(c.Criteria, "; "), Label(Frequencies, c.Frequency),
			Label(ControlTypes, c.ControlType), c.Owner, Label(Natures, c.Nature), Label(Risks, c.Risk), c.FrequencyNote})
	}
	// CUECs and CSOCs go on a second sheet for the reader; the import reads the first sheet only.
	comp := [][]string{{"kind", "ref", "description", "subservice_organization", "criteria"}}
	for _, c := range comps {
		comp = append(comp, []string{strings.ToUpper(c.Kind), c.Ref, c.Description, c.SubserviceName, strings.Join(c.Criteria, "; ")})
	}
	return writeWorkbook(w, rows, extraSheet{"CUECs and CSOCs", comp})
}

// extraSheet is a further sheet of a workbook, after the control matrix.
type extraSheet struct {
	name string
	rows [][]string
}

// WriteTemplate writes an import template: the header row, two example rows and a sheet that
// explains each column.
func WriteTemplate(w io.Writer) error {
	return writeWorkbook(w, [][]string{
		{"CC-01", "New hires acknowledge the code of conduct within 30 days", "CC1.1", "As needed", "Preventive", "HR lead", "Manual", "Low", ""},
		{"CC-02", "Quarterly user access review of production", "CC6.2; CC6.3", "Quarterly", "Detective", "IT manager", "IT-dependent manual", "Higher", ""},
	}, extraSheet{"Columns", templateHelp})
}

var templateHelp = [][]string{
	{"column", "required", "what to write"},
	{ColControlID, "yes", "The control reference, e.g. CC-01. Unique within the engagement (case is ignored)."},
	{ColDescription, "yes", "What the control does."},
	{ColCriteria, "yes (may be empty)", "Trust Services Criteria ids separated by ; or , or spaces; ranges such as CC3.1-CC3.4 are allowed. Only criteria of categories in scope. An empty cell imports the control with a coverage question."},
	{ColFrequency, "no", "Annual, Quarterly, Monthly, Weekly, Daily, Multiple times a day, Continuous / automated or As needed. Synonyms (Yearly, Ad hoc, Continuous…) and cron schedules are mapped and the text kept as a note; blank means As needed."},
	{ColControlType, "no", "Preventive or Detective (blank: Preventive)."},
	{ColOwner, "no", "Who performs the control."},
	{ColNature, "no", "Manual, Automated or IT-dependent manual (blank: Manual)."},
	{ColRisk, "no", "Low or Higher (blank: Low); higher risk means larger samples."},
	{ColFrequencyNote, "no", "Free text kept beside the frequency, e.g. the schedule as the client wrote it."},
}

func writeWorkbook(w io.Writer, rows [][]string, extra ...extraSheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", matrixSheet); err != nil {
		return fmt.Errorf("naming sheet: %w", err)
	}
	// Every cell is written as text, so ids such as ON or 1.10 stay exactly as typed.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return fmt.Errorf("creating text style: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return fmt.Errorf("creating header style: %w", err)
	}
	if err := writeRows(f, matrixSheet, append([][]string{ImportColumns}, rows...), text, bold); err != nil {
		return err
	}
	if err := f.SetColWidth(matrixSheet, "A", "A", 14); err != nil {
		return err
	}
	if err := f.SetColWidth(matrixSheet, "B", "B", 60); err != nil {
		return err
	}
	if err := f.SetColWidth(matrixSheet, "C", "I", 20); err != nil {
		return err
	}
	for _, x := range extra {
		if _, err := f.NewSheet(x.name); err != nil {
			return fmt.Errorf("adding sheet %s: %w", x.name, err)
		}
		if err := writeRows(f, x.name, x.rows, text, bold); err != nil {
			return err
		}
		if err := f.SetColWidth(x.name, "C", "C", 90); err != nil {
			return err
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("writing workbook: %w", err)
	}
	return nil
}

func writeRows(f *excelize.File, sheet string, rows [][]string, text, bold int) error {
	for r, row := range rows {
		style := text
		if r == 0 {
			style = bold
		}
		for c, v := range row {
			ref, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheet, ref, v); err != nil {
				return fmt.Errorf("writing cell %s: %w", ref, err)
			}
			if err := f.SetCellStyle(sheet, ref, ref, style); err != nil {
				return fmt.Errorf("styling cell %s: %w", ref, err)
			}
		}
	}
	return nil
}

// ColumnHelp describes the import columns: name, whether required, what to write.
func ColumnHelp() [][]string { return templateHelp[1:] }
