package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// controlsFixture is an engagement (Security + Availability) with a senior on its team.
type controlsFixture struct {
	app        *webtest.App
	engagement int64
	client     int64
	senior     *webtest.Client
}

func newControlsFixture(t *testing.T, categories string) controlsFixture {
	t.Helper()
	app := webtest.New(t)
	clientID := app.CreateClient("Northwind Ledger")
	senior := app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	var eng int64
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, categories)
		VALUES (?, 'Northwind SOC 2 2026', 'type2', '2026-01-01', '2026-06-30', ?::text[]) RETURNING id`, clientID, categories).Row().Scan(&eng))
	addToTeam(t, app, eng, senior.ID, "senior")
	c := app.NewClient()
	c.Login("sara@firm.example")
	return controlsFixture{app: app, engagement: eng, client: clientID, senior: c}
}

func addToTeam(t *testing.T, app *webtest.App, engagementID, userID int64, role string) {
	t.Helper()
	require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, engagementID, userID, role).Error)
}

func (f controlsFixture) path(rest string) string {
	return "/engagements/" + strconv.FormatInt(f.engagement, 10) + rest
}

// upload posts a file to the import form the way a browser does, with the token in the query.
func upload(t *testing.T, c *webtest.Client, path, name string, data []byte) webtest.Response {
	t.Helper()
	return c.Upload(path, nil, webtest.File{Field: "file", Name: name, Data: data})
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "control-matrices", name))
	require.NoError(t, err)
	return b
}

func controlForm(ref, description string, criteria ...string) url.Values {
	return url.Values{"ref": {ref}, "description": {description}, "owner": {"IT manager"}, "frequency": {"quarterly"},
		"nature": {"manual"}, "control_type": {"detective"}, "risk": {"low"}, "criteria": criteria, "version": {"0"}}
}

func TestControlCreateEditDelete(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security,availability}")

	// The frequency drives sample sizes: the new-control form preselects none, and leaving it
	// unchosen is an error rather than a silent default.
	blank := f.senior.Get(f.path("/controls/new"))
	assert.Contains(t, between(blank.Body, `id="f-frequency"`, "</select>"), `<option value="" selected>Choose…</option>`)
	noFreq := controlForm("CC-09", "Backups", "A1.2")
	noFreq.Del("frequency")
	resp := f.senior.PostForm(f.path("/controls"), noFreq)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose how often the control operates.")

	resp = f.senior.PostForm(f.path("/controls"), controlForm("CC-01", "Quarterly access review", "CC6.3", "A1.2"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := f.senior.Get(f.path("/controls"))
	assert.Contains(t, page.Body, "Quarterly access review")
	assert.Contains(t, page.Body, "CC6.3, A1.2")

	// Bad input: 422, field errors, input kept.
	resp = f.senior.PostForm(f.path("/controls"), controlForm("cc-01", "", "P1.1"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "already uses cc-01")
	assert.Contains(t, resp.Body, "Describe the control.")
	assert.Contains(t, resp.Body, "P1.1 belongs to Privacy, which is not in scope")
	assert.Contains(t, resp.Body, `value="cc-01"`)

	var id int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&id))
	edit := f.senior.Get("/controls/" + strconv.FormatInt(id, 10) + "/edit")
	require.Equal(t, http.StatusOK, edit.StatusCode)
	assert.Contains(t, edit.Body, `name="version" value="1"`)

	form := controlForm("CC-01", "Quarterly access review of production", "CC6.3")
	form.Set("version", "1")
	resp = f.senior.PostForm("/controls/"+strconv.FormatInt(id, 10), form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	var n int64
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM audit_events WHERE action IN ('control.create','control.update') AND engagement_id = ?`, f.engagement).Row().Scan(&n))
	assert.EqualValues(t, 2, n)

	resp = f.senior.PostForm("/controls/"+strconv.FormatInt(id, 10)+"/delete", url.Values{"version": {"2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&n))
	assert.Zero(t, n)
}

func TestControlStaleSaveShowsStoredValuesAndKeepsInput(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	require.Equal(t, http.StatusSeeOther, f.senior.PostForm(f.path("/controls"), controlForm("CC-01", "Original wording", "CC6.1")).StatusCode)
	var id int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&id))
	cid := strconv.FormatInt(id, 10)

	// A colleague saves first.
	colleague := f.app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	addToTeam(t, f.app, f.engagement, colleague.ID, "staff")
	tc := f.app.NewClient()
	tc.Login("tom@firm.example")
	theirs := controlForm("CC-01", "Colleague's wording", "CC6.1")
	theirs.Set("version", "1")
	require.Equal(t, http.StatusSeeOther, tc.PostForm("/controls/"+cid, theirs).StatusCode)

	// The senior saves from the page loaded before.
	mine := controlForm("CC-01", "My wording", "CC6.1", "CC6.2")
	mine.Set("version", "1")
	resp := f.senior.PostForm("/controls/"+cid, mine)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved this first")
	assert.Contains(t, resp.Body, "Colleague&#39;s wording", "stored value shown")
	assert.Contains(t, resp.Body, ">My wording</textarea>", "the user's input is kept in the form")
	assert.Contains(t, resp.Body, `name="version" value="2"`, "saving again is a deliberate overwrite")

	var desc string
	require.NoError(t, f.app.DB.Raw(`SELECT description FROM controls WHERE id = ?`, id).Row().Scan(&desc))
	assert.Equal(t, "Colleague's wording", desc, "nothing silently overwritten")

	mine.Set("version", "2")
	require.Equal(t, http.StatusSeeOther, f.senior.PostForm("/controls/"+cid, mine).StatusCode)
	require.NoError(t, f.app.DB.Raw(`SELECT description FROM controls WHERE id = ?`, id).Row().Scan(&desc))
	assert.Equal(t, "My wording", desc)
}

func TestControlImportUploadExportRoundTrip(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security,availability}")

	resp := upload(t, f.senior, f.path("/controls/import"), "bad.csv", readFixture(t, "bad.csv"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "bad.csv was not imported")
	assert.Contains(t, resp.Body, "CC7.9 is not a Trust Services Criterion")
	assert.Contains(t, resp.Body, "Coverage question")
	var n int64
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&n))
	assert.Zero(t, n, "nothing imported")

	resp = upload(t, f.senior, f.path("/controls/import"), "notes.pdf", []byte("%PDF-1.4"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "could not read notes.pdf")

	resp = upload(t, f.senior, f.path("/controls/import"), "good.xlsx", readFixture(t, "good.xlsx"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := f.senior.Get(f.path("/controls"))
	assert.Contains(t, page.Body, "Imported 6 controls from good.xlsx")
	assert.Contains(t, page.Body, "CC3.1, CC3.2, CC3.3, CC3.4")

	// The same file a second time: refused row by row, with the reason spelled out once.
	resp = upload(t, f.senior, f.path("/controls/import"), "good.xlsx", readFixture(t, "good.xlsx"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "6 control ids of this file are already in the matrix. An import adds controls; it never changes existing ones.")

	export := f.senior.Get(f.path("/controls/export.xlsx"))
	require.Equal(t, http.StatusOK, export.StatusCode)
	assert.Contains(t, export.Header.Get("Content-Type"), "spreadsheetml")

	var other int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date, categories)
		VALUES (?, 'Empty', 'type1', '2026-06-30', '{security,availability}') RETURNING id`, f.client).Row().Scan(&other))
	var senior int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM users WHERE email = 'sara@firm.example'`).Row().Scan(&senior))
	addToTeam(t, f.app, other, senior, "senior")
	resp = upload(t, f.senior, "/engagements/"+strconv.FormatInt(other, 10)+"/controls/import", "export.xlsx", []byte(export.Body))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	type row struct {
		Ref, Description, Owner, Frequency, FrequencyNote, Nature, ControlType, Risk, Criteria string
	}
	load := func(eng int64) []row {
		var rows []row
		require.NoError(t, f.app.DB.Raw(`SELECT ref, description, owner, frequency, frequency_note, nature, control_type, risk,
			(SELECT string_agg(criterion_id, ',' ORDER BY criterion_id) FROM control_criteria WHERE control_id = c.id) AS criteria
			FROM controls c WHERE engagement_id = ? ORDER BY sort_order`, eng).Scan(&rows).Error)
		return rows
	}
	assert.Equal(t, load(f.engagement), load(other), "export then import gives the same matrix")
	assert.Len(t, load(other), 6)

	tmpl := f.senior.Get(f.path("/controls/template.xlsx"))
	require.Equal(t, http.StatusOK, tmpl.StatusCode)
	assert.Contains(t, tmpl.Header.Get("Content-Disposition"), "control-matrix-template.xlsx")
}

func TestControlImportRejectsOversizedFile(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	big := append([]byte("control_id,control_description,criteria\n"), bytes.Repeat([]byte("x"), 6<<20)...)
	resp := upload(t, f.senior, f.path("/controls/import"), "big.csv", big)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "larger than 5 MB")
}

func TestCoverageFlagsUncoveredCriteria(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security,availability}")
	require.Equal(t, http.StatusSeeOther, upload(t, f.senior, f.path("/controls/import"), "good.csv", readFixture(t, "good.csv")).StatusCode)
	require.NoError(t, f.app.DB.Exec(`INSERT INTO subservice_organizations (engagement_id, name, method) VALUES (?, 'Cloud host', 'carve_out')`, f.engagement).Error)
	var sub int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM subservice_organizations WHERE engagement_id = ?`, f.engagement).Row().Scan(&sub))

	resp := f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"csoc"}, "ref": {"CSOC-1"},
		"description": {"Physical access to data centres is restricted"}, "criteria": {"CC6.4"}, "version": {"0"},
		"subservice_organization_id": {strconv.FormatInt(sub, 10)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, resp.Header.Get("Location"), "/controls")
	resp = f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"csoc"}, "description": {"x"}, "criteria": {"CC6.4"}, "version": {"0"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose the subservice organization")
	resp = f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"csoc"}, "ref": {"CSOC-2"}, "description": {"Environmental protections"},
		"subservice_organization_id": {strconv.FormatInt(sub, 10)}, "criteria": {"A1.2"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"cuec"}, "ref": {"CUEC-1"}, "description": {"User entities manage their users' access"},
		"criteria": {"CC6.2"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	page := f.senior.Get(f.path("/coverage"))
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "12 of 36 criteria covered")
	row := between(page.Body, `id="criterion-CC6.4"`, "</tr>")
	assert.Contains(t, row, "No control", "a CSOC does not replace the service organization's control")
	assert.Contains(t, row, "CSOC-1")
	row = between(page.Body, `id="criterion-A1.2"`, "</tr>")
	assert.NotContains(t, row, "No control")
	assert.Contains(t, row, "CC-05")
	assert.Contains(t, row, "CSOC-2 Environmental protections")
	assert.NotContains(t, page.Body, "criterion-P1.1", "privacy is not in scope")
	assert.Equal(t, 2, strings.Count(page.Body, `<table class="coverage-table"`), "one table per category, so the columns line up from series to series")
	assert.Contains(t, page.Body, `id="series-CC6"`)
	assert.Contains(t, between(page.Body, `id="uncovered-list"`, "</p>"), `<a href="#criterion-CC6.4">CC6.4</a>`, "each uncovered criterion links to its row")

	matrix := f.senior.Get(f.path("/controls"))
	assert.Contains(t, matrix.Body, "User entities manage their users&#39; access")
	assert.Contains(t, matrix.Body, "Cloud host")
	for _, kind := range []string{"cuec", "csoc"} {
		list, add := strings.Index(matrix.Body, `id="`+kind+`-list"`), strings.Index(matrix.Body, `id="add-`+kind+`"`)
		assert.True(t, list > 0 && add > list, "the Add %s button follows its list, not the table above its heading", kind)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	rest := s[i:]
	if j := strings.Index(rest, to); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestControlAccess(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	f.app.CreateUser("outsider@firm.example", auth.RoleStaff, 0)
	f.app.CreateUser("manager@firm.example", auth.RoleManager, 0)
	f.app.CreateUser("dana@northwind.example", auth.RoleClient, f.client)
	require.Equal(t, http.StatusSeeOther, f.senior.PostForm(f.path("/controls"), controlForm("CC-01", "x", "CC1.1")).StatusCode)

	outsider := f.app.NewClient()
	outsider.Login("outsider@firm.example")
	assert.Equal(t, http.StatusForbidden, outsider.Get(f.path("/controls")).StatusCode, "staff not on the team")
	assert.Equal(t, http.StatusForbidden, outsider.PostForm(f.path("/controls"), controlForm("CC-02", "x", "CC1.1")).StatusCode)

	manager := f.app.NewClient()
	manager.Login("manager@firm.example")
	assert.Equal(t, http.StatusOK, manager.Get(f.path("/coverage")).StatusCode, "oversight may view")
	assert.Equal(t, http.StatusForbidden, manager.Get(f.path("/controls/new")).StatusCode, "but not edit off the team")

	client := f.app.NewClient()
	client.Login("dana@northwind.example")
	assert.Equal(t, http.StatusForbidden, client.Get(f.path("/controls/export.xlsx")).StatusCode, "client users do not see the matrix")

	require.NoError(t, f.app.DB.Exec(`UPDATE engagements SET status = 'signed' WHERE id = ?`, f.engagement).Error)
	assert.Equal(t, http.StatusConflict, f.senior.PostForm(f.path("/controls"), controlForm("CC-03", "x", "CC1.1")).StatusCode, "locked after signing")
	resp := upload(t, f.senior, f.path("/controls/import"), "good.csv", readFixture(t, "good.csv"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "The engagement is locked")
}

func TestControlImportEmptyCriteriaIsACoverageQuestion(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	resp := upload(t, f.senior, f.path("/controls/import"), "matrix.csv",
		[]byte("Control ID,Description,Criteria,Frequency\nON,Organizational narrative,,\nCC-02,Access review,CC6.3,Quarterly\n"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := f.senior.Get(f.path("/controls"))
	assert.Contains(t, page.Body, "Imported 2 controls from matrix.csv")
	assert.Contains(t, page.Body, "Coverage question: 1 control has no criteria: row 2 (ON)")
	assert.Contains(t, page.Body, "1 control has no frequency (row 2)")
	assert.Contains(t, page.Body, "No criteria", "the matrix keeps flagging it")
	cov := f.senior.Get(f.path("/coverage"))
	assert.Contains(t, cov.Body, "1 control maps to no criterion")
	assert.Contains(t, cov.Body, "1 of 33 criteria covered")

	resp = f.senior.PostForm(f.path("/controls/import"), nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose the control matrix file")
}

func TestControlDeleteRefusedWithTestsOrStaleVersion(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	require.Equal(t, http.StatusSeeOther, f.senior.PostForm(f.path("/controls"), controlForm("CC-01", "Access review", "CC6.3")).StatusCode)
	var id int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&id))
	cid := strconv.FormatInt(id, 10)

	resp := f.senior.PostForm("/controls/"+cid+"/delete", url.Values{"version": {"7"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/controls/"+cid+"/edit", resp.Header.Get("Location"))
	assert.Contains(t, f.senior.Get("/controls/"+cid+"/edit").Body, "was changed by someone else; it was not deleted")

	require.NoError(t, f.app.DB.Exec(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'operating')`, f.engagement, id).Error)
	resp = f.senior.PostForm("/controls/"+cid+"/delete", url.Values{"version": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Contains(t, f.senior.Get("/controls/"+cid+"/edit").Body, "already has tests, so it cannot be deleted")

	var n int64
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM controls WHERE id = ?`, id).Row().Scan(&n))
	assert.EqualValues(t, 1, n, "the control and its test are kept")
}

func TestCSOCsBelongToCarvedOutSubserviceOrganizations(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	var carved, inclusive int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO subservice_organizations (engagement_id, name, method) VALUES (?, 'Cloud host', 'carve_out') RETURNING id`, f.engagement).Row().Scan(&carved))
	require.NoError(t, f.app.DB.Raw(`INSERT INTO subservice_organizations (engagement_id, name, method) VALUES (?, 'Payroll bureau', 'inclusive') RETURNING id`, f.engagement).Row().Scan(&inclusive))

	form := f.senior.Get(f.path("/complementary-controls/new?kind=csoc"))
	assert.Contains(t, form.Body, "Cloud host (carve-out)")
	assert.Contains(t, form.Body, "Payroll bureau (inclusive: its controls belong in the matrix)")
	csoc := func(sso int64) url.Values {
		return url.Values{"kind": {"csoc"}, "ref": {"CSOC-1"}, "description": {"Physical access to data centres is restricted"},
			"criteria": {"CC6.4"}, "version": {"0"}, "subservice_organization_id": {strconv.FormatInt(sso, 10)}}
	}
	resp := f.senior.PostForm(f.path("/complementary-controls"), csoc(inclusive))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Payroll bureau is presented with the inclusive method")
	assert.Contains(t, resp.Body, `>Physical access to data centres is restricted</textarea>`, "the user's input is kept")
	require.Equal(t, http.StatusSeeOther, f.senior.PostForm(f.path("/complementary-controls"), csoc(carved)).StatusCode)

	// Removing the carved-out organization would orphan its CSOC: refused, naming it.
	manager := f.app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	addToTeam(t, f.app, f.engagement, manager.ID, "manager")
	m := f.app.NewClient()
	m.Login("miguel@firm.example")
	resp = m.PostForm(f.path("/subservice-orgs/"+strconv.FormatInt(carved, 10)+"/remove"), nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "still operates CSOC-1")
	var n int64
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM subservice_organizations WHERE id = ?`, carved).Row().Scan(&n))
	assert.Equal(t, int64(1), n, "nothing removed")
	assert.Equal(t, http.StatusSeeOther, m.PostForm(f.path("/subservice-orgs/"+strconv.FormatInt(inclusive, 10)+"/remove"), nil).StatusCode)
}

// TestControlPartialImportAndQuestions walks issue #16 point 5 through the pages: a refused file
// suggests the partial import; the partial import imports the valid rows and offers the refused
// ones as a CSV in the user's columns plus "problem"; a partial import with no valid row is
// refused with the reason; a cell naming two frequencies is asked, not guessed.
func TestControlPartialImportAndQuestions(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	file := []byte("control_id,control_description,criteria,frequency\n" +
		"CC-01,Access reviews,CC6.2,Quarterly\n" +
		"CC-02,@SUM(1+1),CC9.9,Annual\n" +
		"CC-03,Changes approved,CC8.1,Per release\n")

	resp := upload(t, f.senior, f.path("/controls/import"), "matrix.csv", file)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "tick “Import the valid rows”")
	assert.Contains(t, resp.Body, `id="f-partial"`)

	resp = f.senior.Upload(f.path("/controls/import"), map[string]string{"partial": "1"}, webtest.File{Field: "file", Name: "matrix.csv", Data: file})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	summary := resp.Header.Get("Location")
	assert.Contains(t, summary, f.path("/controls/imports/"))
	page := f.senior.Get(summary)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "2 controls were imported; 1 row was refused.")
	assert.Contains(t, page.Body, `id="refused-file"`)
	assert.Contains(t, page.Body, "matrix-refused.csv")
	refused := f.senior.Get(summary + "/refused")
	require.Equal(t, http.StatusOK, refused.StatusCode)
	assert.Contains(t, refused.Header.Get("Content-Type"), "text/csv")
	assert.Contains(t, refused.Header.Get("Content-Disposition"), "matrix-refused.csv")
	assert.Equal(t, "control_id,control_description,criteria,frequency,problem\n"+
		"CC-02,'@SUM(1+1),CC9.9,Annual,Row 3 of matrix.csv: C (criteria): CC9.9 is not a Trust Services Criterion.\n",
		refused.Body)
	// An XLSX upload gets its refused rows back as XLSX.
	resp = f.senior.Upload(f.path("/controls/import"), map[string]string{"partial": "1"},
		webtest.File{Field: "file", Name: "Matrix.xlsx", Data: xlsxOf(t, "control_id,control_description,criteria\nX-01,Reviews,CC9.9\nX-02,Backups,A1.2\nX-03,Logging,CC7.2\n")})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	refused = f.senior.Get(resp.Header.Get("Location") + "/refused")
	require.Equal(t, http.StatusOK, refused.StatusCode)
	assert.Contains(t, refused.Header.Get("Content-Type"), "spreadsheetml")
	assert.Contains(t, refused.Header.Get("Content-Disposition"), "Matrix-refused.xlsx")

	matrix := f.senior.Get(f.path("/controls"))
	assert.Contains(t, matrix.Body, "Per release", "the event-driven frequency's text is shown")
	assert.Contains(t, matrix.Body, "As needed")

	// No valid row: refused, and says why.
	resp = f.senior.Upload(f.path("/controls/import"), map[string]string{"partial": "1"},
		webtest.File{Field: "file", Name: "none.csv", Data: []byte("control_id,control_description,criteria\nCC-09,,CC6.1\n")})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Nothing was imported: a partial import needs at least one valid row")
	assert.Contains(t, resp.Body, "No row of none.csv can be imported")
	assert.Contains(t, resp.Body, `id="f-partial" name="partial" value="1" aria-describedby="h-partial" checked`, "the choice is kept")

	// Two frequencies in one cell: the user picks.
	resp = upload(t, f.senior, f.path("/controls/import"), "two.csv", []byte("control_id,control_description,criteria,frequency\nCC-10,Log review,CC7.2,Daily / Weekly\n"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	question := resp.Header.Get("Location")
	page = f.senior.Get(question)
	assert.Contains(t, page.Body, "which frequency?")
	assert.Contains(t, page.Body, `<option value="weekly">Weekly</option>`)
	assert.Contains(t, page.Body, `<option value="daily">Daily</option>`)
	resp = f.senior.PostForm(question, url.Values{})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "1 row is still without a frequency")
	resp = f.senior.PostForm(question, url.Values{"freq_2": {"daily"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, f.path("/controls"), resp.Header.Get("Location"))
	var freq, note string
	require.NoError(t, f.app.DB.Raw(`SELECT frequency, frequency_note FROM controls WHERE ref = 'CC-10'`).Row().Scan(&freq, &note))
	assert.Equal(t, []string{"daily", "Daily / Weekly"}, []string{freq, note})
	assert.Equal(t, http.StatusNotFound, f.senior.PostForm(question, url.Values{"freq_2": {"daily"}}).StatusCode, "answered once")
}

// xlsxOf writes CSV text as a one-sheet workbook of text cells.
func xlsxOf(t *testing.T, csvText string) []byte {
	t.Helper()
	wb := excelize.NewFile()
	for r, line := range strings.Split(strings.TrimSpace(csvText), "\n") {
		for c, v := range strings.Split(line, ",") {
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			require.NoError(t, wb.SetCellStr("Sheet1", cell, v))
		}
	}
	var buf bytes.Buffer
	require.NoError(t, wb.Write(&buf))
	return buf.Bytes()
}
