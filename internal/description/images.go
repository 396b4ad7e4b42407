package description

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"image"
	_ "image/jpeg" // decoders for DecodeConfig
	_ "image/png"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/markdown"
)

// MaxImageBytes bounds one description image (a diagram, not a photo album).
const MaxImageBytes = 5 << 20

// Image is a picture the description's Markdown can show.
type Image struct {
	ID           int64
	EngagementID int64
	FileName     string
	ContentType  string
	SizeBytes    int64
	SHA256       string `gorm:"column:sha256"`
	UploadedBy   int64
	UploaderName string
	UploadedAt   time.Time
}

// Markdown is how a writer inserts the image: ![file name](/description/images/ID).
func (i Image) Markdown() string {
	alt := strings.TrimSuffix(i.FileName, i.FileName[strings.LastIndex(i.FileName, "."):])
	return fmt.Sprintf("![%s](%s%d)", strings.NewReplacer("[", "", "]", "").Replace(alt), markdown.ImagePrefix, i.ID)
}

// SniffImage decides the type of an image from its bytes and returns the bytes to store: PNG
// and JPEG as they are (once they decode), SVG only after sanitising. Anything else is refused.
func SniffImage(name string, data []byte) (contentType string, stored []byte, err error) {
	refuse := func(why string) (string, []byte, error) {
		return "", nil, apperr.Validation{"image": "“" + name + "” " + why}
	}
	switch {
	case len(data) == 0:
		return refuse("is empty.")
	case len(data) > MaxImageBytes:
		return refuse(fmt.Sprintf("is larger than %s; export the diagram smaller.", evidence.FormatSize(MaxImageBytes)))
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return refuse("is not a readable PNG image.")
		}
		return "image/png", data, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return refuse("is not a readable JPEG image.")
		}
		return "image/jpeg", data, nil
	}
	clean, err := SanitizeSVG(data)
	if err != nil {
		return refuse("is not a PNG, JPEG or SVG image. Export the diagram as one of those.")
	}
	return "image/svg+xml", clean, nil
}

var svgElements = map[string]bool{"svg": true, "g": true, "defs": true, "title": true, "desc": true, "path": true, "rect": true,
	"circle": true, "ellipse": true, "line": true, "polyline": true, "polygon": true, "text": true, "tspan": true, "use": true,
	"symbol": true, "marker": true, "lineargradient": true, "radialgradient": true, "stop": true, "clippath": true, "mask": true, "pattern": true}

var svgAttributes = map[string]bool{"id": true, "class": true, "x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "width": true, "height": true, "d": true, "points": true, "fill": true,
	"stroke": true, "stroke-width": true, "stroke-linecap": true, "stroke-linejoin": true, "stroke-dasharray": true, "opacity": true,
	"fill-opacity": true, "stroke-opacity": true, "transform": true, "viewbox": true, "preserveaspectratio": true, "font-family": true,
	"font-size": true, "font-weight": true, "font-style": true, "text-anchor": true, "dominant-baseline": true, "offset": true,
	"stop-color": true, "stop-opacity": true, "gradientunits": true, "gradienttransform": true, "markerwidth": true,
	"markerheight": true, "refx": true, "refy": true, "orient": true, "version": true, "fill-rule": true, "clip-rule": true,
	"clip-path": true, "marker-end": true, "marker-start": true, "marker-mid": true, "mask": true, "dx": true, "dy": true,
	"letter-spacing": true, "patternunits": true, "href": true}

// svgCase restores SVG's camelCase attribute and element names after lower-case matching.
var svgCase = map[string]string{"viewbox": "viewBox", "preserveaspectratio": "preserveAspectRatio", "gradientunits": "gradientUnits",
	"gradienttransform": "gradientTransform", "markerwidth": "markerWidth", "markerheight": "markerHeight", "refx": "refX", "refy": "refY",
	"patternunits": "patternUnits", "lineargradient": "linearGradient", "radialgradient": "radialGradient", "clippath": "clipPath"}

func svgName(lower string) string {
	if n, ok := svgCase[lower]; ok {
		return n
	}
	return lower
}

// SanitizeSVG rebuilds an SVG from an allow-list of drawing elements and attributes: scripts,
// event handlers, styles, foreign objects, external images and links, and any reference other
// than to an id inside the drawing are dropped. It fails when data is not an SVG document.
func SanitizeSVG(data []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var out bytes.Buffer
	// Each open element is kept (written), unwrapped (a link: its drawing stays, the link goes)
	// or dropped with everything inside it.
	const (
		keep = iota
		unwrap
		drop
	)
	var stack []int
	dropping := func() bool { return len(stack) > 0 && stack[len(stack)-1] == drop }
	root := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) == 0 {
				if name != "svg" || root {
					return nil, errors.New("not an SVG document")
				}
				root = true
			}
			foreign := t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2000/svg"
			switch {
			case dropping() || foreign || (!svgElements[name] && name != "a"):
				stack = append(stack, drop)
				continue
			case name == "a":
				stack = append(stack, unwrap)
				continue
			}
			stack = append(stack, keep)
			out.WriteString("<" + svgName(name))
			if len(stack) == 1 {
				out.WriteString(` xmlns="http://www.w3.org/2000/svg"`)
			}
			for _, a := range t.Attr {
				key := strings.ToLower(a.Name.Local)
				if a.Name.Space == "xmlns" || key == "xmlns" || !svgAttributes[key] || (a.Name.Space != "" && key != "href") {
					continue
				}
				if !safeSVGValue(key, a.Value) {
					continue
				}
				out.WriteString(" " + svgName(key) + `="`)
				_ = xml.EscapeText(&out, []byte(a.Value))
				out.WriteString(`"`)
			}
			out.WriteString(">")
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("not an SVG document")
			}
			if stack[len(stack)-1] == keep {
				out.WriteString("</" + svgName(strings.ToLower(t.Name.Local)) + ">")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && !dropping() {
				_ = xml.EscapeText(&out, t)
			}
		}
	}
	if !root {
		return nil, errors.New("not an SVG document")
	}
	return out.Bytes(), nil
}

// safeSVGValue keeps references inside the drawing only: href="#id", url(#id).
func safeSVGValue(key, v string) bool {
	l := strings.ToLower(strings.Join(strings.Fields(v), ""))
	if strings.Contains(l, "javascript:") || strings.Contains(l, "data:") || strings.Contains(l, "expression(") {
		return false
	}
	if key == "href" {
		return strings.HasPrefix(l, "#")
	}
	if i := strings.Index(l, "url("); i >= 0 {
		return strings.HasPrefix(l[i+4:], "#") || strings.HasPrefix(l[i+4:], "'#") || strings.HasPrefix(l[i+4:], `"#`)
	}
	return true
}

// UploadImage checks, stores and records an image for the engagement's description.
func (s *Service) UploadImage(ctx context.Context, u auth.User, engagementID int64, name string, r io.Reader) (Image, error) {
	clean, err := evidence.CleanFileName(name)
	if err != nil {
		return Image{}, apperr.Validation{"image": err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return Image{}, fmt.Errorf("reading image %s: %w", clean, err)
	}
	ctype, stored, err := SniffImage(clean, data)
	if err != nil {
		return Image{}, err
	}
	var id int64
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := loadEngagement(tx, engagementID, true)
		if err != nil {
			return err
		}
		if err := checkEditable(e, u, "image"); err != nil {
			return err
		}
		sp, err := s.Store.Spool(bytes.NewReader(stored), MaxImageBytes)
		if err != nil {
			return fmt.Errorf("spooling image %s: %w", clean, err)
		}
		defer sp.Discard()
		if err := s.Store.Commit(ctx, sp); err != nil {
			return fmt.Errorf("storing image %s: %w", clean, err)
		}
		if err := tx.Raw(`INSERT INTO description_images (engagement_id, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, engagementID, clean, ctype, sp.Size, sp.SHA256, u.ID, s.Clock.Now()).Row().Scan(&id); err != nil {
			return fmt.Errorf("recording image %s: %w", clean, err)
		}
		return audit.Record(ctx, tx, actorOf(u), audit.Event{Action: "description.image.upload", EntityType: "description_image", EntityID: id,
			EngagementID: engagementID, ClientID: e.ClientID,
			After: map[string]any{"file_name": clean, "content_type": ctype, "size": sp.Size, "sha256": sp.SHA256}})
	})
	if err != nil {
		return Image{}, err
	}
	return s.Image(ctx, id)
}

const imageSelect = `SELECT i.id, i.engagement_id, i.file_name, i.content_type, i.size_bytes, i.sha256, i.uploaded_by,
	u.name AS uploader_name, i.uploaded_at FROM description_images i JOIN users u ON u.id = i.uploaded_by `

// Image loads one description image's metadata.
func (s *Service) Image(ctx context.Context, id int64) (Image, error) {
	return dbx.One[Image](s.DB.WithContext(ctx), fmt.Sprintf("description image %d", id), imageSelect+`WHERE i.id = ?`, id)
}

// Images lists the engagement's description images, newest first.
func (s *Service) Images(ctx context.Context, engagementID int64) ([]Image, error) {
	var out []Image
	if err := s.DB.WithContext(ctx).Raw(imageSelect+`WHERE i.engagement_id = ? ORDER BY i.id DESC`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing description images of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// OpenImage returns the image's bytes, verified against their SHA-256.
func (s *Service) OpenImage(ctx context.Context, img Image) (io.ReadCloser, error) {
	if err := evidence.Verify(ctx, s.Store, img.SHA256); err != nil {
		return nil, fmt.Errorf("description image %d: %w", img.ID, err)
	}
	return s.Store.Open(ctx, img.SHA256)
}

// checkImages refuses Markdown that shows an image of another engagement.
func checkImages(tx *gorm.DB, engagementID int64, body string) error {
	ids := markdown.ImageIDs(body)
	if len(ids) == 0 {
		return nil
	}
	var own []int64
	if err := tx.Raw(`SELECT id FROM description_images WHERE engagement_id = ? AND id IN ?`, engagementID, ids).Scan(&own).Error; err != nil {
		return fmt.Errorf("checking images: %w", err)
	}
	for _, id := range ids {
		found := false
		for _, o := range own {
			found = found || o == id
		}
		if !found {
			return apperr.Validation{"body": fmt.Sprintf("The image %s%d is not one of this engagement's images. Upload it on this page and insert it again.", markdown.ImagePrefix, id)}
		}
	}
	return nil
}
