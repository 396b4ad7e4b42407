package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

// answersWithAPage are the only POST routes whose success is a page, not a redirect. Each shows
// something that exists once or changes nothing; the reason is declared on the route.
var answersWithAPage = []string{
	"POST /account/mfa/enrol",          // the recovery codes, shown once, stored as hashes
	"POST /admin/users",                // an invitation's one-time link, shown once
	"POST /admin/users/:id/invitation", // a new one-time link, shown once
	"POST /verify",                     // checking a report changes nothing
	"POST /verify/:code",
}

// TestOnlyDeclaredRoutesAnswerWithAPage walks the route table: every POST route redirects after
// success except those above, and each of those says why. (htmx partial endpoints, such as the
// grid's cell saves, need no declaration: their requests carry HX-Request and their fragments
// are swapped into the page, which a reload never resubmits.)
func TestOnlyDeclaredRoutesAnswerWithAPage(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	var declared []string
	for _, r := range app.Server.Routes() {
		if r.RendersOnSuccess == "" {
			continue
		}
		key := r.Method + " " + r.Path
		assert.Equal(t, http.MethodPost, r.Method, "%s: only a POST can answer with a page instead of redirecting", key)
		assert.GreaterOrEqual(t, len(r.RendersOnSuccess), 30, "%s: say why it answers with a page", key)
		declared = append(declared, key)
	}
	want := append([]string(nil), answersWithAPage...)
	sort.Strings(want)
	sort.Strings(declared)
	assert.Equal(t, want, declared)
}

// recordingTB keeps the failures webtest reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Helper() {}

// TestPostRedirectGetGuard: the check webtest runs on every POST flags a form POST answered
// with a page, and lets through redirects, refusals, htmx fragments and declared routes.
func TestPostRedirectGetGuard(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	rec := &recordingTB{TB: t}
	app.T = rec
	c := app.NewClient()
	answer := func(path string, status int, contentType string, htmx bool) webtest.Response {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req}
		resp.Header.Set("Content-Type", contentType)
		if status == http.StatusSeeOther {
			resp.Header.Set("Location", "/somewhere")
		}
		return webtest.Response{Response: resp}
	}
	for _, ok := range []webtest.Response{
		answer("/tests/7", http.StatusSeeOther, "", false),
		answer("/tests/7", http.StatusUnprocessableEntity, "text/html; charset=UTF-8", false),
		answer("/tests/7/grid/cells", http.StatusOK, "text/html; charset=UTF-8", true),
		answer("/admin/users", http.StatusOK, "text/html; charset=UTF-8", false),
		answer("/verify/ABCD", http.StatusOK, "application/json", false),
	} {
		c.CheckPostRedirectGet(ok)
	}
	require.Empty(t, rec.errors)
	c.CheckPostRedirectGet(answer("/tests/7", http.StatusOK, "text/html; charset=UTF-8", false))
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "POST /tests/7 answered 200 with a page")
	route, found := app.RouteOf(http.MethodPost, "/tests/7/samples/draw")
	assert.True(t, found)
	assert.Equal(t, "/tests/:testID/samples/draw", route.Path, "the most specific route matches")
}

// TestEveryFormPostRedirects submits, successfully, the forms no other test of the package
// submits, so that with the rest of the suite every POST route in the route table has been seen
// redirecting after success (TestMain checks it after a full run; webtest fails any page).
func TestEveryFormPostRedirects(t *testing.T) {
	t.Parallel()
	redirects := func(t *testing.T, resp webtest.Response, to string) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		assert.Equal(t, to, resp.Header.Get("Location"))
	}

	t.Run("grid attributes and columns", func(t *testing.T) {
		t.Parallel()
		f := newFieldworkFixture(t)
		f.startJobs()
		staff := f.login("staff@firm.example")
		path := f.createTest(t, staff, f.nl03, "inspection")
		importPopulation(t, staff, f.app.DB, path, map[string]string{"source": "HRIS", "completeness_check": "Agreed to payroll"}, "hires.csv", hires(5))
		redirects(t, staff.PostForm(path+"/grid/attributes", url.Values{"description": {"Approval before access"}}), path+"/grid")
		redirects(t, staff.PostForm(path+"/grid/columns", url.Values{"columns": {"name"}}), path+"/grid")
		redirects(t, staff.PostForm(path+"/grid/attributes/A/delete", nil), path+"/grid")
		assert.NotContains(t, staff.Get(path+"/grid").Body, "Approval before access")
	})

	t.Run("evidence period explanation", func(t *testing.T) {
		t.Parallel()
		f := newFieldworkFixture(t)
		staff := f.login("staff@firm.example")
		path := f.createTest(t, staff, f.nl03, "inspection")
		resp := staff.Upload(path+"/evidence", map[string]string{"pertains_to": "2025-11-30"},
			webtest.File{Field: "files", Name: "policy-2025.pdf", Data: []byte("%PDF-1.4 last year's policy")})
		redirects(t, resp, path+"/evidence")
		var fileID int64
		require.NoError(t, f.app.DB.Raw(`SELECT id FROM evidence_files WHERE file_name = 'policy-2025.pdf'`).Row().Scan(&fileID))
		redirects(t, staff.PostForm(fmt.Sprintf("/evidence/%d/period-explanation", fileID),
			url.Values{"period_explanation": {"The policy approved in November 2025 was in force throughout the period."}}), path+"/evidence")
	})

	t.Run("assertion wording and redraft", func(t *testing.T) {
		t.Parallel()
		app := webtest.New(t)
		p := newPortal(t, app)
		contact := app.NewClient()
		contact.Login(p.contactA.Email)
		path := fmt.Sprintf("/engagements/%d/assertion", p.engA)
		page := contact.Get(path)
		require.Equal(t, http.StatusOK, page.StatusCode)
		redirects(t, contact.PostForm(path, url.Values{"version": {version(t, page.Body)}, "body": {"We, management of Northwind Ledger, assert our own words."},
			"soc3_body": {"Management of Northwind Ledger asserts, in its own words, for SOC 3."}}), path)
		page = contact.Get(path)
		assert.Contains(t, page.Body, "assert our own words")
		redirects(t, contact.PostForm(path+"/redraft", url.Values{"version": {version(t, page.Body)}}), path)
	})

	t.Run("boilerplate template delete", func(t *testing.T) {
		t.Parallel()
		app := webtest.New(t)
		admin, _ := adminClient(t, app)
		redirects(t, admin.PostForm("/admin/boilerplate-templates", url.Values{"title": {"Generic access review"},
			"body": {"Access is reviewed periodically by management to ensure it remains appropriate for job responsibilities."}}), "/admin/boilerplate-templates")
		var tid int64
		require.NoError(t, app.DB.Raw(`SELECT id FROM boilerplate_templates ORDER BY id DESC LIMIT 1`).Row().Scan(&tid))
		redirects(t, admin.PostForm(fmt.Sprintf("/admin/boilerplate-templates/%d/delete", tid), nil), "/admin/boilerplate-templates")
	})
}
