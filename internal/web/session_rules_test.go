package web_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestLoginIssuesANewSessionToken(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	c := app.NewClient()

	// A token planted before sign-in (session fixation) is not kept.
	u, _ := url.Parse(app.HTTP.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "attest_session", Value: "planted-by-an-attacker"}})
	c.Login("sara@firm.example")
	first := sessionToken(t, app, c)
	require.NotEmpty(t, first)
	assert.NotEqual(t, "planted-by-an-attacker", first)

	c.Login("sara@firm.example")
	second := sessionToken(t, app, c)
	assert.NotEqual(t, first, second, "every sign-in gets a fresh token")

	old := app.NewClient()
	old.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "attest_session", Value: first}})
	assert.Equal(t, http.StatusSeeOther, old.Get("/").StatusCode, "the replaced token no longer works")
}

// expectExpired checks that the client was signed out and is told why.
func expectExpired(t *testing.T, c *webtest.Client) {
	t.Helper()
	resp := c.Get("/account")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	assert.Equal(t, "/login?next=%2Faccount", loc)
	assert.Contains(t, c.Get(loc).Body, "Your session expired")
}

func TestIdleSessionExpires(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	c := app.NewClient()
	c.Login("sara@firm.example")

	app.Clock.Advance(app.Config.SessionIdle - time.Minute)
	assert.Equal(t, http.StatusOK, c.Get("/account").StatusCode, "activity within the idle limit keeps the session")
	app.Clock.Advance(app.Config.SessionIdle + time.Minute)
	expectExpired(t, c)
}

func TestSessionEndsAtItsAbsoluteLimitDespiteActivity(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	c := app.NewClient()
	c.Login("sara@firm.example")

	step := app.Config.SessionIdle / 2
	var elapsed time.Duration
	for elapsed+step < app.Config.SessionMaxAge {
		app.Clock.Advance(step)
		elapsed += step
		require.Equal(t, http.StatusOK, c.Get("/account").StatusCode, "still active after %s", elapsed)
	}
	app.Clock.Advance(step)
	expectExpired(t, c)
}

func TestDisablingAUserEndsTheirSessions(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("avery@firm.example", auth.RoleAdmin, 0)
	tom := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	admin, staff := app.NewClient(), app.NewClient()
	admin.Login("avery@firm.example")
	staff.Login("tom@firm.example")
	require.Equal(t, http.StatusOK, staff.Get("/account").StatusCode)

	resp := admin.PostForm("/admin/users/"+itoa(tom.ID)+"/disable", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, http.StatusSeeOther, staff.Get("/account").StatusCode)

	// And the password no longer signs in.
	resp = app.NewClient().PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {webtest.Password}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.EqualValues(t, 1, auditCount(t, app, "user.disable", tom.ID))
}

func TestChangingThePasswordRevokesOtherSessions(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	sara := app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	here, elsewhere := app.NewClient(), app.NewClient()
	here.Login("sara@firm.example")
	elsewhere.Login("sara@firm.example")

	resp := here.PostForm("/account/password", url.Values{"current_password": {"not my password"},
		"new_password": {"a brand new passphrase"}, "new_password_confirm": {"a brand new passphrase"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "This is not your current password.")
	assert.Equal(t, http.StatusOK, elsewhere.Get("/account").StatusCode, "a refused change revokes nothing")

	resp = here.PostForm("/account/password", url.Values{"current_password": {webtest.Password},
		"new_password": {"a brand new passphrase"}, "new_password_confirm": {"a different one entirely"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "The two new passwords differ")

	resp = here.PostForm("/account/password", url.Values{"current_password": {webtest.Password},
		"new_password": {"a brand new passphrase"}, "new_password_confirm": {"a brand new passphrase"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, here.Get("/account").Body, "Your password is changed", "this browser stays signed in")
	assert.Equal(t, http.StatusSeeOther, elsewhere.Get("/account").StatusCode, "other browsers are signed out")
	assert.EqualValues(t, 1, auditCount(t, app, "user.password_change", sara.ID))

	resp = app.NewClient().PostForm("/login", url.Values{"email": {"sara@firm.example"}, "password": {"a brand new passphrase"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestAccountPageShowsMFAStatus(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	c := app.NewClient()
	c.Login("tom@firm.example")
	body := c.Get("/account").Body
	assert.Contains(t, body, "Turn on two-step verification")
	assert.True(t, strings.Contains(body, "Change password"))
}

func TestPasswordSignInIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	c := app.NewClient()
	for i := 0; i < auth.DefaultThrottle.PerAccount; i++ {
		resp := c.PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {"guess " + itoa(int64(i))}})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp := c.PostForm("/login", url.Values{"email": {"Tom@Firm.example"}, "password": {webtest.Password}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "even the right password waits; the e-mail's case does not matter")
	assert.Contains(t, resp.Body, "Too many failed sign-in attempts for this account")
	assert.Contains(t, resp.Body, "try again in 15 minutes")
	assert.Contains(t, []string{"900", "901"}, resp.Header.Get("Retry-After"), "seconds until the oldest failure leaves the window")
	assert.Empty(t, sessionToken(t, app, c))

	other := app.CreateUser("una@firm.example", auth.RoleStaff, 0)
	assert.Equal(t, http.StatusSeeOther, c.PostForm("/login", url.Values{"email": {other.Email}, "password": {webtest.Password}}).StatusCode,
		"other accounts are not affected")

	app.Clock.Advance(auth.DefaultThrottle.Window + time.Second)
	assert.Equal(t, http.StatusSeeOther, app.NewClient().PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {webtest.Password}}).StatusCode)
}

// TestPasswordSignInIsThrottledPerAddress: guessing across many accounts from one address stops
// at the per-address limit, and signing in to an account the guesser owns does not reset it.
func TestPasswordSignInIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.Server.Auth.Throttle = auth.ThrottleLimits{Window: 15 * time.Minute, PerAccount: 5, PerIP: 4}
	app.CreateUser("mallory@firm.example", auth.RoleStaff, 0)
	app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
	c := app.NewClient()
	for i, victim := range []string{"a@firm.example", "b@firm.example", "c@firm.example", "d@firm.example"} {
		require.Equal(t, http.StatusUnauthorized, c.PostForm("/login", url.Values{"email": {victim}, "password": {"guess"}}).StatusCode)
		if i == 1 {
			app.Clock.Advance(time.Minute)
			own := app.NewClient().PostForm("/login", url.Values{"email": {"mallory@firm.example"}, "password": {webtest.Password}})
			require.Equal(t, http.StatusSeeOther, own.StatusCode, "below the limit the address may still sign in")
		}
	}
	resp := c.PostForm("/login", url.Values{"email": {"tom@firm.example"}, "password": {webtest.Password}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, resp.Body, "Too many failed sign-in attempts from your network address")
	assert.Contains(t, resp.Body, `value="tom@firm.example"`, "the e-mail is kept")
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM login_attempts WHERE email = 'tom@firm.example'`).Scan(&n).Error)
	assert.Zero(t, n, "a refused attempt is not even checked")
}

// TestSignInAndSignOutAreAudited: the trail shows who signed in and out, from where, once per
// completed sign-in (the password step of an MFA sign-in is not yet a sign-in).
func TestSignInAndSignOutAreAudited(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	avery := app.CreateUser("avery@firm.example", auth.RoleAdmin, 0)
	c := app.NewClient()
	c.PostForm("/login", url.Values{"email": {avery.Email}, "password": {webtest.Password}})
	assert.Zero(t, auditCount(t, app, "user.sign_in", avery.ID), "the password alone does not complete the sign-in")
	require.Equal(t, http.StatusSeeOther, c.PostForm("/logout", nil).StatusCode)
	assert.Zero(t, auditCount(t, app, "user.sign_out", avery.ID), "leaving at the MFA step ends no sign-in")
	c.PostForm("/login", url.Values{"email": {avery.Email}, "password": {webtest.Password}})
	resp := c.PostForm("/login/mfa", url.Values{"code": {webtest.TOTP(t, webtest.MFASecret, app.Clock.Now())}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.EqualValues(t, 1, auditCount(t, app, "user.sign_in", avery.ID))

	require.Equal(t, http.StatusSeeOther, c.PostForm("/logout", nil).StatusCode)
	var ev struct {
		ActorID   int64
		IP        string
		RequestID string
	}
	require.NoError(t, app.DB.Raw(`SELECT actor_id, ip, request_id FROM audit_events WHERE action = 'user.sign_out'`).Scan(&ev).Error)
	assert.Equal(t, avery.ID, ev.ActorID)
	assert.Equal(t, "127.0.0.1", ev.IP)
	assert.NotEmpty(t, ev.RequestID)

	staff := app.CreateUser("sam@firm.example", auth.RoleStaff, 0)
	app.NewClient().Login(staff.Email)
	assert.EqualValues(t, 1, auditCount(t, app, "user.sign_in", staff.ID), "a sign-in without MFA is audited too")
}

// TestClientAddressBehindATrustedProxy: X-Forwarded-For names the client only when the request
// comes from a configured proxy; otherwise it is ignored, so nobody can choose their address.
func TestClientAddressBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	signInFrom := func(app *webtest.App, forwardedFor string) string {
		u := app.CreateUser("tom@firm.example", auth.RoleStaff, 0)
		c := app.NewClient()
		token := c.CSRFToken()
		req, err := http.NewRequest(http.MethodPost, c.URL("/login"), strings.NewReader(url.Values{"_csrf": {token},
			"email": {u.Email}, "password": {webtest.Password}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		require.Equal(t, http.StatusSeeOther, c.Do(req).StatusCode)
		var ip string
		require.NoError(t, app.DB.Raw(`SELECT ip FROM audit_events WHERE action = 'user.sign_in'`).Scan(&ip).Error)
		return ip
	}
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	proxied := webtest.New(t, func(c *config.Config) { c.TrustedProxies = []*net.IPNet{loopback} })
	assert.Equal(t, "203.0.113.9", signInFrom(proxied, "203.0.113.9"))
	direct := webtest.New(t)
	assert.Equal(t, "127.0.0.1", signInFrom(direct, "203.0.113.9"), "without a trusted proxy the header is ignored")
}
