// Package markdown renders the Markdown that people write in Attest (the system description,
// management's assertion) to HTML that is safe to put on a page, and parses it for the report
// PDF. Rendering is goldmark (CommonMark + GitHub tables and strikethrough) with raw HTML
// switched off, and the result then passes bluemonday's allow-list: script, event handlers,
// style, iframes, javascript:/data: links and any raw HTML never reach a page. Images may only
// point at Attest's own description images (/description/images/N), so a description cannot
// load anything from elsewhere.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// ImagePrefix is the path of description images; Markdown references them as
// ![Network diagram](/description/images/12).
const ImagePrefix = "/description/images/"

var imageSrc = regexp.MustCompile(`^/description/images/[0-9]+$`)

// md is safe for concurrent use; it never renders raw HTML (goldmark's default, no WithUnsafe).
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9-]{1,80}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("src").Matching(imageSrc).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img", "a")
	return p
}

// HTML renders src to sanitised HTML, ready to embed in a page.
func HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark's HTML renderer only fails when the writer does; a bytes.Buffer does not.
		return template.HTML(template.HTMLEscapeString(src))
	}
	//nolint:gosec // bluemonday's allow-list output is the safe HTML this function promises.
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// Parse returns the goldmark document of src and the source bytes its nodes point into, for
// renderers other than HTML (the report PDF). Walkers must skip ast.RawHTML and ast.HTMLBlock
// nodes (raw HTML never reaches a report), keep only links for which SafeLink is true and only
// images for which ImageID finds an id.
func Parse(src string) (ast.Node, []byte) {
	b := []byte(src)
	return md.Parser().Parse(text.NewReader(b)), b
}

// SafeLink reports whether a link destination may appear in a page or report: http, https,
// mailto or a path inside Attest.
func SafeLink(dest string) bool {
	d := strings.ToLower(strings.TrimSpace(dest))
	if strings.HasPrefix(d, "/") && !strings.HasPrefix(d, "//") {
		return true
	}
	return strings.HasPrefix(d, "https://") || strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "mailto:")
}

// ImageID returns the description image id an image destination refers to, or 0 when it is
// not an Attest description image (such images are dropped).
func ImageID(dest string) int64 {
	if !imageSrc.MatchString(dest) {
		return 0
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(dest, ImagePrefix), 10, 64)
	return id
}

// ImageIDs lists the description images src references, in order, without repeats.
func ImageIDs(src string) []int64 {
	doc, _ := Parse(src)
	var ids []int64
	seen := map[int64]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			if id := ImageID(string(img.Destination)); id != 0 && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return ast.WalkContinue, nil
	})
	return ids
}
