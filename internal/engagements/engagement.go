// Package engagements runs SOC 2 engagements: their scope and period, the team and its
// independence confirmations, subservice organizations, the status from planning to archive,
// the roll-forward to the next period and the overview figures.
package engagements

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/description"
)

// DateLayout is how dates travel in forms and in the stored Input.
const DateLayout = "2006-01-02"

// Engagement is a stored engagement.
type Engagement struct {
	ID                  int64
	ClientID            int64
	ClientName          string
	Name                string
	ReportType          string // type1 or type2
	AsOfDate            *time.Time
	PeriodStart         *time.Time
	PeriodEnd           *time.Time
	ReportDate          *time.Time
	CategoryList        string // comma-separated categories, as loaded
	Status              Status
	PeriodWarningReason string
	PriorEngagementID   *int64
	LockedAt            *time.Time
	ReleasedAt          *time.Time
	Version             int
	UpdatedAt           time.Time
}

// Categories lists the categories in scope, Security first.
func (e Engagement) Categories() []string { return splitCategories(e.CategoryList) }

// Input is what the engagement form edits, as typed (dates as YYYY-MM-DD), so a rejected form
// shows exactly what the user entered.
type Input struct {
	ClientID            int64    `json:"client_id"`
	Name                string   `json:"name"`
	ReportType          string   `json:"report_type"`
	AsOfDate            string   `json:"as_of_date,omitempty"`
	PeriodStart         string   `json:"period_start,omitempty"`
	PeriodEnd           string   `json:"period_end,omitempty"`
	ReportDate          string   `json:"report_date,omitempty"`
	Categories          []string `json:"categories"`
	PeriodWarningReason string   `json:"period_warning_reason,omitempty"`
	Version             int      `json:"-"`
}

// Input returns the stored engagement as form input.
func (e Engagement) Input() Input {
	return Input{ClientID: e.ClientID, Name: e.Name, ReportType: e.ReportType, AsOfDate: fmtDate(e.AsOfDate),
		PeriodStart: fmtDate(e.PeriodStart), PeriodEnd: fmtDate(e.PeriodEnd), ReportDate: fmtDate(e.ReportDate),
		Categories: e.Categories(), PeriodWarningReason: e.PeriodWarningReason, Version: e.Version}
}

// valid is Input after validation.
type valid struct {
	in                                       Input
	asOf, periodStart, periodEnd, reportDate *time.Time
	categories                               string
}

// validate normalises the input (trims, drops the fields of the other report type, orders the
// categories) and returns it parsed, or the field problems.
func (in *Input) validate() (valid, error) {
	v := apperr.Validation{}
	in.Name = strings.TrimSpace(in.Name)
	in.PeriodWarningReason = strings.TrimSpace(in.PeriodWarningReason)
	out := valid{in: *in}
	if in.ClientID == 0 {
		v.Add("client_id", "Choose the client.")
	}
	if in.Name == "" {
		v.Add("name", "Enter a name for the engagement, e.g. SOC 2 Type II 2026.")
	} else if len(in.Name) > 200 {
		v.Add("name", "Keep the name under 200 characters.")
	}
	date := func(field, value, label string, required bool) *time.Time {
		value = strings.TrimSpace(value)
		if value == "" {
			if required {
				v.Add(field, "Enter the "+label+".")
			}
			return nil
		}
		t, err := time.Parse(DateLayout, value)
		if err != nil {
			v.Add(field, "Enter the "+label+" as a date, e.g. 2026-06-30.")
			return nil
		}
		return &t
	}
	switch in.ReportType {
	case "type1":
		out.asOf = date("as_of_date", in.AsOfDate, "as-of date", true)
		in.PeriodStart, in.PeriodEnd, in.PeriodWarningReason = "", "", ""
	case "type2":
		out.periodStart = date("period_start", in.PeriodStart, "start of the period", true)
		out.periodEnd = date("period_end", in.PeriodEnd, "end of the period", true)
		in.AsOfDate = ""
		if out.periodStart != nil && out.periodEnd != nil {
			if !out.periodEnd.After(*out.periodStart) {
				v.Add("period_end", "The period must end after it starts.")
			} else if warn := PeriodWarning(*out.periodStart, *out.periodEnd); warn == "" {
				in.PeriodWarningReason = ""
			} else if in.PeriodWarningReason == "" {
				v.Add("period_warning_reason", warn+" Give the reason to continue.")
			}
		}
	default:
		v.Add("report_type", "Choose Type I (a point in time) or Type II (a period).")
	}
	out.reportDate = date("report_date", in.ReportDate, "report date", false)
	if out.reportDate != nil {
		end := out.asOf
		if out.periodEnd != nil {
			end = out.periodEnd
		}
		if end != nil && out.reportDate.Before(*end) {
			v.Add("report_date", "The report date cannot be before the end of the period (or the as-of date).")
		}
	}
	cats := []string{"security"}
	for _, c := range in.Categories {
		switch {
		case c == "security" || slices.Contains(cats, c):
		case criteria.ValidCategory(c):
			cats = append(cats, c)
		default:
			v.Add("categories", fmt.Sprintf("%q is not a Trust Services Category.", c))
		}
	}
	in.Categories = orderCategories(cats)
	out.categories = strings.Join(in.Categories, ",")
	out.in = *in
	return out, v.Err()
}

// PeriodWarning explains why a Type II period is unusual (under 3 or over 12 months), or is "".
func PeriodWarning(start, end time.Time) string {
	switch {
	case end.Before(start.AddDate(0, 3, -1)):
		return "The period is shorter than 3 months, which few report users accept."
	case end.After(start.AddDate(1, 0, -1)):
		return "The period is longer than 12 months; reports usually cover 12 months or less."
	}
	return ""
}

func orderCategories(cats []string) []string {
	var out []string
	for _, c := range criteria.Categories {
		if slices.Contains(cats, c.Key) {
			out = append(out, c.Key)
		}
	}
	return out
}

func splitCategories(s string) []string {
	if s == "" {
		return []string{"security"}
	}
	return orderCategories(strings.Split(s, ","))
}

func fmtDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(DateLayout)
}

const selectEngagement = `SELECT e.id, e.client_id, c.name AS client_name, e.name, e.report_type, e.as_of_date,
	e.period_start, e.period_end, e.report_date, array_to_string(e.categories, ',') AS category_list, e.status,
	e.period_warning_reason, e.prior_engagement_id, e.locked_at, e.released_at, e.version, e.updated_at
	FROM engagements e JOIN clients c ON c.id = e.client_id`

// Get loads engagement id.
func (s *Service) Get(ctx context.Context, id int64) (Engagement, error) {
	return dbx.One[Engagement](s.DB.WithContext(ctx), fmt.Sprintf("engagement %d", id), selectEngagement+` WHERE e.id = ?`, id)
}

// Create stores a new engagement in planning.
func (s *Service) Create(ctx context.Context, actor audit.Actor, in Input) (int64, error) {
	val, err := in.validate()
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var clientOK bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM clients WHERE id = ?)`, in.ClientID).Scan(&clientOK).Error; err != nil {
			return fmt.Errorf("checking client %d: %w", in.ClientID, err)
		}
		if !clientOK {
			return apperr.Validation{"client_id": "Choose the client."}
		}
		err := tx.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date, period_start, period_end,
			report_date, categories, period_warning_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, string_to_array(?, ','), ?) RETURNING id`,
			in.ClientID, val.in.Name, in.ReportType, val.asOf, val.periodStart, val.periodEnd, val.reportDate,
			val.categories, val.in.PeriodWarningReason).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("inserting engagement: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.create", EntityType: "engagement",
			EntityID: id, EngagementID: id, ClientID: in.ClientID, After: val.in})
	})
	return id, err
}

// Update saves the engagement's scope and period. A save based on an older version than the
// stored one is refused with a ConflictError carrying the stored Input.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id int64, in Input) error {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	in.ClientID = cur.ClientID // an engagement never moves to another client
	val, err := in.validate()
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM engagements WHERE id = ? FOR UPDATE`, id).Error; err != nil {
			return fmt.Errorf("locking engagement %d: %w", id, err)
		}
		cur, err := s.WithTx(tx).Get(ctx, id)
		if err != nil {
			return err
		}
		if cur.LockedAt != nil {
			return apperr.ErrLocked
		}
		if cur.Version != in.Version {
			return &apperr.ConflictError{Entity: "engagement", Current: cur.Input(), UpdatedAt: cur.UpdatedAt}
		}
		if err := checkScopeRemoval(tx, id, in.Categories); err != nil {
			return err
		}
		err = tx.Exec(`UPDATE engagements SET name = ?, report_type = ?, as_of_date = ?, period_start = ?, period_end = ?,
			report_date = ?, categories = string_to_array(?, ','), period_warning_reason = ?, version = version + 1, updated_at = now()
			WHERE id = ?`, val.in.Name, in.ReportType, val.asOf, val.periodStart, val.periodEnd, val.reportDate,
			val.categories, val.in.PeriodWarningReason, id).Error
		if err != nil {
			return fmt.Errorf("updating engagement %d: %w", id, err)
		}
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.update", EntityType: "engagement",
			EntityID: id, EngagementID: id, ClientID: cur.ClientID, Before: cur.Input(), After: val.in})
	})
}

// checkScopeRemoval refuses to take a category out of scope while controls or complementary
// controls are still mapped to its criteria: the matrix would map criteria the report no longer
// covers, and coverage would silently stop showing them.
func checkScopeRemoval(tx *gorm.DB, id int64, keep []string) error {
	var rows []struct{ Category, Ref, CriterionID string }
	err := tx.Raw(`SELECT cr.category, c.ref, cr.id AS criterion_id FROM control_criteria cc
			JOIN controls c ON c.id = cc.control_id JOIN criteria cr ON cr.id = cc.criterion_id
			WHERE c.engagement_id = @id AND NOT cr.category = ANY(string_to_array(@keep, ','))
		UNION ALL
		SELECT cr.category, x.ref, cr.id FROM complementary_control_criteria xc
			JOIN complementary_controls x ON x.id = xc.complementary_control_id JOIN criteria cr ON cr.id = xc.criterion_id
			WHERE x.engagement_id = @id AND NOT cr.category = ANY(string_to_array(@keep, ','))
		ORDER BY 1, 2, 3`, map[string]any{"id": id, "keep": strings.Join(keep, ",")}).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("checking controls mapped to categories leaving the scope of engagement %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil
	}
	var cats []string
	mapped := map[string][]string{}
	for _, r := range rows {
		if _, seen := mapped[r.Category]; !seen {
			cats = append(cats, r.Category)
		}
		mapped[r.Category] = append(mapped[r.Category], r.Ref+" ("+r.CriterionID+")")
	}
	var parts []string
	for _, c := range cats {
		refs := mapped[c]
		if len(refs) > 5 {
			refs = append(refs[:5:5], fmt.Sprintf("and %d more", len(mapped[c])-5))
		}
		parts = append(parts, criteria.CategoryLabel(c)+": "+strings.Join(refs, ", "))
	}
	return apperr.Validation{"categories": "These controls are still mapped to criteria of a category you took out of scope — " +
		strings.Join(parts, "; ") + ". Unmap them in the control matrix first, or keep the category in scope."}
}

// Change is one field that differs between what the user typed and what is stored.
type Change struct {
	Field, Label, Yours, Stored string
}

// Changes lists the fields of stored that differ from yours, for the conflict view.
func Changes(yours, stored Input) []Change {
	var out []Change
	add := func(field, label, a, b string) {
		if a != b {
			out = append(out, Change{Field: field, Label: label, Yours: a, Stored: b})
		}
	}
	add("name", "Name", yours.Name, stored.Name)
	add("report_type", "Report type", yours.ReportType, stored.ReportType)
	add("as_of_date", "As-of date", yours.AsOfDate, stored.AsOfDate)
	add("period_start", "Period start", yours.PeriodStart, stored.PeriodStart)
	add("period_end", "Period end", yours.PeriodEnd, stored.PeriodEnd)
	add("report_date", "Report date", yours.ReportDate, stored.ReportDate)
	add("categories", "Categories in scope", strings.Join(orderCategories(append([]string{"security"}, yours.Categories...)), ", "),
		strings.Join(stored.Categories, ", "))
	add("period_warning_reason", "Reason for the period length", yours.PeriodWarningReason, stored.PeriodWarningReason)
	return out
}
