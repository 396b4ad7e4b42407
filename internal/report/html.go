package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
)

// The HTML preview lays out the same Document as the PDF, so the preview never disagrees with
// it: same sections, same blocks, same wording. html/template escapes every text.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	"imgsrc": func(im *Image) template.URL {
		mime := "image/png"
		if im.Type == "JPG" {
			mime = "image/jpeg"
		}
		//nolint:gosec // the bytes are a PNG or JPEG from the firm settings or description images, base64-encoded
		return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(im.Data))
	},
	"hn": func(level int) string { return fmt.Sprintf("h%d", min(level+1, 6)) },
}).Parse(`<article class="report-preview{{if .Draft}} draft{{end}}" id="report-preview" data-variant="{{.Variant}}">
{{if .Draft}}<p class="watermark" aria-hidden="true">DRAFT</p>{{end}}
<header class="report-cover">
{{with .Cover.Logo}}<img src="{{imgsrc .}}" alt="{{.Alt}}" class="report-logo">{{end}}
<p class="report-firm">{{.Cover.FirmName}}</p>
<h1>{{.Title}}</h1>
{{range .Cover.Lines}}<p>{{.}}</p>{{end}}
{{with .Cover.Restricted}}<p class="report-restricted"><em>{{.}}</em></p>{{end}}
{{with .Cover.Verification}}<p class="report-verification">Verification code: {{.Code}}</p>{{end}}
</header>
<nav class="report-contents"><h2>Contents</h2><ol>
{{range $i, $s := .Sections}}<li><a href="#{{$s.Key}}">{{$s.Title}}</a></li>{{end}}
</ol></nav>
{{range .Sections}}<section class="report-section" id="{{.Key}}">
<h2>{{.Title}}</h2>
{{range .Blocks}}{{if eq .Kind "heading"}}{{if eq .Level 2}}<h3>{{.Text}}</h3>{{else if eq .Level 3}}<h4>{{.Text}}</h4>{{else}}<h5>{{.Text}}</h5>{{end}}
{{else if eq .Kind "paragraph"}}<p{{with .Emphasis}} class="{{.}}"{{end}}>{{.Text}}</p>
{{else if eq .Kind "list"}}{{if .Ordered}}<ol>{{else}}<ul>{{end}}{{range .Items}}<li>{{.}}</li>{{end}}{{if .Ordered}}</ol>{{else}}</ul>{{end}}
{{else if eq .Kind "table"}}<div class="table-scroll"><table class="report-table"><thead><tr>{{range .Table.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Table.Rows}}<tr>{{range .}}<td>{{range $j, $l := lines .}}{{if $j}}<br>{{end}}{{$l}}{{end}}</td>{{end}}</tr>{{end}}</tbody></table></div>
{{else if eq .Kind "image"}}<figure><img src="{{imgsrc .Image}}" alt="{{.Image.Alt}}"></figure>
{{else if eq .Kind "signature"}}<p class="report-signature">{{range $j, $l := .Lines}}{{if $j}}<br>{{end}}{{$l}}{{end}}</p>
{{end}}{{end}}
</section>
{{end}}
{{with .Footer}}<footer class="report-footer">{{.}}</footer>{{end}}
</article>`))

// RenderHTML lays the document out as an HTML fragment for the in-app preview.
func RenderHTML(doc *Document) (template.HTML, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, doc); err != nil {
		return "", fmt.Errorf("rendering report preview: %w", err)
	}
	//nolint:gosec // produced by html/template, which escaped every value
	return template.HTML(b.String()), nil
}
