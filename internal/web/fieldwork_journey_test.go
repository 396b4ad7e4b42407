package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func browserLogin(b *browsertest.Browser, email string) {
	if !strings.Contains(b.Location(), "/login") {
		b.Visit("/login")
	}
	b.Fill("#f-email", email)
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", ".user-name")
}

// fillArea types into a textarea (chromedp's Clear needs a text node an empty textarea lacks).
func fillArea(b *browsertest.Browser, sel, value string) {
	js, _ := json.Marshal(value)
	q, _ := json.Marshal(sel)
	browsertest.Eval[bool](b, fmt.Sprintf(`(function(){var e=document.querySelector(%s); e.focus(); e.value=%s; return true})()`, q, js))
}

func browserLogout(b *browsertest.Browser) {
	b.ClickAndWait(".user-menu button[type=submit]", "#f-email")
}

// TestBrowserFieldworkJourney: a staff auditor writes a test, uploads the population, draws the
// samples and records a deviation; the client writes management's response in the portal; the
// staff auditor signs off as preparer and a senior as reviewer.
func TestBrowserFieldworkJourney(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	f.app.StartJobs()
	b := browsertest.Start(t, f.app.HTTP.URL)
	csv := filepath.Join(t.TempDir(), "hires.csv")
	require.NoError(t, os.WriteFile(csv, hires(60), 0o644))

	browserLogin(b, "staff@firm.example")
	b.Visit(fmt.Sprintf("/engagements/%d/tests/new?control=%d", f.engagement, f.nl03))
	b.CheckAccessibility("new test")
	b.Select("#f-control_id", fmt.Sprint(f.nl03))
	b.Click(`input[name=techniques][value=inspection]`)
	fillArea(b, "#f-procedure", "Inspect training records for the sampled new hires.")
	fillArea(b, "#f-evidence_expected", "Training completion record per hire")
	b.ClickAndWait("form[action$='/tests'] button[type=submit]", "#save-test")
	assert.Contains(t, b.Text(".flash-success"), "Test of NL-03 created")
	b.CheckAccessibility("test page")
	testPath := strings.TrimPrefix(b.Location(), f.app.HTTP.URL)

	// The workpaper's parts each have their page: population and samples next.
	b.ClickAndWait(`nav[aria-label="Parts of the test"] a[href$="/population"]`, "#upload-population")
	b.CheckAccessibility("population and samples")
	b.Upload("#f-file", csv)
	fillArea(b, "#f-source", "HRIS new-hire report")
	fillArea(b, "#f-completeness_check", "Agreed the count to payroll additions")
	// The upload returns at once; the import runs as a job. While it runs the page polls its
	// progress (htmx) until it says it is done; a job already done when the page loads shows the
	// population itself. Either way, the reloaded page lists it.
	b.ClickAndWait("#upload-population", "#populations-table, .population-import")
	assert.Contains(t, b.Text(".flash-success"), "hires.csv received")
	b.WaitVisible("#populations-table, .population-import p[role=status]")
	b.Visit(testPath + "/population")
	assert.Contains(t, b.Text("#populations-table"), "hires.csv")
	assert.Contains(t, b.Text("#populations-table"), "60")
	b.WaitVisible("#draw-samples")
	assert.Contains(t, b.Text("#suggestion"), "Suggested sample size: 20")

	b.ClickAndWait("#draw-samples", "#samples-table")
	assert.Contains(t, b.Text(".flash-success"), "20 samples drawn")
	assert.Equal(t, "Random with seed", b.Text("#sample-method"))
	b.CheckAccessibility("test page with samples")
	testURL := strings.TrimPrefix(b.Location(), f.app.HTTP.URL)

	b.ClickAndWait("#samples-table a", "#save-sample")
	b.CheckAccessibility("sample")
	b.Select("#f-result", "deviation")
	fillArea(b, "#f-notes", "Training completed 45 days after the start date.")
	b.ClickAndWait("#save-sample", "#samples-table")
	assert.Contains(t, b.Text("#samples-table tbody"), "Deviation")
	b.Visit(testURL) // a fresh page without the previous flash
	b.ClickAndWait("form[action$='/samples/send'] button", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "20 samples marked sent")

	b.Visit(testPath + "/exceptions")
	b.CheckAccessibility("test exceptions")
	fillArea(b, "#f-description", "For 1 of 20 sampled new hires, training was completed 45 days after the start date.")
	b.Fill("#f-deviations", "1")
	b.Fill("#f-items_tested", "20")
	b.ClickAndWait("#record-exception", "#exception-description")
	exceptionURL := b.Location()
	b.CheckAccessibility("exception (auditor)")
	browserLogout(b)

	browserLogin(b, "dana@northwind.example")
	b.Visit(fmt.Sprintf("/engagements/%d/samples", f.engagement))
	b.CheckAccessibility("sample lists (client)")
	assert.Contains(t, b.Text("main"), "NL-03")
	b.Visit(fmt.Sprintf("/engagements/%d/exceptions", f.engagement))
	b.CheckAccessibility("exceptions (client)")
	b.ClickAndWait("#exceptions-table a", "#f-management_response")
	b.CheckAccessibility("exception (client)")
	fillArea(b, "#f-management_response", "Reminder automation added in July.")
	b.ClickAndWait("#submit-response", ".flash-success")
	assert.Contains(t, b.Text("#management-response"), "Reminder automation added in July.")
	browserLogout(b)

	// The rest of the sample is tested and evidenced (over HTTP: the keyboard grid has its own
	// journey), so the test may be signed as prepared.
	f.passUntested(t, f.login("staff@firm.example"), strings.TrimPrefix(testPath, "/tests/"))

	browserLogin(b, "staff@firm.example")
	b.Visit(strings.TrimPrefix(exceptionURL, f.app.HTTP.URL))
	assert.Contains(t, b.Text("#management-response"), "Reminder automation added in July.", "the auditors see the client's response")
	b.Visit(fmt.Sprintf("/engagements/%d/tests", f.engagement))
	b.CheckAccessibility("test list")
	b.ClickAndWait("#tests-table a", "#sign-preparer")
	b.ClickAndWait("#sign-preparer", ".flash-success")
	assert.Contains(t, b.Text("#prepared-by"), "staff")
	browserLogout(b)

	browserLogin(b, "senior@firm.example")
	b.Visit("/review")
	b.CheckAccessibility("review queue")
	b.ClickAndWait("#queue-tests a", "#sign-reviewer")
	b.ClickAndWait("#sign-reviewer", ".flash-success")
	assert.Contains(t, b.Text("#reviewed-by"), "senior")
	testURL = strings.TrimPrefix(b.Location(), f.app.HTTP.URL)

	// The reviewer raises a note on the test; the preparer answers it on the notes page, where a
	// blank answer is refused at the note and the error summary leads to its answer box.
	b.Visit(testURL + "/notes")
	b.CheckAccessibility("test review notes")
	fillArea(b, "#f-body", "Please attach the HR extract the population came from.")
	b.ClickAndWait("form[action$='/review-notes'] button[type=submit]", ".flash-success")
	assert.Contains(t, b.Text("#notes-h + .note"), "Please attach the HR extract")
	browserLogout(b)

	browserLogin(b, "staff@firm.example")
	b.Visit(fmt.Sprintf("/engagements/%d/review-notes", f.engagement))
	b.CheckAccessibility("review notes")
	b.ClickAndWait("form[action$='/answer'] button[type=submit]", ".error-summary")
	b.CheckAccessibility("review notes with a refused answer")
	b.Click(".error-summary a")
	assert.Equal(t, "response", browsertest.Eval[string](b, "document.activeElement.name"), "the summary leads to the answer box")
	fillArea(b, "form[action$='/answer'] textarea", "Attached to the population: HRIS export of 3 July.")
	b.ClickAndWait("form[action$='/answer'] button[type=submit]", ".flash-success")
	assert.Contains(t, b.Text(".note-response"), "HRIS export of 3 July")
}
