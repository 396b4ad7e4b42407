package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// gridFixture is a test with three passed, evidenced samples and attributes A and B.
func gridFixture(t *testing.T) (*fieldworkFixture, string, []int64, []int64) {
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	samples := f.testSamples(t, staff, path, 3)
	for _, d := range []string{"Approval before access", "Approver is the system owner"} {
		resp := staff.PostForm(path+"/grid/attributes", url.Values{"description": {d}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	var attrs []int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM test_attributes WHERE test_id = ? ORDER BY position`, strings.TrimPrefix(path, "/tests/")).Scan(&attrs).Error)
	return f, path, samples, attrs
}

func cellResult(t *testing.T, f *fieldworkFixture, sample, attr int64) string {
	var r string
	f.app.DB.Raw(`SELECT coalesce(result, '') FROM sample_attribute_results WHERE sample_id = ? AND attribute_id = ?`, sample, attr).Row().Scan(&r)
	return r
}

// TestGridOverHTTP: attributes, a stale save refused with both versions, bulk-set with the plain
// form (redirected), and validation that keeps what was typed.
func TestGridOverHTTP(t *testing.T) {
	t.Parallel()
	f, path, samples, attrs := gridFixture(t)
	staff := f.login("staff@firm.example")
	page := staff.Get(path + "/grid")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "0 of 3 samples with a deviation")
	assert.Contains(t, page.Body, `id="grid-legend"`)
	assert.Contains(t, page.Body, "Approval before access")

	bad := staff.PostForm(path+"/grid/attributes", url.Values{"description": {"approval before access"}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	assert.Contains(t, bad.Body, "Attribute A already tests this.")

	// Bulk-set without JavaScript: A passes on all three rows; the browser is redirected.
	form := url.Values{"attribute_id": {fmt.Sprint(attrs[0])}, "result": {"pass"}, "note": {""}}
	var versions []int
	require.NoError(t, f.app.DB.Raw(`SELECT version FROM samples WHERE test_id = ? ORDER BY id`, strings.TrimPrefix(path, "/tests/")).Scan(&versions).Error)
	for i, id := range samples {
		form.Add("sample_id", fmt.Sprint(id))
		form.Set(fmt.Sprintf("version_%d", id), fmt.Sprint(versions[i]))
	}
	resp := staff.PostForm(path+"/grid/cells", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	for _, id := range samples {
		assert.Equal(t, "pass", cellResult(t, f, id, attrs[0]))
	}

	// The same versions again are stale: 409, both versions shown, nothing saved.
	form.Set("attribute_id", fmt.Sprint(attrs[1]))
	form.Set("result", "deviation")
	resp = staff.PostForm(path+"/grid/cells", form)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved 3 of these rows first")
	assert.Contains(t, resp.Body, "A=✓", "their stored version")
	assert.Contains(t, resp.Body, "yours: B=✗", "my change")
	assert.Equal(t, "", cellResult(t, f, samples[0], attrs[1]))

	// htmx: the changed row comes back out of band, no redirect.
	var v int
	require.NoError(t, f.app.DB.Raw(`SELECT version FROM samples WHERE id = ?`, samples[0]).Row().Scan(&v))
	req := url.Values{"attribute_id": {fmt.Sprint(attrs[1])}, "result": {"deviation"}, "sample_id": {fmt.Sprint(samples[0])},
		fmt.Sprintf("version_%d", samples[0]): {fmt.Sprint(v)}, "note": {"approved by the requester"}, "note_set": {"1"}}
	req.Set("_csrf", staff.CSRFToken())
	hx, err := http.NewRequest(http.MethodPost, staff.URL(path+"/grid/cells"), strings.NewReader(req.Encode()))
	require.NoError(t, err)
	hx.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hx.Header.Set("HX-Request", "true")
	resp = staff.Do(hx)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Body, fmt.Sprintf(`id="grid-row-%d"`, samples[0]))
	assert.Contains(t, resp.Body, `hx-swap-oob="true"`)
	assert.Contains(t, resp.Body, "1 of 3 samples with a deviation", "the deviation rolls up to the test")
	var result string
	require.NoError(t, f.app.DB.Raw(`SELECT result FROM samples WHERE id = ?`, samples[0]).Row().Scan(&result))
	assert.Equal(t, "deviation", result, "and to the sample")

	// XLSX export → edit → import through the pages.
	xlsx := staff.Get(path + "/grid.xlsx")
	require.Equal(t, http.StatusOK, xlsx.StatusCode)
	wb, err := excelize.OpenReader(strings.NewReader(xlsx.Body))
	require.NoError(t, err)
	rows, err := wb.GetRows("Grid")
	require.NoError(t, err)
	require.Len(t, rows, 4)
	require.NoError(t, wb.SetCellValue("Grid", "H3", "N/A")) // B of the second item (after #, key, 3 fields, A, A note)
	var buf bytes.Buffer
	require.NoError(t, wb.Write(&buf))
	resp = staff.Upload(path+"/grid/import", nil, webtest.File{Field: "file", Name: "grid.xlsx", Data: buf.Bytes()})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, "not_applicable", cellResult(t, f, samples[1], attrs[1]))
	resp = staff.Upload(path+"/grid/import", nil, webtest.File{Field: "file", Name: "grid.xlsx", Data: []byte(xlsx.Body)})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "the first export is stale now")
	assert.Contains(t, resp.Body, "changed in Attest after this file was exported")
}

// TestBrowserGridKeyboardAndBulkSet: results are entered with the keyboard and saved without a
// page reload; Space selects rows and one key sets every selected row.
func TestBrowserGridKeyboardAndBulkSet(t *testing.T) {
	t.Parallel()
	f, path, samples, attrs := gridFixture(t)
	b := browsertest.Start(t, f.app.HTTP.URL)
	browserLogin(b, "staff@firm.example")
	b.Visit(path + "/grid")
	b.CheckAccessibility("testing grid")
	browsertest.Eval[bool](b, `(window.__noReload = true)`)

	cell := func(sample, attr int64, result string) string {
		return fmt.Sprintf(`#grid-row-%d .grid-cell[data-attribute-id="%d"][data-result="%s"]`, sample, attr, result)
	}
	// Rows are replaced by out-of-band swaps; chromedp's WaitVisible can miss a node that replaces
	// one it was tracking, so the page is polled instead.
	waitFor := func(sel string) {
		q, _ := json.Marshal(sel)
		require.Eventually(t, func() bool {
			return browsertest.Eval[bool](b, fmt.Sprintf(`document.querySelector(%s) !== null`, q))
		}, 60*time.Second, 100*time.Millisecond, "waiting for %s", sel)
	}
	b.Click(fmt.Sprintf(`#grid-row-%d .grid-cell[data-attribute-id="%d"]`, samples[0], attrs[0]))
	b.Do("press P", chromedp.KeyEvent("p"))
	waitFor(cell(samples[0], attrs[0], "pass"))
	b.Do("arrow right, press D", chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent("d"))
	waitFor(cell(samples[0], attrs[1], "deviation"))
	assert.Contains(t, b.Text("#grid-summary"), "1 of 3 samples with a deviation")
	assert.Contains(t, b.Text("#grid-row-"+fmt.Sprint(samples[0])), "Deviation", "the row rolls up")

	// Down to the second row, select it and the third with Space, then N sets both.
	b.Do("select rows 2 and 3", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(" "))
	b.Do("press N", chromedp.KeyEvent("n"))
	waitFor(cell(samples[1], attrs[1], "not_applicable"))
	waitFor(cell(samples[2], attrs[1], "not_applicable"))
	// Left to A on the third row: P sets A on both selected rows.
	b.Do("arrow left, press P", chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent("p"))
	waitFor(cell(samples[1], attrs[0], "pass"))
	waitFor(cell(samples[2], attrs[0], "pass"))
	assert.True(t, browsertest.Eval[bool](b, `window.__noReload === true`), "saved without a page reload")
	assert.Equal(t, "pass", cellResult(t, f, samples[2], attrs[0]))
	assert.Equal(t, "not_applicable", cellResult(t, f, samples[1], attrs[1]))
	assert.Equal(t, "", cellResult(t, f, samples[0], attrs[0]+attrs[1]), "no stray cells")

	// The bulk-set form (also the path without JavaScript) with the rows still selected.
	browsertest.Eval[bool](b, `(document.getElementById("grid-status").innerHTML = "", true)`)
	b.Select("#f-bulk-attribute", fmt.Sprint(attrs[1]))
	b.Select("#f-bulk-result", "pass")
	b.ClickAndWait("#grid-bulk-apply", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "Saved B on 2 rows")
	assert.False(t, browsertest.Eval[bool](b, `window.__noReload === true`), "the form is the page-load path")
	assert.Equal(t, "pass", cellResult(t, f, samples[1], attrs[1]))
	assert.Equal(t, "pass", cellResult(t, f, samples[2], attrs[1]))
	assert.Equal(t, "deviation", cellResult(t, f, samples[0], attrs[1]), "unselected rows untouched")
}

// TestSampleExtensionOverHTTP: the extension form refuses more items than remain, then extends
// by the same size; the page shows both draws reperformed and "x of n" over the whole sample.
func TestSampleExtensionOverHTTP(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	f.startJobs()
	importPopulation(t, staff, f.app.DB, path, map[string]string{"source": "HRIS", "completeness_check": "Agreed to payroll"}, "hires.csv", hires(60))
	var popID string
	require.NoError(t, f.app.DB.Raw(`SELECT id::text FROM populations`).Row().Scan(&popID))
	resp := staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, staff.Get(path+"/population").Body)}, "population_id": {popID}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.NotContains(t, staff.Get(path+"/population").Body, `id="extend-form"`, "no deviation, no extension")
	var first int64
	require.NoError(t, f.app.DB.Raw(`SELECT min(id) FROM samples`).Row().Scan(&first))
	sp := fmt.Sprintf("/samples/%d", first)
	resp = staff.PostForm(sp, url.Values{"version": {version(t, staff.Get(sp).Body)}, "result": {"deviation"}, "notes": {"no approval"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	show := staff.Get(path + "/population")
	assert.Contains(t, show.Body, `id="extend-form"`)
	resp = staff.PostForm(path+"/samples/extend", url.Values{"version": {version(t, show.Body)}, "extend_size": {"41"}, "extend_justification": {"all"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "The population has only 40 items not yet selected (20 of 60 are in the sample): extend by at most 40.")
	assert.Contains(t, resp.Body, `value="41"`, "what was typed is kept")
	resp = staff.PostForm(path+"/samples/extend", url.Values{"version": {version(t, show.Body)}, "extend_justification": {"1 deviation in 20: 20 more"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	show = staff.Get(path + "/population")
	assert.Contains(t, show.Body, "1 of 40 samples with a deviation")
	assert.Contains(t, show.Body, "Selection reperformed", "the original draw reperforms")
	assert.Regexp(t, `Extension 1, reperformed with seed \d+ on hires.csv: the same 20 rows, none of the 20 selected before.`, show.Body)
	assert.Contains(t, staff.Get(path+"/grid").Body, "1 of 40 samples with a deviation")
}
