package description

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/criteria"
)

//go:embed wording/*.tmpl
var wordingFS embed.FS

// wording holds the assertion texts; a firm rewords them in wording/*.tmpl, not in Go code.
var wording = template.Must(template.New("").ParseFS(wordingFS, "wording/*.tmpl"))

// Facts are what the assertion rests on. Approval keeps a copy; any difference later withdraws
// the approval, and the difference is the reason given.
type Facts struct {
	Company     string           `json:"company"`
	ReportType  string           `json:"report_type"`
	AsOf        string           `json:"as_of,omitempty"`
	PeriodStart string           `json:"period_start,omitempty"`
	PeriodEnd   string           `json:"period_end,omitempty"`
	Categories  []string         `json:"categories"`
	Subservices []SubserviceFact `json:"subservices"`
	CUECs       []string         `json:"cuecs"`
	CSOCs       []string         `json:"csocs"`
}

// SubserviceFact is a subservice organization as the assertion names it.
type SubserviceFact struct {
	Name     string `json:"name"`
	Services string `json:"services"`
	Method   string `json:"method"`
}

const dateLayout = "2006-01-02"

// LoadFacts reads the engagement's facts the assertion depends on, inside tx when given one.
func LoadFacts(tx *gorm.DB, engagementID int64) (Facts, error) {
	var e struct {
		Company, ReportType, Categories string
		AsOf, PeriodStart, PeriodEnd    *time.Time
	}
	if err := tx.Raw(`SELECT CASE WHEN c.legal_name <> '' THEN c.legal_name ELSE c.name END AS company, e.report_type,
			array_to_string(e.categories, ',') AS categories, e.as_of_date AS as_of, e.period_start, e.period_end
		FROM engagements e JOIN clients c ON c.id = e.client_id WHERE e.id = ?`, engagementID).Scan(&e).Error; err != nil {
		return Facts{}, fmt.Errorf("loading the facts of engagement %d: %w", engagementID, err)
	}
	if e.ReportType == "" {
		return Facts{}, apperr.ErrNotFound
	}
	f := factsOf(e.Company, e.ReportType, e.Categories, e.AsOf, e.PeriodStart, e.PeriodEnd)
	if err := tx.Raw(`SELECT name, services, method FROM subservice_organizations WHERE engagement_id = ? ORDER BY lower(name), id`, engagementID).
		Scan(&f.Subservices).Error; err != nil {
		return Facts{}, fmt.Errorf("loading subservice organizations: %w", err)
	}
	var comps []struct{ Kind, Text string }
	if err := tx.Raw(`SELECT kind, trim(ref || ' ' || description) AS text FROM complementary_controls WHERE engagement_id = ? ORDER BY kind, ref, id`,
		engagementID).Scan(&comps).Error; err != nil {
		return Facts{}, fmt.Errorf("loading CUECs and CSOCs: %w", err)
	}
	for _, k := range comps {
		if k.Kind == "cuec" {
			f.CUECs = append(f.CUECs, k.Text)
		} else {
			f.CSOCs = append(f.CSOCs, k.Text)
		}
	}
	return f, nil
}

// factsOf gives the facts read from the engagement's row (categories comma-separated); the
// subservice organizations, CUECs and CSOCs start empty.
func factsOf(company, reportType, categories string, asOf, periodStart, periodEnd *time.Time) Facts {
	f := Facts{Company: company, ReportType: reportType, Categories: []string{}, Subservices: []SubserviceFact{}, CUECs: []string{}, CSOCs: []string{}}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(dateLayout)
	}
	if reportType == "type2" {
		f.PeriodStart, f.PeriodEnd = day(periodStart), day(periodEnd)
	} else {
		f.AsOf = day(asOf)
	}
	cats := strings.Split(categories, ",")
	for _, c := range criteria.Categories {
		if c.Key == "security" || slices.Contains(cats, c.Key) {
			f.Categories = append(f.Categories, c.Key)
		}
	}
	return f
}

// WordingData is what the wording templates see.
type WordingData struct {
	Company        string
	TypeII         bool
	When           string // "as of June 30, 2026" or "throughout the period January 1, 2026 to June 30, 2026"
	Categories     string // "Security and Availability"
	CarvedOut      []SubserviceFact
	Inclusive      []SubserviceFact
	CarvedOutNames string
	InclusiveNames string
	HasCUECs       bool
	HasCSOCs       bool
	// Complementary names who must apply complementary controls: "Cloudbank Hosting, Inc. and user entities".
	Complementary string
}

func longDate(s string) string {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return s
	}
	return t.Format("January 2, 2006")
}

// andList joins names as a sentence does: "a", "a and b", "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func wordingData(f Facts) WordingData {
	d := WordingData{Company: f.Company, TypeII: f.ReportType == "type2", HasCUECs: len(f.CUECs) > 0, HasCSOCs: len(f.CSOCs) > 0}
	if d.TypeII {
		d.When = "throughout the period " + longDate(f.PeriodStart) + " to " + longDate(f.PeriodEnd)
	} else {
		d.When = "as of " + longDate(f.AsOf)
	}
	var cats []string
	for _, c := range f.Categories {
		cats = append(cats, categoryNames[c])
	}
	d.Categories = andList(cats)
	var carved, incl []string
	for _, so := range f.Subservices {
		if so.Method == "inclusive" {
			d.Inclusive = append(d.Inclusive, so)
			incl = append(incl, so.Name)
		} else {
			d.CarvedOut = append(d.CarvedOut, so)
			carved = append(carved, so.Name)
		}
	}
	d.CarvedOutNames, d.InclusiveNames = andList(carved), andList(incl)
	var who []string
	if d.HasCSOCs && len(carved) > 0 {
		who = append(who, carved...)
	}
	if d.HasCUECs {
		who = append(who, "user entities")
	}
	d.Complementary = andList(who)
	return d
}

// Draft writes management's assertion (SOC 2) and its SOC 3 variant from the facts.
func Draft(f Facts) (soc2, soc3 string, err error) {
	d := wordingData(f)
	var a, b bytes.Buffer
	if err := wording.ExecuteTemplate(&a, "soc2.md.tmpl", d); err != nil {
		return "", "", fmt.Errorf("drafting the assertion: %w", err)
	}
	if err := wording.ExecuteTemplate(&b, "soc3.md.tmpl", d); err != nil {
		return "", "", fmt.Errorf("drafting the SOC 3 assertion: %w", err)
	}
	return tidy(a.String()), tidy(b.String()), nil
}

// categoryNames are the Trust Services Categories as the assertion names them.
var categoryNames = map[string]string{"security": "Security", "availability": "Availability", "confidentiality": "Confidentiality",
	"processing_integrity": "Processing Integrity", "privacy": "Privacy"}

// doubleStop catches a sentence's full stop after a name that ends in one ("Inc..").
var doubleStop = regexp.MustCompile(`([A-Za-z])\.\.(\s|$)`)

// tidy collapses the blank lines the template's conditionals leave.
func tidy(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" && len(out) > 0 && out[len(out)-1] == "" {
			continue
		}
		out = append(out, l)
	}
	return doubleStop.ReplaceAllString(strings.Join(out, "\n"), "$1.$2") + "\n"
}

// FactChanges says, in sentences, how the facts differ from those approved (empty: no change).
func FactChanges(approved, now Facts) []string {
	var out []string
	if approved.Company != now.Company {
		out = append(out, fmt.Sprintf("The service organization's name changed from %s to %s.", approved.Company, now.Company))
	}
	when := func(f Facts) string {
		if f.ReportType == "type2" {
			return "Type II, " + longDate(f.PeriodStart) + " to " + longDate(f.PeriodEnd)
		}
		return "Type I, as of " + longDate(f.AsOf)
	}
	if approved.ReportType != now.ReportType {
		out = append(out, fmt.Sprintf("The report type changed from %s to %s.", when(approved), when(now)))
	} else if when(approved) != when(now) {
		if now.ReportType == "type2" {
			out = append(out, fmt.Sprintf("The period changed from %s – %s to %s – %s.", longDate(approved.PeriodStart), longDate(approved.PeriodEnd),
				longDate(now.PeriodStart), longDate(now.PeriodEnd)))
		} else {
			out = append(out, fmt.Sprintf("The as-of date changed from %s to %s.", longDate(approved.AsOf), longDate(now.AsOf)))
		}
	}
	if !slices.Equal(approved.Categories, now.Categories) {
		out = append(out, fmt.Sprintf("The categories in scope changed from %s to %s.", wordingData(approved).Categories, wordingData(now).Categories))
	}
	if !slices.Equal(approved.Subservices, now.Subservices) {
		out = append(out, "The subservice organizations or their carve-out/inclusive method changed.")
	}
	if !slices.Equal(approved.CUECs, now.CUECs) {
		out = append(out, "The complementary user entity controls (CUECs) changed.")
	}
	if !slices.Equal(approved.CSOCs, now.CSOCs) {
		out = append(out, "The complementary subservice organization controls (CSOCs) changed.")
	}
	return out
}

// Assertion is management's assertion as pages and the report show it.
type Assertion struct {
	ID           int64
	EngagementID int64
	// Body and SOC3Body are the current texts: the client's wording, or Attest's draft while
	// nobody has changed it (Drafted).
	Body, SOC3Body string
	Drafted        bool
	DraftBody      string
	DraftSOC3Body  string
	OfficerID      *int64
	OfficerName    string
	OfficerTitle   string
	OfficerEmail   string

	Approved         bool
	ApprovedByID     *int64
	ApprovedName     string
	ApprovedTitle    string
	ApprovedOn       *time.Time
	ApprovedAt       *time.Time
	ApprovedBody     string
	ApprovedSOC3Body string

	// WithdrawnReason says why an earlier approval no longer stands.
	WithdrawnAt     *time.Time
	WithdrawnReason string
	UpdatedByName   string
	UpdatedAt       *time.Time
	Version         int // 0 while there is no row yet
	Facts           Facts
}

// State is a one-phrase status for dashboards.
func (a Assertion) State() string {
	switch {
	case a.Approved:
		return "approved"
	case a.WithdrawnReason != "":
		return "approval withdrawn"
	case a.OfficerID == nil:
		return "no signing officer"
	}
	return "awaiting approval"
}

type assertionRow struct {
	ID                                      int64
	Body, Soc3Body                          string
	OfficerID                               *int64
	OfficerName, OfficerTitle, OfficerEmail string
	ApprovedBy                              *int64
	ApprovedName, ApprovedTitle             string
	ApprovedOn, ApprovedAt                  *time.Time
	ApprovedBody, ApprovedSoc3Body          string
	ApprovedFacts                           *string
	WithdrawnAt                             *time.Time
	WithdrawnReason                         string
	UpdatedByName                           string
	UpdatedAt                               *time.Time
	Version                                 int
}

func loadAssertionRow(db *gorm.DB, engagementID int64, lock bool) (assertionRow, error) {
	q := `SELECT a.id, a.body, a.soc3_body, a.officer_id, coalesce(o.name, '') AS officer_name, coalesce(o.title, '') AS officer_title,
			coalesce(o.email, '') AS officer_email, a.approved_by, a.approved_name, a.approved_title, a.approved_on, a.approved_at,
			a.approved_body, a.approved_soc3_body, a.approved_facts::text AS approved_facts, a.withdrawn_at, a.withdrawn_reason,
			coalesce(u.name, '') AS updated_by_name, a.updated_at, a.version
		FROM assertions a LEFT JOIN users o ON o.id = a.officer_id LEFT JOIN users u ON u.id = a.updated_by WHERE a.engagement_id = ?`
	if lock {
		q += ` FOR UPDATE OF a`
	}
	var r assertionRow
	if err := db.Raw(q, engagementID).Scan(&r).Error; err != nil {
		return r, fmt.Errorf("loading the assertion of engagement %d: %w", engagementID, err)
	}
	return r, nil
}

// Assertion loads the engagement's assertion with its draft. An approval whose facts no longer
// match the engagement is reported as withdrawn, with the changes as the reason, even before
// anything has recorded the withdrawal.
func (s *Service) Assertion(ctx context.Context, engagementID int64) (Assertion, error) {
	return s.assertion(s.DB.WithContext(ctx), engagementID)
}

func (s *Service) assertion(db *gorm.DB, engagementID int64) (Assertion, error) {
	f, err := LoadFacts(db, engagementID)
	if err != nil {
		return Assertion{}, err
	}
	r, err := loadAssertionRow(db, engagementID, false)
	if err != nil {
		return Assertion{}, err
	}
	return build(engagementID, f, r)
}

func build(engagementID int64, f Facts, r assertionRow) (Assertion, error) {
	draft2, draft3, err := Draft(f)
	if err != nil {
		return Assertion{}, err
	}
	a := Assertion{ID: r.ID, EngagementID: engagementID, DraftBody: draft2, DraftSOC3Body: draft3, Body: r.Body, SOC3Body: r.Soc3Body,
		OfficerID: r.OfficerID, OfficerName: r.OfficerName, OfficerTitle: r.OfficerTitle, OfficerEmail: r.OfficerEmail,
		WithdrawnAt: r.WithdrawnAt, WithdrawnReason: r.WithdrawnReason, UpdatedByName: r.UpdatedByName, UpdatedAt: r.UpdatedAt,
		Version: r.Version, Facts: f}
	if a.Body == "" {
		a.Body, a.Drafted = draft2, true
	}
	if a.SOC3Body == "" {
		a.SOC3Body = draft3
	}
	if r.ApprovedAt != nil {
		a.ApprovedByID, a.ApprovedName, a.ApprovedTitle, a.ApprovedOn, a.ApprovedAt, a.ApprovedBody, a.ApprovedSOC3Body =
			r.ApprovedBy, r.ApprovedName, r.ApprovedTitle, r.ApprovedOn, r.ApprovedAt, r.ApprovedBody, r.ApprovedSoc3Body
	}
	a.Approved, a.WithdrawnReason = approval(r, f)
	return a, nil
}

// approval says whether the approval stands; one whose facts no longer match the engagement
// does not, and the changes are the reason.
func approval(r assertionRow, now Facts) (approved bool, withdrawnReason string) {
	if r.ApprovedAt == nil {
		return false, r.WithdrawnReason
	}
	if changes := approvedFactChanges(r, now); len(changes) > 0 {
		return false, strings.Join(changes, " ")
	}
	return true, r.WithdrawnReason
}

func approvedFactChanges(r assertionRow, now Facts) []string {
	if r.ApprovedFacts == nil {
		return nil
	}
	var then Facts
	if err := json.Unmarshal([]byte(*r.ApprovedFacts), &then); err != nil {
		return []string{"The facts the approval rested on could not be read."}
	}
	return FactChanges(then, now)
}

// lockAssertion returns the engagement's assertion row, creating it when missing.
func lockAssertion(tx *gorm.DB, engagementID int64) (assertionRow, error) {
	if err := tx.Exec(`INSERT INTO assertions (engagement_id) VALUES (?) ON CONFLICT (engagement_id) DO NOTHING`, engagementID).Error; err != nil {
		return assertionRow{}, fmt.Errorf("creating the assertion of engagement %d: %w", engagementID, err)
	}
	return loadAssertionRow(tx, engagementID, true)
}

// withdraw clears an approval inside tx and records why.
func (s *Service) withdraw(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID, clientID int64, r assertionRow, reason string) error {
	if r.ApprovedAt == nil {
		return nil
	}
	if err := tx.Exec(`UPDATE assertions SET approved_by = NULL, approved_name = '', approved_title = '', approved_on = NULL, approved_at = NULL,
			approved_body = '', approved_soc3_body = '', approved_facts = NULL, withdrawn_at = ?, withdrawn_reason = ?, version = version + 1
		WHERE id = ?`, s.Clock.Now(), reason, r.ID).Error; err != nil {
		return fmt.Errorf("withdrawing the approval of the assertion: %w", err)
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "assertion.withdraw", EntityType: "assertion", EntityID: r.ID,
		EngagementID: engagementID, ClientID: clientID,
		Before: map[string]any{"approved_name": r.ApprovedName, "approved_title": r.ApprovedTitle, "approved_at": r.ApprovedAt},
		After:  map[string]any{"reason": reason}})
}

// WithdrawIfFactsChanged withdraws an approved assertion whose facts no longer match the
// engagement. Code that changes those facts (the engagement's type, dates and categories, its
// subservice organizations, CUECs and CSOCs) calls it inside its own transaction, so the
// approval falls in the same commit as the change and the audit trail names who caused it.
func (s *Service) WithdrawIfFactsChanged(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID int64) error {
	return WithdrawIfFactsChanged(ctx, tx, s.Clock.Now(), actor, engagementID)
}

// WithdrawIfFactsChanged is the Service method for packages that hold no Service (the
// engagement and control-matrix functions).
func WithdrawIfFactsChanged(ctx context.Context, tx *gorm.DB, now time.Time, actor audit.Actor, engagementID int64) error {
	var approved int
	if err := tx.Raw(`SELECT count(*) FROM assertions WHERE engagement_id = ? AND approved_at IS NOT NULL`, engagementID).Row().Scan(&approved); err != nil {
		return fmt.Errorf("checking the assertion of engagement %d: %w", engagementID, err)
	}
	if approved == 0 {
		return nil
	}
	r, err := loadAssertionRow(tx, engagementID, true)
	if err != nil {
		return err
	}
	f, err := LoadFacts(tx, engagementID)
	if err != nil {
		return err
	}
	changes := approvedFactChanges(r, f)
	if len(changes) == 0 {
		return nil
	}
	var clientID int64
	tx.Raw(`SELECT client_id FROM engagements WHERE id = ?`, engagementID).Row().Scan(&clientID)
	s := &Service{Clock: fixedNow(now)}
	return s.withdraw(ctx, tx, actor, engagementID, clientID, r, strings.Join(changes, " "))
}

type fixedNow time.Time

func (f fixedNow) Now() time.Time { return time.Time(f) }

// TextInput is the client's wording of the assertion.
type TextInput struct {
	Body     string
	SOC3Body string
	Version  int
}

// SaveText stores the client's wording. A change to an approved text withdraws the approval.
func (s *Service) SaveText(ctx context.Context, u auth.User, engagementID int64, in TextInput) error {
	body := strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	soc3 := strings.TrimSpace(strings.ReplaceAll(in.SOC3Body, "\r\n", "\n"))
	v := apperr.Validation{}
	if body == "" {
		v.Add("body", "Write the assertion, or use “Start again from the draft”.")
	}
	if soc3 == "" {
		v.Add("soc3_body", "Write the SOC 3 assertion, or use “Start again from the draft”.")
	}
	if len(body) > MaxSectionBytes || len(soc3) > MaxSectionBytes {
		v.Add("body", "The assertion can hold at most "+fmt.Sprint(MaxSectionBytes/1024)+" KB.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.changeText(ctx, u, engagementID, in.Version, body+"\n", soc3+"\n", "assertion.edit")
}

// Redraft throws the client's wording away and goes back to Attest's draft from the facts.
func (s *Service) Redraft(ctx context.Context, u auth.User, engagementID int64, version int) error {
	return s.changeText(ctx, u, engagementID, version, "", "", "assertion.redraft")
}

func (s *Service) changeText(ctx context.Context, u auth.User, engagementID int64, version int, body, soc3, action string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if err := checkEditable(e, u, "body"); err != nil {
			return err
		}
		r, err := lockAssertion(tx, engagementID)
		if err != nil {
			return err
		}
		if version != 0 && r.Version != version {
			cur, err := s.assertion(tx, engagementID)
			if err != nil {
				return err
			}
			at := time.Time{}
			if cur.UpdatedAt != nil {
				at = *cur.UpdatedAt
			}
			return &apperr.ConflictError{Entity: "The assertion", Current: cur, UpdatedAt: at}
		}
		f, err := LoadFacts(tx, engagementID)
		if err != nil {
			return err
		}
		before, err := build(engagementID, f, r)
		if err != nil {
			return err
		}
		after := assertionRow{Body: body, Soc3Body: soc3}
		afterA, err := build(engagementID, f, after)
		if err != nil {
			return err
		}
		if before.Body == afterA.Body && before.SOC3Body == afterA.SOC3Body && r.Body == body && r.Soc3Body == soc3 {
			return nil
		}
		if err := tx.Exec(`UPDATE assertions SET body = ?, soc3_body = ?, updated_by = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			body, soc3, u.ID, s.Clock.Now(), r.ID).Error; err != nil {
			return fmt.Errorf("saving the assertion: %w", err)
		}
		if err := audit.Record(ctx, tx, actorOf(u), audit.Event{Action: action, EntityType: "assertion", EntityID: r.ID,
			EngagementID: engagementID, ClientID: e.ClientID,
			Before: map[string]any{"sha256": digest(before.Body), "soc3_sha256": digest(before.SOC3Body), "drafted": before.Drafted},
			After:  map[string]any{"sha256": digest(afterA.Body), "soc3_sha256": digest(afterA.SOC3Body), "drafted": afterA.Drafted}}); err != nil {
			return err
		}
		if r.ApprovedAt != nil && (r.ApprovedBody != afterA.Body || r.ApprovedSoc3Body != afterA.SOC3Body) {
			reason := fmt.Sprintf("The assertion's text was changed by %s on %s.", u.Name, s.Clock.Now().Format("January 2, 2006"))
			return s.withdraw(ctx, tx, actorOf(u), engagementID, e.ClientID, r, reason)
		}
		return nil
	})
}

// DesignateOfficer names the client user who approves (signs) the assertion. Changing the
// officer withdraws an approval given by the previous one.
func (s *Service) DesignateOfficer(ctx context.Context, u auth.User, engagementID, officerID int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if err := checkEditable(e, u, "officer_id"); err != nil {
			return err
		}
		var ok int
		if err := tx.Raw(`SELECT count(*) FROM users WHERE id = ? AND client_id = ? AND role = 'client' AND disabled_at IS NULL`,
			officerID, e.ClientID).Row().Scan(&ok); err != nil {
			return fmt.Errorf("checking the officer: %w", err)
		}
		if ok == 0 {
			return apperr.Validation{"officer_id": "Choose an active user of " + e.ClientName + " as the signing officer."}
		}
		r, err := lockAssertion(tx, engagementID)
		if err != nil {
			return err
		}
		if r.OfficerID != nil && *r.OfficerID == officerID {
			return nil
		}
		if err := tx.Exec(`UPDATE assertions SET officer_id = ?, officer_designated_by = ?, officer_designated_at = ?, version = version + 1 WHERE id = ?`,
			officerID, u.ID, s.Clock.Now(), r.ID).Error; err != nil {
			return fmt.Errorf("designating the officer: %w", err)
		}
		if err := audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "assertion.designate_officer", EntityType: "assertion", EntityID: r.ID,
			EngagementID: engagementID, ClientID: e.ClientID, Before: map[string]any{"officer_id": r.OfficerID}, After: map[string]any{"officer_id": officerID}}); err != nil {
			return err
		}
		if r.ApprovedAt != nil {
			return s.withdraw(ctx, tx, actorOf(u), engagementID, e.ClientID, r, "The signing officer changed to another person.")
		}
		return nil
	})
}

// ApprovalInput is the officer's approval as typed.
type ApprovalInput struct {
	Name     string
	Title    string
	Date     string // YYYY-MM-DD
	Password string
	IP       string
	Version  int
}

// Approve records the signing officer's approval of the current texts with name, title and date,
// after the officer has entered their password again.
func (s *Service) Approve(ctx context.Context, u auth.User, engagementID int64, in ApprovalInput) error {
	in.Name, in.Title = strings.TrimSpace(in.Name), strings.TrimSpace(in.Title)
	v := apperr.Validation{}
	if in.Name == "" {
		v.Add("name", "Enter your name as it is to appear under the assertion.")
	}
	if in.Title == "" {
		v.Add("title", "Enter your title, e.g. Chief Technology Officer.")
	}
	day, err := time.Parse(dateLayout, strings.TrimSpace(in.Date))
	if err != nil {
		v.Add("date", "Enter the date of your approval, e.g. "+s.Clock.Now().Format(dateLayout)+".")
	} else if day.After(s.Clock.Now()) {
		v.Add("date", "The approval date cannot be in the future.")
	}
	if in.Password == "" {
		v.Add("password", "Enter your password to confirm that it is you who approves.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	var officer *int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT officer_id FROM assertions WHERE engagement_id = ?`, engagementID).Row().Scan(&officer); err != nil || officer == nil || *officer != u.ID {
		return apperr.Validation{"password": "Only the signing officer designated by the client contact can approve the assertion."}
	}
	if err := s.Password.ConfirmPassword(ctx, u.ID, in.Password, in.IP); err != nil {
		var throttled *auth.ThrottledError
		switch {
		case errors.As(err, &throttled):
			return apperr.Validation{"password": throttled.Error()}
		case errors.Is(err, auth.ErrInvalidCredentials):
			return apperr.Validation{"password": "That password is not right. Enter the password you sign in with."}
		}
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if e.Locked() {
			return apperr.ErrLocked
		}
		r, err := lockAssertion(tx, engagementID)
		if err != nil {
			return err
		}
		if r.OfficerID == nil || *r.OfficerID != u.ID {
			return apperr.Validation{"password": "Only the signing officer designated by the client contact can approve the assertion."}
		}
		f, err := LoadFacts(tx, engagementID)
		if err != nil {
			return err
		}
		if in.Version != 0 && r.Version != in.Version {
			cur, err := build(engagementID, f, r)
			if err != nil {
				return err
			}
			return &apperr.ConflictError{Entity: "The assertion", Current: cur, UpdatedAt: s.Clock.Now()}
		}
		a, err := build(engagementID, f, r)
		if err != nil {
			return err
		}
		facts, _ := json.Marshal(f)
		now := s.Clock.Now()
		if err := tx.Exec(`UPDATE assertions SET approved_by = ?, approved_name = ?, approved_title = ?, approved_on = ?, approved_at = ?,
				approved_body = ?, approved_soc3_body = ?, approved_facts = ?::jsonb, withdrawn_at = NULL, withdrawn_reason = '', version = version + 1
			WHERE id = ?`, u.ID, in.Name, in.Title, day, now, a.Body, a.SOC3Body, string(facts), r.ID).Error; err != nil {
			return fmt.Errorf("approving the assertion: %w", err)
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "assertion.approve", EntityType: "assertion", EntityID: r.ID,
			EngagementID: engagementID, ClientID: e.ClientID,
			After: map[string]any{"name": in.Name, "title": in.Title, "date": day.Format(dateLayout), "sha256": digest(a.Body), "soc3_sha256": digest(a.SOC3Body), "facts": f}})
	})
}

// Person is a user who may sign the assertion.
type Person struct {
	ID          int64
	Name, Title string
}

// OfficerCandidates lists the active users of the engagement's client, who may be designated
// as the signing officer.
func (s *Service) OfficerCandidates(ctx context.Context, engagementID int64) ([]Person, error) {
	var out []Person
	if err := s.DB.WithContext(ctx).Raw(`SELECT u.id, u.name, u.title FROM users u JOIN engagements e ON e.client_id = u.client_id
		WHERE e.id = ? AND u.role = 'client' AND u.disabled_at IS NULL ORDER BY u.name`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing possible officers: %w", err)
	}
	return out, nil
}
