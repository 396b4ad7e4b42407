package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// childParams maps each path parameter of a child route to the table its id comes from; the
// demo data has at least one row of each on the Northwind 2026 engagement.
var childParams = map[string]string{
	":testID":                `SELECT id FROM tests WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	":sampleID":              `SELECT s.id FROM samples s JOIN tests t ON t.id = s.test_id WHERE t.engagement_id = ? ORDER BY s.id LIMIT 1`,
	":exceptionID":           `SELECT id FROM exceptions WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	":noteID":                `SELECT id FROM review_notes WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	":requestID":             `SELECT id FROM info_requests WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	":fileID":                `SELECT id FROM evidence_files WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	"controls":               `SELECT id FROM controls WHERE engagement_id = ? ORDER BY id LIMIT 1`,
	"complementary-controls": `SELECT id FROM complementary_controls WHERE engagement_id = ? ORDER BY id LIMIT 1`,
}

// TestChildRoutesRefuseOutsidersOverHTTP replays every route reached through a child object
// (control, test, sample, exception, review note, request, evidence file) over HTTP, with real
// ids from the demo data, for the subjects the authorization matrix refuses: firm users who are
// not on the team, and client users of the owning and of another organization. Each must be
// refused by the policy (403 "You do not have access", or 404 for another organization), and
// no refused request may change anything.
func TestChildRoutesRefuseOutsidersOverHTTP(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	_, err := seed.Demo(context.Background(), app.DB, app.Clock)
	require.NoError(t, err)
	var engagementID, clientA, clientB int64
	require.NoError(t, app.DB.Raw(`SELECT id, client_id FROM engagements WHERE name = 'SOC 2 Type II 2026'`).Row().Scan(&engagementID, &clientA))
	require.NoError(t, app.DB.Raw(`SELECT id FROM clients WHERE id <> ? ORDER BY id LIMIT 1`, clientA).Row().Scan(&clientB))

	ids := map[string]string{}
	for param, q := range childParams {
		var id int64
		require.NoError(t, app.DB.Raw(q, engagementID).Row().Scan(&id), "the demo data has no row for %s", param)
		ids[param] = itoa(id)
	}

	subjects := map[string]*webtest.Client{}
	for name, u := range map[string]struct {
		role   auth.Role
		client int64
	}{
		"senior":       {auth.RoleSenior, 0},
		"staff":        {auth.RoleStaff, 0},
		"client-own":   {auth.RoleClient, clientA},
		"client-other": {auth.RoleClient, clientB},
	} {
		app.CreateUser(name+"@outsiders.example", u.role, u.client)
		subjects[name] = app.NewClient()
		subjects[name].Login(name + "@outsiders.example")
	}

	var eventsBefore int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events`).Row().Scan(&eventsBefore))

	replayed := map[string]bool{}
	for _, r := range app.Server.Routes() {
		key := r.Method + " " + r.Path
		want, ok := routeAccess[key]
		if !ok || want.public {
			continue
		}
		path, filled := fillChildPath(r.Path, ids)
		if !filled {
			continue
		}
		for name, c := range subjects {
			if want.allowed[name] {
				continue
			}
			req, err := http.NewRequest(r.Method, c.URL(path), nil)
			require.NoError(t, err)
			if r.Method != http.MethodGet {
				req.Header.Set("X-CSRF-Token", c.CSRFToken())
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp := c.Do(req)
			replayed[key] = true
			if name == "client-other" {
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %s as %s must look like it does not exist", r.Method, path, name)
				continue
			}
			require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, resp.StatusCode,
				"%s %s as %s should be refused, got %d", r.Method, path, name, resp.StatusCode)
			if resp.StatusCode == http.StatusForbidden {
				assert.Contains(t, resp.Body, "You do not have access", "%s %s as %s: refused by the policy, not by CSRF", r.Method, path, name)
			}
		}
	}
	// Every kind of child route was replayed for someone.
	for _, prefix := range []string{"/controls/", "/complementary-controls/", "/tests/", "/samples/", "/exceptions/", "/review-notes/", "/requests/", "/evidence/"} {
		found := false
		for key := range replayed {
			found = found || strings.Contains(key, " "+prefix)
		}
		assert.True(t, found, "no route under %s was replayed", prefix)
	}
	assert.Greater(t, len(replayed), 25)

	var eventsAfter int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events`).Row().Scan(&eventsAfter))
	assert.Equal(t, eventsBefore, eventsAfter, "a refused request changes nothing")
}

// fillChildPath puts the demo ids into a child route's path; it reports false for routes with
// no child parameter (engagement and firm-level routes have their own matrix test).
func fillChildPath(path string, ids map[string]string) (string, bool) {
	filled := false
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") {
			continue
		}
		id, ok := ids[p]
		if p == ":cid" && i > 0 {
			id, ok = ids[parts[i-1]]
		}
		if !ok {
			return "", false
		}
		parts[i], filled = id, true
	}
	return strings.Join(parts, "/"), filled
}
