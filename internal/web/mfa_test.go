package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestMFAChallengeGivesAFreshFullSession(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("avery@firm.example", auth.RoleAdmin, 0)
	c := app.NewClient()

	resp := c.PostForm("/login", url.Values{"email": {"avery@firm.example"}, "password": {webtest.Password}, "next": {"/audit"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/login/mfa?next=%2Faudit", resp.Header.Get("Location"))
	partial := sessionToken(t, app, c)
	require.NotEmpty(t, partial)

	// A password alone reaches nothing but the MFA step.
	resp = c.Get("/audit")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/login/mfa", resp.Header.Get("Location"))
	resp = c.Get("/login/mfa?next=%2Faudit")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Body, `name="code"`)

	resp = c.PostForm("/login/mfa", url.Values{"code": {"000000"}, "next": {"/audit"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Body, "That code is not right")

	resp = c.PostForm("/login/mfa", url.Values{"code": {""}, "next": {"/audit"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Enter the code from your authenticator app.")

	resp = c.PostForm("/login/mfa", url.Values{"code": {webtest.TOTP(t, webtest.MFASecret, app.Clock.Now())}, "next": {"/audit"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, "/audit", resp.Header.Get("Location"))
	full := sessionToken(t, app, c)
	assert.NotEqual(t, partial, full, "the MFA step must issue a new session token")
	assert.Equal(t, http.StatusOK, c.Get("/audit").StatusCode)

	// The partial session's token is dead.
	other := app.NewClient()
	u, _ := url.Parse(app.HTTP.URL)
	other.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "attest_session", Value: partial}})
	assert.Equal(t, http.StatusSeeOther, other.Get("/login/mfa").StatusCode)
	assert.Contains(t, other.Get("/login/mfa").Header.Get("Location"), "/login?next=")
}

func TestMFAEnrolmentShowsQRCodeAndRecoveryCodesThatWorkOnce(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := app.CreateUser("pat@firm.example", auth.RolePartner, 0)
	require.NoError(t, app.DB.Exec(`UPDATE users SET mfa_secret = '', mfa_enabled_at = NULL WHERE id = ?`, p.ID).Error)
	c := app.NewClient()

	resp := c.PostForm("/login", url.Values{"email": {"pat@firm.example"}, "password": {webtest.Password}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/account/mfa/enrol"))
	assert.Equal(t, "/account/mfa/enrol", c.Get("/").Header.Get("Location"), "an unenrolled partner reaches only the enrolment")

	resp = c.Get("/account/mfa/enrol")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Body, `src="data:image/png;base64,`)
	secret := find(t, resp.Body, `<code class="secret">([A-Z2-7]+)</code>`)
	assert.Equal(t, secret, find(t, c.Get("/account/mfa/enrol").Body, `<code class="secret">([A-Z2-7]+)</code>`), "the pending secret stays until confirmed")

	resp = c.PostForm("/account/mfa/enrol", url.Values{"code": {"123456"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Body, secret, "the form shows the same secret again")

	before := sessionToken(t, app, c)
	resp = c.PostForm("/account/mfa/enrol", url.Values{"code": {webtest.TOTP(t, secret, app.Clock.Now())}})
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	codes := regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`).FindAllStringSubmatch(resp.Body, -1)
	require.Len(t, codes, auth.RecoveryCodeCount)
	assert.NotEqual(t, before, sessionToken(t, app, c), "completing enrolment issues a new session")
	assert.Equal(t, http.StatusOK, c.Get("/").StatusCode)
	assert.EqualValues(t, 1, auditCount(t, app, "user.mfa_enable", p.ID))
	var stored int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM recovery_codes WHERE user_id = ? AND code_hash <> convert_to(?, 'UTF8')`, p.ID, codes[0][1]).Scan(&stored).Error)
	assert.EqualValues(t, auth.RecoveryCodeCount, stored, "codes are stored hashed")

	// Enrolment page now sends the user to the account page.
	assert.Equal(t, "/account", c.Get("/account/mfa/enrol").Header.Get("Location"))
	acct := c.Get("/account")
	assert.Contains(t, acct.Body, "10 unused recovery codes left")

	// Next sign-in: a recovery code works once, then never again.
	signIn := func(code string) webtest.Response {
		c2 := app.NewClient()
		r := c2.PostForm("/login", url.Values{"email": {"pat@firm.example"}, "password": {webtest.Password}})
		require.True(t, strings.HasPrefix(r.Header.Get("Location"), "/login/mfa"))
		return c2.PostForm("/login/mfa", url.Values{"code": {code}})
	}
	recovery := strings.ToUpper(codes[3][1]) // people type them in any case
	assert.Equal(t, http.StatusSeeOther, signIn(recovery).StatusCode)
	assert.EqualValues(t, 1, auditCount(t, app, "user.mfa_recovery_code_used", p.ID))
	assert.Equal(t, http.StatusUnauthorized, signIn(recovery).StatusCode, "a recovery code is single-use")
	assert.Equal(t, http.StatusSeeOther, signIn(webtest.TOTP(t, secret, app.Clock.Now())).StatusCode)
}

func TestMFAAttemptsAreThrottled(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("avery@firm.example", auth.RoleAdmin, 0)
	c := app.NewClient()
	c.PostForm("/login", url.Values{"email": {"avery@firm.example"}, "password": {webtest.Password}})
	for i := 0; i < auth.DefaultThrottle.PerAccount; i++ {
		assert.Equal(t, http.StatusUnauthorized, c.PostForm("/login/mfa", url.Values{"code": {"999999"}}).StatusCode)
	}
	resp := c.PostForm("/login/mfa", url.Values{"code": {webtest.TOTP(t, webtest.MFASecret, app.Clock.Now())}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "even the right code waits once the limit is reached")
	assert.Contains(t, resp.Body, "Too many failed sign-in attempts")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))

	app.Clock.Advance(auth.DefaultThrottle.Window + 1)
	resp = c.PostForm("/login/mfa", url.Values{"code": {webtest.TOTP(t, webtest.MFASecret, app.Clock.Now())}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}
