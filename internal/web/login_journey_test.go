package web_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestBrowserSignInAndOut(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	app.CreateUser("sara@firm.example", auth.RoleSenior, 0)
	b := browsertest.Start(t, app.HTTP.URL)

	b.Visit("/")
	assert.Contains(t, b.Location(), "/login?next=")
	b.CheckAccessibility("login")

	b.Fill("#f-email", "sara@firm.example")
	b.Fill("#f-password", "wrong password!")
	b.ClickAndWait("form button[type=submit]", ".flash-error")
	assert.Contains(t, b.Text(".flash-error"), "not right")
	assert.Equal(t, "sara@firm.example", browsertest.Eval[string](b, `document.querySelector('#f-email').value`), "typed e-mail is kept")

	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait("form button[type=submit]", ".user-name")
	assert.Contains(t, b.Text(".user-name"), "sara")
	b.CheckAccessibility("home")

	b.ClickAndWait(".user-menu button[type=submit]", ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "signed out")
}
