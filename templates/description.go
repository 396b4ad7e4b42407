package templates

// DescriptionSummary is the description's state in a few numbers (overview, dashboards, index).
type DescriptionSummary struct {
	Written, Total, Concluded, OpenNotes int
	Complete                             bool
	Missing                              []string
	NotPresented                         []string
	AssertionState                       string
	AssertionApproved                    bool
	ClientTodo                           []string
}

// DescriptionSectionRow is one line of the description index.
type DescriptionSectionRow struct {
	Code, Title    string
	Written        bool
	Version        int
	UpdatedBy      string
	UpdatedAt      string
	Conclusion     string // label, "" when none
	ConclusionKind string // badge kind
	Changed        bool
	OpenNotes      int
	Reviewer       string // who concluded, and when
	Comment        string // the conclusion's comment
}

// DescriptionImage is an uploaded diagram.
type DescriptionImage struct {
	ID                  int64
	FileName, Markdown  string
	URL, Size, Uploaded string
}

// DescriptionIndexPage lists the sections, the review state and the images.
type DescriptionIndexPage struct {
	Header       EngagementHeader
	Summary      DescriptionSummary
	Sections     []DescriptionSectionRow
	Images       []DescriptionImage
	CanEdit      bool
	UploadAction string
	Errors       Errors
}

// DescriptionTables are DC5-DC7's generated tables.
type DescriptionTables struct {
	Criteria    []DescriptionCriterionRow
	Subservices []DescriptionSubserviceRow
	CUECs       []DescriptionComplementaryRow
	Code        string
}

// DescriptionCriterionRow is a DC5 row.
type DescriptionCriterionRow struct {
	ID, Category, Summary string
	Controls              []DescriptionControlRef
}

// DescriptionControlRef is a control in DC5.
type DescriptionControlRef struct{ Ref, Description string }

// DescriptionSubserviceRow is a DC6 row.
type DescriptionSubserviceRow struct {
	Name, Services, Method string
	CSOCs                  []DescriptionComplementaryRow
}

// DescriptionComplementaryRow is a CUEC or CSOC.
type DescriptionComplementaryRow struct{ Ref, Description, Criteria string }

// DescriptionNote is a review note beside a section.
type DescriptionNote struct {
	ID                       int64
	Body, RaisedBy, RaisedAt string
	Response, Responder      string
	Status                   string
	ToClient                 bool
	Version                  int
}

// DescriptionVersion is one saved version in the history.
type DescriptionVersion struct {
	Number           int
	SavedBy, SavedAt string
}

// DescriptionReview is the section's checklist row.
type DescriptionReview struct {
	Conclusion, ConclusionValue, Kind, Comment, Reviewer, ReviewedAt string
	ReviewedVersion, Version                                         int
}

// DiffChunk is a run of a comparison: same, inserted or deleted.
type DiffChunk struct{ Kind, Text string }

// SectionConflict shows a stale save next to the stored version.
type SectionConflict struct {
	StoredBody, SavedBy, SavedAt string
	StoredVersion                int
	Diff                         []DiffChunk
}

// DescriptionSectionPage is one section: text, tables, notes, checklist, history.
type DescriptionSectionPage struct {
	Header                       EngagementHeader
	Code, Title, Guidance        string
	BodyHTML                     string // sanitised
	Body                         string // what the form holds
	Version, CurrentVersion      int
	UpdatedBy, UpdatedAt         string
	Tables                       *DescriptionTables
	Review                       *DescriptionReview
	Changed                      bool
	Notes                        []DescriptionNote
	Versions                     []DescriptionVersion
	Images                       []DescriptionImage
	CanEdit, CanReview, IsClient bool
	ReadOnlyReason               string
	Values                       map[string]string
	Errors                       Errors
	Conflict                     *SectionConflict
	Conclusions                  []Option
	UploadAction                 string
}

// DescriptionComparePage compares two versions of a section.
type DescriptionComparePage struct {
	Header             EngagementHeader
	Code, Title        string
	From, To           int
	FromLabel, ToLabel string
	Inline             bool
	Chunks             []DiffChunk
	Versions           []DescriptionVersion
	Inserted, Deleted  int
}

// AssertionPage is management's assertion: text, SOC 3 text, officer, approval.
type AssertionPage struct {
	Header                           EngagementHeader
	BodyHTML, SOC3HTML               string
	Body, SOC3Body                   string
	Drafted                          bool
	State, StateKind                 string
	Officer, OfficerTitle            string
	Approved                         bool
	ApprovedName, ApprovedTitle      string
	ApprovedOn, ApprovedAt           string
	WithdrawnReason                  string
	Version                          int
	CanEdit, CanDesignate, IsOfficer bool
	ReadOnlyReason                   string
	OfficerOptions                   []Option
	OfficerID                        string
	Values                           map[string]string
	Errors                           Errors
	Conflict                         bool
	Today                            string
}

// DescriptionPreview is the printable Sections II and III.
type DescriptionPreview struct {
	EngagementID               int64
	ClientName, EngagementName string
	ReportType, Period         string
	AssertionHTML              string
	AssertionApproved          bool
	AssertionNote              string
	OfficerName, OfficerTitle  string
	ApprovedOn                 string
	Sections                   []PreviewSection
	ReviewComplete             bool
	ReviewMissing              []string
}

// PreviewSection is one section of Section III as the report prints it.
type PreviewSection struct {
	Code, Title, HTML string
	Tables            *DescriptionTables
}

func joinSemi(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}
