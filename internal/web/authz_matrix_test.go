package web_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// routeAccess says who may use every registered route: "METHOD /path" exactly as registered in
// routes.go, then allow(...) with the subjects that may; everyone else must be refused.
//
// Subjects (each is one signed-in user, checked against one engagement of client organization A):
//
//	admin partner manager senior staff            a firm user of that role NOT on the team
//	partner-team manager-team senior-team staff-team  the same role ON the engagement's team
//	client-own client-other                         a client user of organization A / of B
//	coordinator                                     a client user of A marked as the client's coordinator
//
// "client-own" implies "coordinator" (the coordinator may do whatever a client user may), so a
// line names "coordinator" alone only for what the coordinator alone may do.
//
// Groups: "public" (no sign-in needed), "signed-in" (every subject), "firm" (every firm subject),
// "team" (the four *-team subjects), "oversight" (admin, partner, manager with or without team),
// "partner*" etc. (the role with and without team). On firm-level routes (no client data) only
// the role matters, so list both variants there (e.g. "partner*") or use a group.
var routeAccess = map[string]access{
	// Public.
	"GET /healthz":             allow("public"),
	"GET /readyz":              allow("public"),
	"GET /static/*":            allow("public"),
	"GET /login":               allow("public"),
	"POST /login":              allow("public"),
	"GET /invitations/:token":  allow("public"),
	"POST /invitations/:token": allow("public"),
	"GET /verify":              allow("public"),
	"GET /verify/:code":        allow("public"),
	"POST /verify":             allow("public"),
	"POST /verify/:code":       allow("public"),

	// Account and sign-in steps.
	"POST /logout":            allow("signed-in"),
	"GET /":                   allow("signed-in"),
	"GET /login/mfa":          allow("signed-in"),
	"POST /login/mfa":         allow("signed-in"),
	"GET /account/mfa/enrol":  allow("signed-in"),
	"POST /account/mfa/enrol": allow("signed-in"),
	"GET /account":            allow("signed-in"),
	"POST /account/password":  allow("signed-in"),

	// Administration and the audit trail.
	"GET /admin/users":                 allow("admin"),
	"GET /admin/users/new":             allow("admin"),
	"POST /admin/users":                allow("admin"),
	"GET /admin/users/:id":             allow("admin"),
	"POST /admin/users/:id/role":       allow("admin"),
	"POST /admin/users/:id/disable":    allow("admin"),
	"POST /admin/users/:id/invitation": allow("admin"),
	"POST /admin/users/:id/enable":     allow("admin"),
	"GET /admin/clients":               allow("admin"),
	"GET /admin/clients/new":           allow("admin"),
	"POST /admin/clients":              allow("admin"),
	"GET /admin/clients/:id":           allow("admin"),
	"POST /admin/clients/:id":          allow("admin"),
	"GET /admin/settings":              allow("admin"),
	"POST /admin/settings":             allow("admin"),
	"GET /admin/settings/logo":         allow("admin"),
	"GET /audit":                       allow("admin"),
	"GET /engagements/:id/audit":       allow("admin", "partner-team", "manager-team"),

	// Engagements, criteria and the control matrix.
	"GET /criteria":                                           allow("firm"),
	"GET /engagements":                                        allow("signed-in"),
	"GET /engagements/new":                                    allow("partner*", "manager*"),
	"POST /engagements":                                       allow("partner*", "manager*"),
	"GET /engagements/:id":                                    allow("oversight", "team", "client-own"),
	"GET /engagements/:id/edit":                               allow("partner*", "manager*"),
	"POST /engagements/:id/edit":                              allow("partner*", "manager*"),
	"GET /engagements/:id/team":                               allow("oversight", "team"),
	"POST /engagements/:id/team/members":                      allow("partner*", "manager*", "admin"),
	"POST /engagements/:id/team/members/:user/remove":         allow("partner*", "manager*", "admin"),
	"POST /engagements/:id/team/independence":                 allow("team"),
	"POST /engagements/:id/subservice-orgs":                   allow("partner*", "manager*", "admin"),
	"POST /engagements/:id/subservice-orgs/:sso/remove":       allow("partner*", "manager*", "admin"),
	"POST /engagements/:id/status":                            allow("partner-team", "manager-team"),
	"POST /engagements/:id/roll-forward":                      allow("partner*", "manager*"),
	"GET /engagements/:id/controls":                           allow("oversight", "team"),
	"GET /engagements/:id/controls/new":                       allow("team"),
	"POST /engagements/:id/controls":                          allow("team"),
	"GET /engagements/:id/controls/import":                    allow("team"),
	"POST /engagements/:id/controls/import":                   allow("team"),
	"GET /engagements/:id/controls/imports/:importID":         allow("oversight", "team"),
	"POST /engagements/:id/controls/imports/:importID":        allow("team"),
	"GET /engagements/:id/controls/imports/:importID/refused": allow("oversight", "team"),
	"GET /engagements/:id/controls/template.xlsx":             allow("oversight", "team"),
	"GET /engagements/:id/controls/export.xlsx":               allow("oversight", "team"),
	"GET /controls/:cid":                                      allow("oversight", "team"),
	"GET /controls/:cid/edit":                                 allow("team"),
	"POST /controls/:cid":                                     allow("team"),
	"POST /controls/:cid/delete":                              allow("team"),
	"GET /engagements/:id/complementary-controls/new":         allow("team"),
	"POST /engagements/:id/complementary-controls":            allow("team"),
	"GET /complementary-controls/:cid/edit":                   allow("team"),
	"POST /complementary-controls/:cid":                       allow("team"),
	"POST /complementary-controls/:cid/delete":                allow("team"),
	"GET /engagements/:id/coverage":                           allow("oversight", "team"),

	// Fieldwork: tests, samples, exceptions, sign-offs, review notes.
	"GET /engagements/:id/tests":                       allow("oversight", "team"),
	"GET /engagements/:id/tests/new":                   allow("team"),
	"POST /engagements/:id/tests":                      allow("team"),
	"GET /tests/:testID":                               allow("oversight", "team"),
	"GET /tests/:testID/population":                    allow("oversight", "team"),
	"GET /tests/:testID/evidence":                      allow("oversight", "team"),
	"GET /tests/:testID/exceptions":                    allow("oversight", "team"),
	"GET /tests/:testID/notes":                         allow("oversight", "team"),
	"POST /tests/:testID":                              allow("team"),
	"POST /tests/:testID/prepare":                      allow("team"),
	"POST /tests/:testID/review":                       allow("partner-team", "manager-team", "senior-team"),
	"POST /tests/:testID/populations":                  allow("team"),
	"GET /tests/:testID/imports/:importID":             allow("oversight", "team"),
	"GET /tests/:testID/grid":                          allow("oversight", "team"),
	"POST /tests/:testID/grid/cells":                   allow("team"),
	"POST /tests/:testID/grid/attributes":              allow("team"),
	"POST /tests/:testID/grid/attributes/:code/delete": allow("team"),
	"POST /tests/:testID/grid/columns":                 allow("team"),
	"GET /tests/:testID/grid.xlsx":                     allow("oversight", "team"),
	"POST /tests/:testID/grid/import":                  allow("team"),
	"POST /tests/:testID/samples/extend":               allow("team"),
	"POST /evidence/:fileID/period-explanation":        allow("team"),
	"POST /tests/:testID/samples/draw":                 allow("team"),
	"POST /tests/:testID/samples/pick":                 allow("team"),
	"POST /tests/:testID/samples/send":                 allow("team"),
	"GET /tests/:testID/samples.xlsx":                  allow("oversight", "team"),
	"GET /tests/:testID/sample-list.xlsx":              allow("oversight", "team", "client-own"),
	"GET /samples/:sampleID":                           allow("oversight", "team"),
	"POST /samples/:sampleID":                          allow("team"),
	"GET /engagements/:id/samples":                     allow("oversight", "team", "client-own"),
	"POST /tests/:testID/exceptions":                   allow("team"),
	"GET /engagements/:id/exceptions":                  allow("oversight", "team", "client-own"),
	"GET /exceptions/:exceptionID":                     allow("oversight", "team", "client-own"),
	"POST /exceptions/:exceptionID/response":           allow("client-own"),
	"POST /exceptions/:exceptionID/evaluation":         allow("team"),

	// Opinion, signature and reports.
	"GET /engagements/:id/report":                                         allow("oversight", "team", "client-own"),
	"GET /engagements/:id/report/preview":                                 allow("oversight", "team"),
	"GET /engagements/:id/report/draft.pdf":                               allow("oversight", "team"),
	"POST /engagements/:id/report/opinion":                                allow("partner-team"),
	"POST /engagements/:id/report/sign":                                   allow("partner-team"),
	"POST /engagements/:id/report/issue":                                  allow("partner-team"),
	"POST /engagements/:id/report/reopen":                                 allow("partner-team"),
	"POST /engagements/:id/report/addenda":                                allow("team"),
	"POST /engagements/:id/report/scope-limitations":                      allow("team"),
	"POST /engagements/:id/report/scope-limitations/:limitationID/remove": allow("team"),
	"GET /reports/:versionID":                                             allow("oversight", "team", "client-own"),
	"GET /engagements/:id/review-notes":                                   allow("oversight", "team"),
	"POST /engagements/:id/review-notes":                                  allow("team"),
	"POST /review-notes/:noteID/answer":                                   allow("team"),
	"POST /review-notes/:noteID/clear":                                    allow("team"),
	"GET /review":                                                         allow("firm"),

	// System description and management's assertion.
	"GET /engagements/:id/description":               allow("oversight", "team", "client-own"),
	"GET /engagements/:id/description/preview":       allow("oversight", "team", "client-own"),
	"POST /engagements/:id/description/images":       allow("team", "client-own"),
	"GET /engagements/:id/description/:code":         allow("oversight", "team", "client-own"),
	"POST /engagements/:id/description/:code":        allow("team", "client-own"),
	"GET /engagements/:id/description/:code/compare": allow("oversight", "team", "client-own"),
	"POST /engagements/:id/description/:code/review": allow("team"),
	"POST /engagements/:id/description/:code/notes":  allow("team"),
	"POST /description-notes/:noteID/answer":         allow("team", "client-own"),
	"POST /description-notes/:noteID/clear":          allow("team"),
	"GET /description/images/:imageID":               allow("oversight", "team", "client-own"),
	"GET /engagements/:id/assertion":                 allow("oversight", "team", "client-own"),
	"POST /engagements/:id/assertion":                allow("client-own"),
	"POST /engagements/:id/assertion/redraft":        allow("client-own"),
	"POST /engagements/:id/assertion/approve":        allow("client-own"),
	// Only a client contact on the team designates the officer: of the subjects, the coordinator
	// is the one on the team (policy.TestDescriptionRules covers the rest).
	"POST /engagements/:id/assertion/officer": allow("coordinator"),

	// Client portal: information requests and evidence.
	"GET /engagements/:id/requests":                      allow("oversight", "team", "client-own"),
	"GET /engagements/:id/requests/new":                  allow("team"),
	"POST /engagements/:id/requests":                     allow("team"),
	"POST /engagements/:id/requests/from-template":       allow("team"),
	"POST /engagements/:id/requests/import":              allow("team"),
	"GET /engagements/:id/requests/export":               allow("oversight", "team", "client-own"),
	"POST /engagements/:id/contacts":                     allow("team"),
	"POST /engagements/:id/contacts/:userID/coordinator": allow("team"),
	"GET /engagements/:id/colleagues":                    allow("oversight", "team", "coordinator"),
	"POST /engagements/:id/colleagues":                   allow("coordinator"),
	"POST /requests/:requestID/assign":                   allow("coordinator"),
	"GET /engagements/:id/evidence.zip":                  allow("oversight", "team", "client-own"),
	"GET /requests/:requestID":                           allow("oversight", "team", "client-own"),
	"GET /requests/:requestID/edit":                      allow("team"),
	"POST /requests/:requestID":                          allow("team"),
	"POST /requests/:requestID/evidence":                 allow("team", "client-own"),
	"GET /requests/:requestID/evidence.zip":              allow("oversight", "team", "client-own"),
	"POST /requests/:requestID/comments":                 allow("team", "client-own"),
	"POST /requests/:requestID/submit":                   allow("client-own"),
	"POST /requests/:requestID/accept":                   allow("team"),
	"POST /requests/:requestID/return":                   allow("team"),
	"GET /evidence/:fileID":                              allow("oversight", "team", "client-own"),
	"POST /tests/:testID/evidence":                       allow("team"),
	"POST /samples/:sampleID/evidence":                   allow("team"),
	"GET /admin/request-template":                        allow("oversight"),
	"POST /admin/request-template":                       allow("oversight"),
	"POST /admin/request-template/:itemID":               allow("oversight"),
	"POST /admin/request-template/:itemID/delete":        allow("oversight"),

	// Quality review: boilerplate warnings, the firm comparison, the engagement timeline.
	"GET /engagements/:id/boilerplate":              allow("oversight", "team"),
	"POST /engagements/:id/boilerplate/acknowledge": allow("partner-team"),
	"GET /engagements/:id/timeline":                 allow("oversight", "team"),
	"GET /engagements/:id/timeline.pdf":             allow("oversight", "team"),
	"GET /admin/boilerplate-templates":              allow("oversight"),
	"POST /admin/boilerplate-templates":             allow("oversight"),
	"POST /admin/boilerplate-templates/:tid/delete": allow("oversight"),
	"GET /firm/comparison":                          allow("oversight"),

	// Issued reports for their readers: codes, recipient copies, withdrawal.
	"GET /engagements/:id/report-copies":        allow("oversight", "team", "client-own"),
	"POST /report-versions/:versionID/copies":   allow("team", "client-own"),
	"POST /report-versions/:versionID/withdraw": allow("partner-team"),
	"GET /report-copies/:copyID":                allow("oversight", "team", "client-own"),
}

// access is the set of subjects a route allows (public: no sign-in at all).
type access struct {
	public  bool
	allowed map[string]bool
}

var firmSubjects = []string{"admin", "partner", "manager", "senior", "staff", "partner-team", "manager-team", "senior-team", "staff-team"}

var allSubjects = append(append([]string{}, firmSubjects...), "client-own", "client-other", "coordinator")

var subjectGroups = map[string][]string{
	"signed-in": allSubjects,
	"firm":      firmSubjects,
	"team":      {"partner-team", "manager-team", "senior-team", "staff-team"},
	"oversight": {"admin", "partner", "manager", "partner-team", "manager-team"},
	"partner*":  {"partner", "partner-team"},
	"manager*":  {"manager", "manager-team"},
	"senior*":   {"senior", "senior-team"},
	"staff*":    {"staff", "staff-team"},
}

func allow(subjects ...string) access {
	a := access{allowed: map[string]bool{}}
	for _, s := range subjects {
		switch {
		case s == "public":
			a.public = true
		case subjectGroups[s] != nil:
			for _, m := range subjectGroups[s] {
				a.allowed[m] = true
			}
		case s == "client-own":
			a.allowed[s], a.allowed["coordinator"] = true, true
		default:
			known := false
			for _, m := range allSubjects {
				known = known || m == s
			}
			if !known {
				panic("authz matrix: unknown subject " + s)
			}
			a.allowed[s] = true
		}
	}
	return a
}

// subject builds the user and, for engagement routes, the resource as that user sees it.
func subject(name string, clientA, clientB int64) (auth.User, policy.Resource) {
	role, onTeam := strings.CutSuffix(name, "-team")
	res := policy.Resource{ClientID: clientA, EngagementID: 1}
	u := auth.User{ID: 99, Role: auth.Role(role)}
	switch name {
	case "client-own":
		u.Role, u.ClientID = auth.RoleClient, &clientA
	case "client-other":
		u.Role, u.ClientID = auth.RoleClient, &clientB
	case "coordinator":
		u.Role, u.ClientID = auth.RoleClient, &clientA
		res.TeamRole, res.Coordinator, res.HasCoordinator = policy.TeamClientContact, true, true
	}
	if onTeam {
		res.TeamRole = policy.TeamRole(role)
	}
	return u, res
}

// isFirmLevel: firm-level scopes resolve without any path parameter; every other scope needs
// its id and fails on an empty request.
func isFirmLevel(sc func(echo.Context, auth.User) (policy.Resource, error)) bool {
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	res, err := sc(c, auth.User{ID: 1, Role: auth.RoleAdmin})
	return err == nil && res == (policy.Resource{})
}

func TestEveryRouteHasAnAuthorizationEntry(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	registered := map[string]bool{}
	var missing []string
	for _, r := range app.Server.Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := routeAccess[key]; !ok {
			missing = append(missing, key)
		}
		assert.True(t, policy.Known(r.Action), "route %s uses action %q, which has no policy rule", key, r.Action)
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("route %q has no entry in routeAccess (internal/web/authz_matrix_test.go): add a line such as\n\t%q: allow(\"admin\", \"team\"),", key, key)
	}
	for key := range routeAccess {
		if !registered[key] {
			t.Errorf("routeAccess has an entry for %q, but no such route is registered: remove or correct it", key)
		}
	}
}

func TestPolicyMatchesTheAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	const clientA, clientB = 1, 2
	for _, r := range app.Server.Routes() {
		key := r.Method + " " + r.Path
		want, ok := routeAccess[key]
		if !ok {
			continue // reported by TestEveryRouteHasAnAuthorizationEntry
		}
		if want.public || r.Action == policy.Public {
			assert.Equal(t, want.public, r.Action == policy.Public, "%s: public in the matrix must match a public route", key)
			continue
		}
		firmLevel := isFirmLevel(r.Scope)
		for _, name := range allSubjects {
			u, res := subject(name, clientA, clientB)
			if firmLevel {
				res = policy.Resource{}
			}
			got := policy.Can(u, r.Action, res)
			assert.Equal(t, want.allowed[name], got, "%s as %s: matrix says allowed=%v, policy %q says %v",
				key, name, want.allowed[name], r.Action, got)
		}
	}
}

// TestRoutesEnforceTheMatrixOverHTTP signs in one real user per subject, creates a real
// engagement of organization A and requests every GET route that needs no other fixture (no path
// parameter, or only the engagement's :id): allowed subjects get through, the others are refused
// (client users of another organization with 404, so ids cannot be probed).
func TestRoutesEnforceTheMatrixOverHTTP(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	clientA, clientB := app.CreateClient("Northwind Ledger"), app.CreateClient("Bluejay Health")
	var engagementID int64
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
		VALUES (?, 'Northwind SOC 2 2026', 'type2', '2026-01-01', '2026-06-30') RETURNING id`, clientA).Row().Scan(&engagementID))
	require.NoError(t, app.DB.Exec(`UPDATE firm_settings SET logo = '\x89504e47'::bytea, logo_content_type = 'image/png'`).Error)

	clients := map[string]*webtest.Client{}
	for _, name := range allSubjects {
		role, onTeam := strings.CutSuffix(name, "-team")
		var u auth.User
		switch name {
		case "client-own":
			u = app.CreateUser(name+"@northwind.example", auth.RoleClient, clientA)
		case "client-other":
			u = app.CreateUser(name+"@bluejay.example", auth.RoleClient, clientB)
		case "coordinator":
			u = app.CreateUser(name+"@northwind.example", auth.RoleClient, clientA)
			require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role, coordinator) VALUES (?, ?, 'client_contact', true)`,
				engagementID, u.ID).Error)
		default:
			u = app.CreateUser(name+"@firm.example", auth.Role(role), 0)
		}
		if onTeam {
			require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`,
				engagementID, u.ID, role).Error)
		}
		clients[name] = app.NewClient()
		clients[name].Login(u.Email)
	}

	checked := 0
	for _, r := range app.Server.Routes() {
		want, ok := routeAccess[r.Method+" "+r.Path]
		if !ok || want.public || r.Method != http.MethodGet {
			continue
		}
		path := r.Path
		if strings.HasPrefix(path, "/engagements/:id") {
			path = strings.Replace(path, ":id", itoa(engagementID), 1)
		}
		if strings.ContainsAny(path, ":*") {
			continue // needs a fixture of another kind; covered at the policy level
		}
		checked++
		for _, name := range allSubjects {
			resp := clients[name].Get(path)
			loc := resp.Header.Get("Location")
			assert.False(t, strings.HasPrefix(loc, "/login?"), "GET %s as %s was sent to sign in", path, name)
			if want.allowed[name] {
				assert.Less(t, resp.StatusCode, 400, "GET %s as %s should be allowed, got %d", path, name, resp.StatusCode)
				continue
			}
			switch {
			case name == "client-other" && strings.HasPrefix(r.Path, "/engagements/"):
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, "GET %s as %s must look like it does not exist", path, name)
			default:
				assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, resp.StatusCode,
					"GET %s as %s should be refused, got %d", path, name, resp.StatusCode)
			}
		}
	}
	assert.Greater(t, checked, 5)

	// Signed-out browsers are sent to sign in; an unknown engagement is a 404 even for admins.
	resp := app.NewClient().Get("/engagements/" + itoa(engagementID) + "/audit")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/login?next="))
	assert.Equal(t, http.StatusNotFound, clients["admin"].Get("/engagements/999999/audit").StatusCode)

	// A refused change changes nothing.
	resp = clients["manager-team"].PostForm("/admin/clients", map[string][]string{"name": {"Sneaky Co"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp = clients["client-own"].PostForm("/admin/clients", map[string][]string{"name": {"Sneaky Co"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM clients WHERE name = 'Sneaky Co'`).Scan(&n).Error)
	assert.Zero(t, n)
}
