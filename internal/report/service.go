// Package report builds the examination report — SOC 2 Type I, SOC 2 Type II and SOC 3 — as one
// document model from the engagement's data, renders it as PDF (fpdf) and as an HTML preview, and
// keeps the issued versions: their exact bytes in the blob store with SHA-256, size and number.
package report

import (
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
)

const dateLayout = "2006-01-02"

// Service builds, renders, issues and serves reports.
type Service struct {
	DB    *gorm.DB
	Store evidence.Store
	Clock clock.Clock
	// Description provides Sections II and III (nil: those sections say they are not available).
	Description *description.Service
	// Wording is the firm's report wording (nil: the shipped templates).
	Wording *Wording
	// Issuing gives each issued PDF its verification code and signature (see IssueHooks).
	Issuing IssueHooks
	// AuditSigner signs the audit checkpoint written at issue; nil writes none.
	AuditSigner *audit.Signer
}
