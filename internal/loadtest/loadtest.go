// Package loadtest drives a steady load against a running Attest with the scale fixture
// (`attest seed --scale large`): it signs in the fixture's real users, finds the large
// engagement, then sends a constant rate of requests (vegeta) over seven pages and reports the
// latency percentiles and errors of each page against the target (p95 ≤ 25 ms, no errors).
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Target is the figure each page must meet.
const TargetP95 = 25 * time.Millisecond

// Config is what `attest loadtest` is given.
type Config struct {
	BaseURL  string
	Rate     int           // requests per second over all pages
	Duration time.Duration // of the steady load
	// Warmup drives the same load this long first, reported apart and not judged: a server just
	// started opens its connections and prepares and plans its statements on each of them in the
	// first seconds, which is not the steady state the target is about.
	Warmup       time.Duration
	ManagerEmail string
	ClientEmail  string
	Password     string
	Engagement   string // name of the large engagement
}

// Page is one page under load, fetched as one of the two users.
type Page struct {
	Name   string
	Path   string
	Client bool // as the client contact (else as the manager)
}

// Pages are the seven pages of issue #19 for the large engagement and its test with samples.
func Pages(engagementID, testID int64) []Page {
	e := strconv.FormatInt(engagementID, 10)
	return []Page{
		{Name: "engagement list", Path: "/engagements"},
		{Name: "engagement overview", Path: "/engagements/" + e},
		{Name: "control matrix", Path: "/engagements/" + e + "/controls"},
		{Name: "test with samples", Path: "/tests/" + strconv.FormatInt(testID, 10) + "/population"},
		{Name: "request list", Path: "/engagements/" + e + "/requests"},
		{Name: "client dashboard", Path: "/", Client: true},
		{Name: "audit trail", Path: "/engagements/" + e + "/audit"},
	}
}

// ErrNoFixture: the server has no scale fixture; the message says what to run.
var ErrNoFixture = errors.New("the server has no scale fixture: run `attest seed --scale large` against its database (same DATABASE_URL), then start it and run `attest loadtest` again")

// Run signs in, finds the pages, drives the load and returns the report.
func Run(ctx context.Context, cfg Config, progress io.Writer) (Report, error) {
	manager, err := signIn(ctx, cfg.BaseURL, cfg.ManagerEmail, cfg.Password)
	if err != nil {
		return Report{}, err
	}
	client, err := signIn(ctx, cfg.BaseURL, cfg.ClientEmail, cfg.Password)
	if err != nil {
		return Report{}, err
	}
	body, err := get(ctx, manager, cfg.BaseURL+"/engagements")
	if err != nil {
		return Report{}, err
	}
	engagementID, ok := FindEngagement(body, cfg.Engagement)
	if !ok {
		return Report{}, ErrNoFixture
	}
	testID, err := findTestWithSamples(ctx, manager, cfg.BaseURL, engagementID)
	if err != nil {
		return Report{}, err
	}
	pages := Pages(engagementID, testID)
	targets := make([]vegeta.Target, len(pages))
	byURL := map[string]string{}
	for i, p := range pages {
		c := manager
		if p.Client {
			c = client
		}
		u := cfg.BaseURL + p.Path
		targets[i] = vegeta.Target{Method: http.MethodGet, URL: u, Header: http.Header{"Cookie": {cookieHeader(c, cfg.BaseURL)}}}
		byURL[u] = p.Name
	}
	if cfg.Warmup > 0 {
		fmt.Fprintf(progress, "Warming up: %d requests/s for %s (reported, not judged)…\n", cfg.Rate, cfg.Warmup)
		warm := Drive(ctx, pages, targets, byURL, cfg.Rate, cfg.Warmup)
		if err := warm.Write(progress); err != nil {
			return Report{}, err
		}
	}
	fmt.Fprintf(progress, "Driving %d requests/s for %s over %d pages of engagement %d (test %d)…\n", cfg.Rate, cfg.Duration, len(pages), engagementID, testID)
	return Drive(ctx, pages, targets, byURL, cfg.Rate, cfg.Duration), nil
}

// Drive sends rate requests per second over targets for duration (vegeta) and reports them per
// page (byURL names the page of each target's URL).
func Drive(ctx context.Context, pages []Page, targets []vegeta.Target, byURL map[string]string, rate int, duration time.Duration) Report {
	attacker := vegeta.NewAttacker(vegeta.Timeout(10*time.Second), vegeta.KeepAlive(true), vegeta.Connections(64), vegeta.MaxWorkers(256))
	col := NewCollector(pages)
	done := ctx.Done()
	for res := range attacker.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: rate, Per: time.Second}, duration, "attest") {
		col.Add(byURL[res.URL], res.Latency, res.Code, res.Error)
		select {
		case <-done:
			attacker.Stop()
		default:
		}
	}
	return col.Report()
}

// signIn posts the login form with the CSRF token the login page sets, and keeps the cookies.
func signIn(ctx context.Context, base, email, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if _, err := get(ctx, c, base+"/login"); err != nil {
		return nil, fmt.Errorf("cannot reach Attest at %s (start it with `attest serve`): %w", base, err)
	}
	token := ""
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "attest_csrf" {
			token = ck.Value
		}
	}
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signing in as %s: %w", email, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		return nil, fmt.Errorf("signing in as %s failed (HTTP %d): %w", email, resp.StatusCode, ErrNoFixture)
	}
	return c, nil
}

func get(ctx context.Context, c *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return string(b), nil
}

func cookieHeader(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// FindEngagement finds the id of the engagement named name in an engagement list page.
func FindEngagement(html, name string) (int64, bool) {
	re := regexp.MustCompile(`href="/engagements/(\d+)"[^>]*>\s*` + regexp.QuoteMeta(name) + `\s*<`)
	m := re.FindStringSubmatch(html)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

var testLink = regexp.MustCompile(`href="/tests/(\d+)"`)

// TestLinks lists the tests an engagement's test list links to, in page order, once each.
func TestLinks(html string) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, m := range testLink.FindAllStringSubmatch(html, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// findTestWithSamples opens the engagement's tests in order until one lists samples.
func findTestWithSamples(ctx context.Context, c *http.Client, base string, engagementID int64) (int64, error) {
	list, err := get(ctx, c, fmt.Sprintf("%s/engagements/%d/tests", base, engagementID))
	if err != nil {
		return 0, err
	}
	ids := TestLinks(list)
	for i, id := range ids {
		if i == 20 {
			break
		}
		page, err := get(ctx, c, fmt.Sprintf("%s/tests/%d/population", base, id)) // the samples part of the workpaper
		if err != nil {
			return 0, err
		}
		if strings.Contains(page, `id="samples-table"`) {
			return id, nil
		}
	}
	return 0, fmt.Errorf("no test with samples among the first tests of engagement %d: %w", engagementID, ErrNoFixture)
}

// Collector gathers results per page.
type Collector struct {
	order   []string
	metrics map[string]*vegeta.Metrics
}

// NewCollector collects for the given pages, reported in their order.
func NewCollector(pages []Page) *Collector {
	c := &Collector{metrics: map[string]*vegeta.Metrics{}}
	for _, p := range pages {
		c.order = append(c.order, p.Name)
		c.metrics[p.Name] = &vegeta.Metrics{}
	}
	return c
}

// Add records one response (code 0 with an error: no response at all).
func (c *Collector) Add(page string, latency time.Duration, code uint16, errText string) {
	m, ok := c.metrics[page]
	if !ok {
		page = "other"
		if m, ok = c.metrics[page]; !ok {
			m = &vegeta.Metrics{}
			c.metrics[page], c.order = m, append(c.order, page)
		}
	}
	m.Add(&vegeta.Result{Latency: latency, Code: code, Error: errText, Timestamp: time.Now()})
}

// Report closes the metrics and returns one row per page.
func (c *Collector) Report() Report {
	var r Report
	for _, name := range c.order {
		m := c.metrics[name]
		m.Close()
		row := PageResult{Page: name, Requests: m.Requests, P50: m.Latencies.P50, P95: m.Latencies.P95, P99: m.Latencies.P99}
		for code, n := range m.StatusCodes {
			if !strings.HasPrefix(code, "2") {
				row.Errors += n
			}
		}
		row.ErrorTexts = append(row.ErrorTexts, m.Errors...)
		sort.Strings(row.ErrorTexts)
		r.Pages = append(r.Pages, row)
	}
	return r
}

// PageResult is one page's figures.
type PageResult struct {
	Page          string
	Requests      uint64
	P50, P95, P99 time.Duration
	Errors        int      // responses that are not 2xx, and requests with no response
	ErrorTexts    []string // distinct error messages
}

// Meets reports whether the page meets the target.
func (p PageResult) Meets() bool { return p.Errors == 0 && p.P95 <= TargetP95 && p.Requests > 0 }

// Report is the result of a run.
type Report struct{ Pages []PageResult }

// OK reports whether every page met the target.
func (r Report) OK() bool {
	for _, p := range r.Pages {
		if !p.Meets() {
			return false
		}
	}
	return len(r.Pages) > 0
}

// Write prints the report as a table, one row per page, then the errors seen.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\trequests\tp50\tp95\tp99\terrors\ttarget (p95 ≤ 25 ms, 0 errors)\t")
	for _, p := range r.Pages {
		verdict := "met"
		if !p.Meets() {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t\n", p.Page, p.Requests, ms(p.P50), ms(p.P95), ms(p.P99), p.Errors, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range r.Pages {
		for _, e := range p.ErrorTexts {
			fmt.Fprintf(w, "%s: %s\n", p.Page, e)
		}
	}
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}
