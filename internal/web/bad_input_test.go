package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestWrongPasswordAndDisabledUserAreRefusedAlike(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	tom := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	c := app.NewClient()

	wrong := c.PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {"not the password"}})
	assert.Equal(t, http.StatusUnauthorized, wrong.StatusCode)
	assert.Contains(t, wrong.Body, "is not right")
	assert.Contains(t, wrong.Body, `value="tom@firm.example"`, "the e-mail is kept")
	assert.Empty(t, sessionToken(t, app, c))

	require.NoError(t, app.DB.Exec(`UPDATE users SET disabled_at = now() WHERE id = ?`, tom.ID).Error)
	disabled := c.PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {webtest.Password}})
	assert.Equal(t, http.StatusUnauthorized, disabled.StatusCode)
	assert.Contains(t, disabled.Body, "is not right, or the account is disabled")
	assert.Empty(t, sessionToken(t, app, c))

	empty := c.PostForm("/login", url.Values{"email": {""}, "password": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, empty.StatusCode)
	assert.Contains(t, empty.Body, "Enter your e-mail address.")
	assert.Contains(t, empty.Body, "Enter your password.")
}

func TestExpiredSessionPostExplainsAndChangesNothing(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	app.Clock.Advance(app.Config.SessionIdle + 1)
	resp := admin.PostForm("/admin/clients", url.Values{"name": {"Late Co"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Body, "Your session has ended")
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM clients`).Scan(&n).Error)
	assert.Zero(t, n)
}

func TestMissingOrForgedCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	for name, token := range map[string][]string{"missing": nil, "forged": {"forged-token-forged-token-forged1"}} {
		values := url.Values{"name": {"Forged Co"}}
		if token != nil {
			values["_csrf"] = token
		}
		resp := admin.PostRaw("/admin/clients", values)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		assert.Contains(t, resp.Body, "Your form expired", name)
	}
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM clients`).Scan(&n).Error)
	assert.Zero(t, n, "nothing was created")
	assert.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/clients", url.Values{"name": {"Real Co"}}).StatusCode,
		"the same form with the real token works")
}

func TestUnknownRouteGivesAHelpful404(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	resp := app.NewClient().Get("/no/such/page")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, resp.Body, "Page not found")
	assert.Contains(t, resp.Body, "Check the address")
	assert.Contains(t, resp.Body, `href="/"`)

	admin, _ := adminClient(t, app)
	assert.Equal(t, http.StatusNotFound, admin.Get("/admin/clients/not-a-number").StatusCode)
}

func TestOversizeBodyIsRefusedWith413(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	big := strings.Repeat("x", int(app.Config.MaxBodyBytes)+1)
	req, err := http.NewRequest(http.MethodPost, admin.URL("/admin/clients?_csrf="+url.QueryEscape(admin.CSRFToken())),
		strings.NewReader(url.Values{"name": {big}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := admin.Do(req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Contains(t, resp.Body, "larger than this server accepts")
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM clients`).Scan(&n).Error)
	assert.Zero(t, n)
}

func TestMalformedFormValuesGet422WithFieldMessages(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	resp := admin.PostForm("/admin/users", url.Values{"name": {"  "}, "email": {"x@"}, "role": {"overlord"},
		"client_id": {"abc"}, "mode": {"carrier-pigeon"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	for _, msg := range []string{"Enter the person&#39;s name.", "Enter an e-mail address", "Choose a role.",
		"Choose one of the listed options.", "Choose how the user gets a password."} {
		assert.Contains(t, resp.Body, msg)
	}
	assert.Contains(t, resp.Body, `value="x@"`)
	assert.Contains(t, resp.Body, `aria-invalid="true"`)

	id := app.CreateClient("Versioned Co")
	resp = admin.PostForm("/admin/clients/"+itoa(id), url.Values{"name": {"Versioned Co 2"}, "version": {"one"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "The form is incomplete")
	assert.Contains(t, resp.Body, `value="Versioned Co 2"`)
}

// countingReader counts what the server reads of a request body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestOversizeBodyIsRefusedBeforeItIsRead: the CSRF check looks for the token in form bodies, so
// the size limit must come first; otherwise an anonymous client makes the server read (or spool
// to disk) any amount, and a body over Go's 10 MB form cap even gets a misleading "form expired".
func TestOversizeBodyIsRefusedBeforeItIsRead(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	for _, tc := range []struct {
		name, contentType string
		size              int64
	}{
		{"form over the limit", "application/x-www-form-urlencoded", app.Config.MaxBodyBytes + 1},
		{"form over Go's form cap", "application/x-www-form-urlencoded", 11 << 20},
		{"multipart over the limit", "multipart/form-data; boundary=xyz", app.Config.MaxBodyBytes + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := "_csrf=forged&email=a%40b.example&password="
			if strings.HasPrefix(tc.contentType, "multipart") {
				prefix = "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n"
			}
			body := &countingReader{r: io.MultiReader(strings.NewReader(prefix), strings.NewReader(strings.Repeat("x", int(tc.size)-len(prefix))))}
			req := httptest.NewRequest(http.MethodPost, "/login", body)
			req.ContentLength = tc.size
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			app.Server.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
			assert.Contains(t, rec.Body.String(), "larger than this server accepts")
			assert.Zero(t, body.n, "nothing of the body is read")
		})
	}
	t.Run("body without a length stops at the limit", func(t *testing.T) {
		body := &countingReader{r: strings.NewReader("_csrf=forged&email=" + strings.Repeat("x", 3*int(app.Config.MaxBodyBytes)))}
		req := httptest.NewRequest(http.MethodPost, "/login", body)
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		app.Server.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.LessOrEqual(t, body.n, app.Config.MaxBodyBytes+64<<10, "reading stops near the limit")
	})
}
