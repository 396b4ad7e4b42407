package verification

import (
	"bytes"
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
)

// Recipient is who a copy of a restricted-use report is prepared for.
type Recipient struct {
	Organization, Person, Email string
}

// Validate checks the recipient fields, keyed by form field name.
func (r *Recipient) Validate() apperr.Validation {
	r.Organization, r.Person, r.Email = strings.TrimSpace(r.Organization), strings.TrimSpace(r.Person), strings.TrimSpace(r.Email)
	v := apperr.Validation{}
	if r.Organization == "" {
		v["organization"] = "Name the organization that receives the copy (a customer of yours, an auditor of theirs)."
	}
	if r.Person == "" {
		v["person"] = "Name the person who receives the copy."
	}
	if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
		v["email"] = "Enter the recipient's e-mail address, e.g. vendor.risk@customer.example."
	}
	for field, s := range map[string]string{"organization": r.Organization, "person": r.Person, "email": r.Email} {
		if len(s) > 200 {
			v[field] = "At most 200 characters."
		}
	}
	return v
}

// Copy is a recipient copy of an issued version.
type Copy struct {
	ID                    int64
	ReportVersionID       int64
	Variant               string `gorm:"->"`
	Version               int    `gorm:"->"`
	CopyNumber            int
	RecipientOrganization string
	RecipientName         string
	RecipientEmail        string
	PreparedOn            time.Time
	SHA256                string `gorm:"column:sha256"`
	Size                  int64
	BlobKey               string
	Signed                bool
	RequestedBy           int64
	RequestedByName       string `gorm:"->"`
	CreatedAt             time.Time
}

// Stamp is the line printed on every page of a copy.
func Stamp(r Recipient, on time.Time, n int) string {
	return fmt.Sprintf("Prepared for %s (%s, %s) — %s — copy %d", r.Organization, r.Person, r.Email, on.Format(ReportDateLayout), n)
}

// RequestCopy makes a stamped copy of an issued version for a named recipient: rendered again
// with the stamp on every page, signed when the firm has a certificate, stored, hashed and logged.
// Only the current version of a report is copied: a withdrawn or superseded one is refused with
// the reason.
func (s *Service) RequestCopy(ctx context.Context, u auth.User, versionID int64, r Recipient) (Copy, error) {
	if v := r.Validate(); len(v) > 0 {
		return Copy{}, v
	}
	if s.Render == nil {
		return Copy{}, fmt.Errorf("recipient copies need a report renderer")
	}
	var c Copy
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		type versionRow struct {
			ID               int64
			EngagementID     int64
			ClientID         int64
			Variant          string
			Version          int
			State            string
			WithdrawalReason string
			WithdrawnAt      *time.Time
		}
		// The version row is locked while its copy number is chosen, so two requests get 1 and 2.
		v, err := dbx.One[versionRow](tx, fmt.Sprintf("report version %d", versionID), `SELECT v.id, v.engagement_id, e.client_id, v.variant, v.version, v.state, v.withdrawal_reason, v.withdrawn_at
			FROM report_versions v JOIN engagements e ON e.id = v.engagement_id WHERE v.id = ? FOR UPDATE OF v`, versionID)
		if err != nil {
			return err
		}
		switch State(v.State) {
		case StateWithdrawn:
			on := ""
			if v.WithdrawnAt != nil {
				on = " on " + v.WithdrawnAt.UTC().Format(ReportDateLayout)
			}
			return apperr.Validation{"version": fmt.Sprintf("Version %d was withdrawn%s: %s. No copy can be made of it.", v.Version, on, v.WithdrawalReason)}
		case StateSuperseded:
			return apperr.Validation{"version": fmt.Sprintf("Version %d was superseded by a later version: ask for a copy of the current version.", v.Version)}
		}
		if v.Variant == "soc3" {
			return apperr.Validation{"version": "A SOC 3 report is for general use: share the issued PDF itself. Recipient copies are for the restricted-use SOC 2 report."}
		}
		var n int
		if err := tx.Raw(`SELECT coalesce(max(copy_number), 0) + 1 FROM report_copies WHERE report_version_id = ?`, versionID).Scan(&n).Error; err != nil {
			return fmt.Errorf("numbering the copy: %w", err)
		}
		now := s.Clock.Now().UTC()
		doc, err := s.Render.RenderCopy(ctx, versionID, Stamp(r, now, n))
		if err != nil {
			return fmt.Errorf("rendering copy %d of report version %d: %w", n, versionID, err)
		}
		signed := s.Signer.Enabled()
		if doc, err = s.Signer.Sign(doc, now, fmt.Sprintf("Copy %d prepared for %s", n, r.Organization)); err != nil {
			return err
		}
		blob, err := s.putBlob(ctx, doc)
		if err != nil {
			return err
		}
		c = Copy{ReportVersionID: versionID, Variant: v.Variant, Version: v.Version, CopyNumber: n, RecipientOrganization: r.Organization,
			RecipientName: r.Person, RecipientEmail: r.Email, PreparedOn: now, SHA256: blob.SHA256, Size: blob.Size,
			BlobKey: blob.SHA256, Signed: signed, RequestedBy: u.ID, CreatedAt: now}
		if err := tx.Table("report_copies").Omit(clause.Associations).Select("ReportVersionID", "CopyNumber", "RecipientOrganization",
			"RecipientName", "RecipientEmail", "PreparedOn", "SHA256", "Size", "BlobKey", "Signed", "RequestedBy", "CreatedAt").Create(&c).Error; err != nil {
			return fmt.Errorf("recording the copy: %w", err)
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "report.copy", EntityType: "report_copy",
			EntityID: c.ID, EngagementID: v.EngagementID, ClientID: v.ClientID, After: map[string]any{
				"report_version_id": versionID, "variant": v.Variant, "version": v.Version, "copy_number": n,
				"recipient_organization": r.Organization, "recipient_name": r.Person, "recipient_email": r.Email,
				"sha256": blob.SHA256, "size": blob.Size, "signed": signed}})
	})
	return c, err
}

func (s *Service) putBlob(ctx context.Context, doc []byte) (evidence.Blob, error) {
	sp, err := s.Store.Spool(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return evidence.Blob{}, fmt.Errorf("spooling the copy: %w", err)
	}
	defer sp.Discard()
	if err := s.Store.Commit(ctx, sp); err != nil {
		return evidence.Blob{}, fmt.Errorf("storing the copy: %w", err)
	}
	return sp.Blob, nil
}

const copySelect = `SELECT rc.*, v.variant, v.version, u.name AS requested_by_name FROM report_copies rc
	JOIN report_versions v ON v.id = rc.report_version_id JOIN users u ON u.id = rc.requested_by`

// Copies lists the recipient copies of the engagement's reports, newest first.
func (s *Service) Copies(ctx context.Context, engagementID int64) ([]Copy, error) {
	var out []Copy
	if err := s.DB.WithContext(ctx).Raw(copySelect+` WHERE v.engagement_id = ? ORDER BY rc.created_at DESC, rc.id DESC`, engagementID).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing copies of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// GetCopy loads one copy.
func (s *Service) GetCopy(ctx context.Context, id int64) (Copy, error) {
	var out []Copy
	if err := s.DB.WithContext(ctx).Raw(copySelect+` WHERE rc.id = ?`, id).Scan(&out).Error; err != nil {
		return Copy{}, fmt.Errorf("loading copy %d: %w", id, err)
	}
	if len(out) == 0 {
		return Copy{}, apperr.ErrNotFound
	}
	return out[0], nil
}

// CopyBytes returns a copy's stored bytes (verified against their SHA-256 while read) and logs
// the download.
func (s *Service) CopyBytes(ctx context.Context, u auth.User, id int64) (Copy, []byte, error) {
	c, err := s.GetCopy(ctx, id)
	if err != nil {
		return c, nil, err
	}
	rc, err := s.Store.Open(ctx, c.BlobKey)
	if err != nil {
		return c, nil, fmt.Errorf("opening copy %d: %w", id, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		return c, nil, fmt.Errorf("reading copy %d: %w", id, err)
	}
	var engagementID int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT engagement_id FROM report_versions WHERE id = ?`, c.ReportVersionID).Row().Scan(&engagementID); err != nil {
		return c, nil, fmt.Errorf("loading copy %d: %w", id, err)
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email}, audit.Event{Action: "report.copy_download", EntityType: "report_copy",
			EntityID: c.ID, EngagementID: engagementID, After: map[string]any{"copy_number": c.CopyNumber, "sha256": c.SHA256}})
	})
	return c, buf.Bytes(), err
}
