package report

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"text/template"
	"unicode"
	"unicode/utf8"
)

//go:embed wording/*.tmpl
var embeddedWording embed.FS

// DefaultWording is the wording Attest ships (internal/report/wording).
func DefaultWording() fs.FS {
	sub, err := fs.Sub(embeddedWording, "wording")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return sub
}

// Wording parses the report's fixed texts from a folder of templates, once per variant and
// opinion kind. A firm's own folder may hold only the files it changes: each file missing there
// comes from the shipped wording.
type Wording struct {
	FS    fs.FS // the firm's folder, or nil for the shipped wording
	mu    sync.Mutex
	cache map[string]*template.Template
}

// wording is what every template can use.
type wording struct {
	Firm, FirmCity, FirmState string
	ServiceOrg, System        string
	Type2, SOC3               bool
	Period                    string // "throughout the period January 1, 2026, to June 30, 2026" / "as of …"
	PeriodShort               string // "January 1, 2026, to June 30, 2026" / "September 30, 2026"
	Categories                string // "security and availability"
	CategoriesTitle           string // "Security and Availability"
	CarveOut, Inclusive       []Subservice
	CarveOutNames             string
	CarveOutServices          string
	InclusiveNames            string
	HasCUECs, HasCSOCs        bool
	Kind                      string
	Basis                     string // the partner's basis paragraphs (blank-line separated)
	BasisCriteria             string // "CC6.2 and CC7.2"
	ReportDate                string
	OfficerName, OfficerTitle string
	AssertionDate             string
}

var templateFuncs = template.FuncMap{"title": upperFirst}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func (w *Wording) set(variant Variant, kind string) (*template.Template, error) {
	if kind == "" {
		kind = "unmodified"
	}
	key := string(variant) + "/" + kind
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.cache[key]; ok {
		return t, nil
	}
	t := template.New(key).Funcs(templateFuncs).Option("missingkey=error")
	for _, name := range []string{"common.tmpl", string(variant) + ".tmpl", "opinion_" + kind + ".tmpl"} {
		src, err := w.read(name)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(name).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("report wording %s: %w", name, err)
		}
	}
	if w.cache == nil {
		w.cache = map[string]*template.Template{}
	}
	w.cache[key] = t
	return t, nil
}

func (w *Wording) read(name string) ([]byte, error) {
	if w.FS != nil {
		if b, err := fs.ReadFile(w.FS, name); err == nil {
			return b, nil
		}
	}
	b, err := fs.ReadFile(DefaultWording(), name)
	if err != nil {
		return nil, fmt.Errorf("report wording %s: %w", name, err)
	}
	return b, nil
}

// text executes one named template and returns its output trimmed.
func text(t *template.Template, name string, data wording) (string, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("report wording %q: %w", name, err)
	}
	return doublePeriod.ReplaceAllString(strings.TrimSpace(b.String()), "$1.$2"), nil
}

// doublePeriod catches "Northwind Ledger, Inc.." where a name ending in a period ends a sentence.
var doublePeriod = regexp.MustCompile(`([^.])\.\.([^.]|$)`)

// parseMarkup turns template output into blocks: a blank line ends a paragraph, "## " starts a
// heading, "- " a list item.
func parseMarkup(s string) []Block {
	var out []Block
	var para []string
	var items []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, Block{Kind: KindParagraph, Text: strings.Join(para, " ")})
			para = nil
		}
		if len(items) > 0 {
			out = append(out, Block{Kind: KindList, Items: items})
			items = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "## "):
			flush()
			out = append(out, Block{Kind: KindHeading, Level: 2, Text: strings.TrimSpace(line[3:])})
		case strings.HasPrefix(line, "- "):
			if len(para) > 0 {
				out = append(out, Block{Kind: KindParagraph, Text: strings.Join(para, " ")})
				para = nil
			}
			items = append(items, strings.TrimSpace(line[2:]))
		default:
			if len(items) > 0 {
				flush()
			}
			para = append(para, line)
		}
	}
	flush()
	return out
}
