package verification

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-soc/attest/internal/report"
)

// Decorate puts the verification code on a report before it is rendered: on the cover with the
// QR code that opens URL(baseURL, code) (and a link to it), and in every page footer; stamp, when
// not empty (a recipient copy), joins the footer line. The same inputs give the same document.
func Decorate(doc *report.Document, baseURL, code, stamp string) error {
	url := URL(baseURL, code)
	png, err := QRPNG(url, 240)
	if err != nil {
		return err
	}
	doc.Cover.Verification = &report.Verification{Code: Format(code), URL: url,
		QR: &report.Image{Name: "verification-qr", Type: "PNG", Data: png, Alt: "QR code of " + url}}
	doc.Cover.Verification.Note = doc.VerificationCover
	for i := range doc.Sections {
		if doc.Sections[i].Key != "section1" || len(doc.VerificationNotice) == 0 {
			continue
		}
		// Before the firm's signature at the end of the auditor's report.
		blocks := doc.Sections[i].Blocks
		at := len(blocks)
		if at > 0 && blocks[at-1].Kind == report.KindSignature {
			at--
		}
		out := append(append(append([]report.Block{}, blocks[:at]...), doc.VerificationNotice...), blocks[at:]...)
		doc.Sections[i].Blocks = out
		doc.VerificationNotice = nil // placed once, even if Decorate runs again
	}
	doc.Footer = "Verification code " + Format(code) + " — verify at " + url
	if stamp != "" {
		doc.Footer = stamp + " — verification code " + Format(code)
	}
	return nil
}

// Seal signs rendered report bytes with the firm's certificate when one is configured; signed
// says whether it did.
func (s *Service) Seal(pdf []byte, at time.Time, reason string) (out []byte, signed bool, err error) {
	out, err = s.Signer.Sign(pdf, at, reason)
	return out, s.Signer.Enabled(), err
}

// ReportRenderer renders copies of issued versions through the report package: the engagement
// is locked once signed, so building its current version again gives the issued document, to
// which the copy's stamp is added.
type ReportRenderer struct {
	Reports *report.Service
	Codes   *Service
}

// RenderCopy implements CopyRenderer.
func (r ReportRenderer) RenderCopy(ctx context.Context, versionID int64, stamp string) ([]byte, error) {
	v, err := r.Reports.GetVersion(ctx, versionID)
	if err != nil {
		return nil, err
	}
	var code string
	if err := r.Codes.DB.WithContext(ctx).Raw(`SELECT code FROM report_verification_codes WHERE report_version_id = ?`, versionID).
		Row().Scan(&code); err != nil {
		return nil, fmt.Errorf("loading the verification code of report version %d: %w", versionID, err)
	}
	d, err := r.Reports.Load(ctx, v.EngagementID)
	if err != nil {
		return nil, err
	}
	doc, err := report.Build(d, v.Variant, report.BuildOptions{Wording: r.Reports.Wording})
	if err != nil {
		return nil, err
	}
	if err := Decorate(doc, r.Codes.BaseURL, code, stamp); err != nil {
		return nil, err
	}
	pdf, _, err := report.RenderPDF(doc)
	return pdf, err
}

// Prepare gives a document about to be issued a fresh verification code on its cover and in
// its footers (report.IssueHooks).
func (s *Service) Prepare(doc *report.Document) (string, error) {
	code, err := NewCode()
	if err != nil {
		return "", err
	}
	return code, Decorate(doc, s.BaseURL, code, "")
}

var _ report.IssueHooks = (*Service)(nil)
