package web_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// portal is a firm with two client organizations, each with a Type II engagement, a senior on
// both teams and a client contact per organization.
type portal struct {
	app          *webtest.App
	clientA      int64
	clientB      int64
	engA, engB   int64
	senior       auth.User
	contactA     auth.User
	contactB     auth.User
	controlA     int64
	testA, testB int64
	sampleB      int64
}

func newPortal(t testing.TB, app *webtest.App) *portal {
	t.Helper()
	p := &portal{app: app}
	p.clientA = app.CreateClient("Northwind Ledger")
	p.clientB = app.CreateClient("Bluejay Health")
	p.engA = createEngagement(t, app, p.clientA, "Northwind Ledger SOC 2 2026")
	p.engB = createEngagement(t, app, p.clientB, "Bluejay Health SOC 2 2026")
	p.senior = app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	p.contactA = app.CreateUser("dana@northwind.example", auth.RoleClient, p.clientA)
	p.contactB = app.CreateUser("lee@bluejay.example", auth.RoleClient, p.clientB)
	for _, m := range []struct {
		eng, user int64
		role      string
	}{{p.engA, p.senior.ID, "senior"}, {p.engB, p.senior.ID, "senior"}, {p.engA, p.contactA.ID, "client_contact"}, {p.engB, p.contactB.ID, "client_contact"}} {
		require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`, m.eng, m.user, m.role).Error)
	}
	p.controlA, p.testA = createControlAndTest(t, app, p.engA, "NL-06")
	_, p.testB = createControlAndTest(t, app, p.engB, "BJ-01")
	require.NoError(t, app.DB.Raw(`INSERT INTO samples (test_id, item_key) VALUES (?, 'CHG-1') RETURNING id`, p.testB).Row().Scan(&p.sampleB))
	return p
}

func createEngagement(t testing.TB, app *webtest.App, clientID int64, name string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status)
		VALUES (?, ?, 'type2', '2026-01-01', '2026-06-30', 'fieldwork') RETURNING id`, clientID, name).Row().Scan(&id))
	return id
}

func createControlAndTest(t testing.TB, app *webtest.App, engagementID int64, ref string) (controlID, testID int64) {
	t.Helper()
	require.NoError(t, app.DB.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, ?, 'Quarterly user access review', 'quarterly') RETURNING id`,
		engagementID, ref).Row().Scan(&controlID))
	require.NoError(t, app.DB.Raw(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'operating') RETURNING id`,
		engagementID, controlID).Row().Scan(&testID))
	return controlID, testID
}

// createRequest adds a request through the auditor's form and returns its id.
func createRequest(t testing.TB, c *webtest.Client, engagementID, assigneeID int64, title string) int64 {
	t.Helper()
	resp := c.PostForm(fmt.Sprintf("/engagements/%d/requests", engagementID), url.Values{"title": {title},
		"assignee_id": {strconv.FormatInt(assigneeID, 10)}, "due_date": {"2026-07-15"}, "priority": {"high"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	m := regexp.MustCompile(`/requests/(\d+)`).FindStringSubmatch(resp.Header.Get("Location"))
	require.NotNil(t, m)
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// uploadFile is one file of a multipart upload; rawName is sent exactly as given.
type uploadFile struct {
	rawName string
	body    []byte
}

// upload posts files the way a browser does, with the CSRF token in the query string.
func uploadFiles(t testing.TB, c *webtest.Client, path string, files ...uploadFile) webtest.Response {
	t.Helper()
	parts := make([]webtest.File, len(files))
	for i, f := range files {
		parts[i] = webtest.File{Field: "files", Name: f.rawName, Data: f.body}
	}
	return c.Upload(path, map[string]string{"pertains_to": "2026-03-31"}, parts...)
}

func count(t testing.TB, app *webtest.App, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, app.DB.Raw(q, args...).Row().Scan(&n))
	return n
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")

func newMultipart(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }
