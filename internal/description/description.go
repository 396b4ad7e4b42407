// Package description owns management's description of the system (report Section III) and
// management's assertion (Section II): one Markdown section per description criterion DC1-DC9,
// every save kept as a version with word-level comparison, the tables of DC5-DC7 generated from
// the engagement, the diagrams they show, the auditors' DC 200 checklist and review notes, and
// the assertion drafted from the engagement's facts, approved by the client's signing officer
// and withdrawn when what it rests on changes. ForReport is the read API the report uses.
package description

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/evidence"
)

// MaxSectionBytes bounds one section's Markdown (200 kB): longer material belongs in an appendix.
const MaxSectionBytes = 200 * 1024

// PasswordChecker confirms a user's password again before an approval (auth.Service does).
type PasswordChecker interface {
	ConfirmPassword(ctx context.Context, userID int64, password, ip string) error
}

// Service runs the description and assertion functions.
type Service struct {
	DB       *gorm.DB
	Clock    clock.Clock
	Store    evidence.Store // diagrams live beside the evidence, content-addressed
	Password PasswordChecker
}

// Section is one description section as pages and the report show it. A section exists for
// every criterion of the report type; ID stays 0 until someone writes or concludes on it.
type Section struct {
	Criterion
	ID             int64
	EngagementID   int64
	Body           string
	CurrentVersion int // 0: never saved
	UpdatedByName  string
	UpdatedAt      *time.Time
	Version        int // optimistic lock of the section row (0 while it has no row)
	Review         *Review
	OpenNotes      int
	// Tables holds the generated table of DC5, DC6 or DC7 (nil for the other sections).
	Tables *Tables
}

// Written reports whether the section has any text.
func (s Section) Written() bool { return strings.TrimSpace(s.Body) != "" }

// ChangedAfterReview: the section was saved again after the auditor concluded on it, so the
// conclusion no longer covers what the section says and it needs review again.
func (s Section) ChangedAfterReview() bool {
	return s.Review != nil && s.CurrentVersion > s.Review.ReviewedVersion
}

// Concluded: the checklist has a conclusion that covers the current text.
func (s Section) Concluded() bool { return s.Review != nil && !s.ChangedAfterReview() }

// Review is the checklist row of one description criterion.
type Review struct {
	ID              int64
	Code            string
	Conclusion      Conclusion
	Comment         string
	ReviewedBy      int64
	ReviewerName    string
	ReviewedAt      time.Time
	ReviewedVersion int
	Version         int
}

type sectionRow struct {
	ID             int64
	Code           string
	Body           string
	CurrentVersion int
	UpdatedByName  string
	UpdatedAt      *time.Time
	Version        int
}

// engagementRow is what the description needs to know about its engagement.
type engagementRow struct {
	ID         int64
	ClientID   int64
	ClientName string
	LegalName  string
	Name       string
	ReportType string
	Status     lifecycle.Status
}

// Locked reports whether the engagement is signed, issued or archived.
func (e engagementRow) Locked() bool {
	return e.Status.Locked()
}

func loadEngagement(tx *gorm.DB, id int64, lock bool) (engagementRow, error) {
	q := `SELECT e.id, e.client_id, c.name AS client_name, c.legal_name, e.name, e.report_type, e.status
		FROM engagements e JOIN clients c ON c.id = e.client_id WHERE e.id = ?`
	if lock {
		q += ` FOR UPDATE OF e`
	}
	return dbx.One[engagementRow](tx, fmt.Sprintf("engagement %d", id), q, id)
}

// Sections lists the engagement's sections in DC order, with their checklist rows, open notes
// and (DC5-DC7) generated tables.
func (s *Service) Sections(ctx context.Context, engagementID int64) ([]Section, error) {
	db := s.DB.WithContext(ctx)
	e, err := loadEngagement(db, engagementID, false)
	if err != nil {
		return nil, err
	}
	return s.sections(db, e)
}

// sections loads the sections with their bodies, checklist rows, open notes and DC5-DC7's
// generated tables (SummarizeMany reads what a summary needs in one statement instead).
func (s *Service) sections(db *gorm.DB, e engagementRow) ([]Section, error) {
	var rows []sectionRow
	if err := db.Raw(`SELECT s.id, s.code, s.body, s.current_version, coalesce(u.name, '') AS updated_by_name, s.updated_at, s.version
		FROM description_sections s LEFT JOIN users u ON u.id = s.updated_by WHERE s.engagement_id = ?`, e.ID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("loading description sections of engagement %d: %w", e.ID, err)
	}
	reviews, err := loadReviews(db, e.ID)
	if err != nil {
		return nil, err
	}
	var notes []struct {
		Code string
		N    int
	}
	if err := db.Raw(`SELECT s.code, count(*) AS n FROM review_notes n JOIN description_sections s ON s.id = n.target_id
		WHERE n.target_type = 'description_section' AND s.engagement_id = ? AND n.cleared_at IS NULL GROUP BY s.code`, e.ID).Scan(&notes).Error; err != nil {
		return nil, fmt.Errorf("counting open notes on the description of engagement %d: %w", e.ID, err)
	}
	tables, err := loadTables(db, e.ID)
	if err != nil {
		return nil, err
	}
	byCode := map[string]sectionRow{}
	for _, r := range rows {
		byCode[r.Code] = r
	}
	var out []Section
	for _, c := range CriteriaFor(e.ReportType) {
		sec := Section{Criterion: c, EngagementID: e.ID}
		if r, ok := byCode[c.Code]; ok {
			sec.ID, sec.Body, sec.CurrentVersion, sec.UpdatedByName, sec.UpdatedAt, sec.Version =
				r.ID, r.Body, r.CurrentVersion, r.UpdatedByName, r.UpdatedAt, r.Version
		}
		if r, ok := reviews[c.Code]; ok {
			r := r
			sec.Review = &r
		}
		for _, n := range notes {
			if n.Code == c.Code {
				sec.OpenNotes = n.N
			}
		}
		sec.Tables = tables.For(c.Code)
		out = append(out, sec)
	}
	return out, nil
}

// Section loads one section by code; an unknown code, or DC9 of a Type I engagement, is not found.
func (s *Service) Section(ctx context.Context, engagementID int64, code string) (Section, error) {
	list, err := s.Sections(ctx, engagementID)
	if err != nil {
		return Section{}, err
	}
	for _, sec := range list {
		if sec.Code == code {
			return sec, nil
		}
	}
	return Section{}, apperr.ErrNotFound
}

func loadReviews(db *gorm.DB, engagementID int64) (map[string]Review, error) {
	var list []Review
	if err := db.Raw(`SELECT r.id, r.code, r.conclusion, r.comment, r.reviewed_by, u.name AS reviewer_name, r.reviewed_at, r.reviewed_version, r.version
		FROM description_reviews r JOIN users u ON u.id = r.reviewed_by WHERE r.engagement_id = ?`, engagementID).Scan(&list).Error; err != nil {
		return nil, fmt.Errorf("loading the description checklist of engagement %d: %w", engagementID, err)
	}
	out := map[string]Review{}
	for _, r := range list {
		out[r.Code] = r
	}
	return out, nil
}

// SectionInput is one save of a section: the Markdown and the version the writer started from.
type SectionInput struct {
	Body    string
	Version int // the section's Version when the form was opened (0 for a section never saved)
}

// StaleSection is the conflict a stale save gets: the stored section (who saved it, when) so the
// page can show it next to what the writer typed.
type StaleSection struct {
	Stored Section
}

func actorOf(u auth.User) audit.Actor { return audit.Actor{ID: u.ID, Email: u.Email} }

// checkEditable refuses changes to the description once the engagement is signed, and client
// edits once the description has gone to review.
func checkEditable(e engagementRow, u auth.User, field string) error {
	if e.Locked() {
		return apperr.ErrLocked
	}
	if u.Role == auth.RoleClient && !e.Status.ClientMayEdit() {
		return apperr.Validation{field: "The engagement is in review, so the description is with the auditors and can no longer be changed in the portal. Ask the engagement team to send it back to fieldwork if something must change."}
	}
	return nil
}

// SaveSection stores a new version of a section. Saving the same text again changes nothing.
func (s *Service) SaveSection(ctx context.Context, u auth.User, engagementID int64, code string, in SectionInput) (Section, error) {
	body := strings.ReplaceAll(in.Body, "\r\n", "\n")
	if len(body) > MaxSectionBytes {
		return Section{}, apperr.Validation{"body": fmt.Sprintf("This section is %s; a section can hold at most %s. Shorten it or split the detail into an appendix of management's other information.",
			evidence.FormatSize(int64(len(body))), evidence.FormatSize(MaxSectionBytes))}
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if _, ok := findCriterion(e.ReportType, code); !ok {
			return apperr.ErrNotFound
		}
		if err := checkEditable(e, u, "body"); err != nil {
			return err
		}
		if err := checkImages(tx, engagementID, body); err != nil {
			return err
		}
		var row sectionRow
		if err := tx.Raw(`SELECT id, code, body, current_version, version FROM description_sections WHERE engagement_id = ? AND code = ? FOR UPDATE`,
			engagementID, code).Scan(&row).Error; err != nil {
			return fmt.Errorf("loading section %s: %w", code, err)
		}
		if row.Version != in.Version {
			stored, err := s.sections(tx, e)
			if err != nil {
				return err
			}
			for _, sec := range stored {
				if sec.Code == code {
					at := time.Time{}
					if sec.UpdatedAt != nil {
						at = *sec.UpdatedAt
					}
					return &apperr.ConflictError{Entity: "This section", Current: StaleSection{Stored: sec}, UpdatedAt: at}
				}
			}
			return apperr.ErrNotFound
		}
		if row.ID != 0 && row.Body == body {
			return nil
		}
		now := s.Clock.Now()
		number := row.CurrentVersion + 1
		if row.ID == 0 {
			if err := tx.Raw(`INSERT INTO description_sections (engagement_id, code, body, current_version, updated_by, updated_at)
				VALUES (?, ?, ?, 1, ?, ?) RETURNING id`, engagementID, code, body, u.ID, now).Row().Scan(&row.ID); err != nil {
				return fmt.Errorf("creating section %s: %w", code, err)
			}
		} else {
			res := tx.Exec(`UPDATE description_sections SET body = ?, current_version = ?, updated_by = ?, updated_at = ?, version = version + 1
				WHERE id = ? AND version = ?`, body, number, u.ID, now, row.ID, row.Version)
			if res.Error != nil {
				return fmt.Errorf("saving section %s: %w", code, res.Error)
			}
			if res.RowsAffected != 1 {
				return &apperr.ConflictError{Entity: "This section", UpdatedAt: now}
			}
		}
		if err := tx.Exec(`INSERT INTO description_section_versions (section_id, number, body, saved_by, saved_at) VALUES (?, ?, ?, ?, ?)`,
			row.ID, number, body, u.ID, now).Error; err != nil {
			return fmt.Errorf("recording version %d of section %s: %w", number, code, err)
		}
		var before any
		if row.CurrentVersion > 0 {
			before = map[string]any{"code": code, "version": row.CurrentVersion, "sha256": digest(row.Body), "bytes": len(row.Body)}
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "description.section.save", EntityType: "description_section",
			EntityID: row.ID, EngagementID: engagementID, ClientID: e.ClientID, Before: before,
			After: map[string]any{"code": code, "version": number, "sha256": digest(body), "bytes": len(body)}})
	})
	if err != nil {
		return Section{}, err
	}
	return s.Section(ctx, engagementID, code)
}

func findCriterion(reportType, code string) (Criterion, bool) {
	for _, c := range CriteriaFor(reportType) {
		if c.Code == code {
			return c, true
		}
	}
	return Criterion{}, false
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// SectionVersion is one saved version of a section.
type SectionVersion struct {
	Number      int
	Body        string
	SavedBy     int64
	SavedByName string
	SavedAt     time.Time
}

// Versions lists a section's versions, newest first.
func (s *Service) Versions(ctx context.Context, sectionID int64) ([]SectionVersion, error) {
	var out []SectionVersion
	if err := s.DB.WithContext(ctx).Raw(`SELECT v.number, v.body, v.saved_by, u.name AS saved_by_name, v.saved_at
		FROM description_section_versions v JOIN users u ON u.id = v.saved_by WHERE v.section_id = ? ORDER BY v.number DESC`, sectionID).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing versions of section %d: %w", sectionID, err)
	}
	return out, nil
}

// lockSectionRow returns the section row of code, creating an empty one (version 0 of the text)
// when nobody has written it yet, so a conclusion or a note has something to attach to.
func lockSectionRow(tx *gorm.DB, engagementID int64, code string) (sectionRow, error) {
	if err := tx.Exec(`INSERT INTO description_sections (engagement_id, code) VALUES (?, ?) ON CONFLICT (engagement_id, code) DO NOTHING`,
		engagementID, code).Error; err != nil {
		return sectionRow{}, fmt.Errorf("creating section %s: %w", code, err)
	}
	row, err := dbx.One[sectionRow](tx, "section "+code, `SELECT id, code, body, current_version, version
		FROM description_sections WHERE engagement_id = ? AND code = ? FOR UPDATE`, engagementID, code)
	if err != nil {
		return row, fmt.Errorf("locking section %s: %w", code, err)
	}
	return row, nil
}
