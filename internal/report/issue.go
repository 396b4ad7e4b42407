package report

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/opinion"
)

// Render builds and renders the engagement's report of variant v: the exact bytes the web app
// and `attest report render` give for the same data. draft forces the watermark.
func (s *Service) Render(ctx context.Context, engagementID int64, v Variant, draft bool) ([]byte, *Document, error) {
	d, err := s.Load(ctx, engagementID)
	if err != nil {
		return nil, nil, err
	}
	doc, err := Build(d, v, BuildOptions{Draft: draft, Wording: s.Wording})
	if err != nil {
		return nil, nil, err
	}
	pdf, _, err := RenderPDF(doc)
	return pdf, doc, err
}

// Issue releases the signed engagement's reports: it renders the final PDFs (SOC 2 and SOC 3),
// stores each as the next version of its variant (superseding an earlier one), records the
// release date and moves the engagement to issued. Only the engagement's partner issues.
func (s *Service) Issue(ctx context.Context, actor audit.Actor, engagementID int64, releaseDate string) ([]Version, error) {
	release, err := time.Parse(dateLayout, strings.TrimSpace(releaseDate))
	if err != nil {
		return nil, apperr.Validation{"release_date": "Enter the release date, e.g. 2026-08-20."}
	}
	d, err := s.Load(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	if d.Status != lifecycle.Signed || !d.Opinion.Signed() {
		return nil, &apperr.Transition{From: string(d.Status), To: "issued", Missing: []string{"the partner's signature (sign the opinion first)"}}
	}
	if d.ReportDate != nil && release.Before(*d.ReportDate) {
		return nil, apperr.Validation{"release_date": "The release date cannot be before the report date (" + d.ReportDate.Format(dateLayout) + ")."}
	}
	today := s.Clock.Now()
	if release.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return nil, apperr.Validation{"release_date": "The release date cannot be in the future: issue the report on the day it is released."}
	}
	kind := d.Kind()
	type rendered struct {
		v      Variant
		pdf    []byte
		pages  int
		code   string
		signed bool
	}
	var out []rendered
	for _, v := range d.VariantsInScope() {
		if v == SOC3 && kind.Modified() && d.Opinion.SOC3Reason == "" {
			return nil, &apperr.Transition{From: string(d.Status), To: "issued", Missing: []string{
				"the partner's confirmation (with a reason) that the SOC 3 is issued with a " + strings.ToLower(kind.Label())}}
		}
		doc, err := Build(d, v, BuildOptions{Wording: s.Wording})
		if err != nil {
			return nil, err
		}
		r := rendered{v: v}
		if s.Issuing != nil {
			// The verification feature puts its code on the cover and in the footer.
			if r.code, err = s.Issuing.Prepare(doc); err != nil {
				return nil, err
			}
		}
		if r.pdf, r.pages, err = RenderPDF(doc); err != nil {
			return nil, err
		}
		if s.Issuing != nil {
			if r.pdf, r.signed, err = s.Issuing.Seal(r.pdf, s.Clock.Now(), "Issued "+doc.Title+" of "+d.ServiceOrg); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	var versions []Version
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := dbx.One[struct{ Status lifecycle.Status }](tx, fmt.Sprintf("engagement %d", engagementID),
			`SELECT status FROM engagements WHERE id = ? FOR UPDATE`, engagementID)
		if err != nil {
			return err
		}
		if e.Status != lifecycle.Signed {
			return &apperr.Transition{From: string(e.Status), To: string(lifecycle.Issued), Missing: []string{"the partner's signature"}}
		}
		for _, r := range out {
			v, err := s.StoreVersion(ctx, tx, actor, NewVersion{EngagementID: engagementID, ClientID: d.ClientID, Variant: r.v,
				OpinionKind: string(kind), PDF: r.pdf, PageCount: r.pages, ReleaseDate: release, ReportDate: *d.ReportDate})
			if err != nil {
				return err
			}
			if s.Issuing != nil {
				if err := s.Issuing.Register(ctx, tx, actor, engagementID, v.ID, r.code, r.signed); err != nil {
					return err
				}
			}
			versions = append(versions, v)
		}
		if err := tx.Exec(`UPDATE engagements SET status = 'issued', released_at = ?, version = version + 1, updated_at = now() WHERE id = ?`,
			release, engagementID).Error; err != nil {
			return fmt.Errorf("issuing engagement %d: %w", engagementID, err)
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.issue", EntityType: "engagement", EntityID: engagementID,
			EngagementID: engagementID, ClientID: d.ClientID, Before: map[string]any{"status": e.Status},
			After: map[string]any{"status": "issued", "release_date": release.Format(dateLayout),
				"documentation_completion": opinion.DocumentationCompletion(release).Format(dateLayout),
				"retention_end":            opinion.RetentionEnd(release).Format(dateLayout)}}); err != nil {
			return err
		}
		// Issuing anchors the trail: a signed checkpoint of its head, in the same transaction.
		_, err = audit.WriteCheckpointTx(ctx, tx, s.AuditSigner, "engagement.issue")
		return err
	})
	return versions, err
}

// Addendum is a dated addition to a signed engagement's file.
type Addendum struct {
	ID         int64
	AuthorName string
	Reason     string
	Body       string
	CreatedAt  time.Time
}

// Addenda lists the engagement's addenda, oldest first.
func (s *Service) Addenda(ctx context.Context, engagementID int64) ([]Addendum, error) {
	var out []Addendum
	err := s.DB.WithContext(ctx).Raw(`SELECT a.id, u.name AS author_name, a.reason, a.body, a.created_at FROM engagement_addenda a
		JOIN users u ON u.id = a.author_id WHERE a.engagement_id = ? ORDER BY a.id`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing addenda of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// AddAddendum records a dated addition (author, reason) to a signed engagement's file — after
// the signature, and in particular after the documentation completion date, nothing in the file
// changes; additions are addenda.
func (s *Service) AddAddendum(ctx context.Context, actor audit.Actor, engagementID int64, reason, body string) error {
	reason, body = strings.TrimSpace(reason), strings.TrimSpace(body)
	v := apperr.Validation{}
	if reason == "" {
		v.Add("reason", "Say why this is added after the report was signed.")
	}
	if body == "" {
		v.Add("body", "Write the addendum.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := dbx.One[struct {
			Status   lifecycle.Status
			ClientID int64
		}](tx, fmt.Sprintf("engagement %d", engagementID), `SELECT status, client_id FROM engagements WHERE id = ? FOR UPDATE`, engagementID)
		if err != nil {
			return err
		}
		if !row.Status.Locked() {
			return &apperr.Transition{From: string(row.Status), To: "addendum", Missing: []string{"a signed engagement (before signature, change the file itself)"}}
		}
		var id int64
		if err := tx.Raw(`INSERT INTO engagement_addenda (engagement_id, author_id, reason, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			engagementID, actor.ID, reason, body, s.Clock.Now()).Row().Scan(&id); err != nil {
			return fmt.Errorf("adding addendum: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.addendum", EntityType: "engagement_addendum", EntityID: id,
			EngagementID: engagementID, ClientID: row.ClientID, After: map[string]any{"reason": reason, "body": body}})
	})
}

// LoadEvidence is the engagement's data as the opinion's proposal and gates see it.
func (s *Service) LoadEvidence(ctx context.Context, engagementID int64) (opinion.Evidence, error) {
	d, err := s.Load(ctx, engagementID)
	if err != nil {
		return opinion.Evidence{}, err
	}
	return d.Evidence(), nil
}

// Facts are the engagement fields the Report tab shows around the report.
type Facts struct {
	ReportType string
	ClientName string
	ReportDate *time.Time // planned, or the signature's
	ReleasedAt *time.Time
}

// EngagementFacts loads the Report tab's facts of engagementID.
func (s *Service) EngagementFacts(ctx context.Context, engagementID int64) (Facts, error) {
	f, err := dbx.One[Facts](s.DB.WithContext(ctx), fmt.Sprintf("engagement %d", engagementID), `SELECT e.report_type,
		c.name AS client_name, e.report_date, e.released_at FROM engagements e JOIN clients c ON c.id = e.client_id WHERE e.id = ?`, engagementID)
	if err != nil {
		return f, err
	}
	f.ReportDate = utcDate(f.ReportDate)
	return f, nil
}
