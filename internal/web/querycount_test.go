package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// countStatements counts every SQL statement gorm runs on db from now on.
func countStatements(t *testing.T, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	inc := func(*gorm.DB) { n.Add(1) }
	cb := db.Callback()
	require.NoError(t, cb.Query().Before("gorm:query").Register("test:count_query", inc))
	require.NoError(t, cb.Row().Before("gorm:row").Register("test:count_row", inc))
	require.NoError(t, cb.Raw().Before("gorm:raw").Register("test:count_raw", inc))
	require.NoError(t, cb.Create().Before("gorm:create").Register("test:count_create", inc))
	require.NoError(t, cb.Update().Before("gorm:update").Register("test:count_update", inc))
	require.NoError(t, cb.Delete().Before("gorm:delete").Register("test:count_delete", inc))
	return &n
}

// scaledApp is Attest over the scale fixture at one size, with the manager and the client
// contact signed in.
type scaledApp struct {
	app             *webtest.App
	manager, client *webtest.Client
	res             seed.ScaleResult
	statements      *atomic.Int64
}

func newScaledApp(t *testing.T, sc seed.Scale) *scaledApp {
	t.Helper()
	app := webtest.New(t)
	res, err := seed.SeedScale(context.Background(), app.DB, app.Server.Evidence.Store, app.Clock, sc)
	require.NoError(t, err)
	signIn := func(email string) *webtest.Client {
		c := app.NewClient()
		resp := c.PostForm("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		return c
	}
	return &scaledApp{app: app, manager: signIn(seed.ScaleManagerEmail), client: signIn(seed.ScaleClientEmail), res: res,
		statements: countStatements(t, app.DB)}
}

// loadPages are the pages `attest loadtest` drives, as (name, who, path).
func (s *scaledApp) pages() []struct {
	name string
	c    *webtest.Client
	path string
} {
	e := s.res.EngagementID
	return []struct {
		name string
		c    *webtest.Client
		path string
	}{
		{"engagement list", s.manager, "/engagements"},
		{"engagement overview", s.manager, fmt.Sprintf("/engagements/%d", e)},
		{"control matrix", s.manager, fmt.Sprintf("/engagements/%d/controls", e)},
		{"test with samples", s.manager, fmt.Sprintf("/tests/%d", s.res.TestID)},
		{"its samples part", s.manager, fmt.Sprintf("/tests/%d/population", s.res.TestID)},
		{"request list", s.manager, fmt.Sprintf("/engagements/%d/requests", e)},
		{"client dashboard", s.client, "/"},
		{"audit trail", s.manager, fmt.Sprintf("/engagements/%d/audit", e)},
		// Not driven by the load command, but lists engagements with their description state.
		{"staff home", s.manager, "/"},
	}
}

// count returns the statements each page runs (the page must answer 200).
func (s *scaledApp) count(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, p := range s.pages() {
		p.c.Get(p.path) // warm: first-visit work (e.g. a session touch) is not the page's
		before := s.statements.Load()
		resp := p.c.Get(p.path)
		out[p.name] = s.statements.Load() - before
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", p.name, p.path, resp.Body)
	}
	return out
}

// TestPageQueriesDoNotGrowWithTheData: the load command's seven pages run the same number of SQL
// statements over a small engagement and one ten times larger, and the client dashboard the same
// for a client with one engagement and one with ten (no N+1 query per row).
func TestPageQueriesDoNotGrowWithTheData(t *testing.T) {
	small := newScaledApp(t, seed.Scale{Clients: 3, Engagements: 8, Controls: 10, Tests: 20, Samples: 50, Exceptions: 2,
		Requests: 10, Evidence: 10, PopulationRows: 100, DescriptionPages: 1, AuditEvents: 50})
	large := newScaledApp(t, seed.Scale{Clients: 12, Engagements: 80, Controls: 100, Tests: 200, Samples: 500, Exceptions: 20,
		Requests: 100, Evidence: 100, PopulationRows: 1000, DescriptionPages: 2, AuditEvents: 500})
	// The client dashboard lists every engagement of the client: the large client has one in the
	// small app and ten in the large (each with its description and assertion state to show).
	require.NoError(t, large.app.DB.Exec(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, status, categories)
		SELECT ?, 'Scale extra ' || g, 'type2', make_date(2015 + g, 1, 1), make_date(2015 + g, 12, 31), 'issued', '{security}'
		FROM generate_series(1, 9) g`, large.res.ClientID).Error)
	a, b := small.count(t), large.count(t)
	for _, p := range small.pages() {
		t.Logf("%-20s %3d statements (small) %3d (10x)", p.name, a[p.name], b[p.name])
		assert.Equal(t, a[p.name], b[p.name], "%s: statements grow with the data (N+1)", p.name)
		assert.Positive(t, a[p.name], "%s: the counter sees the page's statements", p.name)
	}
}
