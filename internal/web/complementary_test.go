package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
)

// TestComplementaryEditUpdateDelete drives the CUEC/CSOC edit form, its save (valid, invalid,
// stale) and its delete (stale, current) over HTTP, and checks who may reach them.
func TestComplementaryEditUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	resp := f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"cuec"}, "ref": {"CUEC-1"},
		"description": {"User entities manage their users' access"}, "criteria": {"CC6.2"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var id int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM complementary_controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&id))
	cc := "/complementary-controls/" + strconv.FormatInt(id, 10)

	// Edit shows the stored values and the version the save will check.
	edit := f.senior.Get(cc + "/edit")
	require.Equal(t, http.StatusOK, edit.StatusCode)
	assert.Contains(t, edit.Body, `value="CUEC-1"`)
	assert.Contains(t, edit.Body, "User entities manage their users&#39; access")
	assert.Regexp(t, `name="version" value="1"`, edit.Body)

	// A save without a description is refused field by field, keeping what was typed.
	resp = f.senior.PostForm(cc, url.Values{"kind": {"cuec"}, "ref": {"CUEC-1 typed"}, "description": {" "}, "criteria": {"CC6.2"}, "version": {"1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Describe the complementary control.")
	assert.Contains(t, resp.Body, `value="CUEC-1 typed"`)

	// A valid save goes back to the matrix and bumps the version.
	resp = f.senior.PostForm(cc, url.Values{"kind": {"cuec"}, "ref": {"CUEC-1"}, "description": {"User entities review their users' access quarterly"},
		"criteria": {"CC6.2", "CC6.3"}, "version": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, f.path("/controls"), resp.Header.Get("Location"))
	assert.Contains(t, f.senior.Get(f.path("/controls")).Body, "User entities review their users&#39; access quarterly")
	var version int
	require.NoError(t, f.app.DB.Raw(`SELECT version FROM complementary_controls WHERE id = ?`, id).Row().Scan(&version))
	assert.Equal(t, 2, version)

	// A stale save is refused with both versions side by side; nothing changes.
	resp = f.senior.PostForm(cc, url.Values{"kind": {"cuec"}, "ref": {"CUEC-1"}, "description": {"An older idea of the control"},
		"criteria": {"CC6.2"}, "version": {"1"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "User entities review their users&#39; access quarterly", "the stored value is shown")
	assert.Contains(t, resp.Body, "An older idea of the control", "what the user typed is kept")
	assert.Regexp(t, `name="version" value="2"`, resp.Body, "saving again overwrites knowingly")

	// A stale delete goes back to the form and keeps the row; a current one removes it.
	resp = f.senior.PostForm(cc+"/delete", url.Values{"version": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, cc+"/edit", resp.Header.Get("Location"))
	assert.Contains(t, f.senior.Get(cc+"/edit").Body, "was changed by someone else; it was not deleted")
	resp = f.senior.PostForm(cc+"/delete", url.Values{"version": {"2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, f.path("/controls"), resp.Header.Get("Location"))
	var left int
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM complementary_controls WHERE id = ?`, id).Row().Scan(&left))
	assert.Zero(t, left)
	assert.Equal(t, http.StatusNotFound, f.senior.Get(cc+"/edit").StatusCode)

	var actions []string
	require.NoError(t, f.app.DB.Raw(`SELECT action FROM audit_events WHERE entity_type = 'complementary_control' AND entity_id = ? ORDER BY id`, id).Scan(&actions).Error)
	assert.Equal(t, []string{"complementary_control.create", "complementary_control.update", "complementary_control.delete"}, actions)
}

// TestComplementaryRoutesRefuseOutsiders: a firm user off the team and a client user cannot
// open, save or delete a CUEC.
func TestComplementaryRoutesRefuseOutsiders(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	resp := f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"cuec"}, "ref": {"CUEC-1"},
		"description": {"User entities manage their users' access"}, "criteria": {"CC6.2"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var id int64
	require.NoError(t, f.app.DB.Raw(`SELECT id FROM complementary_controls WHERE engagement_id = ?`, f.engagement).Row().Scan(&id))
	cc := "/complementary-controls/" + strconv.FormatInt(id, 10)

	f.app.CreateUser("otto@firm.example", auth.RoleSenior, 0)
	outsider := f.app.NewClient()
	outsider.Login("otto@firm.example")
	f.app.CreateUser("cara@northwind.example", auth.RoleClient, f.client)
	client := f.app.NewClient()
	client.Login("cara@northwind.example")

	assert.Equal(t, http.StatusForbidden, outsider.Get(cc+"/edit").StatusCode)
	assert.Equal(t, http.StatusForbidden, outsider.PostForm(cc, url.Values{"kind": {"cuec"}, "description": {"x"}, "criteria": {"CC6.2"}, "version": {"1"}}).StatusCode)
	assert.Equal(t, http.StatusForbidden, outsider.PostForm(cc+"/delete", url.Values{"version": {"1"}}).StatusCode)
	assert.Equal(t, http.StatusForbidden, client.Get(cc+"/edit").StatusCode)
	assert.Equal(t, http.StatusForbidden, client.PostForm(cc+"/delete", url.Values{"version": {"1"}}).StatusCode)
	var left int
	require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM complementary_controls WHERE id = ? AND version = 1`, id).Row().Scan(&left))
	assert.Equal(t, 1, left, "nothing changed")
}
