package loadtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestFindEngagementAndTestLinks(t *testing.T) {
	html := `<tr><td><a href="/engagements/12">Scale SOC 2 2024 #3</a></td></tr>
		<tr><td><a href="/engagements/1000">Scale Large Engagement 2025</a><br/></td></tr>`
	id, ok := FindEngagement(html, "Scale Large Engagement 2025")
	require.True(t, ok)
	assert.Equal(t, int64(1000), id)
	_, ok = FindEngagement(html, "Scale Large Engagement 2026")
	assert.False(t, ok)
	_, ok = FindEngagement(`<a href="/engagements/7">Scale Large Engagement 2025 (copy)</a>`, "Scale Large Engagement 2025")
	assert.False(t, ok, "the whole name must match")

	assert.Equal(t, []int64{5, 3}, TestLinks(`<a href="/tests/5">T</a><a href="/tests/3">U</a><a href="/tests/5">again</a><a href="/tests/9/edit">V</a>`))
}

func TestPagesAreTheSevenOfTheIssue(t *testing.T) {
	pages := Pages(42, 7)
	require.Len(t, pages, 7)
	paths := map[string]string{}
	for _, p := range pages {
		paths[p.Name] = p.Path
		assert.Equal(t, p.Name == "client dashboard", p.Client, p.Name)
	}
	assert.Equal(t, "/engagements/42/controls", paths["control matrix"])
	assert.Equal(t, "/tests/7/population", paths["test with samples"])
	assert.Equal(t, "/engagements/42/audit", paths["audit trail"])
}

// The report: percentiles per page, non-2xx answers and failed requests counted as errors, and
// the verdict against p95 ≤ 25 ms with no errors.
func TestCollectorReport(t *testing.T) {
	pages := []Page{{Name: "fast"}, {Name: "slow"}, {Name: "failing"}}
	c := NewCollector(pages)
	for i := 1; i <= 100; i++ {
		c.Add("fast", time.Duration(i)*100*time.Microsecond, 200, "") // 0.1 .. 10 ms
		c.Add("slow", time.Duration(i)*time.Millisecond, 200, "")     // 1 .. 100 ms
	}
	c.Add("failing", 2*time.Millisecond, 200, "")
	c.Add("failing", 3*time.Millisecond, 500, "500 Internal Server Error")
	c.Add("failing", 10*time.Second, 0, "context deadline exceeded")
	c.Add("elsewhere", time.Millisecond, 200, "")
	r := c.Report()
	require.Len(t, r.Pages, 4)
	fast, slow, failing, other := r.Pages[0], r.Pages[1], r.Pages[2], r.Pages[3]
	assert.Equal(t, uint64(100), fast.Requests)
	assert.InDelta(t, 5*time.Millisecond, fast.P50, float64(200*time.Microsecond))
	assert.InDelta(t, 9.5*float64(time.Millisecond), float64(fast.P95), float64(200*time.Microsecond))
	assert.True(t, fast.Meets())
	assert.InDelta(t, 95*float64(time.Millisecond), float64(slow.P95), float64(2*time.Millisecond))
	assert.False(t, slow.Meets(), "p95 over 25 ms")
	assert.Equal(t, 2, failing.Errors)
	assert.False(t, failing.Meets())
	assert.Equal(t, "other", other.Page)
	assert.False(t, r.OK())

	var out bytes.Buffer
	require.NoError(t, r.Write(&out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Contains(t, lines[0], "p95")
	assert.Regexp(t, `fast\s+100\s+5\.\d ms\s+9\.\d ms\s+9\.\d ms\s+0\s+met`, lines[1])
	assert.Regexp(t, `slow\s+100\s+.*MISSED`, lines[2])
	assert.Contains(t, out.String(), "failing: 500 Internal Server Error")
	assert.Contains(t, out.String(), "failing: context deadline exceeded")
}

// Against a server without the scale fixture the command says what to run first.
func TestRunWithoutTheFixture(t *testing.T) {
	app := webtest.New(t)
	_, err := Run(context.Background(), Config{BaseURL: app.HTTP.URL, Rate: 10, Duration: time.Second,
		ManagerEmail: "manager@scale.attest.example", ClientEmail: "contact@scale.attest.example", Password: "x", Engagement: "Scale Large Engagement 2025"}, &bytes.Buffer{})
	require.ErrorIs(t, err, ErrNoFixture)
	assert.Contains(t, err.Error(), "run `attest seed --scale large`")

	_, err = Run(context.Background(), Config{BaseURL: "http://127.0.0.1:1", Rate: 10, Duration: time.Second}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "start it with `attest serve`")
}

// Drive holds the rate for the duration against a real HTTP server and reports each page's
// answers: the failing page's 500s are errors, the other page has none.
func TestDriveReportsEachPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	pages := []Page{{Name: "fine", Path: "/fine"}, {Name: "broken", Path: "/broken"}}
	var targets []vegeta.Target
	byURL := map[string]string{}
	for _, p := range pages {
		targets = append(targets, vegeta.Target{Method: http.MethodGet, URL: srv.URL + p.Path})
		byURL[srv.URL+p.Path] = p.Name
	}
	r := Drive(context.Background(), pages, targets, byURL, 40, time.Second)
	require.Len(t, r.Pages, 2)
	fine, broken := r.Pages[0], r.Pages[1]
	assert.InDelta(t, 40, fine.Requests+broken.Requests, 2, "40 requests/s for a second")
	assert.InDelta(t, float64(fine.Requests), float64(broken.Requests), 1, "the targets take turns")
	assert.Zero(t, fine.Errors)
	assert.True(t, fine.Meets())
	assert.Equal(t, int(broken.Requests), broken.Errors)
	assert.False(t, r.OK())
}
