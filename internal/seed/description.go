package seed

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
)

// northwindDiagram is the demo network diagram (DC3), an SVG drawn for the demo.
const northwindDiagram = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 260" font-family="sans-serif" font-size="13">
<title>Northwind Ledger production network</title>
<rect x="10" y="100" width="110" height="50" rx="6" fill="#eef3fb" stroke="#2f6fb3"/><text x="65" y="130" text-anchor="middle">Customers</text>
<rect x="150" y="20" width="470" height="220" rx="8" fill="none" stroke="#9aa5b1" stroke-dasharray="6 4"/><text x="160" y="40">Cloud host (carved out): region us-east</text>
<rect x="170" y="100" width="110" height="50" rx="6" fill="#fff4e0" stroke="#b36b00"/><text x="225" y="122" text-anchor="middle">WAF and</text><text x="225" y="138" text-anchor="middle">load balancer</text>
<rect x="320" y="100" width="130" height="50" rx="6" fill="#e3f4e8" stroke="#2f8a4a"/><text x="385" y="122" text-anchor="middle">Ledger app</text><text x="385" y="138" text-anchor="middle">(containers)</text>
<rect x="490" y="70" width="110" height="44" rx="6" fill="#eef3fb" stroke="#2f6fb3"/><text x="545" y="97" text-anchor="middle">PostgreSQL</text>
<rect x="490" y="140" width="110" height="44" rx="6" fill="#eef3fb" stroke="#2f6fb3"/><text x="545" y="167" text-anchor="middle">Backups (S3)</text>
<path d="M120 125 H170 M280 125 H320 M450 115 L490 92 M450 135 L490 162" stroke="#1f2933" stroke-width="2" fill="none"/>
<text x="170" y="215">TLS 1.2+ in transit; AES-256 at rest</text>
</svg>`

// northwindSections is management's demo description of the Northwind Ledger platform. DC3
// gets the diagram's Markdown appended once it is uploaded.
var northwindSections = []struct{ code, body string }{
	{"DC1", "# Services provided\n\nNorthwind Ledger, Inc. provides **Northwind Ledger**, a cloud bookkeeping platform for small accounting firms and their clients. Firms record transactions, reconcile bank feeds, prepare financial statements and export reports. The platform is delivered as software as a service through a web application and a public API."},
	{"DC2", "# Principal service commitments and system requirements\n\nNorthwind commits to its customers, in its master subscription agreement and on its trust page, to:\n\n- keep customer data confidential and encrypted in transit and at rest;\n- restrict access to customer data to authorised personnel with a business need;\n- make the platform available 99.9 % of each month, excluding announced maintenance;\n- back up customer data daily and restore it within 24 hours of a disaster.\n\nSystem requirements follow from these commitments and from the security policy set approved by the board each year."},
	{"DC3", "# Components of the system\n\n**Infrastructure.** The platform runs in one region of a public cloud provider (carved out; see DC6) on managed containers, a managed PostgreSQL database and object storage for backups.\n\n**Software.** The ledger application (Go), the web front end, the public API and the internal administration console, all deployed through the CI/CD pipeline.\n\n**People.** 42 employees: engineering (18), customer success (9), security and compliance (4), finance and administration (11).\n\n**Procedures.** Access management, change management, incident response, backup and recovery, vendor management — documented in the security policy set.\n\n**Data.** Customers' ledgers, bank-feed transactions, documents they upload and user account data.\n\n## Network diagram\n"},
	{"DC4", "# Significant system incidents\n\nThere were three security incidents during the period, none significant to the service commitments: two phishing attempts reported by employees (contained the same day) and one misconfigured storage bucket found by internal monitoring before any access (fixed within two hours)."},
	{"DC5", "# Applicable criteria and related controls\n\nNorthwind's controls address the common criteria (Security) and the additional criteria for Availability. The control environment is led by the CTO, who reports quarterly to the board on security metrics. Risks are assessed annually; monitoring combines automated alerting with quarterly access reviews. The table below maps each criterion to the controls that address it."},
	{"DC6", "# Subservice organizations\n\nNorthwind uses a public cloud provider for infrastructure hosting and physical data centres. The carve-out method is used: the provider's controls are not included in this description. Northwind reviews the provider's SOC 2 report each year (control NL-14) and expects the provider to operate the controls listed below."},
	{"DC7", "# Complementary user entity controls\n\nNorthwind's controls were designed assuming that user entities operate the controls below. They are set out in the customer onboarding guide and on the trust page."},
	{"DC8", "# Criteria that do not apply\n\nAll common criteria and all Availability criteria apply to the Northwind Ledger system."},
	{"DC9", "# Significant changes during the period\n\nIn March 2026 Northwind moved its database from self-managed PostgreSQL to the cloud provider's managed service. Access, backup and monitoring controls were updated before the migration and operated throughout the period."},
}

// seedDescription gives Northwind 2026 a full description (a network diagram in DC3, every DC
// reviewed, DC3 changed after review) and an approved assertion, and Bluejay 2026 a draft.
// It runs once per engagement: existing sections are left alone.
func seedDescription(ctx context.Context, e *Env) error {
	store := e.Evidence
	if store == nil {
		// Callers without a store (tests) get a throwaway one, never a folder in the working directory.
		dir, err := os.MkdirTemp("", "attest-demo-description-")
		if err != nil {
			return err
		}
		if store, err = evidence.NewLocalStore(dir); err != nil {
			return err
		}
	}
	svc := &description.Service{DB: e.DB, Clock: e.Clock, Store: store, Password: e.Auth}
	if err := seedNorthwindDescription(ctx, e, svc); err != nil {
		return err
	}
	return seedBluejayDescription(ctx, e, svc)
}

func hasSections(ctx context.Context, e *Env, engID int64) (bool, error) {
	var n int64
	err := e.DB.WithContext(ctx).Raw(`SELECT count(*) FROM description_sections WHERE engagement_id = ?`, engID).Row().Scan(&n)
	return n > 0, err
}

func seedNorthwindDescription(ctx context.Context, e *Env, svc *description.Service) error {
	engID := e.ID("engagement:northwind-2026")
	if engID == 0 {
		return nil
	}
	if done, err := hasSections(ctx, e, engID); err != nil || done {
		return err
	}
	jordan, dana, senior := e.User("jordan@northwind.example"), e.User("dana@northwind.example"), e.User("senior@attest.example")
	if jordan.ID == 0 || dana.ID == 0 || senior.ID == 0 {
		return fmt.Errorf("demo users missing: run the foundation step first")
	}
	img, err := svc.UploadImage(ctx, jordan, engID, "northwind-network.svg", strings.NewReader(northwindDiagram))
	if err != nil {
		return fmt.Errorf("uploading the network diagram: %w", err)
	}
	save := func(u auth.User, code, body string) error {
		cur, err := svc.Section(ctx, engID, code)
		if err != nil {
			return err
		}
		_, err = svc.SaveSection(ctx, u, engID, code, description.SectionInput{Body: body, Version: cur.Version})
		return err
	}
	for _, s := range northwindSections {
		body := s.body
		if s.code == "DC3" {
			body += "\n" + img.Markdown() + "\n"
		}
		if err := save(jordan, s.code, body); err != nil {
			return fmt.Errorf("writing %s: %w", s.code, err)
		}
		if err := svc.Conclude(ctx, senior, engID, s.code, description.ConclusionInput{Conclusion: description.Presented}); err != nil {
			return fmt.Errorf("concluding on %s: %w", s.code, err)
		}
	}
	// After the review, the client adds a component to DC3: changed after review.
	dc3, err := svc.Section(ctx, engID, "DC3")
	if err != nil {
		return err
	}
	changed := strings.Replace(dc3.Body, "object storage for backups.", "object storage for backups, and a managed Redis cache for sessions (added in May 2026).", 1)
	if err := save(jordan, "DC3", changed); err != nil {
		return err
	}
	if _, err := svc.RaiseNote(ctx, senior, engID, "DC4", "Please give the date of the storage bucket incident and how it was found.", true); err != nil {
		return err
	}
	if err := svc.DesignateOfficer(ctx, jordan, engID, dana.ID); err != nil {
		return fmt.Errorf("designating the officer: %w", err)
	}
	a, err := svc.Assertion(ctx, engID)
	if err != nil {
		return err
	}
	return svc.Approve(ctx, dana, engID, description.ApprovalInput{Name: "Dana Whitfield", Title: "Chief Technology Officer",
		Date: e.Clock.Now().Format("2006-01-02"), Password: DemoPassword, IP: "127.0.0.1", Version: a.Version})
}

func seedBluejayDescription(ctx context.Context, e *Env, svc *description.Service) error {
	engID := e.ID("engagement:bluejay-2026")
	if engID == 0 {
		return nil
	}
	if done, err := hasSections(ctx, e, engID); err != nil || done {
		return err
	}
	lee := e.User("lee@bluejay.example")
	if lee.ID == 0 {
		return nil
	}
	for code, body := range map[string]string{
		"DC1": "# Services provided\n\nBluejay Health Analytics provides a hosted analytics service that turns hospital scheduling data into staffing forecasts.",
		"DC2": "# Commitments\n\nDraft: list the commitments of the customer agreement (availability, confidentiality of patient-adjacent data).",
	} {
		if _, err := svc.SaveSection(ctx, lee, engID, code, description.SectionInput{Body: body}); err != nil {
			return fmt.Errorf("writing Bluejay %s: %w", code, err)
		}
	}
	return nil
}
