package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// An SVG diagram goes into the PDF as a PNG drawn at a fixed scale: fpdf places only PNG and
// JPEG images. The shapes are drawn by oksvg + rasterx (pure Go), the text — which oksvg does
// not draw — with the report's own embedded DejaVu Sans, so the same drawing always gives the
// same pixels and the report stays byte-for-byte deterministic.
const (
	svgScale  = 3.0  // pixels per SVG user unit (96 per inch): 288 pixels per inch at natural size
	svgMaxPix = 3000 // the longer side at most, in pixels
)

// rasterizeSVG draws a sanitised SVG (description.SanitizeSVG) as an opaque PNG on white.
func rasterizeSVG(data []byte) ([]byte, error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(data), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, fmt.Errorf("reading the SVG: %w", err)
	}
	vb := icon.ViewBox
	if vb.W <= 0 || vb.H <= 0 {
		return nil, errors.New("the SVG has no size (neither viewBox nor width and height)")
	}
	scale := min(svgScale, svgMaxPix/max(vb.W, vb.H))
	w, h := int(math.Ceil(vb.W*scale)), int(math.Ceil(vb.H*scale))
	if w < 1 || h < 1 {
		return nil, errors.New("the SVG is too small to draw")
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	// User units to pixels: (p - viewBox origin) × scale.
	toPix := rasterx.Identity.Scale(scale, scale).Translate(-vb.X, -vb.Y)
	icon.Transform = toPix
	scanner := rasterx.NewScannerGV(w, h, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(w, h, scanner), 1)
	if err := drawSVGText(img, data, toPix, scale); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("encoding the diagram as PNG: %w", err)
	}
	return out.Bytes(), nil
}

var sansFaces = sync.OnceValues(func() (map[string]*opentype.Font, error) {
	out := map[string]*opentype.Font{}
	for weight, file := range map[string]string{"": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"} {
		f, err := opentype.Parse(fontBytes[file])
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		out[weight] = f
	}
	return out, nil
})

// textStyle is what a text run inherits from the elements around it.
type textStyle struct {
	size   float64 // user units
	bold   bool
	fill   color.Color
	anchor string // start, middle, end
	m      rasterx.Matrix2D
	hidden bool // inside defs, symbol, marker, pattern, clipPath or mask: not drawn in place
}

type textRun struct {
	x, y  float64
	style textStyle
	text  strings.Builder
}

// drawSVGText draws the SVG's <text> and <tspan> runs: position, font size, weight, fill and
// text-anchor, through the transforms of the enclosing groups (the anchor point only: text
// stays horizontal).
func drawSVGText(img *image.RGBA, data []byte, toPix rasterx.Matrix2D, scale float64) error {
	faces, err := sansFaces()
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	stack := []textStyle{{size: 16, fill: color.Black, anchor: "start", m: rasterx.Identity}}
	var runs []*textRun
	var open []*textRun // the run each open text/tspan element writes to (nil: none)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			st := stack[len(stack)-1]
			name := t.Name.Local
			switch name {
			case "defs", "symbol", "marker", "pattern", "clipPath", "mask", "title", "desc":
				st.hidden = true
			}
			var x, y *float64
			for _, a := range t.Attr {
				v := strings.TrimSpace(a.Value)
				switch a.Name.Local {
				case "font-size":
					if f, ok := svgLength(v); ok && f > 0 {
						st.size = f
					}
				case "font-weight":
					st.bold = v == "bold" || v == "bolder" || v >= "600" && v <= "999"
				case "fill":
					if v == "none" {
						st.fill = nil
					} else if c, err := oksvg.ParseSVGColor(v); err == nil && c != nil {
						st.fill = c
					}
				case "text-anchor":
					st.anchor = v
				case "transform":
					st.m = st.m.Mult(svgTransform(v))
				case "x":
					if f, ok := svgLength(firstOfList(v)); ok {
						x = &f
					}
				case "y":
					if f, ok := svgLength(firstOfList(v)); ok {
						y = &f
					}
				}
			}
			stack = append(stack, st)
			var run *textRun
			switch {
			case name == "text" || (name == "tspan" && (x != nil || y != nil)):
				run = &textRun{style: st}
				if len(open) > 0 && open[len(open)-1] != nil { // a positioned tspan continues from its text
					prev := open[len(open)-1]
					run.x, run.y = prev.x, prev.y
				}
				if x != nil {
					run.x = *x
				}
				if y != nil {
					run.y = *y
				}
				runs = append(runs, run)
			case name == "tspan" && len(open) > 0:
				run = open[len(open)-1]
			}
			open = append(open, run)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 && open[len(open)-1] != nil {
				open[len(open)-1].text.Write(t)
			}
		}
	}
	for _, r := range runs {
		text := strings.Join(strings.Fields(r.text.String()), " ")
		if text == "" || r.style.hidden || r.style.fill == nil {
			continue
		}
		weight := ""
		if r.style.bold {
			weight = "bold"
		}
		// The font size in pixels follows the run's transform (its average scale) and the page's.
		sx, sy := r.style.m.TransformVector(1, 0)
		tx, ty := r.style.m.TransformVector(0, 1)
		k := math.Sqrt(math.Abs(sx*ty - sy*tx))
		face, err := opentype.NewFace(faces[weight], &opentype.FaceOptions{Size: r.style.size * k * scale, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return fmt.Errorf("sizing the diagram's font: %w", err)
		}
		px, py := toPix.Mult(r.style.m).Transform(r.x, r.y)
		d := font.Drawer{Dst: img, Src: image.NewUniform(r.style.fill), Face: face}
		width := float64(d.MeasureString(text)) / 64
		switch r.style.anchor {
		case "middle":
			px -= width / 2
		case "end":
			px -= width
		}
		d.Dot = fixed.Point26_6{X: fixed.Int26_6(math.Round(px * 64)), Y: fixed.Int26_6(math.Round(py * 64))}
		d.DrawString(text)
		_ = face.Close()
	}
	return nil
}

// svgLength reads a length in user units ("13", "13px", "10pt").
func svgLength(v string) (float64, bool) {
	unit := 1.0
	switch {
	case strings.HasSuffix(v, "px"):
		v = strings.TrimSuffix(v, "px")
	case strings.HasSuffix(v, "pt"):
		v, unit = strings.TrimSuffix(v, "pt"), 96.0/72
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f * unit, true
}

func firstOfList(v string) string {
	if f := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }); len(f) > 0 {
		return f[0]
	}
	return ""
}

// svgTransform reads an SVG transform list: matrix, translate, scale, rotate, skewX, skewY.
func svgTransform(v string) rasterx.Matrix2D {
	m := rasterx.Identity
	for _, part := range strings.Split(v, ")") {
		name, args, ok := strings.Cut(part, "(")
		if !ok {
			continue
		}
		var n []float64
		for _, f := range strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return m
			}
			n = append(n, x)
		}
		arg := func(i int, def float64) float64 {
			if i < len(n) {
				return n[i]
			}
			return def
		}
		switch strings.TrimSpace(strings.TrimLeft(name, ", ")) {
		case "matrix":
			if len(n) == 6 {
				m = m.Mult(rasterx.Matrix2D{A: n[0], B: n[1], C: n[2], D: n[3], E: n[4], F: n[5]})
			}
		case "translate":
			m = m.Translate(arg(0, 0), arg(1, 0))
		case "scale":
			m = m.Scale(arg(0, 1), arg(1, arg(0, 1)))
		case "rotate":
			a := arg(0, 0) * math.Pi / 180
			cx, cy := arg(1, 0), arg(2, 0)
			m = m.Translate(cx, cy).Rotate(a).Translate(-cx, -cy)
		case "skewX":
			m = m.SkewX(arg(0, 0) * math.Pi / 180)
		case "skewY":
			m = m.SkewY(arg(0, 0) * math.Pi / 180)
		}
	}
	return m
}
