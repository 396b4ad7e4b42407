package description

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	dbx "github.com/attest-soc/attest/internal/db"
)

// spaces are the characters strings.TrimSpace trims (Section.Written), for btrim in SQL.
var spaces = func() string {
	var b strings.Builder
	for r := rune(0); r <= 0x3000; r++ {
		if unicode.IsSpace(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}()

// ClientTodos gives, for each of the engagements, what the client still has to do on its
// description and assertion (Summary.ClientTodo), from SummarizeMany's one statement.
func (s *Service) ClientTodos(ctx context.Context, engagementIDs []int64) (map[int64][]string, error) {
	sums, err := s.SummarizeMany(ctx, engagementIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]string, len(sums))
	for id, sum := range sums {
		out[id] = sum.ClientTodo
	}
	return out, nil
}

// SummarizeMany computes the Summary of each of the engagements (those that exist) in one
// statement however many there are: the client dashboard and the staff home list every
// engagement, and Summarize alone ran six to nine statements (issue #19). The approval is checked
// against the engagement's current facts, read in the same statement. A section is written when
// its body has a character other than white space: the first 64 characters settle that for any
// section that starts with text, and substr decompresses only them, where btrim of the whole
// body decompressed every section (1.5 of the statement's 1.8 ms on the large fixture's 20 KB
// sections).
func (s *Service) SummarizeMany(ctx context.Context, engagementIDs []int64) (map[int64]Summary, error) {
	out := make(map[int64]Summary, len(engagementIDs))
	if len(engagementIDs) == 0 {
		return out, nil
	}
	rows, err := dbx.Select(s.DB.WithContext(ctx), `SELECT e.id, CASE WHEN c.legal_name <> '' THEN c.legal_name ELSE c.name END AS company, e.report_type,
			array_to_string(e.categories, ',') AS categories, e.as_of_date AS as_of, e.period_start, e.period_end,
			(SELECT coalesce(json_agg(json_build_object('code', s.code, 'version', s.current_version,
					'written', btrim(substr(s.body, 1, 64), ?) <> '' OR btrim(s.body, ?) <> '',
					'open_notes', (SELECT count(*) FROM review_notes n WHERE n.target_type = 'description_section' AND n.target_id = s.id
						AND n.cleared_at IS NULL))), '[]')
				FROM description_sections s WHERE s.engagement_id = e.id)::text AS sections,
			(SELECT coalesce(json_agg(json_build_object('code', r.code, 'conclusion', r.conclusion, 'version', r.reviewed_version)), '[]')
				FROM description_reviews r WHERE r.engagement_id = e.id)::text AS reviews,
			(SELECT count(*) FROM review_notes n JOIN description_sections s ON s.id = n.target_id
				WHERE n.target_type = 'description_section' AND s.engagement_id = e.id AND n.to_client AND n.response = ''
				AND n.cleared_at IS NULL) AS to_answer,
			(SELECT coalesce(json_agg(json_build_object('name', o.name, 'services', o.services, 'method', o.method) ORDER BY lower(o.name), o.id), '[]')
				FROM subservice_organizations o WHERE o.engagement_id = e.id)::text AS subservices,
			(SELECT coalesce(json_agg(trim(k.ref || ' ' || k.description) ORDER BY k.ref, k.id), '[]')
				FROM complementary_controls k WHERE k.engagement_id = e.id AND k.kind = 'cuec')::text AS cuecs,
			(SELECT coalesce(json_agg(trim(k.ref || ' ' || k.description) ORDER BY k.ref, k.id), '[]')
				FROM complementary_controls k WHERE k.engagement_id = e.id AND k.kind <> 'cuec')::text AS csocs,
			a.officer_id, coalesce(o.name, '') AS officer_name, a.approved_at, a.approved_facts::text AS approved_facts,
			coalesce(a.withdrawn_reason, '') AS withdrawn_reason
		FROM engagements e JOIN clients c ON c.id = e.client_id
		LEFT JOIN assertions a ON a.engagement_id = e.id LEFT JOIN users o ON o.id = a.officer_id
		WHERE e.id IN ?`, []any{spaces, spaces, engagementIDs}, func(r *summaryFacts) []any {
		return []any{&r.ID, &r.Company, &r.ReportType, &r.Categories, &r.AsOf, &r.PeriodStart, &r.PeriodEnd, &r.Sections, &r.Reviews,
			&r.ToAnswer, &r.Subservices, &r.CUECs, &r.CSOCs, &r.OfficerID, &r.OfficerName, &r.ApprovedAt, &r.ApprovedFacts, &r.WithdrawnReason}
	})
	if err != nil {
		return nil, fmt.Errorf("summarising the descriptions of %d engagements: %w", len(engagementIDs), err)
	}
	for _, r := range rows {
		sum, err := r.summary()
		if err != nil {
			return nil, fmt.Errorf("summarising the description of engagement %d: %w", r.ID, err)
		}
		out[r.ID] = sum
	}
	return out, nil
}

// summary applies Evaluate and the assertion's state to one engagement's row, as Sections and
// Assertion would load them (a written section's Body is a placeholder).
func (r summaryFacts) summary() (Summary, error) {
	var stored []struct {
		Code      string
		Version   int
		Written   bool
		OpenNotes int `json:"open_notes"`
	}
	var reviews []struct {
		Code       string
		Conclusion Conclusion
		Version    int
	}
	if err := json.Unmarshal([]byte(r.Sections), &stored); err != nil {
		return Summary{}, fmt.Errorf("reading the sections: %w", err)
	}
	if err := json.Unmarshal([]byte(r.Reviews), &reviews); err != nil {
		return Summary{}, fmt.Errorf("reading the checklist: %w", err)
	}
	var secs []Section
	for _, c := range CriteriaFor(r.ReportType) {
		sec := Section{Criterion: c, EngagementID: r.ID}
		for _, st := range stored {
			if st.Code == c.Code {
				sec.CurrentVersion, sec.OpenNotes = st.Version, st.OpenNotes
				if st.Written {
					sec.Body = "…"
				}
			}
		}
		for _, rv := range reviews {
			if rv.Code == c.Code {
				sec.Review = &Review{Code: rv.Code, Conclusion: rv.Conclusion, ReviewedVersion: rv.Version}
			}
		}
		secs = append(secs, sec)
	}
	a := Assertion{OfficerID: r.OfficerID, OfficerName: r.OfficerName, WithdrawnReason: r.WithdrawnReason}
	if r.ApprovedAt != nil {
		f := factsOf(r.Company, r.ReportType, r.Categories, r.AsOf, r.PeriodStart, r.PeriodEnd)
		if err := json.Unmarshal([]byte(r.Subservices), &f.Subservices); err != nil {
			return Summary{}, fmt.Errorf("reading the subservice organizations: %w", err)
		}
		if err := json.Unmarshal([]byte(r.CUECs), &f.CUECs); err != nil {
			return Summary{}, fmt.Errorf("reading the CUECs: %w", err)
		}
		if err := json.Unmarshal([]byte(r.CSOCs), &f.CSOCs); err != nil {
			return Summary{}, fmt.Errorf("reading the CSOCs: %w", err)
		}
		a.Approved, a.WithdrawnReason = approval(assertionRow{ApprovedAt: r.ApprovedAt, ApprovedFacts: r.ApprovedFacts, WithdrawnReason: r.WithdrawnReason}, f)
	}
	sum := Summary{Completeness: Evaluate(secs), AssertionState: a.State(), Approved: a.Approved}
	for _, sec := range secs {
		if sec.Concluded() {
			sum.Concluded++
		}
	}
	sum.ClientTodo = clientTodo(sum.Total-sum.Written, r.ToAnswer, a.OfficerID != nil, a.OfficerName, a.Approved)
	return sum, nil
}

// summaryFacts is one engagement's row of SummarizeMany's statement, in its column order.
type summaryFacts struct {
	ID                              int64
	Company, ReportType, Categories string
	AsOf, PeriodStart, PeriodEnd    *time.Time
	Sections, Reviews               string // JSON arrays
	ToAnswer                        int
	Subservices, CUECs, CSOCs       string
	OfficerID                       *int64
	OfficerName                     string
	ApprovedAt                      *time.Time
	ApprovedFacts                   *string
	WithdrawnReason                 string
}
