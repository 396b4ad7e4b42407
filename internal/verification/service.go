package verification

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/report"
	"regexp"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/signing"
)

// CopyRenderer renders an issued version again, unsigned, with stamp on every page (the report
// package implements it). Re-rendering instead of editing the issued bytes keeps the copy's bytes
// deterministic and lets the copy carry a signature of its own that covers the stamp.
type CopyRenderer interface {
	RenderCopy(ctx context.Context, versionID int64, stamp string) ([]byte, error)
}

// Service answers verification look-ups and makes recipient copies.
type Service struct {
	DB      *gorm.DB
	Clock   clock.Clock
	Store   evidence.Store
	Signer  *signing.Signer // nil: copies are not signed
	Render  CopyRenderer
	BaseURL string
}

// State is where an issued version stands: the report package's one VersionState (its values
// and labels), so the verification page and the report list never disagree.
type State = report.VersionState

// States of an issued version.
const (
	StateCurrent    = report.StateCurrent
	StateSuperseded = report.StateSuperseded
	StateWithdrawn  = report.StateWithdrawn
)

// Public is everything the verification page may show about an issued version, and nothing
// more: no opinion, no findings, no names of the team.
type Public struct {
	VersionID        int64  `json:"-"`
	Code             string `json:"code"`
	Firm             string `json:"firm"`
	ServiceOrg       string `json:"service_organization"`
	Kind             string `json:"report_kind"`
	Period           string `json:"period"`
	ReportDate       string `json:"report_date"`
	Version          int    `json:"version"`
	State            State  `json:"state"`
	SupersededBy     int    `json:"superseded_by_version,omitempty"`
	WithdrawalReason string `json:"withdrawal_reason,omitempty"`
	WithdrawnOn      string `json:"withdrawn_on,omitempty"`
	SHA256           string `json:"sha256"`
	Signed           bool   `json:"signed"`
}

// ReportDateLayout is how the verification page writes dates.
const ReportDateLayout = "2 January 2006"

var kindLabels = map[string]string{"type1": "SOC 2 Type I", "type2": "SOC 2 Type II", "soc3": "SOC 3"}

const publicSelect = `SELECT v.id AS version_id, k.code, f.firm_name AS firm, c.name AS service_org, v.variant, e.report_type,
		e.as_of_date, e.period_start, e.period_end, v.report_date, v.version, v.state, v.withdrawal_reason, v.withdrawn_at,
		v.sha256, k.signed,
		(SELECT max(n.version) FROM report_versions n WHERE n.engagement_id = v.engagement_id AND n.variant = v.variant
			AND n.version > v.version AND n.state <> 'withdrawn') AS superseded_by
	FROM report_verification_codes k JOIN report_versions v ON v.id = k.report_version_id
	JOIN engagements e ON e.id = v.engagement_id JOIN clients c ON c.id = e.client_id
	CROSS JOIN firm_settings f`

type publicRow struct {
	VersionID        int64
	Code             string
	Firm             string
	ServiceOrg       string
	Variant          string
	ReportType       string
	AsOfDate         *time.Time
	PeriodStart      *time.Time
	PeriodEnd        *time.Time
	ReportDate       time.Time
	Version          int
	State            string
	WithdrawalReason string
	WithdrawnAt      *time.Time
	SHA256           string `gorm:"column:sha256"`
	Signed           bool
	SupersededBy     *int
}

func (r publicRow) public() Public {
	p := Public{VersionID: r.VersionID, Code: Format(r.Code), Firm: r.Firm, ServiceOrg: r.ServiceOrg, Kind: kindLabels[r.Variant],
		ReportDate: r.ReportDate.Format(ReportDateLayout), Version: r.Version, State: State(r.State), SHA256: r.SHA256, Signed: r.Signed}
	if r.ReportType == "type1" && r.AsOfDate != nil {
		p.Period = "As of " + r.AsOfDate.Format(ReportDateLayout)
	} else if r.PeriodStart != nil && r.PeriodEnd != nil {
		p.Period = r.PeriodStart.Format(ReportDateLayout) + " to " + r.PeriodEnd.Format(ReportDateLayout)
	}
	if p.State == StateSuperseded && r.SupersededBy != nil {
		p.SupersededBy = *r.SupersededBy
	}
	if p.State == StateWithdrawn {
		p.WithdrawalReason = r.WithdrawalReason
		if r.WithdrawnAt != nil {
			p.WithdrawnOn = r.WithdrawnAt.UTC().Format(ReportDateLayout)
		}
	}
	return p
}

// noCode never matches a stored code (those are base32 letters only): malformed codes are
// looked up with it, so they cost the same query as unknown ones.
const noCode = "malformed-code"

// Lookup finds the issued version a typed code names. Unknown and malformed codes both give
// apperr.ErrNotFound after the same single query, so neither answers faster.
func (s *Service) Lookup(ctx context.Context, typed string) (Public, error) {
	code, ok := Normalize(typed)
	if !ok {
		code = noCode
	}
	var rows []publicRow
	if err := s.DB.WithContext(ctx).Raw(publicSelect+` WHERE k.code = ?`, code).Scan(&rows).Error; err != nil {
		return Public{}, fmt.Errorf("looking up a verification code: %w", err)
	}
	if len(rows) == 0 {
		return Public{}, apperr.ErrNotFound
	}
	return rows[0].public(), nil
}

func (s *Service) publicByVersion(ctx context.Context, versionID int64) (Public, error) {
	var rows []publicRow
	if err := s.DB.WithContext(ctx).Raw(publicSelect+` WHERE v.id = ?`, versionID).Scan(&rows).Error; err != nil {
		return Public{}, fmt.Errorf("loading report version %d: %w", versionID, err)
	}
	if len(rows) == 0 {
		return Public{}, apperr.ErrNotFound
	}
	return rows[0].public(), nil
}

// Outcome is the answer to an uploaded PDF.
type Outcome string

// Outcomes of a check.
const (
	Authentic Outcome = "authentic" // these exact bytes were issued (or made as a recipient copy)
	Modified  Outcome = "modified"  // the code is known, the bytes are not what was issued
	Unknown   Outcome = "unknown"   // neither the bytes nor a code are known
)

// CopyInfo names the recipient of a copy, on the verification page.
type CopyInfo struct {
	Number       int    `json:"copy_number"`
	Organization string `json:"prepared_for_organization"`
	Person       string `json:"prepared_for"`
	PreparedOn   string `json:"prepared_on"`
}

// Result is the answer to an uploaded PDF.
type Result struct {
	Outcome Outcome   `json:"result"`
	SHA256  string    `json:"sha256"`
	Report  *Public   `json:"report,omitempty"`
	Copy    *CopyInfo `json:"copy,omitempty"`
}

// embeddedCode finds the verification link an issued PDF carries (the cover's QR link, stored
// uncompressed in the page's link annotation).
var embeddedCode = regexp.MustCompile(`/verify/([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})`)

// Check answers whether doc is what the firm issued: authentic when its SHA-256 is that of an
// issued version or a recipient copy; modified when the code (typed, or the one the PDF carries)
// names an issued version but the bytes differ; unknown otherwise.
func (s *Service) Check(ctx context.Context, typed string, doc []byte) (Result, error) {
	sum := sha256.Sum256(doc)
	res := Result{Outcome: Unknown, SHA256: hex.EncodeToString(sum[:])}
	var versionID int64
	err := s.DB.WithContext(ctx).Raw(`SELECT v.id FROM report_versions v JOIN report_verification_codes k ON k.report_version_id = v.id
		WHERE v.sha256 = ? ORDER BY v.id LIMIT 1`, res.SHA256).Scan(&versionID).Error
	if err != nil {
		return res, fmt.Errorf("looking up an uploaded report: %w", err)
	}
	if versionID != 0 {
		p, err := s.publicByVersion(ctx, versionID)
		if err != nil {
			return res, err
		}
		res.Outcome, res.Report = Authentic, &p
		return res, nil
	}
	var cp struct {
		ReportVersionID       int64
		CopyNumber            int
		RecipientOrganization string
		RecipientName         string
		PreparedOn            time.Time
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT report_version_id, copy_number, recipient_organization, recipient_name, prepared_on
		FROM report_copies WHERE sha256 = ? ORDER BY id LIMIT 1`, res.SHA256).Scan(&cp).Error
	if err != nil {
		return res, fmt.Errorf("looking up an uploaded copy: %w", err)
	}
	if cp.ReportVersionID != 0 {
		p, err := s.publicByVersion(ctx, cp.ReportVersionID)
		if err != nil {
			return res, err
		}
		res.Outcome, res.Report = Authentic, &p
		res.Copy = &CopyInfo{Number: cp.CopyNumber, Organization: cp.RecipientOrganization, Person: cp.RecipientName,
			PreparedOn: cp.PreparedOn.Format(ReportDateLayout)}
		return res, nil
	}
	if typed == "" {
		if m := embeddedCode.FindSubmatch(doc); m != nil {
			typed = string(m[1])
		}
	}
	if typed != "" {
		p, err := s.Lookup(ctx, typed)
		if err == nil {
			res.Outcome, res.Report = Modified, &p
			return res, nil
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return res, err
		}
	}
	return res, nil
}

// IsPDF reports whether data starts like a PDF file.
func IsPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.Contains(head, []byte("%PDF-"))
}

// Register records code as the verification code of an issued version, inside tx (the issue's
// transaction), with the audit event.
func (s *Service) Register(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID, versionID int64, code string, signed bool) error {
	if _, ok := Normalize(code); !ok {
		return fmt.Errorf("verification code %q is malformed", code)
	}
	// The address printed with the code (Prepare used s.BaseURL) is kept: the bytes depend on it.
	if err := tx.WithContext(ctx).Exec(`INSERT INTO report_verification_codes (report_version_id, code, signed, base_url, created_at)
		VALUES (?, ?, ?, ?, ?)`, versionID, code, signed, s.BaseURL, s.Clock.Now().UTC()).Error; err != nil {
		return fmt.Errorf("recording the verification code of report version %d: %w", versionID, err)
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "report.verification_code", EntityType: "report_version", EntityID: versionID,
		EngagementID: engagementID, After: map[string]any{"code": Format(code), "signed": signed}})
}

// Withdraw marks an issued version withdrawn with the partner's reason: the verification page
// says so from then on, and no recipient copy is made of it.
func (s *Service) Withdraw(ctx context.Context, u auth.User, versionID int64, reason string) error {
	reason = trimmed(reason)
	if reason == "" {
		return apperr.Validation{"reason": "Say why the report is withdrawn: readers see this reason on the verification page."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		type versionRow struct {
			ID           int64
			EngagementID int64
			State        string
			Version      int
			Variant      string
			ClientID     int64
		}
		v, err := dbx.One[versionRow](tx, fmt.Sprintf("report version %d", versionID), `SELECT v.id, v.engagement_id, v.state, v.version, v.variant, e.client_id FROM report_versions v
			JOIN engagements e ON e.id = v.engagement_id WHERE v.id = ? FOR UPDATE OF v`, versionID)
		if err != nil {
			return err
		}
		if v.State == string(StateWithdrawn) {
			return apperr.Validation{"reason": "This version is already withdrawn."}
		}
		now := s.Clock.Now().UTC()
		if err := tx.Exec(`UPDATE report_versions SET state = 'withdrawn', withdrawal_reason = ?, withdrawn_by = ?, withdrawn_at = ? WHERE id = ?`,
			reason, u.ID, now, versionID).Error; err != nil {
			return fmt.Errorf("withdrawing report version %d: %w", versionID, err)
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "report.withdraw", EntityType: "report_version",
			EntityID: versionID, EngagementID: v.EngagementID, ClientID: v.ClientID,
			Before: map[string]any{"state": v.State}, After: map[string]any{"state": "withdrawn", "reason": reason, "variant": v.Variant, "version": v.Version}})
	})
}
