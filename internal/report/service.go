// Package report builds the examination report — SOC 2 Type I, SOC 2 Type II and SOC 3 — as one
// document model from the engagement's data, renders it as PDF (fpdf) and as an HTML preview, and
// keeps the issued versions: their exact bytes in the blob store with SHA-256, size and number.
package report

import (
	"context"
	"fmt"
	"sync"

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

	// diagrams keeps SVG diagrams drawn as PNG, by the SHA-256 of the SVG (the blob key): drawing
	// one costs a few hundred milliseconds, and every Report tab view loads the description.
	diagramsMu sync.Mutex
	diagrams   map[string][]byte
}

// maxDiagrams bounds the drawn diagrams kept (a few hundred kilobytes each).
const maxDiagrams = 64

// diagramPNG draws the SVG stored under sha as PNG, once per process.
func (s *Service) diagramPNG(ctx context.Context, sha string) ([]byte, error) {
	s.diagramsMu.Lock()
	png, ok := s.diagrams[sha]
	s.diagramsMu.Unlock()
	if ok {
		return png, nil
	}
	svg, err := s.readBlob(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if png, err = rasterizeSVG(svg); err != nil {
		return nil, fmt.Errorf("drawing: %w", err)
	}
	s.diagramsMu.Lock()
	defer s.diagramsMu.Unlock()
	if s.diagrams == nil || len(s.diagrams) >= maxDiagrams {
		s.diagrams = map[string][]byte{}
	}
	s.diagrams[sha] = png
	return png, nil
}
