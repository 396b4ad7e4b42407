package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestRequestTemplateAdmin(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("miguel@firm.example", auth.RoleManager, 0)
	app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	manager, staff := app.NewClient(), app.NewClient()
	manager.Login("miguel@firm.example")
	staff.Login("tom@firm.example")

	page := manager.Get("/admin/request-template")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "Organization chart")
	assert.Contains(t, page.Body, "Privacy notice and consent records")
	assert.Equal(t, 32, count(t, app, `SELECT count(*) FROM request_templates`))
	assert.Equal(t, http.StatusForbidden, staff.Get("/admin/request-template").StatusCode)

	resp := manager.PostForm("/admin/request-template", url.Values{"title": {""}, "criteria": {"CC6.1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Enter the request")
	resp = manager.PostForm("/admin/request-template", url.Values{"title": {"Asset inventory"}, "criteria": {"cc6.1, CC6.5"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM request_templates WHERE title = 'Asset inventory' AND criteria = '{CC6.1,CC6.5}' AND position = 33`))

	var id int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM request_templates WHERE position = 1`).Row().Scan(&id))
	resp = manager.PostForm(fmt.Sprintf("/admin/request-template/%d", id), url.Values{"title": {"Organization chart (current)"}, "criteria": {"CC1.3"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = manager.PostForm(fmt.Sprintf("/admin/request-template/%d/delete", id), nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 32, count(t, app, `SELECT count(*) FROM request_templates`))
	assert.Equal(t, 3, count(t, app, `SELECT count(*) FROM audit_events WHERE entity_type = 'request_template'`))
}
