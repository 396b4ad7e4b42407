package templates

import (
	"context"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// Components that long lists render hundreds of times a page, written in Go: the code templ
// generates for a class list or an attribute costs about a microsecond a call (templ.CSSClasses,
// JoinStringErrs), which the request list paid 101 times for its badges and 300 times for its
// control filter (issue #19). The HTML is the same as the templ form's.

// StatusBadge shows a status word in a coloured pill.
func StatusBadge(kind, label string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<span class="badge badge-`+templ.EscapeString(kind)+`">`+templ.EscapeString(label)+`</span>`)
		return err
	})
}

// selectOptions are a select's options, value selected.
func selectOptions(options []Option, value string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		for _, o := range options {
			b.WriteString(`<option value="`)
			b.WriteString(templ.EscapeString(o.Value))
			if o.Value == value {
				b.WriteString(`" selected>`)
			} else {
				b.WriteString(`">`)
			}
			b.WriteString(templ.EscapeString(o.Label))
			b.WriteString(`</option>`)
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}
