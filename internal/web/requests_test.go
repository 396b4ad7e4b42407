package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestRequestWorkflowReturnAndAccept(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")

	// The firm's 32-item SOC 2 template becomes the engagement's list, numbered R-001…R-032.
	resp := auditor.PostForm(fmt.Sprintf("/engagements/%d/requests/from-template", p.engA), url.Values{
		"assignee_id": {strconv.FormatInt(p.contactA.ID, 10)}, "due_date": {"2026-07-15"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 32, count(t, app, `SELECT count(*) FROM info_requests WHERE engagement_id = ?`, p.engA))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'assigned'`, p.contactA.ID),
		"one e-mail for the whole batch")
	resp = auditor.PostForm(fmt.Sprintf("/engagements/%d/requests/from-template", p.engA), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 32, count(t, app, `SELECT count(*) FROM info_requests WHERE engagement_id = ?`, p.engA), "a second run adds nothing")

	var reqID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM info_requests WHERE engagement_id = ? AND number = 10`, p.engA).Row().Scan(&reqID))
	path := fmt.Sprintf("/requests/%d", reqID)
	page := client.Get(path)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "R-010")
	assert.Contains(t, page.Body, "User access review evidence")

	// Submitting without evidence is refused.
	resp = client.PostForm(path+"/submit", url.Values{"version": {"1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "upload at least one file")

	resp = uploadFiles(t, client, path+"/evidence", uploadFile{"q1-review.pdf", pdfBytes}, uploadFile{"q1-users.csv", []byte("user,access\nann,admin\n")})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 2, count(t, app, `SELECT count(*) FROM evidence_files WHERE request_id = ?`, reqID))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM evidence_files WHERE request_id = ? AND content_type = 'text/csv'`, reqID))

	resp = client.PostForm(path+"/submit", url.Values{"version": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	// Returning needs a reason; with one, the client sees it and the assignee is told.
	resp = auditor.PostForm(path+"/return", url.Values{"version": {"2"}, "reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Say what is missing")
	resp = auditor.PostForm(path+"/return", url.Values{"version": {"1"}, "reason": {"Q2 review missing"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a stale version is detected")
	resp = auditor.PostForm(path+"/return", url.Values{"version": {"2"}, "reason": {"Q2 review missing"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = client.Get(path)
	assert.Contains(t, page.Body, "Returned by the auditor")
	assert.Contains(t, page.Body, "Q2 review missing")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'returned' AND body LIKE '%Q2 review missing%'`, p.contactA.ID))
	assert.Contains(t, client.Get("/").Body, "R-010 User access review evidence", "the dashboard lists the returned request")

	// The client comments and the auditor who created the request is told.
	resp = client.PostForm(path+"/comments", url.Values{"body": {"Q2 export attached now."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'comment'`, p.senior.ID))

	resp = uploadFiles(t, client, path+"/evidence", uploadFile{"q2-review.pdf", append([]byte("%PDF-1.4\nQ2"), pdfBytes...)})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Equal(t, http.StatusSeeOther, client.PostForm(path+"/submit", url.Values{"version": {"3"}}).StatusCode)
	require.Equal(t, http.StatusSeeOther, auditor.PostForm(path+"/accept", url.Values{"version": {"4"}}).StatusCode)
	assert.Equal(t, "accepted", func() string {
		var s string
		app.DB.Raw(`SELECT status FROM info_requests WHERE id = ?`, reqID).Row().Scan(&s)
		return s
	}())

	// An accepted request takes no more comments or files, and nothing is stored.
	resp = client.PostForm(path+"/comments", url.Values{"body": {"one more thing"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "accepted, so its thread is closed")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM request_comments WHERE request_id = ?`, reqID))
	resp = uploadFiles(t, client, path+"/evidence", uploadFile{"late.pdf", append([]byte("%PDF-1.4\nlate"), pdfBytes...)})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, 3, count(t, app, `SELECT count(*) FROM evidence_files WHERE request_id = ?`, reqID))

	// Clients cannot accept their own submissions.
	assert.Equal(t, http.StatusForbidden, client.PostForm(path+"/accept", url.Values{}).StatusCode)

	// Every change is on the audit trail.
	for _, action := range []string{"request.create", "evidence.upload", "request.submit", "request.return", "request.accept", "request.comment"} {
		assert.Positive(t, count(t, app, `SELECT count(*) FROM audit_events WHERE action = ?`, action), action)
	}

	// The ZIP holds the three files and a manifest with their SHA-256.
	zresp := auditor.Get(path + "/evidence.zip")
	require.Equal(t, http.StatusOK, zresp.StatusCode)
	assert.Contains(t, zresp.Header.Get("Content-Disposition"), "attachment")
	zr, err := zip.NewReader(bytes.NewReader([]byte(zresp.Body)), int64(len(zresp.Body)))
	require.NoError(t, err)
	require.Len(t, zr.File, 4)
	mf, err := zr.File[0].Open()
	require.NoError(t, err)
	rows, err := csv.NewReader(mf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4)
	var sha string
	require.NoError(t, app.DB.Raw(`SELECT sha256 FROM evidence_files WHERE request_id = ? AND file_name = 'q1-review.pdf'`, reqID).Row().Scan(&sha))
	assert.Equal(t, sha, rows[1][3])
	assert.Equal(t, "R-010/q1-review.pdf", rows[1][0])
	engZip := client.Get(fmt.Sprintf("/engagements/%d/evidence.zip", p.engA))
	require.Equal(t, http.StatusOK, engZip.StatusCode)
}

func TestRequestListFiltersAndExport(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.Clock.T = time.Date(2026, 7, 10, 9, 0, 0, 0, time.UTC)
	p := newPortal(t, app)
	auditor := app.NewClient()
	auditor.Login("sara@firm.example")
	linked := auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), url.Values{"title": {"Access review tickets"},
		"assignee_id": {strconv.FormatInt(p.contactA.ID, 10)}, "due_date": {"2020-01-31"}, "control": {strconv.FormatInt(p.controlA, 10)}})
	require.Equal(t, http.StatusSeeOther, linked.StatusCode, linked.Body)
	createRequest(t, auditor, p.engA, p.contactA.ID, "Network diagram")

	list := auditor.Get(fmt.Sprintf("/engagements/%d/requests?status=overdue", p.engA))
	require.Equal(t, http.StatusOK, list.StatusCode)
	assert.Contains(t, list.Body, "Access review tickets")
	assert.NotContains(t, list.Body, "Network diagram")
	list = auditor.Get(fmt.Sprintf("/engagements/%d/requests?control=%d", p.engA, p.controlA))
	assert.Contains(t, list.Body, "Access review tickets")
	assert.NotContains(t, list.Body, "Network diagram")

	bad := auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), url.Values{"title": {""}, "due_date": {"15/07/2026"},
		"assignee_id": {strconv.FormatInt(p.contactB.ID, 10)}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	assert.Contains(t, bad.Body, "Enter what you need")
	assert.Contains(t, bad.Body, "15/07/2026", "what was typed is kept")

	x := auditor.Get(fmt.Sprintf("/engagements/%d/requests/export", p.engA))
	require.Equal(t, http.StatusOK, x.StatusCode)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	require.NoError(t, err)
	rows, err := f.GetRows("Requests")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, "R-001", rows[1][0])
	assert.Equal(t, "yes", rows[1][2], "overdue column")
	assert.Equal(t, "NL-06", rows[1][8], "linked control")
}

func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

func postXLSX(t *testing.T, c *webtest.Client, path string, body []byte) webtest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := newMultipart(&buf)
	w, err := mw.CreateFormFile("file", "requests.xlsx")
	require.NoError(t, err)
	w.Write(body)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.URL(path+"?_csrf="+url.QueryEscape(c.CSRFToken())), &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestRequestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor := app.NewClient()
	auditor.Login("sara@firm.example")
	path := fmt.Sprintf("/engagements/%d/requests/import", p.engA)
	header := []any{"Title", "Description", "Assignee email", "Due date", "Priority", "Controls"}

	bad := xlsx(t, [][]any{header,
		{"Org chart", "", "dana@northwind.example", "2026-07-01", "high", "NL-06"},
		{"", "no title", "", "", "", ""},
		{"Firewall rules", "", "someone@else.example", "next week", "urgent", "NL-99"},
	})
	resp := postXLSX(t, auditor, path, bad)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	for _, want := range []string{"Row 3, column A (Title)", "Row 4, column C (Assignee email)", "Row 4, column D (Due date)",
		"Row 4, column E (Priority)", "Row 4, column F (Controls)"} {
		assert.Contains(t, resp.Body, want)
	}
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM info_requests`), "nothing imported")

	good := xlsx(t, [][]any{header,
		{"Org chart", "Current chart", "dana@northwind.example", "2026-07-01", "high", "NL-06"},
		{"Firewall rules", "", "", "", "", ""},
	})
	resp = postXLSX(t, auditor, path, good)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 2, count(t, app, `SELECT count(*) FROM info_requests WHERE engagement_id = ?`, p.engA))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM info_request_links l JOIN info_requests r ON r.id = l.request_id WHERE r.title = 'Org chart' AND l.target_id = ?`, p.controlA))

	resp = postXLSX(t, auditor, path, []byte("not a workbook"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "not an Excel workbook")
}

func TestSignedEngagementRefusesRequestChanges(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "Org chart")
	// The auditor's comment reaches the assignee.
	require.Equal(t, http.StatusSeeOther, auditor.PostForm(fmt.Sprintf("/requests/%d/comments", reqID), url.Values{"body": {"PDF is fine."}}).StatusCode)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'comment'`, p.contactA.ID))

	require.NoError(t, app.DB.Exec(`UPDATE engagements SET status = 'signed', locked_at = now() WHERE id = ?`, p.engA).Error)
	// Each refusal says the engagement is locked, not that the user lacks access.
	late := auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), url.Values{"title": {"Late ask"}})
	assert.Equal(t, http.StatusConflict, late.StatusCode)
	assert.Contains(t, late.Body, "The engagement is locked")
	assert.Equal(t, http.StatusConflict, uploadFiles(t, client, fmt.Sprintf("/requests/%d/evidence", reqID), uploadFile{"a.pdf", pdfBytes}).StatusCode)
	assert.Equal(t, http.StatusConflict, client.PostForm(fmt.Sprintf("/requests/%d/comments", reqID), url.Values{"body": {"hello"}}).StatusCode)
	assert.Equal(t, http.StatusOK, client.Get(fmt.Sprintf("/requests/%d", reqID)).StatusCode, "still readable")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM info_requests`))
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM evidence_files`))
}

func TestNewRequestLinksControlsTestsAndSamples(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	var sampleA int64
	require.NoError(t, app.DB.Raw(`INSERT INTO samples (test_id, item_key, row_number) VALUES (?, 'USR-0042', 1) RETURNING id`, p.testA).Row().Scan(&sampleA))
	auditor := app.NewClient()
	auditor.Login("sara@firm.example")

	// The form offers the engagement's tests and its sampled items, grouped by test.
	form := auditor.Get(fmt.Sprintf("/engagements/%d/requests/new", p.engA))
	require.Equal(t, http.StatusOK, form.StatusCode)
	assert.Contains(t, form.Body, `<optgroup label="NL-06 operating test">`)
	assert.Contains(t, form.Body, fmt.Sprintf(`<option value="%d">USR-0042</option>`, sampleA))
	assert.NotContains(t, form.Body, "CHG-1", "another engagement's samples are not offered")

	// A sample of another client's engagement is refused, the form keeps what was typed.
	base := url.Values{"title": {"Access request tickets"}, "assignee_id": {strconv.FormatInt(p.contactA.ID, 10)},
		"control": {strconv.FormatInt(p.controlA, 10)}, "test": {strconv.FormatInt(p.testA, 10)}}
	bad := url.Values{"sample": {strconv.FormatInt(p.sampleB, 10)}}
	for k, v := range base {
		bad[k] = v
	}
	resp := auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), bad)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "A linked sample does not belong to this engagement.")
	assert.Contains(t, resp.Body, "Access request tickets")
	assert.Regexp(t, fmt.Sprintf(`<option value="%d" selected>NL-06 operating test</option>`, p.testA), resp.Body)
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM info_requests`))

	good := url.Values{"sample": {strconv.FormatInt(sampleA, 10)}}
	for k, v := range base {
		good[k] = v
	}
	resp = auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), good)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 3, count(t, app, `SELECT count(*) FROM info_request_links`))
	page := auditor.Get(resp.Header.Get("Location"))
	assert.Contains(t, page.Body, "NL-06 operating test")
	assert.Contains(t, page.Body, "Sample USR-0042 (NL-06 operating test)")

	// Filtering by control finds a request linked only to one of the control's sampled items.
	onlySample := url.Values{"title": {"Tickets for USR-0042"}, "sample": {strconv.FormatInt(sampleA, 10)}}
	require.Equal(t, http.StatusSeeOther, auditor.PostForm(fmt.Sprintf("/engagements/%d/requests", p.engA), onlySample).StatusCode)
	list := auditor.Get(fmt.Sprintf("/engagements/%d/requests?control=%d", p.engA, p.controlA))
	assert.Contains(t, list.Body, "Tickets for USR-0042")
	assert.Contains(t, list.Body, "Access request tickets")

	// The export names the linked tests and sampled items, after the columns the import reads.
	x := auditor.Get(fmt.Sprintf("/engagements/%d/requests/export", p.engA))
	require.Equal(t, http.StatusOK, x.StatusCode)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	require.NoError(t, err)
	rows, err := f.GetRows("Requests")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, "Tests and sampled items", rows[0][12])
	assert.Equal(t, "NL-06", rows[1][8])
	assert.Equal(t, "NL-06 operating test; Sample USR-0042 (NL-06 operating test)", rows[1][12])
	assert.Equal(t, "Sample USR-0042 (NL-06 operating test)", rows[2][12])
}

func TestRequestEditReassignsRelinksAndDetectsConflicts(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	jordan := app.CreateUser("jordan@northwind.example", auth.RoleClient, p.clientA)
	var sampleA int64
	require.NoError(t, app.DB.Raw(`INSERT INTO samples (test_id, item_key) VALUES (?, 'USR-0042') RETURNING id`, p.testA).Row().Scan(&sampleA))
	auditor := app.NewClient()
	auditor.Login("sara@firm.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "User access review evidence")
	path := fmt.Sprintf("/requests/%d", reqID)

	form := auditor.Get(path + "/edit")
	require.Equal(t, http.StatusOK, form.StatusCode)
	assert.Contains(t, form.Body, "Change R-001")
	assert.Contains(t, form.Body, `value="User access review evidence"`)
	assert.Contains(t, form.Body, `value="2026-07-15"`)

	// Another client's contact is refused and what was typed stays.
	resp := auditor.PostForm(path, url.Values{"version": {"1"}, "title": {"UAR Q1 and Q2"}, "assignee_id": {strconv.FormatInt(p.contactB.ID, 10)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose a contact of this client")
	assert.Contains(t, resp.Body, `value="UAR Q1 and Q2"`)

	resp = auditor.PostForm(path, url.Values{"version": {"1"}, "title": {"UAR Q1 and Q2"}, "assignee_id": {strconv.FormatInt(jordan.ID, 10)},
		"due_date": {"2026-08-01"}, "priority": {"high"}, "control": {strconv.FormatInt(p.controlA, 10)}, "sample": {strconv.FormatInt(sampleA, 10)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var got struct {
		Title      string
		AssigneeID int64
		DueDate    time.Time
		Priority   string
		Version    int
	}
	require.NoError(t, app.DB.Raw(`SELECT title, assignee_id, due_date, priority, version FROM info_requests WHERE id = ?`, reqID).Scan(&got).Error)
	assert.Equal(t, "UAR Q1 and Q2", got.Title)
	assert.Equal(t, jordan.ID, got.AssigneeID)
	assert.Equal(t, "2026-08-01", got.DueDate.Format("2006-01-02"))
	assert.Equal(t, "high", got.Priority)
	assert.Equal(t, 2, got.Version)
	assert.Equal(t, 2, count(t, app, `SELECT count(*) FROM info_request_links WHERE request_id = ?`, reqID))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'assigned'`, jordan.ID),
		"the new assignee is told")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'request.update' AND entity_id = ?`, reqID))
	assert.Contains(t, auditor.Get(path).Body, "Sample USR-0042")

	// An edit based on version 1 no longer applies: shown as a conflict, nothing overwritten.
	resp = auditor.PostForm(path, url.Values{"version": {"1"}, "title": {"Stale title"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "was changed by someone else while you edited it")
	assert.Contains(t, resp.Body, `value="Stale title"`)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM info_requests WHERE id = ? AND title = 'UAR Q1 and Q2' AND version = 2`, reqID))

	// Clients cannot change requests; accepted requests are closed.
	client := app.NewClient()
	client.Login("dana@northwind.example")
	assert.Equal(t, http.StatusForbidden, client.PostForm(path, url.Values{"version": {"2"}, "title": {"Mine"}}).StatusCode)
	require.NoError(t, app.DB.Exec(`UPDATE info_requests SET status = 'accepted' WHERE id = ?`, reqID).Error)
	resp = auditor.PostForm(path, url.Values{"version": {"2"}, "title": {"After acceptance"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "R-001 is accepted, so it can no longer be changed.")
	assert.NotContains(t, auditor.Get(path).Body, "Change request")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM info_requests WHERE id = ? AND title = 'UAR Q1 and Q2'`, reqID))
}
