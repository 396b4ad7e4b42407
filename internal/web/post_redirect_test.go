package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
