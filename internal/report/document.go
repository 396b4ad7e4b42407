package report

import "time"

// Document is the report as plain data: what both renderers (PDF and HTML) lay out. It holds
// no layout decisions beyond the order of blocks and which headings open the outline.
type Document struct {
	Variant     Variant
	Draft       bool   // watermark every page "DRAFT" (until the partner has signed)
	Title       string // e.g. "SOC 2 Type II Report"
	Subject     string // metadata subject
	Author      string // the firm
	ServiceOrg  string
	System      string
	PeriodLabel string    // "For the period January 1, 2026, to June 30, 2026" / "As of …"
	Created     time.Time // the report date: the PDF's creation date, so bytes are deterministic
	Cover       Cover
	// Footer is an extra line in every page footer, above "Page X of Y" (e.g. a verification
	// code added by the verification feature). Empty: no line.
	Footer   string
	Sections []Section
	// VerificationNotice (Section I, "how to verify this report") and VerificationCover (a line
	// beside the cover's QR code) come from the wording; the verification feature places them
	// when it gives the report a code, so drafts and unverified reports do not mention one.
	VerificationNotice []Block `json:"-"`
	VerificationCover  string  `json:"-"`
}

// Cover is what the first page shows.
type Cover struct {
	Logo       *Image
	FirmName   string
	Lines      []string // service organization, system, report kind, period, restricted use…
	Restricted string   // "Restricted use" notice, empty for SOC 3
	// Verification is a hook for a verification block (code and QR image) printed on the cover.
	Verification *Verification
}

// Verification is the block a verification feature prints on the cover.
type Verification struct {
	Code string
	URL  string
	QR   *Image // PNG
	Note string // how to use them, printed under the address
}

// Section is a numbered part of the report (Section I …) or the cover's successors.
type Section struct {
	Key    string // stable id, e.g. "section1"
	Title  string // "Section I — Independent Service Auditor's Report"
	Blocks []Block
}

// BlockKind says what a block is.
type BlockKind string

// Block kinds.
const (
	KindHeading   BlockKind = "heading"
	KindParagraph BlockKind = "paragraph"
	KindList      BlockKind = "list"
	KindTable     BlockKind = "table"
	KindImage     BlockKind = "image"
	KindSignature BlockKind = "signature"
)

// Block is one piece of a section.
type Block struct {
	Kind     BlockKind `json:"kind"`
	Level    int       `json:"level,omitempty"`    // heading level: 2 part, 3 sub-part
	Text     string    `json:"text,omitempty"`     // heading or paragraph text
	Outline  bool      `json:"outline,omitempty"`  // the heading gets a PDF bookmark
	Emphasis string    `json:"emphasis,omitempty"` // "bold", "italic", "small"
	Items    []string  `json:"items,omitempty"`    // list items
	Ordered  bool      `json:"ordered,omitempty"`
	Table    *Table    `json:"table,omitempty"`
	Image    *Image    `json:"image,omitempty"`
	Lines    []string  `json:"lines,omitempty"` // signature block lines
}

// Table is a table whose header row repeats on every page it spans.
type Table struct {
	Header []string   `json:"header"`
	Widths []float64  `json:"widths"` // relative column widths
	Rows   [][]string `json:"rows"`
}

// Image is an embedded picture (logo, diagram, QR code).
type Image struct {
	Name string `json:"name"`
	Type string `json:"type"` // PNG or JPG
	Data []byte `json:"-"`
	Alt  string `json:"alt,omitempty"`
}
