package report

import (
	"bytes"
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/evidence"
)

// Variant is which report a PDF is: SOC 2 Type I, SOC 2 Type II or SOC 3.
type Variant string

// The report variants.
const (
	Type1 Variant = "type1"
	Type2 Variant = "type2"
	SOC3  Variant = "soc3"
)

// Variants lists every variant in display order.
var Variants = []Variant{Type1, Type2, SOC3}

// Valid reports whether v is a known variant.
func (v Variant) Valid() bool { return v == Type1 || v == Type2 || v == SOC3 }

// Label is the variant's name as readers know it.
func (v Variant) Label() string {
	switch v {
	case Type1:
		return "SOC 2 Type I"
	case Type2:
		return "SOC 2 Type II"
	case SOC3:
		return "SOC 3"
	}
	return string(v)
}

// VersionState is where an issued version stands.
type VersionState string

// Version states: the one readers get, one replaced by a re-issue, one withdrawn by a reopening.
const (
	StateCurrent    VersionState = "current"
	StateSuperseded VersionState = "superseded"
	StateWithdrawn  VersionState = "withdrawn"
)

// Label is the state as the report list shows it.
func (s VersionState) Label() string {
	switch s {
	case StateCurrent:
		return "Current"
	case StateSuperseded:
		return "Superseded"
	case StateWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Version is one issued report: the exact bytes stored in the blob store under SHA256.
type Version struct {
	ID               int64
	EngagementID     int64
	Variant          Variant
	Version          int
	State            VersionState
	OpinionKind      string
	SHA256           string `gorm:"column:sha256"`
	Size             int64
	BlobKey          string
	PageCount        int
	ReleaseDate      time.Time
	ReportDate       time.Time
	IssuedBy         int64
	IssuedByName     string `gorm:"->"`
	IssuedAt         time.Time
	WithdrawalReason string
	WithdrawnBy      *int64
	WithdrawnAt      *time.Time
}

// TableName maps Version to report_versions.
func (Version) TableName() string { return "report_versions" }

// FileName is the download name, e.g. "Northwind-Ledger-SOC-2-Type-II-v1.pdf".
func (v Version) FileName(clientName string) string {
	return fileSafe(clientName) + "-" + fileSafe(v.Variant.Label()) + fmt.Sprintf("-v%d.pdf", v.Version)
}

func fileSafe(s string) string {
	var b []rune
	dash := false
	for _, r := range s {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if ok {
			b = append(b, r)
			dash = false
		} else if !dash && len(b) > 0 {
			b = append(b, '-')
			dash = true
		}
	}
	if len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// NewVersion is a rendered final PDF to store as the next version of its variant.
type NewVersion struct {
	EngagementID int64
	ClientID     int64
	Variant      Variant
	OpinionKind  string
	PDF          []byte
	PageCount    int
	ReleaseDate  time.Time
	ReportDate   time.Time
}

// putBlob stores the PDF's bytes in the blob store (content-addressed, so storing the same bytes
// twice keeps one copy) and returns their address and size.
func (s *Service) putBlob(ctx context.Context, pdf []byte) (evidence.Blob, error) {
	sp, err := s.Store.Spool(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		return evidence.Blob{}, fmt.Errorf("spooling report PDF: %w", err)
	}
	defer sp.Discard()
	if err := s.Store.Commit(ctx, sp); err != nil {
		return evidence.Blob{}, fmt.Errorf("storing report PDF: %w", err)
	}
	return sp.Blob, nil
}

// StoreVersion puts the PDF in the blob store and records it inside tx as the current version of
// its variant, marking the previous current one superseded. The bytes are stored before the
// row: a failed transaction leaves an unreferenced blob, never a row without bytes.
func (s *Service) StoreVersion(ctx context.Context, tx *gorm.DB, actor audit.Actor, nv NewVersion) (Version, error) {
	if !nv.Variant.Valid() {
		return Version{}, fmt.Errorf("unknown report variant %q", nv.Variant)
	}
	blob, err := s.putBlob(ctx, nv.PDF)
	if err != nil {
		return Version{}, err
	}
	tx = tx.WithContext(ctx)
	var prev []Version
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("engagement_id = ? AND variant = ?", nv.EngagementID, nv.Variant).Order("version").Find(&prev).Error; err != nil {
		return Version{}, fmt.Errorf("loading versions of %s for engagement %d: %w", nv.Variant, nv.EngagementID, err)
	}
	next := 1
	var superseded []int64
	for _, p := range prev {
		next = p.Version + 1
		if p.State == StateCurrent {
			superseded = append(superseded, p.ID)
		}
	}
	if len(superseded) > 0 {
		if err := tx.Exec(`UPDATE report_versions SET state = 'superseded' WHERE id IN ?`, superseded).Error; err != nil {
			return Version{}, fmt.Errorf("superseding report versions: %w", err)
		}
	}
	v := Version{EngagementID: nv.EngagementID, Variant: nv.Variant, Version: next, State: StateCurrent,
		OpinionKind: nv.OpinionKind, SHA256: blob.SHA256, Size: blob.Size, BlobKey: blob.SHA256, PageCount: nv.PageCount,
		ReleaseDate: nv.ReleaseDate, ReportDate: nv.ReportDate, IssuedBy: actor.ID, IssuedAt: s.Clock.Now()}
	if err := tx.Omit("IssuedByName").Create(&v).Error; err != nil {
		return Version{}, fmt.Errorf("recording report version: %w", err)
	}
	err = audit.Record(ctx, tx, actor, audit.Event{Action: "report.issue", EntityType: "report_version", EntityID: v.ID,
		EngagementID: nv.EngagementID, ClientID: nv.ClientID, After: map[string]any{
			"variant": v.Variant, "version": v.Version, "sha256": v.SHA256, "size": v.Size, "opinion": v.OpinionKind,
			"release_date": v.ReleaseDate.Format(dateLayout), "report_date": v.ReportDate.Format(dateLayout),
			"superseded": superseded}})
	return v, err
}

// WithdrawCurrent marks every current version of the engagement withdrawn, inside tx (a partner
// reopened the engagement, so what was issued no longer stands).
func (s *Service) WithdrawCurrent(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID int64, reason string) (int64, error) {
	res := tx.WithContext(ctx).Exec(`UPDATE report_versions SET state = 'withdrawn', withdrawal_reason = ?, withdrawn_by = ?, withdrawn_at = ?
		WHERE engagement_id = ? AND state = 'current'`, reason, actor.ID, s.Clock.Now(), engagementID)
	if res.Error != nil {
		return 0, fmt.Errorf("withdrawing reports of engagement %d: %w", engagementID, res.Error)
	}
	return res.RowsAffected, nil
}

const selectVersion = `SELECT v.*, u.name AS issued_by_name FROM report_versions v JOIN users u ON u.id = v.issued_by`

// Versions lists the engagement's issued versions, newest first within each variant.
func (s *Service) Versions(ctx context.Context, engagementID int64) ([]Version, error) {
	var out []Version
	err := s.DB.WithContext(ctx).Raw(selectVersion+` WHERE v.engagement_id = ?
		ORDER BY CASE v.variant WHEN 'type1' THEN 1 WHEN 'type2' THEN 2 ELSE 3 END, v.version DESC`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing reports of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// GetVersion loads one issued version.
func (s *Service) GetVersion(ctx context.Context, id int64) (Version, error) {
	return dbx.One[Version](s.DB.WithContext(ctx), fmt.Sprintf("report version %d", id), selectVersion+` WHERE v.id = ?`, id)
}

// Download returns the bytes of version id, verified against their SHA-256, and records the
// download (user, time, version) in the audit trail. A client user gets only current versions.
func (s *Service) Download(ctx context.Context, actor audit.Actor, clientUser bool, id int64) (Version, []byte, error) {
	v, err := s.GetVersion(ctx, id)
	if err != nil {
		return v, nil, err
	}
	if clientUser && v.State != StateCurrent {
		return v, nil, apperr.ErrNotFound
	}
	rc, err := s.Store.Open(ctx, v.BlobKey)
	if err != nil {
		return v, nil, fmt.Errorf("opening report version %d: %w", id, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return v, nil, fmt.Errorf("reading report version %d: %w", id, err)
	}
	var clientID int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT client_id FROM engagements WHERE id = ?`, v.EngagementID).Row().Scan(&clientID); err != nil {
		return v, nil, fmt.Errorf("loading engagement of report version %d: %w", id, err)
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, actor, audit.Event{Action: "report.download", EntityType: "report_version", EntityID: v.ID,
			EngagementID: v.EngagementID, ClientID: clientID, After: map[string]any{
				"variant": v.Variant, "version": v.Version, "sha256": v.SHA256}})
	})
	if err != nil {
		return v, nil, err
	}
	return v, data, nil
}
