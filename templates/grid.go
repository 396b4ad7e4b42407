package templates

// GridPage is a test's testing grid: a row per sample, a column per attribute.
type GridPage struct {
	Header     EngagementHeader
	Test       TestView
	Attributes []GridAttributeView
	Columns    []string // population fields shown per row
	AllColumns []string
	Rows       []GridRowView
	Summary    string // "1 of 40 samples with a deviation"
	Untested   int
	CanEdit    bool
	Errors     Errors
	Values     map[string]string
	Message    string        // the outcome of the last save, for the status region
	Conflict   []GridRowView // rows someone else saved first (stored versions)
	Mine       []string      // what the refused save would have set, per conflict
}

// GridAttributeView is one attribute column.
type GridAttributeView struct {
	ID          int64
	Code        string
	Description string
	Results     int // cells with a result, to warn before removing
}

// GridRowView is one sample row.
type GridRowView struct {
	SampleID  int64
	Number    int
	ItemKey   string
	Values    []string // the chosen population fields, in Columns order
	Cells     []GridCellView
	Result    string // the rolled-up sample result
	Version   int
	Evidence  int
	Conflict  bool // shown as someone else's stored version
	UpdatedAt string
}

// GridCellView is one attribute's result on a sample.
type GridCellView struct {
	AttributeID int64
	Code        string
	Result      string
	Tickmark    string
	Label       string
	Note        string
}

// GridLegendItem is one tickmark of the legend.
type GridLegendItem struct{ Tickmark, Label, Key string }
