package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// overflowingCards lists what sticks out of its card (or makes the page scroll sideways): an
// element whose right edge passes its card's, unless a scrolling box inside the card holds it.
const overflowingCards = `(function(){
	var bad = [];
	if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push('the page scrolls sideways');
	document.querySelectorAll('.card').forEach(function(card){
		var edge = card.getBoundingClientRect().right;
		card.querySelectorAll('*').forEach(function(el){
			var r = el.getBoundingClientRect();
			if (r.width === 0 || r.right <= edge + 1) return;
			for (var p = el.parentElement; p; p = p.parentElement) {
				var o = getComputedStyle(p).overflowX;
				if (o === 'auto' || o === 'scroll' || o === 'hidden') {
					if (p.getBoundingClientRect().right <= edge + 1) return; // scrolls inside the card
				}
				if (p === card) break;
			}
			bad.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
		});
	});
	return bad;
})()`

// TestBrowserWorkpapersFitAt1366: at 1366 px (a common auditor's laptop) long hashes wrap and
// wide tables scroll inside their card, every part of a test's workpaper and the pages around it
// stay inside the window, and the filter forms sit in one row above their tables.
func TestBrowserWorkpapersFitAt1366(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	f.startJobs()
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	importPopulation(t, staff, f.app.DB, path, map[string]string{"source": strings.Repeat("HRIS new-hire report with a long name ", 4),
		"completeness_check": "Agreed the count to payroll additions"}, "new-hires-with-a-rather-long-file-name-2026-h1.csv", hires(60))
	resp := staff.Upload(path+"/evidence", map[string]string{"pertains_to": "2026-03-01"},
		webtest.File{Field: "files", Name: "walkthrough-screenshot-of-the-hr-system-onboarding-checklist.pdf", Data: []byte("%PDF-1.4 walkthrough")})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = staff.PostForm(path+"/exceptions", url.Values{"description": {"For 1 of 25 sampled hires training was late."},
		"deviations": {"1"}, "items_tested": {"25"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	b := browsertest.Start(t, f.app.HTTP.URL)
	b.Do("1366 px wide", chromedp.EmulateViewport(1366, 768))
	browserLogin(b, "manager@firm.example")
	eng := fmt.Sprintf("/engagements/%d", f.engagement)
	for _, page := range []string{path, path + "/population", path + "/grid", path + "/evidence", path + "/exceptions", path + "/notes",
		fmt.Sprintf("/controls/%d", f.nl03), eng + "/controls", eng + "/tests", eng + "/requests", eng + "/audit", "/engagements"} {
		b.Visit(page)
		assert.Empty(t, browsertest.Eval[[]string](b, overflowingCards), "%s at 1366 px", page)
	}
	b.Visit(path + "/population")
	assert.Contains(t, b.Text("#populations-table"), "new-hires-with-a-rather-long-file-name-2026-h1.csv")
	b.CheckAccessibility("population and samples at 1366 px")
	b.Visit(eng + "/audit")
	b.CheckAccessibility("audit trail with changes")
	b.Visit(fmt.Sprintf("/controls/%d", f.nl03))
	b.CheckAccessibility("control page")
	b.Visit(path + "/evidence")
	b.CheckAccessibility("test evidence")

	// Filters: every field and the button on one line (the same top), above the table.
	for _, page := range []string{"/engagements", eng + "/tests", eng + "/requests", eng + "/audit"} {
		b.Visit(page)
		tops := browsertest.Eval[[]float64](b, `Array.from(document.querySelectorAll('form.filters > .field, form.filters > .filter-actions')).map(function(e){ return Math.round(e.getBoundingClientRect().bottom); })`)
		require.NotEmpty(t, tops, page)
		for _, top := range tops {
			assert.InDelta(t, tops[0], top, 2, "%s: the filter form wraps onto a second row", page)
		}
		assert.True(t, browsertest.Eval[bool](b, `(function(){ var f = document.querySelector('form.filters'), t = document.querySelector('main table'); return !t || (f.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0; })()`),
			"%s: the filters come before the table", page)
	}
}
