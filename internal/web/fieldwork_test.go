package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// fieldworkFixture is a Type II engagement with a team, a client user and two controls, made
// with plain SQL because engagements and controls are built elsewhere.
type fieldworkFixture struct {
	app        *webtest.App
	engagement int64
	clientID   int64
	nl03, nl05 int64
	jobs       bool // background jobs started
}

func newFieldworkFixture(t *testing.T) *fieldworkFixture {
	app := webtest.New(t)
	f := &fieldworkFixture{app: app, clientID: app.CreateClient("Northwind Ledger")}
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
		VALUES (?, 'Northwind 2026', 'type2', '2026-01-01', '2026-06-30', 'fieldwork') RETURNING id`, f.clientID).Row().Scan(&f.engagement))
	for _, m := range []struct {
		email string
		role  auth.Role
		team  string
	}{{"manager@firm.example", auth.RoleManager, "manager"}, {"senior@firm.example", auth.RoleSenior, "senior"}, {"staff@firm.example", auth.RoleStaff, "staff"}} {
		u := app.CreateUser(m.email, m.role, 0)
		require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, f.engagement, u.ID, m.team).Error)
	}
	app.CreateUser("outsider@firm.example", auth.RoleStaff, 0)
	app.CreateUser("dana@northwind.example", auth.RoleClient, f.clientID)
	other := app.CreateClient("Bluejay")
	app.CreateUser("lee@bluejay.example", auth.RoleClient, other)
	f.nl03 = f.control(t, "NL-03", "as_needed", "CC1.4", "CC2.2")
	f.nl05 = f.control(t, "NL-05", "as_needed", "CC6.2")
	return f
}

func (f *fieldworkFixture) control(t *testing.T, ref, freq string, criteria ...string) int64 {
	var id int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, ?, ?, ?) RETURNING id`,
		f.engagement, ref, "Control "+ref, freq).Row().Scan(&id))
	for _, c := range criteria {
		require.NoError(t, f.app.DB.Exec(`INSERT INTO control_criteria (control_id, criterion_id) VALUES (?, ?)`, id, c).Error)
	}
	return id
}

// startJobs works the population imports of the fixture's app, once.
func (f *fieldworkFixture) startJobs() {
	if !f.jobs {
		f.app.StartJobs()
		f.jobs = true
	}
}

func (f *fieldworkFixture) login(email string) *webtest.Client {
	c := f.app.NewClient()
	c.Login(email)
	return c
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

func version(t *testing.T, body string) string {
	m := versionField.FindStringSubmatch(body)
	require.NotNil(t, m, "no version field on the page")
	return m[1]
}

// createTest posts the new-test form and returns the test's path.
func (f *fieldworkFixture) createTest(t *testing.T, c *webtest.Client, controlID int64, techniques ...string) string {
	resp := c.PostForm(fmt.Sprintf("/engagements/%d/tests", f.engagement), url.Values{"control_id": {fmt.Sprint(controlID)},
		"techniques": techniques, "procedure": {"Inspect training records for sampled hires."}, "result": {"in_progress"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	return resp.Header.Get("Location")
}

func TestTestPagesEditConflictAndSignOffs(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff, senior := f.login("staff@firm.example"), f.login("senior@firm.example")

	page := staff.Get(fmt.Sprintf("/engagements/%d/tests/new?control=%d", f.engagement, f.nl03))
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "Security awareness training", "the library offers procedures of CC1.4")
	// The library chooser and the test form are separate cards, each with its heading.
	assert.Regexp(t, `<form method="get"[^>]*class="card"[^>]*>\s*<h2 id="library-h">Start from the procedure library</h2>`, page.Body)
	assert.Regexp(t, `<form method="post"[^>]*class="card"[^>]*>\s*<h2 id="test-h">The test</h2>`, page.Body)

	bad := staff.PostForm(fmt.Sprintf("/engagements/%d/tests", f.engagement), url.Values{"control_id": {fmt.Sprint(f.nl03)}, "procedure": {"kept text"}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	assert.Contains(t, bad.Body, "Choose at least one technique.")
	assert.Contains(t, bad.Body, "kept text")

	path := f.createTest(t, staff, f.nl03, "inquiry")
	show := staff.Get(path)
	assert.Contains(t, show.Body, "Inquiry alone is not sufficient evidence", "inquiry alone is flagged")
	v := version(t, show.Body)

	list := staff.Get(fmt.Sprintf("/engagements/%d/tests?result=in_progress", f.engagement))
	assert.Contains(t, list.Body, fmt.Sprintf(`href="/engagements/%d/tests/new?control=%d">Create a test of NL-05`, f.engagement, f.nl05))
	assert.NotContains(t, list.Body, "Create a test of NL-03", "NL-03 has its test")
	assert.Contains(t, list.Body, "Inquiry alone: insufficient")
	assert.Contains(t, list.Body, "NL-03")
	assert.Contains(t, staff.Get(fmt.Sprintf("/engagements/%d/tests?result=no_exceptions", f.engagement)).Body, "No tests match.", "the result filter applies")

	// Concluding needs tested samples with evidence: refused first, with what is missing.
	resp := staff.PostForm(path, url.Values{"version": {v}, "techniques": {"inquiry", "inspection"}, "procedure": {"Staff's procedure"},
		"result": {"no_exceptions"}, "result_text": {"No exceptions noted."}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "This test cannot be concluded yet: select the samples first")
	assert.Contains(t, show.Body, `id="conclusion-blocked"`, "the test page says what the conclusion still needs")
	f.testSamples(t, staff, path, 2)
	show = staff.Get(path)
	assert.NotContains(t, show.Body, `id="conclusion-blocked"`)
	v = version(t, show.Body)

	// Two auditors save the same version: the second sees both versions and keeps their input.
	resp = staff.PostForm(path, url.Values{"version": {v}, "techniques": {"inquiry", "inspection"}, "procedure": {"Staff's procedure"},
		"result": {"no_exceptions"}, "result_text": {"No exceptions noted."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = senior.PostForm(path, url.Values{"version": {v}, "techniques": {"inspection"}, "procedure": {"Senior's procedure"}, "result": {"in_progress"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved this test first")
	assert.Contains(t, resp.Body, "Staff&#39;s procedure", "their version is shown")
	assert.Contains(t, resp.Body, "Senior&#39;s procedure", "my input is kept")
	show = staff.Get(path)
	assert.Contains(t, show.Body, "Staff&#39;s procedure")
	assert.NotContains(t, show.Body, "Senior&#39;s procedure", "never a silent overwrite")

	// Sign-offs: the preparer cannot review their own work; staff cannot review at all.
	resp = staff.PostForm(path+"/prepare", url.Values{"version": {version(t, show.Body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	show = senior.Get(path)
	assert.Contains(t, show.Body, "staff on ")
	resp = staff.PostForm(path+"/review", url.Values{"version": {version(t, show.Body)}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "staff are not reviewers")

	queue := senior.Get("/review")
	require.Equal(t, http.StatusOK, queue.StatusCode)
	assert.Contains(t, queue.Body, "Test of NL-03")

	resp = senior.PostForm(path+"/review", url.Values{"version": {version(t, show.Body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.NotContains(t, senior.Get("/review").Body, "Test of NL-03", "reviewed tests leave the queue")

	// Editing after review clears the sign-offs and marks the test.
	show = staff.Get(path)
	resp = staff.PostForm(path, url.Values{"version": {version(t, show.Body)}, "techniques": {"inquiry", "inspection"},
		"procedure": {"Staff's procedure, revised"}, "result": {"no_exceptions"}, "result_text": {"No exceptions noted."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	show = staff.Get(path)
	assert.Contains(t, show.Body, "Edited after review")
	assert.Contains(t, show.Body, "Not reviewed")

	// A senior preparing their own test is refused as reviewer with a message.
	resp = senior.PostForm(path+"/prepare", url.Values{"version": {version(t, show.Body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	show = senior.Get(path)
	resp = senior.PostForm(path+"/review", url.Values{"version": {version(t, show.Body)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "You prepared this test, so you cannot review it.")

	// A review note on the test: an empty one is refused on the test page, keeping nothing lost.
	resp = senior.PostForm(fmt.Sprintf("/engagements/%d/review-notes", f.engagement), url.Values{"target_type": {"test"},
		"target_id": {strings.TrimPrefix(path, "/tests/")}, "body": {"   "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Write the note")
	assert.Contains(t, resp.Body, "Test of NL-03")

	// Not on the team: no access.
	assert.Equal(t, http.StatusForbidden, f.login("outsider@firm.example").Get(path).StatusCode)
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").Get(path).StatusCode)
}

func uploadPopulation(t *testing.T, c *webtest.Client, testPath string, fields map[string]string, name string, data []byte) webtest.Response {
	t.Helper()
	return c.Upload(testPath+"/populations", fields, webtest.File{Field: "file", Name: name, Data: data})
}

// importPopulation uploads a population and waits for its background import to finish (the
// app must work jobs: App.StartJobs); it returns the import's progress fragment at the end.
func importPopulation(t *testing.T, c *webtest.Client, db *gorm.DB, testPath string, fields map[string]string, name string, data []byte) webtest.Response {
	t.Helper()
	resp := uploadPopulation(t, c, testPath, fields, name, data)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var importID int64
	require.NoError(t, db.Raw(`SELECT max(id) FROM population_imports`).Row().Scan(&importID))
	var frag webtest.Response
	require.Eventually(t, func() bool {
		frag = c.Get(fmt.Sprintf("%s/imports/%d", testPath, importID))
		return !strings.Contains(frag.Body, "hx-trigger")
	}, 20*time.Second, 50*time.Millisecond, "the import never finished")
	return frag
}

func hires(n int) []byte {
	var b strings.Builder
	b.WriteString("employee_id,name,start_date\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "E%03d,Hire %d,2026-0%d-10\n", i, i, 1+i%6)
	}
	return []byte(b.String())
}

func TestPopulationSamplesAndClientSampleList(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	f.app.StartJobs()
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	fields := map[string]string{"source": "HRIS new-hire report", "completeness_check": "Agreed to payroll"}

	resp := uploadPopulation(t, staff, path, map[string]string{"source": "HRIS new-hire report"}, "hires.csv", hires(3))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Say how you checked")
	assert.Contains(t, resp.Body, "HRIS new-hire report", "typed source kept")

	// The file is checked by the import job: its problems show on the test page by row and column.
	frag := importPopulation(t, staff, f.app.DB, path, fields, "hires.csv", []byte("employee_id,name\nE1,a\nE1,b\n"))
	assert.Contains(t, frag.Body, "hires.csv: Not imported")
	assert.Contains(t, frag.Body, "Row 3, column A (employee_id): the item key &#34;E1&#34; repeats row 2")
	assert.Contains(t, staff.Get(path+"/population").Body, "Row 3, column A (employee_id)", "the refusal stays on the test page")
	var n int
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM populations`).Row().Scan(&n))
	assert.Zero(t, n)

	frag = importPopulation(t, staff, f.app.DB, path, fields, "hires.csv", hires(60))
	assert.Contains(t, frag.Body, "60 items imported")
	show := staff.Get(path + "/population")
	assert.NotContains(t, show.Body, "Not imported", "a refused file no longer shows once a population is in")
	assert.Contains(t, show.Body, "Suggested sample size: 20")
	var popID string
	require.NoError(t, f.app.DB.Raw(`SELECT id::text FROM populations`).Row().Scan(&popID))

	resp = staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, show.Body)}, "population_id": {popID}, "size": {"61"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "larger than the population (60 items)")
	resp = staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, show.Body)}, "population_id": {popID}, "seed": {"abc"}})
	assert.Contains(t, resp.Body, "The seed must be a whole number")
	resp = staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, show.Body)}, "population_id": {popID}, "size": {"25"}})
	assert.Contains(t, resp.Body, "Explain why you use 25")

	resp = staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, show.Body)}, "population_id": {popID}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	show = staff.Get(path + "/population")
	assert.Contains(t, show.Body, "Random with seed")
	assert.Regexp(t, `<p id="reperformance"><span class="badge badge-success">Selection reperformed</span> Reperformed with seed \d+ on hires.csv \(SHA-256 [0-9a-f]{12}…\): the same 20 rows.</p>`, show.Body)
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM samples`).Row().Scan(&n))
	assert.Equal(t, 20, n)

	xlsx := staff.Get(path + "/samples.xlsx")
	require.Equal(t, http.StatusOK, xlsx.StatusCode)
	wb, err := excelize.OpenReader(strings.NewReader(xlsx.Body))
	require.NoError(t, err)
	rows, err := wb.GetRows("Samples")
	require.NoError(t, err)
	assert.Len(t, rows, 21)

	// The client sees nothing until the list is sent.
	dana := f.login("dana@northwind.example")
	samplesPath := fmt.Sprintf("/engagements/%d/samples", f.engagement)
	assert.Contains(t, dana.Get(samplesPath).Body, "No sample lists have been sent to you yet.")
	assert.Equal(t, http.StatusNotFound, dana.Get(path+"/sample-list.xlsx").StatusCode, "nothing sent: no list to download")
	assert.Equal(t, http.StatusForbidden, dana.Get(path+"/samples.xlsx").StatusCode, "the auditors' export is not the client's")
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").Get(samplesPath).StatusCode)
	resp = staff.PostForm(path+"/samples/send", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := dana.Get(samplesPath)
	assert.Contains(t, page.Body, "NL-03")
	assert.Contains(t, page.Body, `href="`+path+`/sample-list.xlsx"`)
	clientXLSX := dana.Get(path + "/sample-list.xlsx")
	require.Equal(t, http.StatusOK, clientXLSX.StatusCode)
	wb, err = excelize.OpenReader(strings.NewReader(clientXLSX.Body))
	require.NoError(t, err)
	rows, err = wb.GetRows("Samples")
	require.NoError(t, err)
	assert.Len(t, rows, 21, "the client downloads the 20 items sent")
	assert.Equal(t, []string{"#", "Item key", "employee_id", "name", "start_date", "Evidence provided (client)"}, rows[0])
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").Get(path+"/sample-list.xlsx").StatusCode)
	assert.Contains(t, page.Body, "employee_id: E0")
	assert.Equal(t, http.StatusForbidden, dana.Get(path).StatusCode, "clients never see the workpaper")

	// Samples: a conflict on the same sample shows both versions.
	var sampleID int64
	require.NoError(t, f.app.DB.Raw(`SELECT min(id) FROM samples`).Row().Scan(&sampleID))
	sp := fmt.Sprintf("/samples/%d", sampleID)
	samplePage := staff.Get(sp)
	assert.Regexp(t, `<dt>employee_id</dt><dd>E\d+</dd><dt>name</dt>`, samplePage.Body, "item fields in the file's column order")
	sv := version(t, samplePage.Body)
	resp = staff.PostForm(sp, url.Values{"version": {sv}, "result": {"pass"}, "attributes_tested": {"completed within 30 days"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = f.login("senior@firm.example").PostForm(sp, url.Values{"version": {sv}, "result": {"deviation"}, "notes": {"My deviation note"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "My deviation note")
	assert.Contains(t, resp.Body, `<dd id="conflict-result">Pass</dd>`)
}

func TestExceptionResponseByClientAndEvaluation(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl05, "inspection", "reperformance")

	resp := staff.PostForm(path+"/exceptions", url.Values{"description": {""}, "deviations": {"2"}, "items_tested": {"1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "More deviations (2) than items tested (1).")

	resp = staff.PostForm(path+"/exceptions", url.Values{"description": {"kept description"}, "deviations": {"1"}, "items_tested": {"15"}, "criteria": {"CC7.1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "CC7.1 is not mapped to control NL-05.")
	assert.Contains(t, resp.Body, "kept description")

	resp = staff.PostForm(path+"/exceptions", url.Values{"description": {"For 1 of 15 leavers, access was removed 4 days after termination."},
		"cause": {"Ticket picked up late"}, "deviations": {"1"}, "items_tested": {"15"}, "criteria": {"CC6.2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	xPath := resp.Header.Get("Location")

	// The firm cannot write management's response; the client can.
	xv := version(t, staff.Get(xPath).Body)
	assert.Equal(t, http.StatusForbidden, staff.PostForm(xPath+"/response", url.Values{"version": {xv}, "management_response": {"x"}}).StatusCode)
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").Get(xPath).StatusCode)

	dana := f.login("dana@northwind.example")
	list := dana.Get(fmt.Sprintf("/engagements/%d/exceptions", f.engagement))
	require.Equal(t, http.StatusOK, list.StatusCode)
	assert.Contains(t, list.Body, "Awaiting response")
	assert.NotContains(t, list.Body, "Criteria status", "the roll-up is for auditors")
	page := dana.Get(xPath)
	assert.NotContains(t, page.Body, "Auditor&#39;s evaluation")
	assert.NotContains(t, page.Body, `id="open-test"`, "clients never see the workpaper")
	resp = dana.PostForm(xPath+"/response", url.Values{"version": {version(t, page.Body)}, "management_response": {" "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp = dana.PostForm(xPath+"/response", url.Values{"version": {version(t, page.Body)}, "management_response": {"Offboarding now triggered automatically from the HR system."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, http.StatusForbidden, dana.PostForm(xPath+"/evaluation", url.Values{"version": {"2"}, "evaluation": {"isolated"}}).StatusCode)

	// The auditor evaluates; a stale version is a conflict with their input kept.
	senior := f.login("senior@firm.example")
	page = senior.Get(xPath)
	assert.Contains(t, page.Body, "Offboarding now triggered automatically")
	assert.Contains(t, page.Body, "suggests: systematic")
	resp = senior.PostForm(xPath+"/evaluation", url.Values{"version": {xv}, "evaluation": {"isolated"}, "criteria_met": {"yes"}, "evaluation_notes": {"stale note"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "stale note")
	resp = senior.PostForm(xPath+"/evaluation", url.Values{"version": {version(t, page.Body)}, "evaluation": {"isolated"}, "criteria_met": {"no"}, "evaluation_notes": {"One leaver."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	list = senior.Get(fmt.Sprintf("/engagements/%d/exceptions", f.engagement))
	assert.Regexp(t, `CC6.2[^<]*</td>\s*<td><span class="badge badge-danger">Not met`, list.Body)
	assert.Contains(t, list.Body, `<p class="flash flash-error" id="criteria-not-met">Criteria not met: CC6.2</p>`)
}

func TestReviewNotesRaiseAnswerClear(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff, senior, manager := f.login("staff@firm.example"), f.login("senior@firm.example"), f.login("manager@firm.example")
	notes := fmt.Sprintf("/engagements/%d/review-notes", f.engagement)

	resp := senior.PostForm(notes, url.Values{"target_type": {"control"}, "target_id": {fmt.Sprint(f.nl05)}, "body": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp = senior.PostForm(notes, url.Values{"target_type": {"control"}, "target_id": {fmt.Sprint(f.nl05)}, "body": {"Is the 1-business-day rule in the policy?"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var noteID int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM review_notes`).Row().Scan(&noteID))
	np := fmt.Sprintf("/review-notes/%d", noteID)

	queue := staff.Get("/review").Body
	assert.Contains(t, queue, "Is the 1-business-day rule in the policy?", "the note waits in the preparers' queue")
	assert.Contains(t, queue, fmt.Sprintf(`href="%s#note-%d">Open to answer</a>`, notes, noteID))
	resp = staff.PostForm(np+"/answer", url.Values{"version": {"1"}, "response": {"Yes, section 4.2 of the access policy."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, senior.Get("/review").Body, "section 4.2", "answered notes wait in the author's queue")

	resp = staff.PostForm(np+"/clear", url.Values{"version": {"2"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Only the note&#39;s author")
	resp = manager.PostForm(np+"/clear", url.Values{"version": {"2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, senior.Get(notes).Body, "Cleared by manager")
	assert.Equal(t, http.StatusForbidden, f.login("dana@northwind.example").Get(notes).StatusCode, "review notes are the firm's")
}

var summaryLink = regexp.MustCompile(`<div class="error-summary"[\s\S]*?</div>`)
var hrefFragment = regexp.MustCompile(`href="#([^"]+)"`)

// assertSummaryLinksResolve checks that every link of the page's error summary points to an
// element of the page, and returns the linked ids.
func assertSummaryLinksResolve(t *testing.T, body string) []string {
	t.Helper()
	summary := summaryLink.FindString(body)
	require.NotEmpty(t, summary, "the page has no error summary")
	var ids []string
	for _, m := range hrefFragment.FindAllStringSubmatch(summary, -1) {
		assert.Contains(t, body, `id="`+m[1]+`"`, "the error summary links to #%s, which is not on the page", m[1])
		ids = append(ids, m[1])
	}
	require.NotEmpty(t, ids, "the error summary links to no field")
	return ids
}

// TestFieldworkErrorSummariesLinkToFields: a refused or conflicting review-note answer and a
// conflicting exception evaluation or response link their error summary to a field on the page,
// and the answer typed is kept at its note.
func TestFieldworkErrorSummariesLinkToFields(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff, senior := f.login("staff@firm.example"), f.login("senior@firm.example")
	notes := fmt.Sprintf("/engagements/%d/review-notes", f.engagement)
	resp := senior.PostForm(notes, url.Values{"target_type": {"control"}, "target_id": {fmt.Sprint(f.nl05)}, "body": {"Which policy says so?"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var noteID int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM review_notes`).Row().Scan(&noteID))
	np := fmt.Sprintf("/review-notes/%d", noteID)

	resp = staff.PostForm(np+"/answer", url.Values{"version": {"1"}, "response": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, []string{fmt.Sprintf("f-answer-%d", noteID)}, assertSummaryLinksResolve(t, resp.Body))
	assert.Contains(t, resp.Body, fmt.Sprintf(`<p class="error-message" id="e-answer-%d">Write your answer to the note.</p>`, noteID))

	resp = staff.PostForm(np+"/answer", url.Values{"version": {"7"}, "response": {"Section 4.2 of the access policy."}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, []string{fmt.Sprintf("f-answer-%d", noteID)}, assertSummaryLinksResolve(t, resp.Body))
	assert.Regexp(t, fmt.Sprintf(`<textarea id="f-answer-%d"[^>]*>Section 4.2 of the access policy.</textarea>`, noteID), resp.Body, "the typed answer is kept")
	assert.Contains(t, resp.Body, "Which policy says so?", "the note as it is now is shown")

	resp = staff.PostForm(np+"/clear", url.Values{"version": {"1"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, []string{fmt.Sprintf("f-clear-%d", noteID)}, assertSummaryLinksResolve(t, resp.Body))
	// Each note is a card; its answer box is a labelled field like any other.
	assert.Regexp(t, fmt.Sprintf(`<article class="card note" id="note-%d">`, noteID), resp.Body)
	assert.Regexp(t, fmt.Sprintf(`<div class="field"><label for="f-answer-%d">Answer</label>`, noteID), resp.Body)

	path := f.createTest(t, staff, f.nl05, "inspection")
	resp = staff.PostForm(path+"/exceptions", url.Values{"description": {"For 1 of 15 leavers, access was removed late."},
		"deviations": {"1"}, "items_tested": {"15"}, "criteria": {"CC6.2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	xPath := resp.Header.Get("Location")
	stale := version(t, senior.Get(xPath).Body)
	dana := f.login("dana@northwind.example")
	resp = dana.PostForm(xPath+"/response", url.Values{"version": {stale}, "management_response": {"Fixed in July."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = dana.PostForm(xPath+"/response", url.Values{"version": {stale}, "management_response": {"Second try."}})
	require.Equal(t, http.StatusConflict, resp.StatusCode, resp.Body)
	assert.Equal(t, []string{"f-management_response"}, assertSummaryLinksResolve(t, resp.Body))

	resp = senior.PostForm(xPath+"/evaluation", url.Values{"version": {stale}, "evaluation": {"isolated"}, "criteria_met": {"yes"}, "evaluation_notes": {"One leaver, known cause."}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, []string{"f-evaluation"}, assertSummaryLinksResolve(t, resp.Body))
	assert.Contains(t, resp.Body, "Fixed in July.", "the stored version is shown")
}

// TestExceptionPagesLayout: the criteria roll-up lists the in-scope criteria without any control
// as such (issue #16 point 5), and the exception's facts are laid out as a details list.
func TestExceptionPagesLayout(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	senior := f.login("senior@firm.example")
	path := f.createTest(t, senior, f.nl05, "inspection")
	resp := senior.PostForm(path+"/exceptions", url.Values{"description": {"Late removal."}, "deviations": {"1"}, "items_tested": {"25"}, "criteria": {"CC6.2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	xBody := senior.Get(resp.Header.Get("Location")).Body
	assert.Contains(t, xBody, `<dl class="details"><dt>Description</dt>`)
	assert.Contains(t, xBody, `href="`+path+`" id="open-test"`, "the auditors go back to the test from its exception")

	list := fmt.Sprintf("/engagements/%d/exceptions", f.engagement)
	assert.Contains(t, senior.Get(list).Body, `id="criteria-table"`)
	require.NoError(t, f.app.DB.Exec(`DELETE FROM exception_criteria`).Error)
	require.NoError(t, f.app.DB.Exec(`DELETE FROM control_criteria`).Error)
	body := senior.Get(list).Body
	assert.Contains(t, body, `id="criteria-table"`, "the in-scope criteria are still listed")
	assert.Contains(t, body, `id="criteria-no-control"`)
	assert.Contains(t, body, "33 in-scope criteria have no control: CC1.1, CC1.2")
	assert.Contains(t, body, "No control</span>")
}

// TestTestPageErrorSummary: the long test page opens with a summary of what was refused, and
// each of its links leads to a field on the page (a refused draw, a conflicting save).
func TestTestPageErrorSummary(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	f.app.StartJobs()
	importPopulation(t, staff, f.app.DB, path, map[string]string{"source": "HRIS", "completeness_check": "Agreed to payroll"}, "hires.csv", hires(30))
	show := staff.Get(path)
	var popID string
	require.NoError(t, f.app.DB.Raw(`SELECT id::text FROM populations`).Row().Scan(&popID))

	resp := staff.PostForm(path+"/samples/draw", url.Values{"version": {version(t, show.Body)}, "population_id": {popID}, "size": {"31"}, "seed": {"12x"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.ElementsMatch(t, []string{"f-seed", "f-size"}, assertSummaryLinksResolve(t, resp.Body))
	assert.Less(t, strings.Index(resp.Body, "error-summary"), strings.Index(resp.Body, "population-h"), "the summary comes before the sections")
	assert.Contains(t, resp.Body, `href="`+path+`/population" aria-current="page"`, "the refused draw shows again on its part of the workpaper")

	stale := version(t, show.Body)
	resp = staff.PostForm(path, url.Values{"version": {stale}, "techniques": {"inspection"}, "procedure": {"First save."}, "result": {"in_progress"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = staff.PostForm(path, url.Values{"version": {stale}, "techniques": {"inspection"}, "procedure": {"Second save."}, "result": {"in_progress"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, []string{"f-signoff"}, assertSummaryLinksResolve(t, resp.Body))
}

// testSamples takes the test at path through the pages to where it can be concluded: a
// population, n picked items, each passed and with evidence dated within the period. It returns
// the sample ids.
func (f *fieldworkFixture) testSamples(t *testing.T, c *webtest.Client, path string, n int) []int64 {
	t.Helper()
	f.startJobs()
	importPopulation(t, c, f.app.DB, path, map[string]string{"source": "HRIS", "completeness_check": "Agreed to payroll"}, "hires.csv", hires(n+5))
	testID := strings.TrimPrefix(path, "/tests/")
	var popID string
	require.NoError(t, f.app.DB.Raw(`SELECT id::text FROM populations WHERE test_id = ? ORDER BY id DESC LIMIT 1`, testID).Row().Scan(&popID))
	var keys []string
	for i := 1; i <= n; i++ {
		keys = append(keys, fmt.Sprintf("E%03d", i))
	}
	resp := c.PostForm(path+"/samples/pick", url.Values{"version": {version(t, c.Get(path).Body)}, "pick_population_id": {popID},
		"keys": {strings.Join(keys, "\n")}, "pick_justification": {"The first hires."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	return f.passUntested(t, c, testID)
}

// passUntested passes every untested sample of the test through the sample page and uploads
// its evidence (dated in the period); it returns the ids of all the test's samples.
func (f *fieldworkFixture) passUntested(t *testing.T, c *webtest.Client, testID string) []int64 {
	t.Helper()
	var ids, untested []int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM samples WHERE test_id = ? ORDER BY id`, testID).Scan(&ids).Error)
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM samples WHERE test_id = ? AND result = 'untested' ORDER BY id`, testID).Scan(&untested).Error)
	for _, id := range ids {
		sp := fmt.Sprintf("/samples/%d", id)
		if slices.Contains(untested, id) {
			resp := c.PostForm(sp, url.Values{"version": {version(t, c.Get(sp).Body)}, "result": {"pass"}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		}
		resp := uploadFiles(t, c, sp+"/evidence", uploadFile{fmt.Sprintf("item-%d.pdf", id), append([]byte(fmt.Sprintf("%%PDF-1.4 %d", id)), pdfBytes...)})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	return ids
}
