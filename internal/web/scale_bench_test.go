package web_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/loadtest"
	"github.com/attest-soc/attest/internal/scaletest"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// scalePages signs in the fixture's manager and client contact on Attest over the large scale
// fixture and returns the load command's seven pages with the client to fetch each.
func scalePages(b *testing.B) (*webtest.App, []loadtest.Page, map[bool]*webtest.Client) {
	b.Helper()
	app, _, pages, clients := scaleApp(b)
	return app, pages, clients
}

// scaleApp is scalePages with the fixture it serves.
func scaleApp(b *testing.B) (*webtest.App, *scaletest.Fixture, []loadtest.Page, map[bool]*webtest.Client) {
	b.Helper()
	fx := scaletest.Open(b)
	app := webtest.NewOn(b, fx.DB, fx.DSN, fx.BlobDir)
	signIn := func(email string) *webtest.Client {
		c := app.NewClient()
		resp := c.PostForm("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign-in of %s: %d", email, resp.StatusCode)
		}
		return c
	}
	clients := map[bool]*webtest.Client{false: signIn(seed.ScaleManagerEmail), true: signIn(seed.ScaleClientEmail)}
	return app, fx, loadtest.Pages(fx.Result.EngagementID, fx.Result.TestID), clients
}

// BenchmarkLoadPagesLarge serves each of the load command's seven pages over the large fixture
// through the whole stack (one request at a time; `make load` measures them under 200 req/s).
func BenchmarkLoadPagesLarge(b *testing.B) {
	_, pages, clients := scalePages(b)
	for _, p := range pages {
		b.Run(strings.ReplaceAll(p.Name, " ", "_"), func(b *testing.B) {
			c := clients[p.Client]
			for b.Loop() {
				if resp := c.Get(p.Path); resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.Path, resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkExplainLoadPagesLarge captures every SQL statement the seven pages run on the large
// fixture and EXPLAINs it there: none may scan a large table (over 10,000 rows) sequentially.
// It fails otherwise, naming the statement; the figure is the number of statements checked.
func BenchmarkExplainLoadPagesLarge(b *testing.B) {
	app, pages, clients := scalePages(b)
	type stmt struct {
		sql  string
		vars []any
	}
	var mu sync.Mutex
	seen := map[string]stmt{}
	capture := func(db *gorm.DB) {
		s := db.Statement.SQL.String()
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "SELECT") {
			return
		}
		mu.Lock()
		seen[s] = stmt{s, append([]any(nil), db.Statement.Vars...)}
		mu.Unlock()
	}
	cb := app.DB.Callback()
	if err := cb.Query().After("gorm:query").Register("bench:capture_query", capture); err != nil {
		b.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register("bench:capture_row", capture); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cb.Query().Remove("bench:capture_query")
		_ = cb.Row().Remove("bench:capture_row")
	}()
	for _, p := range pages {
		if resp := clients[p.Client].Get(p.Path); resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", p.Path, resp.StatusCode)
		}
	}
	sqlDB, err := app.DB.DB()
	if err != nil {
		b.Fatal(err)
	}
	large := map[string]bool{}
	rows, err := sqlDB.Query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > 10000`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		large[n] = true
	}
	rows.Close()
	for _, st := range seen {
		scans, err := seqScans(sqlDB, st.sql, st.vars)
		if err != nil {
			b.Fatalf("EXPLAIN %s: %v", st.sql, err)
		}
		for _, rel := range scans {
			if large[rel] {
				b.Errorf("sequential scan of %s (a large table) in:\n%s", rel, st.sql)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() { // the figure: EXPLAIN of every statement once
		for _, st := range seen {
			if _, err := seqScans(sqlDB, st.sql, st.vars); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(seen)), "statements")
}

// seqScans returns the tables a statement's plan reads with a sequential scan.
func seqScans(db *sql.DB, query string, vars []any) ([]string, error) {
	var raw string
	if err := db.QueryRow("EXPLAIN (FORMAT JSON) "+query, vars...).Scan(&raw); err != nil {
		return nil, err
	}
	var plans []struct{ Plan map[string]any }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	var out []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" {
			rel, _ := n["Relation Name"].(string)
			out = append(out, rel)
		}
		children, _ := n["Plans"].([]any)
		for _, c := range children {
			if m, ok := c.(map[string]any); ok {
				walk(m)
			}
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return out, nil
}
