package report

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/markdown"
)

// addDescription reads Sections II and III from the description package: the approved
// assertion, DC1–DC9 with their Markdown and generated tables, the images they show, the
// review's completeness and the DCs concluded "not presented".
func (s *Service) addDescription(ctx context.Context, d *Data) error {
	if s.Description == nil {
		return nil
	}
	r, err := s.Description.ForReport(ctx, d.EngagementID)
	if err != nil {
		return fmt.Errorf("loading the description for the report: %w", err)
	}
	desc := &Description{ReviewComplete: r.ReviewComplete, Images: map[string]Image{}}
	var ids []int64
	for _, sec := range r.Sections {
		ds := DescriptionSection{Code: sec.Code, Title: sec.Code + " — " + sec.Title, Body: sec.Markdown}
		if sec.Tables != nil {
			ds.Tables = descriptionTables(sec.Code, *sec.Tables)
		}
		desc.Sections = append(desc.Sections, ds)
		ids = append(ids, markdown.ImageIDs(sec.Markdown)...)
	}
	for _, m := range r.NotPresented {
		desc.NotPresented = append(desc.NotPresented, m.Code)
	}
	if len(ids) > 0 {
		var imgs []struct {
			ID                   int64
			ContentType, BlobSHA string
			FileName             string
		}
		if err := s.DB.WithContext(ctx).Raw(`SELECT id, content_type, sha256 AS blob_sha, file_name FROM description_images
			WHERE engagement_id = ? AND id IN ? ORDER BY id`, d.EngagementID, ids).Scan(&imgs).Error; err != nil {
			return fmt.Errorf("loading description images: %w", err)
		}
		for _, im := range imgs {
			var data []byte
			var err error
			typ := imageType(im.ContentType)
			if im.ContentType == "image/svg+xml" {
				// The PDF library places PNG and JPEG only: the (sanitised) drawing is rasterised.
				data, err = s.diagramPNG(ctx, im.BlobSHA)
				typ = "PNG"
			} else {
				data, err = s.readBlob(ctx, im.BlobSHA)
			}
			if err != nil {
				return fmt.Errorf("description image %d (%s): %w", im.ID, im.FileName, err)
			}
			desc.Images[fmt.Sprintf("%s%d", markdown.ImagePrefix, im.ID)] = Image{Name: "dimg-" + im.BlobSHA[:16],
				Type: typ, Data: data, Alt: im.FileName}
		}
	}
	d.Description = desc
	if a := r.Assertion; a != nil {
		d.Assertion = &Assertion{Body: a.Text, SOC3Body: a.SOC3Text, OfficerName: a.OfficerName, OfficerTitle: a.OfficerTitle,
			ApprovedOn: a.ApprovedOn}
	}
	return nil
}

func (s *Service) readBlob(ctx context.Context, sha string) ([]byte, error) {
	rc, err := s.Store.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// descriptionTables turns DC5–DC7's generated tables into report tables.
func descriptionTables(code string, t description.Tables) []Table {
	switch code {
	case "DC5":
		tbl := Table{Header: []string{"Criterion", "Summary", "Related controls"}, Widths: []float64{1.2, 4, 4}}
		for _, c := range t.Criteria {
			var refs []string
			for _, ctl := range c.Controls {
				refs = append(refs, ctl.Ref)
			}
			tbl.Rows = append(tbl.Rows, []string{c.ID, c.Summary, strings.Join(refs, ", ")})
		}
		return []Table{tbl}
	case "DC6":
		tbl := Table{Header: []string{"Subservice organization", "Services", "Method", "Controls expected of it (CSOCs)"}, Widths: []float64{2.2, 2.6, 1.3, 4}}
		for _, s := range t.Subservices {
			var csocs []string
			for _, c := range s.CSOCs {
				csocs = append(csocs, strings.TrimSpace(c.Ref+" "+c.Description)+criteriaSuffix(c.Criteria))
			}
			tbl.Rows = append(tbl.Rows, []string{s.Name, s.Services, s.MethodLabel, strings.Join(csocs, "\n")})
		}
		return []Table{tbl}
	case "DC7":
		tbl := Table{Header: []string{"Complementary user entity control", "Criteria"}, Widths: []float64{7, 2}}
		for _, c := range t.CUECs {
			tbl.Rows = append(tbl.Rows, []string{strings.TrimSpace(c.Ref + " " + c.Description), strings.Join(c.Criteria, ", ")})
		}
		return []Table{tbl}
	}
	return nil
}

func criteriaSuffix(c []string) string {
	if len(c) == 0 {
		return ""
	}
	return " (" + strings.Join(c, ", ") + ")"
}
