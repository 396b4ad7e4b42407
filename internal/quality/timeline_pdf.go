package quality

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// TimelineHeading names the engagement on the timeline PDF.
type TimelineHeading struct {
	Firm, Client, Engagement, Period string
	GeneratedAt                      time.Time
}

// TimelinePDF lays the timeline out for a quality reviewer: per control and test, each step in
// time order, flagged entries marked. The same timeline and heading give the same bytes.
func TimelinePDF(h TimelineHeading, tl Timeline) ([]byte, error) {
	pdf := fpdf.New("L", "mm", "Letter", "")
	pdf.SetCreationDate(h.GeneratedAt)
	pdf.SetModificationDate(h.GeneratedAt)
	pdf.SetCatalogSort(true)
	pdf.SetTitle("Engagement timeline — "+h.Engagement, true)
	pdf.SetAuthor(h.Firm, true)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: dashes and quotes of the core fonts
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s — %s — timeline generated %s UTC — page %d of {nb}", h.Client, h.Engagement,
			h.GeneratedAt.UTC().Format("2006-01-02 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.SetAutoPageBreak(true, 16)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 15)
	pdf.CellFormat(0, 8, tr("Engagement timeline"), "", 1, "", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 5, tr(h.Client+" — "+h.Engagement+" — "+h.Period), "", 1, "", false, 0, "")
	report := "not set"
	if tl.ReportDate != nil {
		report = tl.ReportDate.Format("2 January 2006")
	}
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Report date: %s. %d steps from the audit trail, %d flagged as out of order.", report, len(tl.Entries), tl.Flagged)), "", 1, "", false, 0, "")
	pdf.Ln(3)

	widths := []float64{36, 40, 34, 52, 97}
	header := []string{"When (UTC)", "Step", "Who", "Detail", "Out of order"}
	row := func(cells []string, bold bool, fill bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 8)
		lines := 1
		split := make([][]string, len(cells))
		for i, c := range cells {
			split[i] = wrap(pdf, tr(c), widths[i]-2)
			if len(split[i]) > lines {
				lines = len(split[i])
			}
		}
		h := float64(lines) * 4
		if pdf.GetY()+h > 216-16 {
			pdf.AddPage()
		}
		x, y := pdf.GetX(), pdf.GetY()
		for i := range cells {
			if fill {
				pdf.SetFillColor(253, 236, 234)
			}
			pdf.Rect(x, y, widths[i], h, map[bool]string{true: "FD", false: "D"}[fill])
			for j, line := range split[i] {
				pdf.SetXY(x+1, y+float64(j)*4)
				pdf.CellFormat(widths[i]-2, 4, line, "", 0, "", false, 0, "")
			}
			x += widths[i]
		}
		pdf.SetXY(10, y+h)
	}
	for _, g := range GroupTimeline(tl) {
		if pdf.GetY() > 216-40 {
			pdf.AddPage()
		}
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, tr(g.Title), "", 1, "", false, 0, "")
		row(header, true, false)
		for _, e := range g.Entries {
			row([]string{e.At.UTC().Format("2006-01-02 15:04:05"), e.Step.Label(), e.Actor, e.Detail, strings.Join(e.Flags, "; ")}, false, len(e.Flags) > 0)
		}
	}
	if len(tl.Entries) == 0 {
		pdf.CellFormat(0, 6, "The audit trail holds no steps of this engagement yet.", "", 1, "", false, 0, "")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("writing the timeline PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// wrap splits text into lines no wider than width, measuring with the current font.
func wrap(pdf *fpdf.Fpdf, text string, width float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			for pdf.GetStringWidth(w) > width && len(w) > 1 { // a very long word is cut
				n := len(w) - 1
				for n > 1 && pdf.GetStringWidth(w[:n]) > width {
					n--
				}
				if line != "" {
					lines = append(lines, line)
					line = ""
				}
				lines = append(lines, w[:n])
				w = w[n:]
			}
			switch {
			case line == "":
				line = w
			case pdf.GetStringWidth(line+" "+w) <= width:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// TimelineGroup is the steps of one control and test, or of the whole engagement.
type TimelineGroup struct {
	Title   string
	TestID  int64
	Entries []Entry
	Flagged int
}

// GroupTimeline orders the timeline per control and test (by control reference, then test),
// each group in time order; steps of the whole engagement come last.
func GroupTimeline(tl Timeline) []TimelineGroup {
	idx := map[int64]int{}
	var groups []TimelineGroup
	for _, e := range tl.Entries {
		i, ok := idx[e.TestID]
		if !ok {
			title := "Engagement: requests, opinion and report"
			if e.TestID != 0 {
				title = fmt.Sprintf("Control %s — test %d", e.ControlRef, e.TestID)
			}
			groups = append(groups, TimelineGroup{Title: title, TestID: e.TestID})
			i = len(groups) - 1
			idx[e.TestID] = i
		}
		groups[i].Entries = append(groups[i].Entries, e)
		if len(e.Flags) > 0 {
			groups[i].Flagged++
		}
	}
	refOf := func(g TimelineGroup) string { return g.Entries[0].ControlRef }
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if (a.TestID == 0) != (b.TestID == 0) {
			return b.TestID == 0
		}
		if refOf(a) != refOf(b) {
			return refOf(a) < refOf(b)
		}
		return a.TestID < b.TestID
	})
	return groups
}
