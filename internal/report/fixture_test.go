package report

import (
	"fmt"
	"time"
)

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

func boolp(b bool) *bool { return &b }

// northwind is the demo engagement of the domain guide (§9) as report data, without a database.
func northwind(reportType string) Data {
	d := Data{EngagementID: 7, ClientID: 3, Firm: Firm{Name: "Whitfield & Ørsted CPAs LLP", City: "Portland", State: "Oregon"},
		ServiceOrg: "Northwind Ledger, Inc.", ClientName: "Northwind Ledger", Engagement: "SOC 2 2026", ReportType: reportType, Status: "review",
		Categories: []string{"security", "availability"}}
	if reportType == "type2" {
		d.PeriodStart, d.PeriodEnd = day("2026-01-01"), day("2026-06-30")
	} else {
		d.AsOf = day("2026-06-30")
	}
	d.ReportDate = day("2026-08-15")
	d.Subservice = []Subservice{{Name: "Cloud host (public cloud)", Services: "Infrastructure hosting and physical data centres", Method: "carve_out"}}
	d.CUECs = []Complementary{{Ref: "CUEC-1", Description: "User entities manage their own users’ access to the platform.", Criteria: []string{"CC6.2"}}}
	d.CSOCs = []Complementary{{Ref: "CSOC-1", Description: "Physical access to data centres is restricted.", Organization: "Cloud host (public cloud)", Criteria: []string{"CC6.4"}}}
	for _, c := range []Criterion{
		{ID: "CC1.1", Category: "security", Series: "CC1", Summary: "Leadership shows commitment to integrity and ethical values"},
		{ID: "CC1.4", Category: "security", Series: "CC1", Summary: "The organization attracts, develops and retains competent people"},
		{ID: "CC6.1", Category: "security", Series: "CC6", Summary: "Logical access security software protects information assets"},
		{ID: "CC6.2", Category: "security", Series: "CC6", Summary: "New users are registered and authorized before access is granted"},
		{ID: "A1.2", Category: "availability", Series: "A1", Summary: "Environmental protections, software, backups and recovery infrastructure are in place"},
	} {
		d.Criteria = append(d.Criteria, c)
	}
	kind := "operating"
	if reportType == "type1" {
		kind = "design"
	}
	test := func(id int64, proc, result, text string) Test {
		return Test{ID: id, Kind: kind, Techniques: []string{"inquiry", "inspection"}, Procedure: proc, Result: result, ResultText: text,
			Prepared: true, Reviewed: true}
	}
	d.Controls = []Control{
		{ID: 1, Ref: "NL-01", Description: "New hires acknowledge the code of conduct within 30 days.", Criteria: []string{"CC1.1"},
			Tests: []Test{test(11, "Inspected acknowledgements for 25 sampled hires.", "no_exceptions", "")}},
		{ID: 3, Ref: "NL-03", Description: "Security awareness training at hire and yearly.", Criteria: []string{"CC1.4"},
			Tests: []Test{test(13, "Inspected training records for 25 sampled new hires.", "exceptions",
				"For 1 of 25 sampled new hires, security awareness training was completed 45 days after the start date.")}},
		{ID: 5, Ref: "NL-05", Description: "Access removed within 1 business day of termination.", Criteria: []string{"CC6.2"},
			Tests: []Test{test(15, "Compared termination dates with deprovisioning logs for 15 leavers.", "exceptions", "")}},
		{ID: 7, Ref: "NL-07", Description: "MFA enforced for all workforce accounts.", Criteria: []string{"CC6.1"},
			Tests: []Test{test(17, "Inspected the identity provider configuration; observed one login.", "no_exceptions", "")}},
		{ID: 15, Ref: "NL-15", Description: "Daily backups; restore tested quarterly.", Criteria: []string{"A1.2"},
			Tests: []Test{test(25, "Inspected 25 sampled backup logs and 2 restore tests.", "no_exceptions", "")}},
	}
	d.Exceptions = []Exception{
		{ID: 1, ControlRef: "NL-03", TestID: 13, Description: "For 1 of 25 sampled new hires, security awareness training was completed 45 days after the start date.",
			Deviations: 1, ItemsTested: 25, ManagementResponse: "Reminder automation added in July.", Evaluation: "isolated", CriteriaMet: boolp(true), Criteria: []string{"CC1.4"}},
		{ID: 2, ControlRef: "NL-05", TestID: 15, Description: "For 1 of 15 sampled leavers, access was removed 4 days after termination.",
			Deviations: 1, ItemsTested: 15, ManagementResponse: "Offboarding now triggered automatically from the HR system.", Evaluation: "isolated", CriteriaMet: boolp(true), Criteria: []string{"CC6.2"}},
	}
	return d
}

// withKind sets the partner's choice; modified kinds get a basis and CC6.2 not met.
func withKind(d Data, kind string) Data {
	d.Opinion.Kind = kind
	switch kind {
	case "qualified", "adverse":
		d.Exceptions[1].CriteriaMet = boolp(false)
		d.Exceptions[1].Evaluation = "systematic"
		d.Opinion.Basis = fmt.Sprintf("For 1 of 15 sampled leavers, access was removed 4 days after termination; criterion CC6.2 was not met (%s).", kind)
	case "disclaimer":
		d.Limitations = []ScopeLimitation{{Description: "Management could not provide the population of terminations.", Criteria: []string{"CC6.2"}}}
		d.Opinion.Basis = "We were unable to obtain the population of terminated employees for the period."
	}
	return d
}

func signed(d Data) Data {
	d.Opinion.SignedAt = day("2026-08-15")
	d.Opinion.SignedBy = "Avery Partner"
	d.Opinion.ReportDate = day("2026-08-15")
	if d.Opinion.Kind == "" {
		d.Opinion.Kind = "unmodified"
	}
	return d
}
