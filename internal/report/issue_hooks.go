package report

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
)

// IssueHooks is how the verification feature (internal/verification) takes part in issuing a
// report; Service.Issuing holds it (nil: reports are issued without codes or signatures). For
// each variant, the issue step calls, in order:
//
//	code, err := hooks.Prepare(doc)                  // before RenderPDF: code, QR and footer on the document
//	pdf, signed, err := hooks.Seal(pdf, now, reason) // after RenderPDF: the firm's signature, if configured
//	v, err := s.StoreVersion(ctx, tx, actor, …)      // stores the sealed bytes and their SHA-256
//	err = hooks.Register(ctx, tx, actor, engagementID, v.ID, code, signed) // same transaction
type IssueHooks interface {
	Prepare(doc *Document) (code string, err error)
	Seal(pdf []byte, at time.Time, reason string) (out []byte, signed bool, err error)
	Register(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID, versionID int64, code string, signed bool) error
}
