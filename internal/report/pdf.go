package report

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// The report's fonts: DejaVu Serif for text, DejaVu Sans for headings — Unicode TrueType files
// shipped in the repository (fonts/LICENSE-DejaVu.txt) and embedded in every PDF, so accented
// names and typographic quotes print and no report depends on the host's fonts.
//
//go:embed fonts/*.ttf
var fontFS embed.FS

var fontFiles = []struct{ family, style, file string }{
	{"serif", "", "DejaVuSerif.ttf"},
	{"serif", "B", "DejaVuSerif-Bold.ttf"},
	{"serif", "I", "DejaVuSerif-Italic.ttf"},
	{"sans", "", "DejaVuSans.ttf"},
	{"sans", "B", "DejaVuSans-Bold.ttf"},
}

// Page geometry (millimetres, US Letter).
const (
	pageW, pageH         = 215.9, 279.4
	marginL, marginR     = 25.0, 25.0
	marginTop            = 28.0 // below the running header
	marginBottom         = 25.0 // above the footer
	contentW             = pageW - marginL - marginR
	bodySize             = 10.0
	bodyLine             = 5.0
	tableSize            = 8.5
	tableLine            = 4.0
	cellPad              = 1.5
	keepWithHeading      = 22.0 // a heading needs this much room below it, or it moves to the next page
	contentsLine         = 6.0
	contentsEntriesFirst = 36 // contents entries on the contents page (more continue on the next)
)

// RenderPDF lays the document out as PDF in one pass. The contents pages are reserved where they
// belong (their heading and how many entries each holds are known before the sections are laid
// out) and their entries are written once the sections have placed every entry's page. The bytes
// depend only on the document (creation date = report date, sorted catalog).
//
// It used to lay the whole report out twice (the first pass only to learn the page numbers),
// which parsed the five fonts twice and drew every table twice: issue #19 measured the single
// pass at about two thirds of the time for the large Type II.
func RenderPDF(doc *Document) ([]byte, int, error) {
	p, err := renderPass(doc)
	if err != nil {
		return nil, 0, err
	}
	var b bytes.Buffer
	if err := p.pdf.Output(&b); err != nil {
		return nil, 0, fmt.Errorf("writing report PDF: %w", err)
	}
	return b.Bytes(), p.pdf.PageNo(), nil
}

type tocEntry struct {
	Level int
	Text  string
	Page  int
}

type pdfPass struct {
	pdf      *fpdf.Fpdf
	doc      *Document
	pages    []int     // page per contents entry, as the sections placed them
	tocY     []float64 // where each contents entry's line goes on its contents page
	tocPage  []int     // which contents page each entry's line goes on
	tocFirst int       // the contents pages, first and last (their footers wait for the entries)
	tocLast  int
	tocDone  bool
	entries  []tocEntry
	links    []int
	entryIdx int
	inCover  bool
	tableHdr func() // redraws the current table's header row after a page break
}

var fontBytes = func() map[string][]byte {
	m := map[string][]byte{}
	for _, f := range fontFiles {
		b, err := fontFS.ReadFile("fonts/" + f.file)
		if err != nil {
			panic(err)
		}
		m[f.file] = b
	}
	return m
}()

func renderPass(doc *Document) (*pdfPass, error) {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	for _, f := range fontFiles {
		pdf.AddUTF8FontFromBytes(f.family, f.style, fontBytes[f.file])
	}
	pdf.SetMargins(marginL, marginTop, marginR)
	pdf.SetAutoPageBreak(false, marginBottom)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(doc.Created)
	pdf.SetModificationDate(doc.Created)
	pdf.SetTitle(doc.Title+" — "+doc.ServiceOrg, true)
	pdf.SetAuthor(doc.Author, true)
	pdf.SetSubject(doc.Subject, true)
	pdf.SetCreator("Attest", true)
	pdf.SetProducer("Attest (fpdf)", true)
	pdf.AliasNbPages("{nb}")
	p := &pdfPass{pdf: pdf, doc: doc}
	p.entries = contentsEntries(doc)
	for range p.entries {
		p.links = append(p.links, pdf.AddLink())
	}
	p.pages = make([]int, len(p.entries))
	pdf.SetHeaderFuncMode(p.header, true)
	pdf.SetFooterFunc(p.footer)

	p.cover()
	p.contents()
	for _, s := range doc.Sections {
		p.section(s)
	}
	p.fillContents()
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("rendering report PDF: %w", err)
	}
	return p, nil
}

// contentsEntries lists what the contents page shows: the sections and their parts.
func contentsEntries(doc *Document) []tocEntry {
	var out []tocEntry
	for _, s := range doc.Sections {
		out = append(out, tocEntry{Level: 0, Text: s.Title})
		for _, b := range s.Blocks {
			if b.Kind == KindHeading && b.Outline && b.Level == 2 {
				out = append(out, tocEntry{Level: 1, Text: b.Text})
			}
		}
	}
	return out
}

func (p *pdfPass) header() {
	pdf := p.pdf
	if p.doc.Draft {
		p.watermark()
	}
	if p.inCover {
		return
	}
	pdf.SetFont("sans", "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(marginL, 12)
	pdf.CellFormat(contentW/2, 5, p.doc.ServiceOrg, "", 0, "L", false, 0, "")
	pdf.CellFormat(contentW/2, 5, p.doc.Title, "", 0, "R", false, 0, "")
	pdf.SetDrawColor(160, 160, 160)
	pdf.Line(marginL, 18, pageW-marginR, 18)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(marginL, marginTop)
}

// watermark draws the diagonal DRAFT mark, light, before the page's content.
func (p *pdfPass) watermark() {
	pdf := p.pdf
	pdf.SetFont("sans", "B", 110)
	pdf.SetTextColor(225, 225, 225)
	pdf.TransformBegin()
	pdf.TransformRotate(52, pageW/2, pageH/2)
	w := pdf.GetStringWidth("DRAFT")
	pdf.Text(pageW/2-w/2, pageH/2+14, "DRAFT")
	pdf.TransformEnd()
	pdf.SetTextColor(0, 0, 0)
}

func (p *pdfPass) footer() {
	pdf := p.pdf
	if !p.tocDone && pdf.PageNo() >= p.tocFirst && pdf.PageNo() <= p.tocLast {
		return // written with the contents entries (fillContents)
	}
	pdf.SetFont("sans", "", 8)
	pdf.SetTextColor(90, 90, 90)
	y := pageH - 16
	if p.doc.Footer != "" {
		if pdf.GetStringWidth(p.doc.Footer) <= contentW {
			pdf.SetXY(marginL, y-5)
			pdf.CellFormat(contentW, 4, p.doc.Footer, "", 0, "C", false, 0, "")
		} else {
			p.longFooter(y)
			pdf.SetFont("sans", "", 8)
		}
	}
	pdf.SetXY(marginL, y)
	pdf.CellFormat(contentW, 4, "Page "+strconv.Itoa(pdf.PageNo())+" of {nb}", "", 0, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

// longFooter fits a footer line wider than the page (a recipient copy's stamp with long names)
// between the body and the page number: smaller type, wrapped on as many lines as it needs,
// never past the margins.
func (p *pdfPass) longFooter(y float64) {
	pdf := p.pdf
	const room = 7.5 // millimetres between the body's bottom margin and the page number
	var lines []string
	var lh float64
	for _, size := range []float64{6.5, 5.5, 4.5} {
		pdf.SetFont("sans", "", size)
		lines, lh = wrap(pdf, p.doc.Footer, contentW), size*0.42
		if float64(len(lines))*lh <= room {
			break
		}
	}
	top := y - 1 - float64(len(lines))*lh
	for i, l := range lines {
		pdf.SetXY(marginL, top+float64(i)*lh)
		pdf.CellFormat(contentW, lh, l, "", 0, "C", false, 0, "")
	}
}

func (p *pdfPass) bottom() float64 { return pageH - marginBottom }

// ensure starts a new page unless h millimetres still fit on this one.
func (p *pdfPass) ensure(h float64) bool {
	if p.pdf.GetY()+h > p.bottom() {
		p.pdf.AddPage()
		if p.tableHdr != nil {
			p.tableHdr()
		}
		return true
	}
	return false
}

func (p *pdfPass) cover() {
	pdf := p.pdf
	p.inCover = true
	pdf.AddPage()
	c := p.doc.Cover
	y := 40.0
	if c.Logo != nil && len(c.Logo.Data) > 0 {
		info := pdf.RegisterImageOptionsReader(c.Logo.Name, fpdf.ImageOptions{ImageType: c.Logo.Type}, bytes.NewReader(c.Logo.Data))
		if pdf.Ok() && info != nil {
			h := 18.0
			w := info.Width() * h / info.Height()
			if w > 80 {
				w, h = 80, info.Height()*80/info.Width()
			}
			pdf.ImageOptions(c.Logo.Name, marginL, y, w, h, false, fpdf.ImageOptions{ImageType: c.Logo.Type}, 0, "")
			y += h + 6
		} else {
			pdf.ClearError() // a logo the PDF library cannot read is left out, not fatal
		}
	}
	pdf.SetXY(marginL, y)
	pdf.SetFont("sans", "B", 12)
	pdf.CellFormat(contentW, 6, c.FirmName, "", 1, "L", false, 0, "")
	pdf.SetY(90)
	pdf.SetFont("sans", "B", 24)
	p.lines(p.doc.Title, 11, contentW)
	pdf.Ln(6)
	for i, l := range c.Lines {
		switch i {
		case 0:
			pdf.SetFont("sans", "B", 15)
			p.lines(l, 7.5, contentW)
		default:
			pdf.SetFont("serif", "", 11)
			p.lines(l, 5.5, contentW)
		}
		pdf.Ln(3)
	}
	if c.Restricted != "" {
		pdf.SetY(p.bottom() - 30)
		pdf.SetFont("serif", "I", 9)
		p.lines(c.Restricted, 4.5, contentW)
	}
	if v := c.Verification; v != nil {
		pdf.SetY(p.bottom() - 20)
		if v.URL != "" {
			// The QR code and the address open the verification page; the link also keeps the
			// address readable in the file, so an upload without a typed code still names it.
			pdf.LinkString(marginL, pdf.GetY(), contentW, 18, v.URL)
		}
		x := marginL
		if v.QR != nil && len(v.QR.Data) > 0 {
			pdf.RegisterImageOptionsReader("verification-qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(v.QR.Data))
			pdf.ImageOptions("verification-qr", marginL, pdf.GetY(), 18, 18, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			x += 22
		}
		pdf.SetXY(x, pdf.GetY()+4)
		pdf.SetFont("sans", "", 8)
		pdf.CellFormat(contentW-22, 4, "Verification code: "+v.Code, "", 2, "L", false, 0, "")
		if v.URL != "" {
			pdf.SetX(x)
			pdf.CellFormat(contentW-22, 4, v.URL, "", 2, "L", false, 0, "")
		}
		if v.Note != "" {
			pdf.SetX(x)
			pdf.CellFormat(contentW-22, 4, v.Note, "", 2, "L", false, 0, "")
		}
	}
	p.inCover = false
}

// contents reserves the contents pages: their heading now, and for each entry the page and line
// it will take; fillContents writes the entries once the sections have placed them.
func (p *pdfPass) contents() {
	pdf := p.pdf
	pdf.AddPage()
	p.tocFirst, p.tocLast = pdf.PageNo(), math.MaxInt // known once the entries are placed
	pdf.Bookmark("Contents", 0, -1)
	pdf.SetFont("sans", "B", 16)
	pdf.CellFormat(contentW, 9, "Contents", "", 1, "L", false, 0, "")
	pdf.Ln(4)
	p.tocY = make([]float64, len(p.entries))
	p.tocPage = make([]int, len(p.entries))
	for i := range p.entries {
		p.ensure(contentsLine)
		p.tocPage[i], p.tocY[i] = pdf.PageNo(), pdf.GetY()
		pdf.SetY(pdf.GetY() + contentsLine)
	}
	p.tocLast = pdf.PageNo()
}

// fillContents writes the contents entries, with their pages, on the pages contents reserved,
// then each contents page's footer, and returns to the last page.
func (p *pdfPass) fillContents() {
	pdf := p.pdf
	last := pdf.PageNo()
	page := 0
	for i, e := range p.entries {
		if p.tocPage[i] != page {
			if page != 0 {
				p.contentsFooter()
			}
			page = p.tocPage[i]
			pdf.SetPage(page)
			pdf.SetTextColor(0, 0, 0)
		}
		indent := float64(e.Level) * 6
		if e.Level == 0 {
			pdf.SetFont("serif", "B", 10)
		} else {
			pdf.SetFont("serif", "", 10)
		}
		text := fitText(pdf, e.Text, contentW-indent-14)
		pdf.SetXY(marginL+indent, p.tocY[i])
		pdf.CellFormat(contentW-indent-14, contentsLine, text, "", 0, "L", false, p.links[i], "")
		pdf.CellFormat(14, contentsLine, strconv.Itoa(p.pages[i]), "", 1, "R", false, p.links[i], "")
	}
	if page != 0 {
		p.contentsFooter()
	}
	p.tocDone = true
	pdf.SetPage(last)
}

func (p *pdfPass) contentsFooter() {
	p.tocDone = true
	p.footer()
	p.tocDone = false
}

// fitText shortens text with an ellipsis to fit width.
func fitText(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// mark records that the next contents entry starts here and links it.
func (p *pdfPass) mark(text string) {
	if p.entryIdx < len(p.entries) && p.entries[p.entryIdx].Text == text {
		p.pages[p.entryIdx] = p.pdf.PageNo()
		p.pdf.SetLink(p.links[p.entryIdx], p.pdf.GetY(), p.pdf.PageNo())
		p.entryIdx++
	}
}

func (p *pdfPass) section(s Section) {
	pdf := p.pdf
	pdf.AddPage()
	p.mark(s.Title)
	pdf.Bookmark(s.Title, 0, -1)
	pdf.SetFont("sans", "B", 15)
	p.lines(s.Title, 7.5, contentW)
	pdf.Ln(4)
	for i, b := range s.Blocks {
		p.block(b, s.Blocks[i+1:])
	}
}

func (p *pdfPass) block(b Block, rest []Block) {
	pdf := p.pdf
	switch b.Kind {
	case KindHeading:
		size, line := 12.5, 6.5
		switch b.Level {
		case 3:
			size, line = 10.5, 5.2
		case 4:
			size, line = 10, 5
		}
		pdf.SetFont("sans", "B", size)
		wrapped := wrap(pdf, b.Text, contentW)
		h := float64(len(wrapped))*line + 2
		// No heading alone at the foot of a page: it moves with the start of what follows.
		p.ensure(h + keepWithHeading)
		pdf.Ln(2)
		if b.Level == 2 {
			p.mark(b.Text)
		}
		if b.Outline {
			pdf.Bookmark(b.Text, b.Level-1, -1)
		}
		for _, l := range wrapped {
			pdf.CellFormat(contentW, line, l, "", 1, "L", false, 0, "")
		}
		pdf.Ln(1)
	case KindParagraph:
		size, line, style, family := bodySize, bodyLine, "", "serif"
		switch b.Emphasis {
		case "bold":
			style = "B"
		case "italic":
			style = "I"
		case "small":
			size, line, family = 8.5, 4.2, "sans"
		}
		pdf.SetFont(family, style, size)
		for _, l := range wrap(pdf, b.Text, contentW) {
			p.ensure(line)
			pdf.CellFormat(contentW, line, l, "", 1, "L", false, 0, "")
		}
		pdf.Ln(2.5)
	case KindList:
		pdf.SetFont("serif", "", bodySize)
		for i, item := range b.Items {
			bullet := "•"
			if b.Ordered {
				bullet = strconv.Itoa(i+1) + "."
			}
			lines := wrap(pdf, item, contentW-7)
			for j, l := range lines {
				p.ensure(bodyLine)
				if j == 0 {
					pdf.CellFormat(7, bodyLine, bullet, "", 0, "L", false, 0, "")
				} else {
					pdf.SetX(marginL + 7)
				}
				pdf.CellFormat(contentW-7, bodyLine, l, "", 1, "L", false, 0, "")
			}
			pdf.Ln(1)
		}
		pdf.Ln(1.5)
	case KindTable:
		p.table(b.Table)
	case KindImage:
		p.image(b.Image)
	case KindSignature:
		p.ensure(float64(len(b.Lines))*bodyLine + 12)
		pdf.Ln(6)
		for i, l := range b.Lines {
			if i == 0 {
				pdf.SetFont("serif", "B", bodySize)
			} else {
				pdf.SetFont("serif", "", bodySize)
			}
			pdf.CellFormat(contentW, bodyLine, l, "", 1, "L", false, 0, "")
		}
		pdf.Ln(3)
	}
}

func (p *pdfPass) image(im *Image) {
	if im == nil || len(im.Data) == 0 {
		return
	}
	pdf := p.pdf
	info := pdf.RegisterImageOptionsReader(im.Name, fpdf.ImageOptions{ImageType: im.Type}, bytes.NewReader(im.Data))
	if !pdf.Ok() || info == nil {
		pdf.ClearError()
		return
	}
	w := contentW
	h := info.Height() * w / info.Width()
	if maxH := pageH - marginTop - marginBottom - 10; h > maxH {
		h, w = maxH, info.Width()*maxH/info.Height()
	}
	p.ensure(h + 3)
	pdf.ImageOptions(im.Name, marginL, pdf.GetY(), w, h, false, fpdf.ImageOptions{ImageType: im.Type}, 0, "")
	pdf.SetY(pdf.GetY() + h + 3)
}

// table draws t with its header row repeated on every page it spans. A row moves whole to the
// next page when it does not fit; only a row taller than a whole page is continued, line by line.
func (p *pdfPass) table(t *Table) {
	pdf := p.pdf
	widths := columnWidths(t)
	pdf.SetFont("sans", "B", tableSize)
	hdrLines := make([][]string, len(t.Header))
	hdrN := 1
	for i, h := range t.Header {
		hdrLines[i] = wrap(pdf, h, widths[i]-2*cellPad)
		hdrN = max(hdrN, len(hdrLines[i]))
	}
	hdrH := float64(hdrN)*tableLine + 2*cellPad
	drawHeader := func() {
		pdf.SetFont("sans", "B", tableSize)
		pdf.SetFillColor(232, 236, 241)
		pdf.SetDrawColor(150, 150, 150)
		x, y := marginL, pdf.GetY()
		for i := range t.Header {
			pdf.Rect(x, y, widths[i], hdrH, "FD")
			for j, l := range hdrLines[i] {
				pdf.Text(x+cellPad, y+cellPad+float64(j)*tableLine+tableLine*0.78, l)
			}
			x += widths[i]
		}
		pdf.SetXY(marginL, y+hdrH)
		pdf.SetFont("serif", "", tableSize)
	}
	p.ensure(hdrH + 3*tableLine + 2*cellPad)
	drawHeader()
	p.tableHdr = drawHeader
	pdf.SetFont("serif", "", tableSize)
	for _, row := range t.Rows {
		cells := make([][]string, len(widths))
		n := 1
		for i := range widths {
			txt := ""
			if i < len(row) {
				txt = row[i]
			}
			cells[i] = wrap(pdf, txt, widths[i]-2*cellPad)
			n = max(n, len(cells[i]))
		}
		rowH := float64(n)*tableLine + 2*cellPad
		full := pageH - marginTop - marginBottom - hdrH
		if rowH <= full {
			p.ensure(rowH)
			p.rowPart(cells, widths, 0, n)
			continue
		}
		// Taller than a page: continue it across pages, never overflowing the bottom margin.
		for start := 0; start < n; {
			p.ensure(tableLine*3 + 2*cellPad)
			fit := int((p.bottom() - pdf.GetY() - 2*cellPad) / tableLine)
			end := min(n, start+fit)
			p.rowPart(cells, widths, start, end)
			start = end
		}
	}
	p.tableHdr = nil
	pdf.Ln(3)
}

// rowPart draws lines [from, to) of a row's cells.
func (p *pdfPass) rowPart(cells [][]string, widths []float64, from, to int) {
	pdf := p.pdf
	h := float64(to-from)*tableLine + 2*cellPad
	x, y := marginL, pdf.GetY()
	pdf.SetDrawColor(150, 150, 150)
	for i := range widths {
		pdf.Rect(x, y, widths[i], h, "D")
		for j := from; j < to && j < len(cells[i]); j++ {
			pdf.Text(x+cellPad, y+cellPad+float64(j-from)*tableLine+tableLine*0.78, cells[i][j])
		}
		x += widths[i]
	}
	pdf.SetXY(marginL, y+h)
}

func columnWidths(t *Table) []float64 {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	rel := make([]float64, n)
	total := 0.0
	for i := range rel {
		rel[i] = 1
		if i < len(t.Widths) && t.Widths[i] > 0 {
			rel[i] = t.Widths[i]
		}
		total += rel[i]
	}
	for i := range rel {
		rel[i] = rel[i] / total * contentW
	}
	for len(t.Header) < n {
		t.Header = append(t.Header, "")
	}
	return rel
}

// wrap breaks s into lines no wider than width in the current font, measuring with the font's
// real widths (fpdf's SplitText assumes core fonts). Newlines are kept; a word longer than a
// line is broken between characters.
func wrap(pdf *fpdf.Fpdf, s string, width float64) []string {
	var out []string
	space := pdf.GetStringWidth(" ")
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		var line strings.Builder
		lineW := 0.0
		for _, w := range words {
			ww := pdf.GetStringWidth(w)
			if ww > width {
				if line.Len() > 0 {
					out = append(out, line.String())
					line.Reset()
					lineW = 0
				}
				var chunk []rune
				for _, r := range w {
					if pdf.GetStringWidth(string(append(chunk, r))) > width && len(chunk) > 0 {
						out = append(out, string(chunk))
						chunk = nil
					}
					chunk = append(chunk, r)
				}
				line.WriteString(string(chunk))
				lineW = pdf.GetStringWidth(string(chunk))
				continue
			}
			if line.Len() == 0 {
				line.WriteString(w)
				lineW = ww
			} else if lineW+space+ww <= width {
				line.WriteByte(' ')
				line.WriteString(w)
				lineW += space + ww
			} else {
				out = append(out, line.String())
				line.Reset()
				line.WriteString(w)
				lineW = ww
			}
		}
		out = append(out, line.String())
	}
	return out
}

// lines prints s wrapped to width at the current position.
func (p *pdfPass) lines(s string, line, width float64) {
	for _, l := range wrap(p.pdf, s, width) {
		p.pdf.SetX(marginL)
		p.pdf.CellFormat(width, line, l, "", 1, "L", false, 0, "")
	}
}
