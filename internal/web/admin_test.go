package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func adminClient(t *testing.T, app *webtest.App) (*webtest.Client, auth.User) {
	t.Helper()
	u := app.CreateUser("avery@firm.example", auth.RoleAdmin, 0)
	c := app.NewClient()
	c.Login("avery@firm.example")
	return c, u
}

func TestAdminInvitesAUserAndShowsTheOneTimeLink(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)

	resp := admin.PostForm("/admin/users", url.Values{"name": {"Nina Park"}, "email": {"Nina@Firm.example"},
		"title": {"Staff auditor"}, "role": {"staff"}, "mode": {"invite"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	link := find(t, resp.Body, `<code class="invite-link">[^<]*(/invitations/[A-Za-z0-9_-]+)</code>`)

	var nina auth.User
	require.NoError(t, app.DB.Where("email = ?", "nina@firm.example").First(&nina).Error)
	assert.Empty(t, nina.PasswordHash, "an invited user has no password until they choose one")
	assert.EqualValues(t, 1, auditCount(t, app, "user.create", nina.ID))
	assert.EqualValues(t, 1, auditCount(t, app, "user.invite", nina.ID))

	invitee := app.NewClient()
	page := invitee.Get(link)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "nina@firm.example")
	resp = invitee.PostForm(link, url.Values{"password": {"nina's own passphrase"}, "password_confirm": {"nina's own passphrase"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, http.StatusGone, invitee.Get(link).StatusCode, "the link works once")

	list := admin.Get("/admin/users")
	assert.Contains(t, list.Body, "Nina Park")
	assert.Contains(t, list.Body, `data-filter-table="users"`)
	assert.Contains(t, list.Body, "data-sort")
}

func TestAdminCreateUserKeepsInputAndExplainsEachField(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)

	resp := admin.PostForm("/admin/users", url.Values{"name": {"Dana Client"}, "email": {"not-an-address"},
		"role": {"client"}, "mode": {"password"}, "password": {"short"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Enter an e-mail address such as")
	assert.Contains(t, resp.Body, "Choose the client organization this user belongs to.")
	assert.Contains(t, resp.Body, "Use at least 12 characters.")
	assert.Contains(t, resp.Body, `value="Dana Client"`)
	assert.Contains(t, resp.Body, `value="not-an-address"`)

	clientID := app.CreateClient("Northwind Ledger")
	resp = admin.PostForm("/admin/users", url.Values{"name": {"Dana Client"}, "email": {"dana@northwind.example"},
		"role": {"client"}, "client_id": {itoa(clientID)}, "mode": {"password"}, "password": {webtest.Password}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	dana := app.NewClient()
	dana.Login("dana@northwind.example")
	assert.Contains(t, dana.Get("/account").Body, "Dana Client")

	resp = admin.PostForm("/admin/users", url.Values{"name": {"Again"}, "email": {"DANA@northwind.example"},
		"role": {"staff"}, "mode": {"invite"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "already exists")
}

func TestAdminChangesRoleAndCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, me := adminClient(t, app)
	tom := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	staff := app.NewClient()
	staff.Login("tom@firm.example")

	resp := admin.PostForm("/admin/users/"+itoa(tom.ID)+"/role", url.Values{"role": {"client"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose the client organization")

	resp = admin.PostForm("/admin/users/"+itoa(tom.ID)+"/role", url.Values{"role": {"manager"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var role string
	require.NoError(t, app.DB.Raw(`SELECT role FROM users WHERE id = ?`, tom.ID).Scan(&role).Error)
	assert.Equal(t, "manager", role)
	assert.EqualValues(t, 1, auditCount(t, app, "user.role_change", tom.ID))
	assert.Equal(t, http.StatusSeeOther, staff.Get("/account").StatusCode, "a role change signs the user out")

	resp = admin.PostForm("/admin/users/"+itoa(me.ID)+"/disable", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "You cannot disable your own account")

	page := admin.Get("/admin/users/" + itoa(tom.ID))
	assert.Contains(t, page.Body, `data-confirm="Disable`)
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/users/"+itoa(tom.ID)+"/disable", nil).StatusCode)
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/users/"+itoa(tom.ID)+"/enable", nil).StatusCode)
	assert.EqualValues(t, 1, auditCount(t, app, "user.enable", tom.ID))
	assert.Equal(t, http.StatusNotFound, admin.Get("/admin/users/999999").StatusCode)
}

func TestAdminClientEditRefusesAStaleSave(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)

	resp := admin.PostForm("/admin/clients", url.Values{"name": {""}, "website": {"northwind"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Enter the organization&#39;s name.")
	assert.Contains(t, resp.Body, "Enter a full address such as https://example.com")
	assert.Contains(t, resp.Body, `value="northwind"`)

	resp = admin.PostForm("/admin/clients", url.Values{"name": {"Northwind Ledger"}, "legal_name": {"Northwind Ledger, Inc."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var id int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM clients WHERE name = 'Northwind Ledger'`).Scan(&id).Error)
	assert.EqualValues(t, 1, auditCount(t, app, "client.create", id))

	edit := admin.Get("/admin/clients/" + itoa(id))
	require.Equal(t, http.StatusOK, edit.StatusCode)
	assert.Contains(t, edit.Body, `name="version" value="1"`)

	// A colleague saves first.
	other := app.NewClient()
	app.CreateUser("blake@firm.example", auth.RoleAdmin, 0)
	other.Login("blake@firm.example")
	require.Equal(t, http.StatusSeeOther, other.PostForm("/admin/clients/"+itoa(id), url.Values{"version": {"1"},
		"name": {"Northwind Ledger"}, "legal_name": {"Northwind Ledger Holdings, Inc."}}).StatusCode)

	resp = admin.PostForm("/admin/clients/"+itoa(id), url.Values{"version": {"1"}, "name": {"Northwind"},
		"legal_name": {"Northwind Ledger, Inc."}, "website": {"https://northwind.example"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved this client organization")
	assert.Contains(t, resp.Body, "Northwind Ledger Holdings, Inc.", "their values are shown")
	assert.Contains(t, resp.Body, `value="https://northwind.example"`, "what the user typed is kept")
	assert.Contains(t, resp.Body, `name="version" value="2"`)
	var legal string
	require.NoError(t, app.DB.Raw(`SELECT legal_name FROM clients WHERE id = ?`, id).Scan(&legal).Error)
	assert.Equal(t, "Northwind Ledger Holdings, Inc.", legal, "the stale save changed nothing")

	resp = admin.PostForm("/admin/clients/"+itoa(id), url.Values{"version": {"2"}, "name": {"Northwind"},
		"legal_name": {"Northwind Ledger, Inc."}, "website": {"https://northwind.example"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.EqualValues(t, 2, auditCount(t, app, "client.update", id))
	assert.Contains(t, admin.Get("/admin/clients").Body, "https://northwind.example")
}

// settingsUpload posts the settings form as multipart, with the token in the query string.
func settingsUpload(t *testing.T, c *webtest.Client, fields map[string]string, logo []byte) webtest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	if logo != nil {
		fw, err := w.CreateFormFile("logo", "logo.png")
		require.NoError(t, err)
		_, err = fw.Write(logo)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, c.URL("/admin/settings?_csrf="+url.QueryEscape(c.CSRFToken())), &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func TestAdminSettingsSaveNameAndLogo(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	assert.Equal(t, http.StatusNotFound, admin.Get("/admin/settings/logo").StatusCode)

	fields := map[string]string{"version": "1", "firm_name": "", "city": "Portland", "state": "Oregon"}
	resp := settingsUpload(t, admin, fields, []byte("%PDF-1.4 not an image"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "The logo must be a PNG or JPEG image.")
	assert.Contains(t, resp.Body, `value="Portland"`)

	fields["firm_name"] = "Harbor & Vale CPAs LLP"
	big := append(pngBytes(t), bytes.Repeat([]byte{0}, 1<<20)...)
	resp = settingsUpload(t, admin, fields, big)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "larger than 1 MB")

	logo := pngBytes(t)
	resp = settingsUpload(t, admin, fields, logo)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := admin.Get("/admin/settings")
	assert.Contains(t, page.Body, "Harbor &amp; Vale CPAs LLP")
	assert.Contains(t, page.Body, `src="/admin/settings/logo?v=2"`)
	served := admin.Get("/admin/settings/logo")
	assert.Equal(t, "image/png", served.Header.Get("Content-Type"))
	assert.Equal(t, string(logo), served.Body)
	assert.EqualValues(t, 1, auditCount(t, app, "settings.update", 1))

	// Saving without a file keeps the logo; a stale version is refused.
	fields["version"] = "2"
	fields["city"] = "Salem"
	require.Equal(t, http.StatusSeeOther, settingsUpload(t, admin, fields, nil).StatusCode)
	assert.Equal(t, string(logo), admin.Get("/admin/settings/logo").Body)
	fields["city"] = "Eugene"
	resp = settingsUpload(t, admin, fields, nil)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Salem")
	assert.Contains(t, resp.Body, `value="Eugene"`)
	assert.True(t, strings.Contains(resp.Body, `name="version" value="3"`))
}

func TestAdminCreatesANewSetPasswordLink(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	tom := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	assert.Contains(t, admin.Get("/admin/users/"+itoa(tom.ID)).Body, `action="/admin/users/`+itoa(tom.ID)+`/invitation"`)

	resp := admin.PostForm("/admin/users/"+itoa(tom.ID)+"/invitation", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	first := find(t, resp.Body, `(/invitations/[A-Za-z0-9_-]+)</code>`)
	resp = admin.PostForm("/admin/users/"+itoa(tom.ID)+"/invitation", nil)
	second := find(t, resp.Body, `(/invitations/[A-Za-z0-9_-]+)</code>`)
	assert.NotEqual(t, first, second)
	assert.Equal(t, http.StatusGone, app.NewClient().Get(first).StatusCode, "a new link replaces the old one")
	assert.Equal(t, http.StatusOK, app.NewClient().Get(second).StatusCode)
	assert.EqualValues(t, 2, auditCount(t, app, "user.invite", tom.ID))

	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/users/"+itoa(tom.ID)+"/disable", nil).StatusCode)
	resp = admin.PostForm("/admin/users/"+itoa(tom.ID)+"/invitation", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Enable it before sending a new link")
}
