package web_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestBrowserAdminSetsUpAClientAndAUser: the demo administrator (as `make run` seeds it) signs in
// with the demo password and an authenticator code, adds a client organization and invites one of
// its people, then signs out.
func TestBrowserAdminSetsUpAClientAndAUser(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	_, err := seed.Demo(context.Background(), app.DB, app.Clock)
	require.NoError(t, err)
	b := browsertest.Start(t, app.HTTP.URL)

	b.Visit("/login")
	b.Fill("#f-email", "admin@attest.example")
	b.Fill("#f-password", seed.DemoPassword)
	b.ClickAndWait("form button[type=submit]", "#f-code")
	assert.Contains(t, b.Location(), "/login/mfa")
	b.CheckAccessibility("mfa-challenge")
	b.Fill("#f-code", webtest.TOTP(t, seed.DemoMFASecrets["admin@attest.example"], app.Clock.Now()))
	b.ClickAndWait("form[action='/login/mfa'] button[type=submit]", ".user-name")

	b.Visit("/admin/clients")
	b.ClickAndWait(".page-actions a.button", "#f-name")
	b.CheckAccessibility("admin-client-new")
	b.Fill("#f-name", "Cedar Analytics")
	b.Fill("#f-legal_name", "Cedar Analytics, Inc.")
	b.Fill("#f-website", "https://cedar.example")
	b.ClickAndWait("main form button[type=submit]", "#clients")
	assert.Contains(t, b.Text(".flash-success"), "Cedar Analytics added")
	assert.Contains(t, b.Text("#clients"), "Cedar Analytics, Inc.")
	b.CheckAccessibility("admin-clients")

	b.Visit("/admin/users/new")
	b.CheckAccessibility("admin-user-new")
	b.Fill("#f-name", "Robin Cho")
	b.Fill("#f-email", "robin@cedar.example")
	b.Select("#f-role", "client")
	clientID := browsertest.Eval[string](b, `[...document.querySelectorAll('#f-client_id option')].find(o => o.textContent === 'Cedar Analytics').value`)
	b.Select("#f-client_id", clientID)
	b.ClickAndWait("main form button[type=submit]", ".invite-link")
	assert.Contains(t, b.Text(".invite-link"), "/invitations/")
	b.CheckAccessibility("admin-invite-link")

	b.Visit("/admin/users")
	b.Fill("#users-filter", "robin")
	assert.Equal(t, 1, browsertest.Eval[int](b, `[...document.querySelectorAll('#users tbody tr')].filter(r => !r.hidden).length`),
		"the filter leaves Robin's row")
	b.CheckAccessibility("admin-users")

	b.Visit("/audit?actor=admin%40attest.example")
	for _, action := range []string{"user.sign_in", "client.create", "user.create"} {
		assert.Contains(t, b.Text("#audit-events"), action)
	}
	b.CheckAccessibility("audit")

	b.ClickAndWait(".user-menu button[type=submit]", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "signed out")
	b.Visit("/admin/users")
	assert.Contains(t, b.Location(), "/login", "signed out means signed out")
}

// TestBrowserPartnerEnrolsInMFA: a partner without MFA is led to enrolment at first sign-in,
// adds the key to an "app" (the test computes the code), saves the recovery codes and lands on
// the account page.
func TestBrowserPartnerEnrolsInMFA(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := app.CreateUser("pat@firm.example", auth.RolePartner, 0)
	if err := app.DB.Exec(`UPDATE users SET mfa_secret = '', mfa_enabled_at = NULL WHERE id = ?`, p.ID).Error; err != nil {
		t.Fatal(err)
	}
	b := browsertest.Start(t, app.HTTP.URL)
	b.Visit("/login")
	b.Fill("#f-email", "pat@firm.example")
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", "code.secret")
	assert.Contains(t, b.Location(), "/account/mfa/enrol")
	assert.True(t, browsertest.Eval[bool](b, `document.querySelector('main img').complete && document.querySelector('main img').naturalWidth > 0`),
		"the QR code image loads under the CSP")
	b.CheckAccessibility("mfa-enrol")

	secret := b.Text("code.secret")
	b.Fill("#f-code", webtest.TOTP(t, secret, app.Clock.Now()))
	b.ClickAndWait("form[action='/account/mfa/enrol'] button[type=submit]", ".recovery-codes")
	assert.Equal(t, auth.RecoveryCodeCount, browsertest.Eval[int](b, `document.querySelectorAll('.recovery-codes li').length`))
	b.CheckAccessibility("recovery-codes")

	b.ClickAndWait("main a.button", ".user-name") // on to where the partner was going
	b.Visit("/account")
	assert.Contains(t, b.Text("#mfa-heading + p"), "On")
	b.CheckAccessibility("account")
}
