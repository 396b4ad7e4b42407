package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDiagram = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" font-family="sans-serif" font-size="13">
<title>Test</title>
<rect x="10" y="10" width="80" height="40" fill="#2f6fb3" stroke="#000000"/>
<g transform="translate(100 0)"><text x="50" y="80" text-anchor="middle" fill="#b30000" font-weight="bold">Label</text></g>
<defs><text x="5" y="95">hidden</text></defs>
</svg>`

// A diagram is drawn at a fixed scale: the shapes where the SVG puts them, its text in the
// report's font, the same pixels every time.
func TestRasterizeSVGDrawsShapesAndText(t *testing.T) {
	out, err := rasterizeSVG([]byte(testDiagram))
	require.NoError(t, err)
	again, err := rasterizeSVG([]byte(testDiagram))
	require.NoError(t, err)
	assert.Equal(t, out, again, "deterministic")
	if os.Getenv("SVG_DUMP") != "" {
		_ = os.WriteFile(os.Getenv("SVG_DUMP"), out, 0o600)
	}
	img, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 600, 300), img.Bounds(), "3 pixels per user unit")
	r, g, b, _ := img.At(150, 90).RGBA() // inside the rectangle
	assert.Equal(t, []uint32{0x2f, 0x6f, 0xb3}, []uint32{r >> 8, g >> 8, b >> 8})
	// The label, translated by its group to x = 150 (450 px), centred there, red.
	red := func(x0, x1, y0, y1 int) int {
		n := 0
		for x := x0; x < x1; x++ {
			for y := y0; y < y1; y++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				if c.R > 150 && c.G < 80 && c.B < 80 {
					n++
				}
			}
		}
		return n
	}
	assert.Greater(t, red(400, 500, 200, 245), 100, "the label is drawn around its anchor")
	assert.Zero(t, red(0, 390, 0, 300), "nothing red left of it")
	assert.Zero(t, red(0, 600, 250, 300)+countDark(img, 0, 100, 250, 300), "text inside defs is not drawn")
}

func countDark(img image.Image, x0, x1, y0, y1 int) int {
	n := 0
	for x := x0; x < x1; x++ {
		for y := y0; y < y1; y++ {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			if c.Y < 128 {
				n++
			}
		}
	}
	return n
}

func TestRasterizeSVGRefusesADrawingWithoutSize(t *testing.T) {
	_, err := rasterizeSVG([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>`))
	assert.Error(t, err)
}
