package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/opinion"
	"github.com/attest-soc/attest/internal/report"
	"github.com/attest-soc/attest/internal/verification"
)

// The 2025 examination had one deviation (domain guide §9 names two for 2026).
var deviation2025 = demoDeviation{
	population: leavers2025CSV(), source: "HRIS report 'Terminations 1 Jul – 31 Dec 2025'", check: "Agreed the count of 30 to payroll removals",
	size: "15", justification: "Engagement plan: 15 leavers given the access risk.",
	description: "For 1 of 15 sampled leavers, access was removed 3 business days after termination.",
	cause:       "The offboarding ticket was raised late by the hiring manager.", sampleNote: "Access removed 3 business days after the termination date.",
	response:   "Offboarding tickets are now raised automatically when HR records a termination.",
	resultText: "For 1 of 15 sampled leavers, access was removed 3 business days after termination. No other exceptions noted.",
}

func leavers2025CSV() string {
	var b strings.Builder
	b.WriteString("employee_id,name,termination_date\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "NW-%04d,Leaver %d,2025-%02d-%02d\n", 400+i, i, 7+(i-1)/5, 1+(i*5)%28)
	}
	return b.String()
}

// extraControls2025 complete the 2025 matrix so that every in-scope criterion has a control
// (the 2026 engagement keeps the domain guide's sixteen).
var extraControls2025 = []struct {
	in   controls.Input
	test demoTest
}{
	{controls.Input{Ref: "NL-17", Description: "Organization chart and security roles reviewed annually by the CTO", Owner: "CTO", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.3"}},
		demoTest{"NL-17", "Inspect the approved organization chart and the security roles document.", "Approved organization chart", []string{"inquiry", "inspection"}}},
	{controls.Input{Ref: "NL-18", Description: "Annual performance reviews cover security responsibilities; a sanctions policy applies", Owner: "People team", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.5"}},
		demoTest{"NL-18", "Inspect 5 sampled performance reviews and the sanctions policy.", "Performance reviews and policy", []string{"inquiry", "inspection"}}},
	{controls.Input{Ref: "NL-19", Description: "Security event logs are collected centrally and kept for one year", Owner: "Security engineer", Frequency: "automated", Nature: "automated", ControlType: "detective", Risk: "low", Criteria: []string{"CC2.1"}},
		demoTest{"NL-19", "Inspect the log pipeline configuration and the retention setting.", "Logging configuration", []string{"inspection"}}},
	{controls.Input{Ref: "NL-20", Description: "Security commitments and incident contacts are published to customers", Owner: "Compliance lead", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC2.3"}},
		demoTest{"NL-20", "Inspect the published trust page and the terms of service.", "Trust page and terms", []string{"inspection"}}},
	{controls.Input{Ref: "NL-21", Description: "Control deficiencies are tracked to remediation and reported to leadership quarterly", Owner: "Compliance lead", Frequency: "quarterly", Nature: "manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC4.2"}},
		demoTest{"NL-21", "Inspect the deficiency register and 2 quarterly leadership reports.", "Register and reports", []string{"inquiry", "inspection"}}},
	{controls.Input{Ref: "NL-22", Description: "Security policies are approved annually and published to the workforce", Owner: "CTO", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC5.1", "CC5.3"}},
		demoTest{"NL-22", "Inspect the policy set, its approval and its publication on the intranet.", "Approved policies", []string{"inspection"}}},
	{controls.Input{Ref: "NL-23", Description: "Infrastructure is defined as code and every change is reviewed", Owner: "Platform team", Frequency: "automated", Nature: "automated", ControlType: "preventive", Risk: "low", Criteria: []string{"CC5.2"}},
		demoTest{"NL-23", "Inspect the repository protection rules; reperform one infrastructure change.", "Repository settings", []string{"inspection", "reperformance"}}},
	{controls.Input{Ref: "NL-24", Description: "The cloud host's SOC 2 report is reviewed yearly for its physical and environmental controls", Owner: "Compliance lead", Frequency: "annual", Nature: "manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC6.4"}},
		demoTest{"NL-24", "Inspect the review of the cloud host's SOC 2 report and its follow-up of exceptions.", "Vendor report review", []string{"inspection"}}},
	{controls.Input{Ref: "NL-25", Description: "Retired devices are wiped or destroyed, with a certificate", Owner: "IT operations", Frequency: "as_needed", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC6.5"}},
		demoTest{"NL-25", "Inspect destruction certificates for all 4 devices retired in the period.", "Certificates", []string{"inspection"}}},
	{controls.Input{Ref: "NL-26", Description: "A firewall and web application firewall restrict inbound traffic to production", Owner: "Platform team", Frequency: "automated", Nature: "automated", ControlType: "preventive", Risk: "low", Criteria: []string{"CC6.6"}},
		demoTest{"NL-26", "Inspect the firewall and WAF rules; observe a blocked request.", "Rule exports", []string{"inspection", "observation"}}},
	{controls.Input{Ref: "NL-27", Description: "Endpoint protection runs on every workforce device", Owner: "IT operations", Frequency: "automated", Nature: "automated", ControlType: "detective", Risk: "low", Criteria: []string{"CC6.8"}},
		demoTest{"NL-27", "Inspect the device management console for coverage and the protection policy.", "Console export", []string{"inspection"}}},
	{controls.Input{Ref: "NL-28", Description: "The business continuity plan is approved and tested annually", Owner: "CTO", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC9.1"}},
		demoTest{"NL-28", "Inspect the approved plan and the report of the annual exercise.", "Plan and exercise report", []string{"inquiry", "inspection"}}},
}

// description2025 is Northwind's system description (Section III), one Markdown text per DC.
var description2025 = map[string]string{
	"DC1": "Northwind Ledger provides a **cloud bookkeeping platform** for small accounting firms:\n\n- general ledger and bank reconciliation\n- invoicing and receivables\n- month-end close checklists shared with the firms' clients",
	"DC2": "## Principal service commitments\n\nNorthwind commits to its customers, in its terms of service and service level agreement, to:\n\n1. protect customer data against unauthorized access (encryption, MFA, least privilege);\n2. keep the platform available 99.9 % of each month, excluding announced maintenance;\n3. restore customer data from backups within 24 hours of a loss.\n\nSystem requirements follow from these commitments and from Northwind's policies.",
	"DC3": "## Components of the system\n\n| Component | Description |\n|---|---|\n| Infrastructure | Virtual machines, managed databases and object storage at the public cloud host |\n| Software | The Ledger web application, APIs and background workers |\n| People | 48 employees: engineering, support, security and compliance |\n| Procedures | Access management, change management, incident response, backups |\n| Data | Customers' ledgers, invoices and attachments |\n\nThe boundary of the system is the production environment and the people and procedures that operate it.",
	"DC4": "There were no significant system incidents during the period.",
	"DC5": "The applicable trust services criteria and the controls Northwind designed to meet them are listed below and in Section IV.",
	"DC6": "Northwind uses a public cloud host for infrastructure (carve-out method). The controls Northwind expects of it are listed below.",
	"DC7": "Northwind's controls assume that user entities operate the complementary controls listed below.",
	"DC8": "The criteria for confidentiality, processing integrity and privacy are not in scope of this examination.",
	"DC9": "There were no significant changes to the system or its controls during the period.",
}

// seedIssuedReport takes the 2025 engagement through what a real examination does — control
// matrix, tests with a sample and one exception, sign-offs, the client's description and
// assertion, review — then the partner signs (password and TOTP code, as on the page) and issues
// the SOC 2 Type II and SOC 3 reports. It runs once: an engagement already past fieldwork is
// left as it is.
func seedIssuedReport(ctx context.Context, e *Env) error {
	engID := e.ID("engagement:northwind-2025")
	if engID == 0 {
		return nil
	}
	var status string
	if err := e.DB.WithContext(ctx).Raw(`SELECT status FROM engagements WHERE id = ?`, engID).Row().Scan(&status); err != nil {
		return fmt.Errorf("loading the 2025 engagement: %w", err)
	}
	if status != "fieldwork" {
		return nil // already issued by an earlier run (or moved on by hand)
	}
	partner, manager, senior, dana := e.User("partner@attest.example"), e.User("manager@attest.example"),
		e.User("senior@attest.example"), e.User("dana@northwind.example")
	if partner.ID == 0 || manager.ID == 0 || senior.ID == 0 || dana.ID == 0 {
		return fmt.Errorf("demo users missing: run the foundation step first")
	}
	staff := senior // the 2025 team had no staff member
	if err := seedControlsFor(ctx, e, engID); err != nil {
		return err
	}
	tests := append([]demoTest{}, demoTests...)
	for _, x := range extraControls2025 {
		if _, err := controls.NewService(e.DB).Create(ctx, audit.System, engID, x.in); err != nil {
			return fmt.Errorf("control %s: %w", x.in.Ref, err)
		}
		tests = append(tests, x.test)
	}
	fw := fieldwork.NewService(e.DB, e.Clock)
	store := e.Evidence
	if store == nil {
		var err error
		if store, err = evidence.NewLocalStore(".data/evidence"); err != nil {
			return err
		}
	}
	ev := &evidence.Service{DB: e.DB, Store: store, MaxBytes: 1 << 20}
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, dt := range tests {
		var controlID int64
		e.DB.WithContext(ctx).Raw(`SELECT id FROM controls WHERE engagement_id = ? AND lower(ref) = lower(?)`, engID, dt.ref).Scan(&controlID)
		if controlID == 0 {
			continue
		}
		// Concluded only on tested, evidenced samples (issue #16 point 3): created in progress,
		// sampled (at most 3 items: the prior year's lighter file), tested, then concluded.
		in := fieldwork.TestInput{Techniques: dt.techniques, Procedure: dt.procedure, EvidenceExpected: dt.evidence,
			Result: fieldwork.ResultInProgress}
		t, err := fw.CreateTest(ctx, staff, engID, controlID, in)
		if err != nil {
			return fmt.Errorf("2025 test of %s: %w", dt.ref, err)
		}
		if dt.ref == "NL-05" {
			if err := seedDeviation(ctx, fw, ev, t, deviation2025, staff, senior, dana); err != nil {
				return fmt.Errorf("2025 deviation of %s: %w", dt.ref, err)
			}
		} else if err := seedTested(ctx, fw, ev, t, staff, start, 3); err != nil {
			return fmt.Errorf("2025 testing of %s: %w", dt.ref, err)
		}
		if t, err = fw.Test(ctx, t.ID); err != nil {
			return err
		}
		if err := fw.SignAsPreparer(ctx, staff, t.ID, t.Version); err != nil {
			return fmt.Errorf("preparer sign-off of %s: %w", dt.ref, err)
		}
		if err := fw.SignAsReviewer(ctx, manager, t.ID, t.Version+1); err != nil {
			return fmt.Errorf("reviewer sign-off of %s: %w", dt.ref, err)
		}
	}

	desc := &description.Service{DB: e.DB, Clock: e.Clock, Store: store, Password: e.Auth}
	sections, err := desc.Sections(ctx, engID)
	if err != nil {
		return err
	}
	for _, sec := range sections {
		body := description2025[sec.Code]
		if body == "" {
			continue
		}
		if _, err := desc.SaveSection(ctx, dana, engID, sec.Code, description.SectionInput{Body: body}); err != nil {
			return fmt.Errorf("description %s: %w", sec.Code, err)
		}
		if err := desc.Conclude(ctx, senior, engID, sec.Code, description.ConclusionInput{Conclusion: description.Presented}); err != nil {
			return fmt.Errorf("concluding %s: %w", sec.Code, err)
		}
	}
	if err := desc.DesignateOfficer(ctx, dana, engID, dana.ID); err != nil {
		return fmt.Errorf("designating the officer: %w", err)
	}
	if err := desc.Approve(ctx, dana, engID, description.ApprovalInput{Name: "Dana Whitfield", Title: "Chief Technology Officer",
		Date: "2026-02-12", Password: DemoPassword}); err != nil {
		return fmt.Errorf("approving the assertion: %w", err)
	}
	if err := engagements.NewService(e.DB).ChangeStatus(ctx, manager.Actor(), engID, "review"); err != nil {
		return fmt.Errorf("moving to review: %w", err)
	}

	reports := &report.Service{DB: e.DB, Store: store, Clock: e.Clock, Description: desc}
	// Issued as the server issues: each version gets a verification code (cover, footers, QR).
	baseURL := e.BaseURL
	if baseURL == "" {
		baseURL = "http://127.0.0.1:8080"
	}
	codes := &verification.Service{DB: e.DB, Clock: e.Clock, Store: store, BaseURL: baseURL, Signer: e.Signer}
	codes.Render = verification.ReportRenderer{Reports: reports, Codes: codes}
	reports.Issuing = codes
	opinions := opinion.NewService(e.DB, e.Clock, e.Auth, reports)
	if err := opinions.Choose(ctx, partner, engID, opinion.ChoiceInput{Kind: string(opinion.Unmodified)}); err != nil {
		return fmt.Errorf("choosing the opinion: %w", err)
	}
	// The previous time step: the skew window accepts it, and the partner can still sign in with
	// the current code right after the seed (each step is accepted once).
	code, err := totp.GenerateCode(DemoMFASecrets[partner.Email], e.Clock.Now().Add(-30*time.Second))
	if err != nil {
		return err
	}
	if partner, err = e.Auth.UserByID(ctx, partner.ID); err != nil {
		return err
	}
	if err := opinions.Sign(ctx, partner, engID, opinion.SignInput{Password: DemoPassword, Code: code, ReportDate: "2026-02-13",
		IP: "127.0.0.1"}); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	versions, err := reports.Issue(ctx, partner.Actor(), engID, "2026-02-20")
	if err != nil {
		return fmt.Errorf("issuing: %w", err)
	}
	// Dana sent the SOC 2 report to two customers' vendor-risk teams: each copy names them.
	for _, v := range versions {
		if v.Variant != report.Type2 {
			continue
		}
		for _, r := range demoRecipients {
			if _, err := codes.RequestCopy(ctx, dana, v.ID, r); err != nil {
				return fmt.Errorf("recipient copy for %s: %w", r.Organization, err)
			}
		}
	}
	return nil
}

// demoRecipients received copies of the issued 2025 SOC 2 report.
var demoRecipients = []verification.Recipient{
	{Organization: "Harbor Credit Union", Person: "Priya Natarajan", Email: "vendor.risk@harborcu.example"},
	{Organization: "Lakeside Accounting LLP", Person: "Tom Becker", Email: "tom.becker@lakeside.example"},
}
