package report

import "testing"

// BenchmarkRenderType2 renders the demo-sized Type II report (both passes).
func BenchmarkRenderType2(b *testing.B) {
	doc, err := Build(signed(northwind("type2")), Type2, BuildOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := RenderPDF(doc); err != nil {
			b.Fatal(err)
		}
	}
}
