package description

// Criterion is one description criterion of DC 200: what a section of the description presents.
type Criterion struct {
	Code  string // DC1 … DC9
	Title string
	// Guidance tells the writer what the section must present.
	Guidance string
	// TypeIIOnly: DC9 (significant changes during the period) exists only for Type II reports.
	TypeIIOnly bool
	// Generated: DC5-DC7 carry tables Attest builds from the engagement; the body is
	// management's own words around them.
	Generated bool
}

// Criteria is DC 200 in order (domain guide §4).
var Criteria = []Criterion{
	{Code: "DC1", Title: "Types of services provided",
		Guidance: "Describe the services the system provides to user entities: what the service does, for whom, and how it is delivered."},
	{Code: "DC2", Title: "Principal service commitments and system requirements",
		Guidance: "State the commitments made to user entities (contracts, SLAs, published statements) and the system requirements that follow from them and from laws and regulations, and how they are communicated."},
	{Code: "DC3", Title: "Components of the system",
		Guidance: "Present the system's boundaries and its components: infrastructure, software, people, procedures and data. Include a network or architecture diagram (upload it and insert it here)."},
	{Code: "DC4", Title: "Significant system incidents",
		Guidance: "Disclose system incidents that were significant to the service commitments and system requirements: their nature, timing, extent and disposition. Say so when there were none."},
	{Code: "DC5", Title: "Applicable trust services criteria and related controls", Generated: true,
		Guidance: "The table below lists the applicable criteria and the controls mapped to them, from the control matrix (it follows every change to the matrix). Add management's description of how the controls meet the criteria: control environment, risk assessment, information and communication, monitoring."},
	{Code: "DC6", Title: "Subservice organizations and complementary subservice organization controls", Generated: true,
		Guidance: "The table below lists the subservice organizations with the carve-out or inclusive method and, when carved out, the controls expected of them (CSOCs). Describe what each provides and how management monitors it."},
	{Code: "DC7", Title: "Complementary user entity controls", Generated: true,
		Guidance: "The table below lists the controls user entities are expected to operate (CUECs). Explain how they are communicated to user entities."},
	{Code: "DC8", Title: "Criteria that do not apply",
		Guidance: "Name any applicable trust services criterion that is not relevant to the system, and explain why. Say so when every criterion applies."},
	{Code: "DC9", Title: "Significant changes during the period", TypeIIOnly: true,
		Guidance: "Describe significant changes to the system and to controls during the period, and when they happened. Say so when there were none."},
}

// CriteriaFor lists the description criteria of a report type: DC1-DC8, plus DC9 for Type II.
func CriteriaFor(reportType string) []Criterion {
	out := make([]Criterion, 0, len(Criteria))
	for _, c := range Criteria {
		if c.TypeIIOnly && reportType != "type2" {
			continue
		}
		out = append(out, c)
	}
	return out
}

// CriterionByCode finds a description criterion; ok is false for an unknown code.
func CriterionByCode(code string) (Criterion, bool) {
	for _, c := range Criteria {
		if c.Code == code {
			return c, true
		}
	}
	return Criterion{}, false
}

// Conclusion is the auditor's DC 200 evaluation of one description criterion.
type Conclusion string

// Conclusions.
const (
	Presented     Conclusion = "presented"
	NotPresented  Conclusion = "not_presented"
	NotApplicable Conclusion = "not_applicable"
)

// Conclusions lists the choices in the order the checklist offers them.
var Conclusions = []Conclusion{Presented, NotPresented, NotApplicable}

// Label is how the conclusion reads on pages and in the report file.
func (c Conclusion) Label() string {
	switch c {
	case Presented:
		return "Presented"
	case NotPresented:
		return "Not presented"
	case NotApplicable:
		return "Not applicable"
	}
	return "Not concluded"
}

// Valid reports whether c is one of the three conclusions.
func (c Conclusion) Valid() bool { return c == Presented || c == NotPresented || c == NotApplicable }

// NeedsComment: "not presented" and "not applicable" must say why.
func (c Conclusion) NeedsComment() bool { return c == NotPresented || c == NotApplicable }
