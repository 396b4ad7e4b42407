package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

var mainNavLink = regexp.MustCompile(`<nav aria-label="Main">.*?</nav>`)
var navHref = regexp.MustCompile(`href="([^"]+)"`)

// TestNavigationOffersOnlyPagesTheRoleMayOpen: every role's main menu links work for that role,
// and the administration and audit entries appear for administrators only.
func TestNavigationOffersOnlyPagesTheRoleMayOpen(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	clientID := app.CreateClient("Northwind Ledger")
	for _, tc := range []struct {
		role      auth.Role
		wantAdmin bool
	}{
		{auth.RoleAdmin, true}, {auth.RolePartner, false}, {auth.RoleManager, false}, {auth.RoleSenior, false},
		{auth.RoleStaff, false}, {auth.RoleClient, false},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			var cid int64
			if tc.role == auth.RoleClient {
				cid = clientID
			}
			u := app.CreateUser(string(tc.role)+"@nav.example", tc.role, cid)
			c := app.NewClient()
			c.Login(u.Email)
			home := c.Get("/")
			require.Equal(t, http.StatusOK, home.StatusCode)
			nav := mainNavLink.FindString(home.Body)
			require.NotEmpty(t, nav, "the home page has the main navigation")
			links := navHref.FindAllStringSubmatch(nav, -1)
			require.NotEmpty(t, links)
			for _, l := range links {
				assert.Equal(t, http.StatusOK, c.Get(l[1]).StatusCode, "%s may open %s from the menu", tc.role, l[1])
			}
			assert.Equal(t, tc.wantAdmin, regexp.MustCompile(`href="/admin/users"`).MatchString(nav))
			assert.Equal(t, tc.wantAdmin, regexp.MustCompile(`href="/audit"`).MatchString(nav))
		})
	}
}
