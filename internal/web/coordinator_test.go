package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestClientCoordinator walks issue #16 point 8: the firm marks a client contact as the client's
// coordinator; the coordinator invites a colleague of their own organization with a one-time
// link (the firm reads it in the audit trail), assigns and reassigns requests and sees them all,
// while the other contacts see what is assigned to them and what they uploaded. Nothing crosses
// to another organization: not an invitation, not an assignment, not a request.
func TestClientCoordinator(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	jordan := app.CreateUser("jordan@northwind.example", auth.RoleClient, p.clientA)
	require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, 'client_contact')`, p.engA, jordan.ID).Error)
	admin := app.CreateUser("admin@firm.example", auth.RoleAdmin, 0)

	senior, dana, jordanC, lee, adminC := app.NewClient(), app.NewClient(), app.NewClient(), app.NewClient(), app.NewClient()
	senior.Login(p.senior.Email)
	dana.Login(p.contactA.Email)
	jordanC.Login(jordan.Email)
	lee.Login(p.contactB.Email)
	adminC.Login(admin.Email)

	r1 := createRequest(t, senior, p.engA, p.contactA.ID, "Access review evidence")
	r2 := createRequest(t, senior, p.engA, jordan.ID, "Change tickets")
	rB := createRequest(t, senior, p.engB, p.contactB.ID, "Bluejay firewall rules")
	require.Equal(t, http.StatusSeeOther, uploadFiles(t, dana, fmt.Sprintf("/requests/%d/evidence", r1), uploadFile{"dana-review.pdf", pdfBytes}).StatusCode)
	listA := fmt.Sprintf("/engagements/%d/requests", p.engA)
	contactsA := fmt.Sprintf("/engagements/%d/colleagues", p.engA)

	// Without a coordinator every contact sees the whole list, as before.
	assert.Contains(t, jordanC.Get(listA).Body, "Access review evidence")
	assert.Equal(t, http.StatusOK, jordanC.Get(fmt.Sprintf("/requests/%d", r1)).StatusCode)
	assert.Equal(t, http.StatusForbidden, dana.PostForm(contactsA, url.Values{"email": {"sam@northwind.example"}, "name": {"Sam"}}).StatusCode,
		"only the coordinator invites")

	// The firm marks Dana.
	resp := senior.PostForm(fmt.Sprintf("/engagements/%d/contacts/%d/coordinator", p.engA, p.contactA.ID), url.Values{"coordinator": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := senior.Get(contactsA)
	assert.Contains(t, page.Body, "Remove as coordinator")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'engagement.coordinator_set' AND actor_id = ?`, p.senior.ID))
	resp = senior.PostForm(fmt.Sprintf("/engagements/%d/contacts/%d/coordinator", p.engA, p.contactB.ID), url.Values{"coordinator": {"1"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another organization's user is no contact of this engagement")
	assert.Equal(t, http.StatusForbidden, dana.PostForm(fmt.Sprintf("/engagements/%d/contacts/%d/coordinator", p.engA, jordan.ID),
		url.Values{"coordinator": {"1"}}).StatusCode, "the firm marks the coordinator, not the client")

	// Jordan now sees what is assigned to him (and what he uploaded); Dana's request does not exist for him.
	list := jordanC.Get(listA)
	assert.Contains(t, list.Body, "Change tickets")
	assert.NotContains(t, list.Body, "Access review evidence")
	assert.Contains(t, list.Body, `id="own-requests"`)
	assert.Equal(t, http.StatusNotFound, jordanC.Get(fmt.Sprintf("/requests/%d", r1)).StatusCode)
	var fileID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM evidence_files WHERE request_id = ?`, r1).Row().Scan(&fileID))
	assert.Equal(t, http.StatusNotFound, jordanC.Get(fmt.Sprintf("/evidence/%d", fileID)).StatusCode, "nor its files")
	assert.Equal(t, http.StatusNotFound, jordanC.PostForm(fmt.Sprintf("/requests/%d/comments", r1), url.Values{"body": {"hi"}}).StatusCode)
	assert.Empty(t, zipNames(t, jordanC.Get(fmt.Sprintf("/engagements/%d/evidence.zip", p.engA)).Body), "the engagement's ZIP holds only his requests' files")
	assert.NotContains(t, jordanC.Get("/").Body, "Access review evidence", "nor does his dashboard list it")
	assert.Equal(t, http.StatusForbidden, jordanC.Get(contactsA).StatusCode, "the contacts page is the coordinator's")

	// Dana sees every request and invites a colleague of her organization.
	list = dana.Get(listA)
	assert.Contains(t, list.Body, "Change tickets")
	assert.Contains(t, list.Body, `id="client-contacts"`)
	assert.Contains(t, zipNames(t, dana.Get(fmt.Sprintf("/engagements/%d/evidence.zip", p.engA)).Body), "R-001/dana-review.pdf")
	resp = dana.PostForm(contactsA, url.Values{"email": {"Sam@Northwind.example"}, "name": {"Sam Ortiz"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = dana.Get(resp.Header.Get("Location"))
	assert.Contains(t, page.Body, "/invitations/", "the one-time link, as for the firm's invitations")
	assert.Contains(t, page.Body, "Sam Ortiz")
	assert.Contains(t, page.Body, "Invited")
	var sam auth.User
	require.NoError(t, app.DB.Where("email = 'sam@northwind.example'").First(&sam).Error)
	assert.Equal(t, auth.RoleClient, sam.Role)
	require.NotNil(t, sam.ClientID)
	assert.Equal(t, p.clientA, *sam.ClientID, "a colleague of her own organization")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM invitations WHERE user_id = ? AND created_by = ? AND used_at IS NULL`, sam.ID, p.contactA.ID))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'engagement.colleague_invite' AND actor_id = ?
		AND engagement_id = ? AND after->>'email' = 'sam@northwind.example' AND after->>'invited_by' = ?`, p.contactA.ID, p.engA, p.contactA.Email))
	trail := adminC.Get(fmt.Sprintf("/engagements/%d/audit", p.engA))
	require.Equal(t, http.StatusOK, trail.StatusCode)
	assert.Contains(t, trail.Body, "colleague_invite", "the firm sees who the coordinator invited")
	assert.Contains(t, trail.Body, "sam@northwind.example")

	// Bad input keeps what was typed and says what to fix.
	resp = dana.PostForm(contactsA, url.Values{"email": {"not-an-address"}, "name": {"Kim Typed"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, `value="Kim Typed"`)
	assert.Contains(t, resp.Body, `value="not-an-address"`)

	// No invitation crosses to another organization or the firm.
	for _, email := range []string{p.contactB.Email, p.senior.Email} {
		resp = dana.PostForm(contactsA, url.Values{"email": {email}, "name": {"Someone"}})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, email)
		assert.Contains(t, resp.Body, "not a user of this client")
	}
	assert.Equal(t, http.StatusNotFound, dana.PostForm(fmt.Sprintf("/engagements/%d/colleagues", p.engB), url.Values{"email": {"x@northwind.example"}, "name": {"X"}}).StatusCode)
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM engagement_members WHERE engagement_id = ? AND user_id IN (SELECT id FROM users WHERE client_id = ?)`, p.engA, p.clientB))

	// Dana reassigns her request to Jordan: he now sees it, told by e-mail.
	show := dana.Get(fmt.Sprintf("/requests/%d", r1))
	assert.Contains(t, show.Body, `id="assign-form"`)
	assert.Contains(t, show.Body, "Sam Ortiz &lt;sam@northwind.example&gt;", "colleagues are offered, invited ones too")
	resp = dana.PostForm(fmt.Sprintf("/requests/%d/assign", r1), url.Values{"assignee_id": {itoa(jordan.ID)}, "version": {version(t, show.Body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, http.StatusOK, jordanC.Get(fmt.Sprintf("/requests/%d", r1)).StatusCode)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'request.assign' AND entity_id = ? AND actor_id = ?`, r1, p.contactA.ID))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE recipient_id = ? AND kind = 'assigned' AND body LIKE '%coordinates%'`, jordan.ID))
	resp = dana.PostForm(fmt.Sprintf("/requests/%d/assign", r1), url.Values{"assignee_id": {itoa(sam.ID)}, "version": {version(t, show.Body)}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a stale assignment is refused")

	// Assignments stay inside the organization and the engagement.
	resp = dana.PostForm(fmt.Sprintf("/requests/%d/assign", r2), url.Values{"assignee_id": {itoa(p.contactB.ID)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "only the contacts of this engagement can be assigned")
	assert.Equal(t, http.StatusNotFound, dana.PostForm(fmt.Sprintf("/requests/%d/assign", rB), url.Values{"assignee_id": {itoa(jordan.ID)}}).StatusCode)
	assert.Equal(t, http.StatusForbidden, jordanC.PostForm(fmt.Sprintf("/requests/%d/assign", r2), url.Values{"assignee_id": {itoa(p.contactA.ID)}}).StatusCode,
		"only the coordinator assigns")
	require.Equal(t, http.StatusSeeOther, senior.PostForm(fmt.Sprintf("/engagements/%d/contacts/%d/coordinator", p.engB, p.contactB.ID),
		url.Values{"coordinator": {"1"}}).StatusCode)
	assert.Equal(t, http.StatusNotFound, lee.PostForm(fmt.Sprintf("/requests/%d/assign", r2), url.Values{"assignee_id": {itoa(p.contactB.ID)}}).StatusCode,
		"another organization's coordinator reaches nothing here")
	assert.Equal(t, http.StatusNotFound, lee.Get(contactsA).StatusCode)
	var assignee int64
	require.NoError(t, app.DB.Raw(`SELECT assignee_id FROM info_requests WHERE id = ?`, r2).Row().Scan(&assignee))
	assert.Equal(t, jordan.ID, assignee, "unchanged")

	// Removing the coordinator gives every contact the whole list again.
	require.Equal(t, http.StatusSeeOther, senior.PostForm(fmt.Sprintf("/engagements/%d/contacts/%d/coordinator", p.engA, p.contactA.ID),
		url.Values{"coordinator": {"0"}}).StatusCode)
	assert.Equal(t, http.StatusForbidden, dana.Get(contactsA).StatusCode)
	assert.NotContains(t, jordanC.Get(listA).Body, `id="own-requests"`)
}

// zipNames lists the files of a ZIP download (the manifest left out).
func zipNames(t *testing.T, body string) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	require.NoError(t, err)
	var out []string
	for _, f := range zr.File {
		if f.Name != "manifest.csv" && f.Name != "MANIFEST.csv" {
			out = append(out, f.Name)
		}
	}
	return out
}
