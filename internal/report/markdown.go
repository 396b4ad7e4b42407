package report

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"

	"github.com/attest-soc/attest/internal/markdown"
)

// markdownBlocks lays Markdown (the description, the assertion) out as report blocks by walking
// goldmark's syntax tree: headings, paragraphs, lists, tables and images. Raw HTML is never
// copied (a <script> in a description prints nothing); images come only from the description's
// own uploaded images.
func markdownBlocks(src string, desc *Description) []Block {
	doc, source := markdown.Parse(src)
	var out []Block
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		out = append(out, mdBlock(n, source, desc)...)
	}
	return out
}

func mdBlock(n ast.Node, src []byte, desc *Description) []Block {
	switch n := n.(type) {
	case *ast.Heading:
		level := n.Level + 2 // a description's "#" sits under the DC heading
		if level > 4 {
			level = 4
		}
		return []Block{{Kind: KindHeading, Level: level, Text: inlineText(n, src)}}
	case *ast.Paragraph, *ast.TextBlock:
		var out []Block
		var txt strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if img, ok := c.(*ast.Image); ok {
				if b, ok := imageBlock(img, src, desc); ok {
					if s := strings.TrimSpace(txt.String()); s != "" {
						out = append(out, Block{Kind: KindParagraph, Text: s})
					}
					txt.Reset()
					out = append(out, b)
				}
				continue
			}
			txt.WriteString(inlineText(c, src))
		}
		if s := strings.TrimSpace(txt.String()); s != "" {
			out = append(out, Block{Kind: KindParagraph, Text: s})
		}
		return out
	case *ast.List:
		b := Block{Kind: KindList, Ordered: n.IsOrdered()}
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			var parts []string
			for c := item.FirstChild(); c != nil; c = c.NextSibling() {
				if sub, ok := c.(*ast.List); ok {
					for s := sub.FirstChild(); s != nil; s = s.NextSibling() {
						parts = append(parts, "\n– "+strings.TrimSpace(inlineText(s, src)))
					}
					continue
				}
				parts = append(parts, inlineText(c, src))
			}
			b.Items = append(b.Items, strings.TrimSpace(strings.Join(parts, " ")))
		}
		return []Block{b}
	case *east.Table:
		t := &Table{}
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
				cells = append(cells, strings.TrimSpace(inlineText(cell, src)))
			}
			if _, ok := row.(*east.TableHeader); ok {
				t.Header = cells
			} else {
				t.Rows = append(t.Rows, cells)
			}
		}
		for range t.Header {
			t.Widths = append(t.Widths, 1)
		}
		return []Block{{Kind: KindTable, Table: t}}
	case *ast.Blockquote:
		var out []Block
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			for _, b := range mdBlock(c, src, desc) {
				if b.Kind == KindParagraph {
					b.Emphasis = "italic"
				}
				out = append(out, b)
			}
		}
		return out
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var b strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(src))
		}
		return []Block{{Kind: KindParagraph, Text: strings.TrimRight(b.String(), "\n"), Emphasis: "small"}}
	case *ast.HTMLBlock, *ast.ThematicBreak:
		return nil // raw HTML never reaches a report
	}
	return nil
}

// inlineText is the plain text of an inline subtree (emphasis and links keep their words;
// raw HTML is dropped).
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.RawHTML, *ast.Image:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for gc := c.FirstChild(); gc != nil; gc = gc.NextSibling() {
				if t, ok := gc.(*ast.Text); ok {
					b.Write(t.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			b.Write(c.URL(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

func imageBlock(img *ast.Image, src []byte, desc *Description) (Block, bool) {
	if desc == nil || markdown.ImageID(string(img.Destination)) == 0 {
		return Block{}, false
	}
	im, ok := desc.Images[string(img.Destination)]
	if !ok || len(im.Data) == 0 {
		return Block{}, false
	}
	im.Alt = inlineTextChildren(img, src)
	return Block{Kind: KindImage, Image: &im}, true
}

func inlineTextChildren(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		b.WriteString(inlineText(c, src))
	}
	return b.String()
}
