package web_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// A control reference is typed by users; in the samples export's file name it must stay a name.
func TestSamplesExportNameGoesThroughTheAttachmentHelper(t *testing.T) {
	f := newFieldworkFixture(t)
	require.NoError(t, f.app.DB.Exec(`UPDATE controls SET ref = ? WHERE id = ?`, `NL"; filename="run.exe`, f.nl05).Error)
	var testID int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'operating') RETURNING id`,
		f.engagement, f.nl05).Row().Scan(&testID))
	resp := f.login("staff@firm.example").Get(fmt.Sprintf("/tests/%d/samples.xlsx", testID))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	cd := resp.Header.Get("Content-Disposition")
	kind, params, err := mime.ParseMediaType(cd)
	require.NoError(t, err, cd)
	assert.Equal(t, "attachment", kind)
	assert.Equal(t, `samples-NL"; filename="run.exe.xlsx`, params["filename"], "the name is one value, not two parameters: %s", cd)
}

func TestSignInRedirectStaysOnTheSite(t *testing.T) {
	app := webtest.New(t)
	app.CreateUser("staff@firm.example", "staff", 0)
	for _, next := range []string{"/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example", "/\r\n/evil.example"} {
		c := app.NewClient()
		resp := c.PostForm("/login", url.Values{"email": {"staff@firm.example"}, "password": {webtest.Password}, "next": {next}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/", resp.Header.Get("Location"), "next=%q", next)
	}
}

func TestCSRFTokenIsBoundToTheSessionAndRotatedAtSignIn(t *testing.T) {
	app := webtest.New(t)
	app.CreateUser("staff@firm.example", "staff", 0)
	app.CreateUser("senior@firm.example", "senior", 0)

	// A token the browser held before signing in (or one an attacker planted) is replaced.
	c := app.NewClient()
	before := c.CSRFToken()
	c.Login("staff@firm.example")
	after := c.CSRFToken()
	assert.NotEqual(t, before, after, "signing in rotates the token")
	resp := c.PostRaw("/account/password", url.Values{"_csrf": {before}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the pre-sign-in token is dead")

	// Another session's token does not work in this one, even sent as cookie and field together.
	other := app.NewClient()
	other.Login("senior@firm.example")
	stolen := other.CSRFToken()
	u, _ := url.Parse(app.HTTP.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "attest_csrf", Value: stolen, Path: "/"}})
	resp = c.PostRaw("/logout", url.Values{"_csrf": {stolen}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a token of another session is refused")

	// This session's own token works (the page puts it in its forms).
	assert.Contains(t, c.Get("/account").Body, after)
	resp = c.PostRaw("/logout", url.Values{"_csrf": {after}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestAClientDisconnectingDuringAnUploadIsNotAServerError(t *testing.T) {
	f := newFieldworkFixture(t)
	var logs syncBuffer
	f.app.Server.Log = slog.New(slog.NewTextHandler(&logs, nil))
	var testID int64
	require.NoError(t, f.app.DB.Raw(`INSERT INTO tests (engagement_id, control_id, kind) VALUES (?, ?, 'operating') RETURNING id`,
		f.engagement, f.nl05).Row().Scan(&testID))
	staff := f.login("staff@firm.example")
	u, _ := url.Parse(f.app.HTTP.URL)
	var cookies []string
	for _, ck := range staff.HTTP.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}

	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	body := "--XX\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n" +
		strings.Repeat("evidence ", 20000)
	fmt.Fprintf(conn, "POST /tests/%d/evidence?_csrf=%s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n"+
		"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: %d\r\n\r\n%s",
		testID, url.QueryEscape(staff.CSRFToken()), u.Host, strings.Join(cookies, "; "), len(body)+10_000_000, body)
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, conn.Close()) // the browser tab is closed mid-upload

	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "path=/tests/") && strings.Contains(logs.String(), "msg=request")
	},
		10*time.Second, 50*time.Millisecond, "the request is logged")
	out := logs.String()
	assert.NotContains(t, out, "level=ERROR", out)
	assert.Contains(t, out, "client disconnected")
	assert.Contains(t, out, "status=499")
}

func TestSetPasswordLinksAreLoggedOnlyWhenMailGoesToTheLog(t *testing.T) {
	for _, smtp := range []string{"", "smtp.firm.example"} {
		t.Run("smtp="+smtp, func(t *testing.T) {
			app := webtest.New(t, func(c *config.Config) { c.SMTPHost = smtp })
			var logs syncBuffer
			app.Server.Log = slog.New(slog.NewTextHandler(&logs, nil))
			admin, _ := adminClient(t, app)
			resp := admin.PostForm("/admin/users", url.Values{"name": {"Nina Park"}, "email": {"nina@firm.example"},
				"title": {"Staff auditor"}, "role": {"staff"}, "mode": {"invite"}})
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
			link := find(t, resp.Body, `<code class="invite-link">[^<]*(/invitations/[A-Za-z0-9_-]+)</code>`)
			assert.Contains(t, logs.String(), "invitation created")
			if smtp == "" {
				assert.Contains(t, logs.String(), link, "without SMTP the log is the mail")
			} else {
				assert.NotContains(t, logs.String(), link, "with SMTP the link stays out of the log")
			}
		})
	}
}

func TestHSTSIsSentWhenCookiesAreSecure(t *testing.T) {
	secure := webtest.New(t, func(c *config.Config) { c.SecureCookies = true })
	resp := secure.NewClient().Get("/login")
	assert.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=31536000")
	plain := webtest.New(t)
	assert.Empty(t, plain.NewClient().Get("/login").Header.Get("Strict-Transport-Security"), "no HSTS over plain development HTTP")
}
