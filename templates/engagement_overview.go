package templates

import "strconv"

// EngagementOverview is the dashboard of one engagement.
type EngagementOverview struct {
	Chart               BarChart
	RequestsOutstanding int
	RequestsOverdue     int
	OpenExceptions      int
	OpenReviewNotes     int
	CriteriaNotMet      []string // criteria the roll-up of test results and exceptions says are not met
	CriteriaPending     int      // criteria still waiting on tests or evaluations
	PeriodEndLabel      string   // "Period end 30 June 2026" or "As-of date 30 September 2026"
	DaysToPeriodEnd     string   // "45 days" / "ended 12 days ago" / ""
	DaysToReportDate    string
	ReportDate          string
	Categories          []string
	Moves               []StatusMove // where the engagement can go next
	CanChangeStatus     bool
	CanRollForward      bool
	// The engagement already rolled forward from this one, if any: linked instead of offering a
	// second roll-forward.
	NextID   int64
	NextName string
	CanEdit  bool
	Version  int
	// Description is the system description's and assertion's state.
	Description DescriptionSummary
}

// StatusMove is one possible next status with what still blocks it.
type StatusMove struct {
	To, Label string
	Missing   []string
}

// BarChart is a horizontal bar chart rendered as SVG on the server, with a table alternative.
type BarChart struct {
	Title, Description string
	Bars               []Bar
}

// Bar is one bar of a BarChart.
type Bar struct {
	Key, Label string
	Value      int
}

const (
	chartLabelWidth = 140
	chartBarMax     = 260
	chartRow        = 30
)

func (c BarChart) height() string { return strconv.Itoa(len(c.Bars)*chartRow + 10) }

func (c BarChart) max() int {
	m := 0
	for _, b := range c.Bars {
		m = max(m, b.Value)
	}
	return m
}

func (c BarChart) barWidth(b Bar) string {
	if m := c.max(); m > 0 && b.Value > 0 {
		return strconv.Itoa(max(2, b.Value*chartBarMax/m))
	}
	return "0"
}

func (c BarChart) valueX(b Bar) string {
	w, _ := strconv.Atoi(c.barWidth(b))
	return strconv.Itoa(chartLabelWidth + w + 6)
}

func rowY(i, offset int) string { return strconv.Itoa(i*chartRow + offset) }

func (c BarChart) ariaLabel() string {
	s := c.Title + ":"
	for i, b := range c.Bars {
		if i > 0 {
			s += ","
		}
		s += " " + b.Label + " " + strconv.Itoa(b.Value)
	}
	return s
}
