package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// Issue #16 point 7: what a new user's walk-through tripped over, one test each.

// TestClientEngagementListHidesTheFirmsReviewNotes: review notes are the firm's internal
// working papers; a client user's engagement list does not count them, the team's does.
func TestClientEngagementListHidesTheFirmsReviewNotes(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	for _, body := range []string{"Why 25 items?", "Attach the HR extract.", "Who approved the procedure?"} {
		resp := staff.PostForm(fmt.Sprintf("/engagements/%d/review-notes", f.engagement), url.Values{"target_type": {"test"},
			"target_id": {strings.TrimPrefix(path, "/tests/")}, "body": {body}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	firm := staff.Get("/engagements")
	require.Equal(t, http.StatusOK, firm.StatusCode)
	assert.Contains(t, firm.Body, "Open review notes")
	assert.Regexp(t, `Northwind 2026[\s\S]*<td>3</td>\s*</tr>`, firm.Body, "the team sees the three open notes")

	client := f.login("dana@northwind.example")
	for _, page := range []string{"/engagements", "/"} {
		resp := client.Get(page)
		require.Equal(t, http.StatusOK, resp.StatusCode, page)
		assert.NotContains(t, resp.Body, "review note", "%s must not mention the firm's review notes", page)
		assert.NotContains(t, resp.Body, "Review note", page)
	}
	assert.Contains(t, client.Get("/engagements").Body, "Northwind 2026", "the client still sees its engagement")
}

// TestEngagementTabsAreThoseThePolicyOpens: every tab shown answers, and a tab the user may not
// open (the Audit trail for staff and seniors) is not shown at all.
func TestEngagementTabsAreThoseThePolicyOpens(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	tabLinks := regexp.MustCompile(`<nav aria-label="Engagement">[\s\S]*?</nav>`)
	href := regexp.MustCompile(`href="([^"]+)"`)
	for _, who := range []struct {
		email     string
		seesAudit bool
	}{{"staff@firm.example", false}, {"senior@firm.example", false}, {"manager@firm.example", true}, {"dana@northwind.example", false}} {
		c := f.login(who.email)
		overview := c.Get(fmt.Sprintf("/engagements/%d", f.engagement))
		require.Equal(t, http.StatusOK, overview.StatusCode, who.email)
		nav := tabLinks.FindString(overview.Body)
		require.NotEmpty(t, nav, who.email)
		assert.Equal(t, who.seesAudit, strings.Contains(nav, "Audit trail"), "%s: Audit trail tab shown=%v", who.email, !who.seesAudit)
		links := href.FindAllStringSubmatch(nav, -1)
		assert.Greater(t, len(links), 4, who.email)
		for _, m := range links {
			resp := c.Get(m[1])
			assert.Less(t, resp.StatusCode, 400, "%s sees the tab %s, which answers %d", who.email, m[1], resp.StatusCode)
		}
	}
}

// TestInvitedUserShowsAsInvitedUntilTheySetAPassword.
func TestInvitedUserShowsAsInvitedUntilTheySetAPassword(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	admin, _ := adminClient(t, app)
	resp := admin.PostForm("/admin/users", url.Values{"name": {"Nina Park"}, "email": {"nina@firm.example"}, "role": {"staff"}, "mode": {"invite"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	link := find(t, resp.Body, `<code class="invite-link">[^<]*(/invitations/[A-Za-z0-9_-]+)</code>`)
	statusOf := func(body string) string {
		return find(t, body, `Nina Park</a>[\s\S]*?<span class="account-status">[\s\S]*?>(Invited|Active|Disabled)<`)
	}
	assert.Equal(t, "Invited", statusOf(admin.Get("/admin/users").Body))
	var id int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM users WHERE email = 'nina@firm.example'`).Row().Scan(&id))
	detail := admin.Get(fmt.Sprintf("/admin/users/%d", id)).Body
	assert.Contains(t, detail, "Has not set a password yet.")
	assert.Regexp(t, `<span class="account-status">[\s\S]*?>Invited<`, detail)

	resp = app.NewClient().PostForm(link, url.Values{"password": {"nina's own passphrase"}, "password_confirm": {"nina's own passphrase"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, "Active", statusOf(admin.Get("/admin/users").Body))
	assert.NotContains(t, admin.Get(fmt.Sprintf("/admin/users/%d", id)).Body, "Has not set a password yet.")
}

func TestAccountStatusLabels(t *testing.T) {
	t.Parallel()
	assert.Equal(t, auth.AccountInvited, auth.User{}.AccountStatus())
	assert.Equal(t, auth.AccountActive, auth.User{PasswordHash: "x"}.AccountStatus())
	assert.Equal(t, "Invited", auth.AccountInvited.Label())
	assert.Equal(t, "Active", auth.AccountActive.Label())
	assert.Equal(t, "Disabled", auth.AccountDisabled.Label())
}

// TestAddCSOCDoesNotPreselectNotApplicable: a CSOC names its subservice organization, so its
// form starts on a prompt to choose one; only the CUEC's form offers "not applicable".
func TestAddCSOCDoesNotPreselectNotApplicable(t *testing.T) {
	t.Parallel()
	f := newControlsFixture(t, "{security}")
	require.NoError(t, f.app.DB.Exec(`INSERT INTO subservice_organizations (engagement_id, name, method) VALUES (?, 'Cloudwise Hosting', 'carve_out')`, f.engagement).Error)
	csoc := f.senior.Get(f.path("/complementary-controls/new?kind=csoc"))
	require.Equal(t, http.StatusOK, csoc.StatusCode)
	assert.NotContains(t, csoc.Body, "Not applicable (CUEC)")
	assert.Contains(t, csoc.Body, "Choose the subservice organization")
	assert.Contains(t, csoc.Body, "Cloudwise Hosting (carve-out)")
	cuec := f.senior.Get(f.path("/complementary-controls/new?kind=cuec"))
	assert.Contains(t, cuec.Body, "Not applicable (CUEC)")

	// Submitting the CSOC form as it opens is refused with the field's message.
	resp := f.senior.PostForm(f.path("/complementary-controls"), url.Values{"kind": {"csoc"}, "description": {"Cloudwise restricts physical access."},
		"subservice_organization_id": {""}, "criteria": {"CC6.4"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose the subservice organization that operates this control.")
	assert.NotContains(t, resp.Body, "Not applicable (CUEC)")
}

// TestIndependenceConfirmationShowsTheTime.
func TestIndependenceConfirmationShowsTheTime(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	resp := staff.PostForm(fmt.Sprintf("/engagements/%d/team/independence", f.engagement), nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	team := staff.Get(fmt.Sprintf("/engagements/%d/team", f.engagement))
	var at time.Time
	require.NoError(t, f.app.DB.Raw(`SELECT m.independence_confirmed_at FROM engagement_members m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'staff@firm.example'`).Row().Scan(&at))
	at = at.UTC()
	want := fmt.Sprintf(`<time class="independence-at" datetime="%s">%s at %s UTC</time>`, at.Format("2006-01-02T15:04:05Z07:00"),
		at.Format("2 January 2006"), at.Format("15:04"))
	assert.Contains(t, team.Body, want)
}

// TestClientExceptionPagesDoNotPromiseTheEvaluation: the client never sees the auditors'
// evaluation, so its pages do not announce it; the auditors' pages do show it.
func TestClientExceptionPagesDoNotPromiseTheEvaluation(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	resp := staff.PostForm(path+"/exceptions", url.Values{"description": {"For 1 of 25 sampled hires training was late."},
		"deviations": {"1"}, "items_tested": {"25"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	exception := resp.Header.Get("Location")

	client := f.login("dana@northwind.example")
	for _, page := range []string{fmt.Sprintf("/engagements/%d/exceptions", f.engagement), exception} {
		body := client.Get(page).Body
		require.Contains(t, body, "training was late", page)
		assert.NotRegexp(t, `(?i)evaluat`, body, "%s promises an evaluation the client cannot see", page)
	}
	auditor := staff.Get(fmt.Sprintf("/engagements/%d/exceptions", f.engagement)).Body
	assert.Regexp(t, `the auditors(&#39;|') evaluation`, auditor)
	assert.Regexp(t, `Auditor(&#39;|')s evaluation`, staff.Get(exception).Body)
}

// TestSignOutWorksFromThe413Page: a body refused for its size never reached the CSRF check,
// yet the error page's sign-out form carries the session's token and signs out.
func TestSignOutWorksFromThe413Page(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	big := strings.Repeat("x", int(f.app.Config.MaxBodyBytes)+1)
	req, err := http.NewRequest(http.MethodPost, staff.URL(path), strings.NewReader(url.Values{"procedure": {big}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page := staff.Do(req)
	require.Equal(t, http.StatusRequestEntityTooLarge, page.StatusCode)
	token := find(t, page.Body, `<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="([^"]+)"`)
	require.NotEmpty(t, token)

	resp := staff.PostRaw("/logout", url.Values{"_csrf": {token}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Empty(t, sessionToken(t, f.app, staff), "signed out")
	assert.True(t, strings.HasPrefix(staff.Get(path).Header.Get("Location"), "/login"))
}
