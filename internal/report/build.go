package report

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/opinion"
)

// BuildOptions adjust one build.
type BuildOptions struct {
	// Draft forces the DRAFT watermark even after signature; before signature it is always on.
	Draft   bool
	Wording *Wording // nil: the shipped wording
}

// Evidence is the data as the opinion's proposal and gates see it.
func (d Data) Evidence() opinion.Evidence {
	ev := opinion.Evidence{EngagementID: d.EngagementID, ReportType: d.ReportType}
	for _, c := range d.Criteria {
		ev.Criteria = append(ev.Criteria, c.ID)
	}
	for _, c := range d.Controls {
		oc := opinion.Control{Ref: c.Ref, Criteria: c.Criteria}
		for _, t := range c.Tests {
			oc.Tests = append(oc.Tests, opinion.Test{ID: t.ID, Kind: t.Kind, Result: t.Result, Prepared: t.Prepared && !t.EditedAfter,
				Reviewed: t.Reviewed && !t.EditedAfter, Untested: t.Untested})
		}
		ev.Controls = append(ev.Controls, oc)
	}
	for _, x := range d.Exceptions {
		ev.Exceptions = append(ev.Exceptions, opinion.Exception{ID: x.ID, ControlRef: x.ControlRef, Description: x.Description,
			Deviations: x.Deviations, ItemsTested: x.ItemsTested, Evaluation: x.Evaluation, CriteriaMet: x.CriteriaMet, Criteria: x.Criteria})
	}
	for _, l := range d.Limitations {
		ev.Limitations = append(ev.Limitations, opinion.Limitation{Description: l.Description, Criteria: l.Criteria, Pervasive: l.Pervasive})
	}
	if d.Description != nil {
		ev.DescriptionAvailable = true
		ev.DescriptionReviewComplete = d.Description.ReviewComplete
		ev.NotPresented = d.Description.NotPresented
	}
	ev.AssertionApproved = d.Assertion != nil
	return ev
}

// Kind is the opinion the report states: the partner's choice, or Attest's proposal before it.
func (d Data) Kind() opinion.Kind {
	if k := opinion.Kind(d.Opinion.Kind); k.Valid() {
		return k
	}
	return opinion.Propose(d.Evidence()).Kind
}

// VariantsInScope lists the reports the engagement produces: its SOC 2 type and the SOC 3.
func (d Data) VariantsInScope() []Variant {
	if d.ReportType == "type1" {
		return []Variant{Type1, SOC3}
	}
	return []Variant{Type2, SOC3}
}

// CheckVariant refuses a variant the engagement cannot produce.
func (d Data) CheckVariant(v Variant) error {
	switch {
	case !v.Valid():
		return fmt.Errorf("unknown report variant %q: use type1, type2 or soc3", v)
	case v != SOC3 && string(v) != d.ReportType:
		return fmt.Errorf("this engagement is a %s examination: it produces a %s report and a SOC 3, not a %s report",
			map[string]string{"type1": "Type I", "type2": "Type II"}[d.ReportType], Variant(d.ReportType).Label(), v.Label())
	}
	return nil
}

// longDate formats a date as reports print it: "June 30, 2026".
func longDate(t time.Time) string { return t.Format("January 2, 2006") }

func (d Data) wording(v Variant) wording {
	w := wording{Firm: d.Firm.Name, FirmCity: d.Firm.City, FirmState: d.Firm.State, ServiceOrg: d.ServiceOrg,
		System: d.SystemName(), Type2: d.ReportType == "type2", SOC3: v == SOC3, Kind: string(d.Kind()),
		Basis: strings.TrimSpace(d.Opinion.Basis)}
	if d.ReportType == "type2" && d.PeriodStart != nil && d.PeriodEnd != nil {
		w.PeriodShort = longDate(*d.PeriodStart) + ", to " + longDate(*d.PeriodEnd)
		w.Period = "throughout the period " + w.PeriodShort
	} else if d.AsOf != nil {
		w.PeriodShort = longDate(*d.AsOf)
		w.Period = "as of " + w.PeriodShort
	}
	var cats, titles []string
	for _, c := range d.Categories {
		label := strings.TrimSuffix(criteria.CategoryLabel(c), " (common criteria)")
		cats = append(cats, strings.ToLower(label))
		titles = append(titles, label)
	}
	w.Categories, w.CategoriesTitle = andList(cats), andList(titles)
	var carveNames, carveServices, inclNames []string
	for _, s := range d.Subservice {
		if s.Method == "inclusive" {
			w.Inclusive = append(w.Inclusive, s)
			inclNames = append(inclNames, s.Name)
		} else {
			w.CarveOut = append(w.CarveOut, s)
			carveNames = append(carveNames, s.Name)
			if s.Services != "" {
				carveServices = append(carveServices, strings.ToLower(upperFirst(s.Services)[:1])+s.Services[1:])
			}
		}
	}
	w.CarveOutNames, w.CarveOutServices, w.InclusiveNames = andList(carveNames), andList(carveServices), andList(inclNames)
	if w.CarveOutServices == "" {
		w.CarveOutServices = "services supporting the system"
	}
	w.HasCUECs, w.HasCSOCs = len(d.CUECs) > 0, len(d.CSOCs) > 0
	if k := d.Kind(); k.Modified() {
		w.BasisCriteria = andList(opinion.Propose(d.Evidence()).NotMet)
	}
	if d.ReportDate != nil {
		w.ReportDate = longDate(*d.ReportDate)
	}
	if d.Assertion != nil {
		w.OfficerName, w.OfficerTitle, w.AssertionDate = d.Assertion.OfficerName, d.Assertion.OfficerTitle, longDate(d.Assertion.ApprovedOn)
	}
	return w
}

// SystemName is the system's name as the description gives it, else "<client> System".
func (d Data) SystemName() string {
	if d.Description != nil && d.Description.SystemName != "" {
		return d.Description.SystemName
	}
	name := d.ClientName
	if name == "" {
		name = d.ServiceOrg
	}
	return name + " System"
}

func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}

// Build lays the engagement's data out as the report of variant v. It is a pure function of its
// inputs: the same data gives the same document.
func Build(d Data, v Variant, opts BuildOptions) (*Document, error) {
	if err := d.CheckVariant(v); err != nil {
		return nil, err
	}
	if len(d.Controls) == 0 {
		return nil, ErrNoControls
	}
	wd := opts.Wording
	if wd == nil {
		wd = &defaultWording
	}
	t, err := wd.set(v, string(d.Kind()))
	if err != nil {
		return nil, err
	}
	w := d.wording(v)
	b := builder{t: t, w: w}
	title := b.text("title")
	doc := &Document{Variant: v, Draft: opts.Draft || !d.Opinion.Signed(), Title: title, Author: d.Firm.Name,
		ServiceOrg: d.ServiceOrg, System: w.System, PeriodLabel: upperFirst(w.Period)}
	doc.Subject = title + " — " + d.ServiceOrg + " — " + upperFirst(w.Period)
	if d.ReportDate != nil {
		doc.Created = *d.ReportDate
	} else if d.PeriodEnd != nil {
		doc.Created = *d.PeriodEnd
	} else if d.AsOf != nil {
		doc.Created = *d.AsOf
	}
	doc.Cover = Cover{FirmName: d.Firm.Name}
	if len(d.Firm.Logo) > 0 {
		doc.Cover.Logo = &Image{Name: "firm-logo", Type: imageType(d.Firm.LogoType), Data: d.Firm.Logo, Alt: d.Firm.Name}
	}
	doc.Cover.Lines = append(doc.Cover.Lines, d.ServiceOrg)
	for _, blk := range parseMarkup(b.text("cover")) {
		doc.Cover.Lines = append(doc.Cover.Lines, blk.Text)
	}
	doc.Cover.Lines = append(doc.Cover.Lines, b.text("prepared_by"))
	if doc.Draft {
		doc.Cover.Lines = append(doc.Cover.Lines, b.text("draft_notice"))
	}
	doc.Cover.Restricted = b.text("restricted_notice")

	// Section I.
	s1 := Section{Key: "section1", Title: b.text("title.section1")}
	s1.Blocks = b.markup("section1")
	s1.Blocks = replaceBasis(s1.Blocks, w.Basis)
	sig := []string{d.Firm.Name}
	place := strings.Trim(strings.Join([]string{d.Firm.City, d.Firm.State}, ", "), ", ")
	if place != "" {
		sig = append(sig, place)
	}
	if w.ReportDate != "" {
		sig = append(sig, w.ReportDate)
	}
	s1.Blocks = append(s1.Blocks, Block{Kind: KindSignature, Lines: sig})
	// A firm's own wording may predate these texts: without them the report just does not say.
	if b.t.Lookup("verification_notice") != nil {
		doc.VerificationNotice = b.markup("verification_notice")
	}
	if b.t.Lookup("verification_cover") != nil {
		doc.VerificationCover = b.text("verification_cover")
	}
	doc.Sections = append(doc.Sections, s1)

	// Section II: management's assertion as approved.
	s2 := Section{Key: "section2", Title: b.text("title.section2")}
	if d.Assertion == nil {
		s2.Blocks = b.markup("assertion_missing")
	} else {
		body := d.Assertion.Body
		if v == SOC3 && d.Assertion.SOC3Body != "" {
			body = d.Assertion.SOC3Body
		}
		s2.Blocks = append(s2.Blocks, markdownBlocks(body, d.Description)...)
		s2.Blocks = append(s2.Blocks, Block{Kind: KindSignature, Lines: []string{d.Assertion.OfficerName, d.Assertion.OfficerTitle,
			d.ServiceOrg, longDate(d.Assertion.ApprovedOn)}})
	}
	doc.Sections = append(doc.Sections, s2)

	// Section III: the description (SOC 3: boundaries and principal commitments only).
	s3 := Section{Key: "section3", Title: b.text("title.section3")}
	if d.Description == nil || len(d.Description.Sections) == 0 {
		s3.Blocks = b.markup("description_missing")
	} else {
		for _, ds := range d.Description.Sections {
			if v == SOC3 && ds.Code != "DC2" && ds.Code != "DC3" {
				continue
			}
			s3.Blocks = append(s3.Blocks, Block{Kind: KindHeading, Level: 2, Text: ds.Title, Outline: true})
			s3.Blocks = append(s3.Blocks, markdownBlocks(ds.Body, d.Description)...)
			for i := range ds.Tables {
				if len(ds.Tables[i].Rows) > 0 {
					s3.Blocks = append(s3.Blocks, Block{Kind: KindTable, Table: &ds.Tables[i]})
				}
			}
		}
	}
	doc.Sections = append(doc.Sections, s3)

	if v == SOC3 {
		return doc, b.err
	}

	// Section IV.
	s4 := Section{Key: "section4", Title: b.text("title.section4")}
	s4.Blocks = b.markup("section4")
	s4.Blocks = append(s4.Blocks, b.criteriaBlocks(d, v)...)
	doc.Sections = append(doc.Sections, s4)

	// Section V.
	s5 := Section{Key: "section5", Title: b.text("title.section5")}
	s5.Blocks = b.markup("section5")
	var responses [][]string
	for _, x := range d.Exceptions {
		if strings.TrimSpace(x.ManagementResponse) != "" {
			responses = append(responses, []string{x.ControlRef, x.Description, x.ManagementResponse})
		}
	}
	if len(responses) == 0 {
		s5.Blocks = append(s5.Blocks, b.markup("section5.no_responses")...)
	} else {
		s5.Blocks = append(s5.Blocks, Block{Kind: KindHeading, Level: 2, Text: b.text("section5.responses_heading"), Outline: true})
		s5.Blocks = append(s5.Blocks, Block{Kind: KindTable, Table: &Table{Header: []string{"Control", "Exception noted", "Management's response"},
			Widths: []float64{1.2, 4, 4}, Rows: responses}})
	}
	doc.Sections = append(doc.Sections, s5)
	return doc, b.err
}

var defaultWording Wording

type builder struct {
	t   *template.Template
	w   wording
	err error
}

// text is one named template's output (the first error sticks and Build returns it).
func (b *builder) text(name string) string {
	if b.err != nil {
		return ""
	}
	s, err := text(b.t, name, b.w)
	if err != nil {
		b.err = err
	}
	return s
}

// markup is one named template's output as blocks; its headings open outline entries.
func (b *builder) markup(name string) []Block {
	blocks := parseMarkup(b.text(name))
	for i := range blocks {
		if blocks[i].Kind == KindHeading {
			blocks[i].Outline = true
		}
	}
	return blocks
}

// replaceBasis puts the partner's basis paragraphs (blank-line separated) in place of the
// single paragraph the template printed them as.
func replaceBasis(blocks []Block, basis string) []Block {
	if basis == "" {
		return blocks
	}
	flat := strings.Join(strings.Fields(basis), " ")
	var out []Block
	for _, blk := range blocks {
		if blk.Kind == KindParagraph && blk.Text == flat {
			for _, p := range strings.Split(strings.ReplaceAll(basis, "\r\n", "\n"), "\n\n") {
				if p = strings.Join(strings.Fields(p), " "); p != "" {
					out = append(out, Block{Kind: KindParagraph, Text: p})
				}
			}
			continue
		}
		out = append(out, blk)
	}
	return out
}

func imageType(contentType string) string {
	if contentType == "image/jpeg" {
		return "JPG"
	}
	return "PNG"
}

// criteriaBlocks lays out Section IV: per category and criterion the related controls and —
// Type II — the tests performed and their results.
func (b *builder) criteriaBlocks(d Data, v Variant) []Block {
	var out []Block
	byCriterion := map[string][]Control{}
	for _, c := range d.Controls {
		for _, id := range c.Criteria {
			byCriterion[id] = append(byCriterion[id], c)
		}
	}
	category := ""
	for _, cr := range d.Criteria {
		if cr.Category != category {
			category = cr.Category
			out = append(out, Block{Kind: KindHeading, Level: 2, Text: criteria.CategoryLabel(category), Outline: true})
		}
		out = append(out, Block{Kind: KindHeading, Level: 3, Text: cr.ID + " — " + cr.Text(), Outline: true})
		controls := byCriterion[cr.ID]
		if len(controls) == 0 {
			out = append(out, Block{Kind: KindParagraph, Text: b.text("criterion.no_controls"), Emphasis: "italic"})
			continue
		}
		tbl := &Table{}
		if v == Type1 {
			tbl.Header, tbl.Widths = []string{"Control", "Control activity"}, []float64{1.2, 8}
		} else {
			tbl.Header, tbl.Widths = []string{"Control", "Control activity", "Tests performed", "Results of tests"}, []float64{1.2, 3.2, 3.4, 2.6}
		}
		for _, c := range controls {
			if v == Type1 {
				tbl.Rows = append(tbl.Rows, []string{c.Ref, c.Description})
				continue
			}
			var tests, results []string
			for _, t := range c.Tests {
				if t.Kind != "operating" {
					continue
				}
				tests = append(tests, techniquesLabel(t.Techniques)+": "+t.Procedure)
				results = append(results, b.result(d, t))
			}
			if len(tests) == 0 {
				tests, results = []string{"—"}, []string{b.text("result.pending")}
			}
			tbl.Rows = append(tbl.Rows, []string{c.Ref, c.Description, strings.Join(tests, "\n"), strings.Join(results, "\n")})
		}
		out = append(out, Block{Kind: KindTable, Table: tbl})
	}
	return out
}

// result is a test's result sentence: the auditor's, else built from its exceptions.
func (b *builder) result(d Data, t Test) string {
	switch t.Result {
	case "no_exceptions":
		if t.ResultText != "" {
			return t.ResultText
		}
		return b.text("result.no_exceptions")
	case "exceptions":
		if t.ResultText != "" {
			return t.ResultText
		}
		var parts []string
		for _, x := range d.Exceptions {
			if x.TestID == t.ID {
				parts = append(parts, x.Description)
			}
		}
		return strings.Join(parts, " ")
	}
	return b.text("result.pending")
}

func techniquesLabel(ts []string) string {
	if len(ts) == 0 {
		return "Procedure"
	}
	var out []string
	for _, t := range ts {
		out = append(out, upperFirst(t))
	}
	return strings.Join(out, ", ")
}
