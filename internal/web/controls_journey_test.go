package web_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// A senior on the team imports the client's control matrix, sees it and its coverage gaps, and
// gets a row-by-row list of problems for a bad file, with nothing imported.
func TestBrowserControlMatrixImportAndCoverage(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security,availability}")
	b := browsertest.Start(t, f.app.HTTP.URL)
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "testdata", "control-matrices"))
	require.NoError(t, err)

	b.Visit("/login")
	b.Fill("#f-email", "sara@firm.example")
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", ".user-name")

	b.Visit(f.path("/controls"))
	assert.Contains(t, b.Text("main"), "No controls yet")
	b.CheckAccessibility("empty control matrix")

	b.ClickAndWait(`a[href$="/controls/import"]`, "#f-file")
	b.CheckAccessibility("control import form")

	// A bad file: every problem by row and column, nothing imported.
	b.Upload("#f-file", filepath.Join(fixtures, "bad.csv"))
	b.ClickAndWait("form[enctype] button[type=submit]", "#import-problems")
	problems := b.Text("#import-problem-list")
	assert.Contains(t, problems, "CC7.9 is not a Trust Services Criterion")
	assert.Contains(t, problems, "D (frequency)")
	assert.Contains(t, problems, "Missing control description")
	assert.Equal(t, 5, browsertest.Eval[int](b, `document.querySelectorAll('#import-problem-list tbody tr').length`))
	assert.Contains(t, b.Text("#import-warnings"), "Coverage question")
	b.CheckAccessibility("import problems")
	var n int64
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&n))
	assert.Zero(t, n)

	// The good file.
	b.Upload("#f-file", filepath.Join(fixtures, "good.xlsx"))
	b.ClickAndWait("form[enctype] button[type=submit]", "#control-matrix")
	assert.Contains(t, b.Text(".flash-success"), "Imported 6 controls from good.xlsx")
	matrix := b.Text("#control-matrix")
	assert.Contains(t, matrix, "Annual risk assessment approved by leadership")
	assert.Contains(t, matrix, "CC3.1, CC3.2, CC3.3, CC3.4")
	b.CheckAccessibility("control matrix")

	// Filter and sort work in the browser.
	b.Fill("#control-matrix-filter", "backups")
	assert.Equal(t, 1, browsertest.Eval[int](b, `[...document.querySelectorAll('#control-matrix tbody tr')].filter(r => !r.hidden).length`))
	browsertest.Eval[bool](b, `(() => { const i = document.querySelector('#control-matrix-filter'); i.value = ''; return i.dispatchEvent(new Event('input', {bubbles: true})); })()`)
	assert.Equal(t, 6, browsertest.Eval[int](b, `[...document.querySelectorAll('#control-matrix tbody tr')].filter(r => !r.hidden).length`))
	first := `document.querySelector('#control-matrix tbody tr td').textContent.trim()`
	b.Click("#control-matrix thead th:nth-child(1) button")
	assert.Equal(t, "ascending", browsertest.Eval[string](b, `document.querySelector('#control-matrix thead th').getAttribute('aria-sort')`))
	assert.Equal(t, "CC-01", browsertest.Eval[string](b, first))
	b.Click("#control-matrix thead th:nth-child(1) button")
	assert.Equal(t, "CC-06", browsertest.Eval[string](b, first), "descending; lowercase cc-04 sorts among the others")

	b.ClickAndWait(`a[aria-label="Edit CC-01"]`, "#f-ref")
	assert.Equal(t, "CC-01", browsertest.Eval[string](b, `document.querySelector('#f-ref').value`))
	b.CheckAccessibility("edit control")
	b.Visit(f.path("/complementary-controls/new?kind=cuec"))
	b.CheckAccessibility("new CUEC")
	b.Visit(f.path("/controls"))

	b.ClickAndWait(`.tabs a[href$="/coverage"]`, "#coverage-summary")
	assert.Equal(t, "12 of 36 criteria covered", b.Text("#coverage-summary"))
	assert.Contains(t, b.Text("#criterion-A1\\.1"), "No control", "an uncovered criterion is flagged")
	assert.NotContains(t, b.Text("#criterion-A1\\.2"), "No control")
	assert.Contains(t, b.Text("#uncovered-list"), "CC9.2")
	b.CheckAccessibility("coverage")
}
