// Package webtest runs the real router against a real, freshly cloned PostgreSQL database and
// gives tests a browser-like client: a cookie jar, CSRF tokens added to forms, and sign-in.
package webtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/jobs"
	"github.com/attest-soc/attest/internal/web"
)

// Password is the password of every user the fixtures create.
const Password = "correct horse battery staple"

// App is a running Attest with its database.
type App struct {
	T      testing.TB
	DB     *gorm.DB
	Server *web.Server
	HTTP   *httptest.Server
	Clock  *clock.Fixed
	Config config.Config
	DSN    string // the test database, for code that opens its own connections (the job runner)
}

// New starts Attest on a loopback httptest server with default configuration; adjust lets a
// test change the configuration first.
func New(t testing.TB, adjust ...func(*config.Config)) *App {
	t.Helper()
	gdb, dsn := dbtest.NewWithDSN(t)
	return NewOn(t, gdb, dsn, t.TempDir(), adjust...)
}

// NewOn starts Attest on an existing database with its evidence in blobDir (benchmarks on the
// scale fixture).
func NewOn(t testing.TB, gdb *gorm.DB, dsn, blobDir string, adjust ...func(*config.Config)) *App {
	t.Helper()
	cfg, err := config.Load(func(key string) string {
		if key == "ATTEST_BLOB_DIR" {
			return blobDir
		}
		return ""
	})
	require.NoError(t, err)
	for _, fn := range adjust {
		fn(&cfg)
	}
	clk := &clock.Fixed{T: time.Now().UTC()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := web.New(gdb, cfg, clk, log)
	require.NoError(t, err)
	for _, r := range srv.Routes() {
		if r.Method == http.MethodPost {
			postRoutes.Store(r.Method+" "+r.Path, r.RendersOnSuccess)
		}
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &App{T: t, DB: gdb, Server: srv, HTTP: hs, Clock: clk, Config: cfg, DSN: dsn}
}

// StartJobs works background jobs (population imports) as `attest serve` does, until the test ends.
func (a *App) StartJobs() {
	a.T.Helper()
	r, err := jobs.NewRunner(context.Background(), a.DSN, a.Server.Workers(), slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{})
	require.NoError(a.T, err)
	require.NoError(a.T, r.Start(context.Background()))
	a.T.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// CreateClient inserts a client organization and returns its id.
func (a *App) CreateClient(name string) int64 {
	a.T.Helper()
	var id int64
	require.NoError(a.T, a.DB.Raw(`INSERT INTO clients (name) VALUES (?) RETURNING id`, name).Row().Scan(&id))
	return id
}

// CreateUser creates an active user with Password; clientID is required for client users.
func (a *App) CreateUser(email string, role auth.Role, clientID int64) auth.User {
	a.T.Helper()
	svc := auth.NewService(a.DB, a.Clock, time.Hour, 12*time.Hour)
	in := auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: Password}
	if clientID != 0 {
		in.ClientID = &clientID
	}
	u, err := svc.CreateUser(context.Background(), audit.System, in)
	require.NoError(a.T, err)
	if role.RequiresMFA() {
		// Most tests are not about MFA: mark the account enrolled with a known secret.
		require.NoError(a.T, a.DB.Exec(`UPDATE users SET mfa_secret = ?, mfa_enabled_at = now() WHERE id = ?`, MFASecret, u.ID).Error)
		require.NoError(a.T, a.DB.First(&u, u.ID).Error)
	}
	return u
}

// MFASecret is the TOTP secret CreateUser gives admins and partners.
const MFASecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// Client is a browser-like HTTP client with its own cookies.
type Client struct {
	app  *App
	HTTP *http.Client
}

// NewClient returns a client with an empty cookie jar that does not follow redirects.
func (a *App) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Get fetches path.
func (c *Client) Get(path string) Response {
	c.app.T.Helper()
	resp, err := c.HTTP.Get(c.app.HTTP.URL + path)
	require.NoError(c.app.T, err)
	return read(c.app.T, resp)
}

// CheckPostRedirectGet (called on every POST the client sends) fails the test when a form POST succeeded with a page instead of a
// redirect: reloading that page would submit the form again. Refusals (4xx) re-render the form
// with its messages, htmx requests (HX-Request) swap a fragment in place and are never
// reloaded, and a route may declare why it must answer with a page (RendersOnSuccess).
func (c *Client) CheckPostRedirectGet(r Response) {
	c.app.T.Helper()
	req := r.Request
	if req == nil || req.Method != http.MethodPost {
		return
	}
	if r.StatusCode >= 300 && r.StatusCode < 400 {
		if rt, ok := c.app.RouteOf(req.Method, req.URL.Path); ok && !strings.HasPrefix(r.Header.Get("Location"), "/login?") {
			redirected.Store(rt.Method+" "+rt.Path, true)
		}
		return
	}
	if r.StatusCode < 200 || r.StatusCode > 299 {
		return
	}
	if req.Header.Get("HX-Request") == "true" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		return
	}
	if rt, ok := c.app.RouteOf(req.Method, req.URL.Path); ok && rt.RendersOnSuccess != "" {
		return
	}
	c.app.T.Errorf("POST %s answered %d with a page: a successful form POST must redirect (POST-redirect-GET) so that a reload never "+
		"submits it again; if the page shows something only once, declare rendersOnSuccess(reason) on the route", req.URL.Path, r.StatusCode)
}

// postRoutes holds every POST route of the apps tests started (with RendersOnSuccess), and
// redirected the POST routes some test saw answer a form POST with a redirect.
var postRoutes, redirected sync.Map

// PostRoutesNeverRedirected lists the POST routes (of every app the tests started) that no
// test saw answer a form POST with a redirect, other than those that declare RendersOnSuccess.
// After the whole package's tests it says which routes' POST-redirect-GET nobody proved.
func PostRoutesNeverRedirected() []string {
	var out []string
	postRoutes.Range(func(k, v any) bool {
		if _, ok := redirected.Load(k); !ok && v.(string) == "" {
			out = append(out, k.(string))
		}
		return true
	})
	sort.Strings(out)
	return out
}

// RouteOf finds the registered route a request path matches (the most specific one: static
// segments beat parameters).
func (a *App) RouteOf(method, path string) (RouteInfo, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestScore := RouteInfo{}, -1
	for _, r := range a.Server.Routes() {
		if r.Method != method {
			continue
		}
		score, ok := matchRoute(strings.Split(strings.Trim(r.Path, "/"), "/"), segs)
		if ok && score > bestScore {
			best, bestScore = RouteInfo{Method: r.Method, Path: r.Path, RendersOnSuccess: r.RendersOnSuccess}, score
		}
	}
	return best, bestScore >= 0
}

// matchRoute reports whether path segments match a route pattern's, and how many static
// segments matched (the most specific route wins).
func matchRoute(pattern, segs []string) (int, bool) {
	score := 0
	for i, p := range pattern {
		if p == "*" {
			return score, true
		}
		if i >= len(segs) {
			return 0, false
		}
		if strings.HasPrefix(p, ":") {
			continue
		}
		if p != segs[i] {
			return 0, false
		}
		score++
	}
	return score, len(pattern) == len(segs)
}

// RouteInfo is what tests need of a registered route.
type RouteInfo struct {
	Method, Path     string
	RendersOnSuccess string
}

// CSRFToken returns the token the server set in the client's cookie, fetching a page if needed.
func (c *Client) CSRFToken() string {
	c.app.T.Helper()
	u, _ := url.Parse(c.app.HTTP.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "attest_csrf" {
			return ck.Value
		}
	}
	c.Get("/login")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "attest_csrf" {
			return ck.Value
		}
	}
	c.app.T.Fatal("no CSRF cookie set")
	return ""
}

// PostForm posts values with a valid CSRF token.
func (c *Client) PostForm(path string, values url.Values) Response {
	c.app.T.Helper()
	if values == nil {
		values = url.Values{}
	}
	values.Set("_csrf", c.CSRFToken())
	return c.PostRaw(path, values)
}

// PostRaw posts values exactly as given (no CSRF token added).
func (c *Client) PostRaw(path string, values url.Values) Response {
	c.app.T.Helper()
	resp, err := c.HTTP.PostForm(c.app.HTTP.URL+path, values)
	require.NoError(c.app.T, err)
	r := read(c.app.T, resp)
	c.CheckPostRedirectGet(r)
	return r
}

// Do sends a prepared request (for uploads and other bodies).
func (c *Client) Do(req *http.Request) Response {
	c.app.T.Helper()
	resp, err := c.HTTP.Do(req)
	require.NoError(c.app.T, err)
	r := read(c.app.T, resp)
	c.CheckPostRedirectGet(r)
	return r
}

// URL is the absolute URL of path on the test server.
func (c *Client) URL(path string) string { return c.app.HTTP.URL + path }

// Login signs in with the fixture password and, for MFA users, the current TOTP code.
func (c *Client) Login(email string) {
	c.app.T.Helper()
	resp := c.PostForm("/login", url.Values{"email": {email}, "password": {Password}})
	require.Equal(c.app.T, http.StatusSeeOther, resp.StatusCode, "login of %s failed: %s", email, resp.Body)
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/login/mfa") {
		// A TOTP code is accepted once: move to the next 30-second step, as a person signing in
		// again later would be.
		c.app.Clock.Advance(30 * time.Second)
		code := TOTP(c.app.T, MFASecret, c.app.Clock.Now())
		resp = c.PostForm("/login/mfa", url.Values{"code": {code}})
		require.Equal(c.app.T, http.StatusSeeOther, resp.StatusCode, "MFA step of %s failed: %s", email, resp.Body)
	}
}

func read(t testing.TB, resp *http.Response) Response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Response: resp, Body: string(b)}
}

// File is one file of a multipart upload; Name is sent exactly as given (tests send hostile names).
type File struct {
	Field string
	Name  string
	Data  []byte
}

// Upload posts fields and files as multipart/form-data the way Attest's upload forms do: the
// CSRF token travels in the query string, so the server can stream the body.
func (c *Client) Upload(path string, fields map[string]string, files ...File) Response {
	c.app.T.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(c.app.T, mw.WriteField(k, v))
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="%s"`, f.Field, f.Name))
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		require.NoError(c.app.T, err)
		_, err = w.Write(f.Data)
		require.NoError(c.app.T, err)
	}
	require.NoError(c.app.T, mw.Close())
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(http.MethodPost, c.URL(path+sep+"_csrf="+url.QueryEscape(c.CSRFToken())), &body)
	require.NoError(c.app.T, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}
