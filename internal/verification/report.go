package verification

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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

// ReportRenderer renders issued versions again through the report package: the engagement is
// locked once signed, so building it again gives the issued document, decorated with the
// version's stored code and public address (and, for a recipient copy, the copy's stamp).
type ReportRenderer struct {
	Reports *report.Service
	Codes   *Service
}

// RenderCopy implements CopyRenderer.
func (r ReportRenderer) RenderCopy(ctx context.Context, versionID int64, stamp string) ([]byte, error) {
	_, pdf, _, err := r.render(ctx, versionID, stamp)
	return pdf, err
}

// issuedCode is what an issued version's bytes depend on beyond the engagement's data.
type issuedCode struct {
	Code    string
	Signed  bool
	BaseURL string
}

func (r ReportRenderer) render(ctx context.Context, versionID int64, stamp string) (report.Version, []byte, *issuedCode, error) {
	v, err := r.Reports.GetVersion(ctx, versionID)
	if err != nil {
		return v, nil, nil, err
	}
	var codes []issuedCode
	if err := r.Codes.DB.WithContext(ctx).Raw(`SELECT code, signed, base_url FROM report_verification_codes WHERE report_version_id = ?`,
		versionID).Scan(&codes).Error; err != nil {
		return v, nil, nil, fmt.Errorf("loading the verification code of report version %d: %w", versionID, err)
	}
	d, err := r.Reports.Load(ctx, v.EngagementID)
	if err != nil {
		return v, nil, nil, err
	}
	doc, err := report.Build(d, v.Variant, report.BuildOptions{Wording: r.Reports.Wording})
	if err != nil {
		return v, nil, nil, err
	}
	var code *issuedCode
	if len(codes) > 0 {
		code = &codes[0]
		if code.BaseURL == "" {
			code.BaseURL = r.Codes.BaseURL // issued before the address was kept with the code
		}
		if err := Decorate(doc, code.BaseURL, code.Code, stamp); err != nil {
			return v, nil, nil, err
		}
	} else if stamp != "" {
		return v, nil, nil, fmt.Errorf("report version %d has no verification code: no copy can be made of it", versionID)
	}
	pdf, _, err := report.RenderPDF(doc)
	return v, pdf, code, err
}

// Reproduction is an issued version rendered again and compared with the stored bytes.
type Reproduction struct {
	Version report.Version
	PDF     []byte // the rendered bytes, before any signature
	Code    string // the verification code printed on it ("" for a version issued without one)
	// Signed: the issued file carries the firm's PDF signature, an incremental update appended
	// after the rendered bytes; then the comparison is with the issued file's first len(PDF) bytes.
	Signed bool
	// Matches: PDF are the issued bytes (signed: the issued bytes up to the signature).
	Matches bool
}

// Reproduce renders issued version versionID again — the same engagement data, its stored
// verification code and public address — and compares the result with the stored file, so an
// operator can prove what was issued without the web app.
func (r ReportRenderer) Reproduce(ctx context.Context, versionID int64) (Reproduction, error) {
	v, pdf, code, err := r.render(ctx, versionID, "")
	if err != nil {
		return Reproduction{}, err
	}
	out := Reproduction{Version: v, PDF: pdf}
	if code != nil {
		out.Code, out.Signed = code.Code, code.Signed
	}
	if !out.Signed {
		sum := sha256.Sum256(pdf)
		out.Matches = hex.EncodeToString(sum[:]) == v.SHA256
		return out, nil
	}
	rc, err := r.Reports.Store.Open(ctx, v.BlobKey)
	if err != nil {
		return out, fmt.Errorf("opening report version %d: %w", versionID, err)
	}
	defer rc.Close()
	issued, err := io.ReadAll(rc)
	if err != nil {
		return out, fmt.Errorf("reading report version %d: %w", versionID, err)
	}
	out.Matches = len(pdf) < len(issued) && bytes.Equal(issued[:len(pdf)], pdf)
	return out, nil
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
