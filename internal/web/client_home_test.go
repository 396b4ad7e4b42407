package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestClientDashboardShowsWhatWaitsOnTheClient(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	yesterday := app.Clock.Now().AddDate(0, 0, -1).Format("2006-01-02")
	nextWeek := app.Clock.Now().AddDate(0, 0, 7).Format("2006-01-02")
	for _, r := range []struct {
		eng                 int64
		number              int
		status, reason, due string
	}{
		{p.engA, 1, "open", "", yesterday},               // overdue
		{p.engA, 2, "open", "Covers Q1 only.", nextWeek}, // returned
		{p.engA, 3, "submitted", "", yesterday},          // submitted: not overdue any more
		{p.engB, 1, "open", "", yesterday},               // the other organization's
	} {
		require.NoError(t, app.DB.Exec(`INSERT INTO info_requests (engagement_id, number, title, status, return_reason, due_date, assignee_id)
			VALUES (?, ?, 'Request', ?, ?, ?, ?)`, r.eng, r.number, r.status, r.reason, r.due, p.contactA.ID).Error)
	}
	require.NoError(t, app.DB.Exec(`INSERT INTO exceptions (engagement_id, test_id, description, deviations, items_tested)
		VALUES (?, ?, '1 of 25 reviews was late.', 1, 25), (?, ?, 'Other organization.', 1, 2)`, p.engA, p.testA, p.engB, p.testB).Error)
	require.NoError(t, app.DB.Exec(`INSERT INTO samples (test_id, item_key, sent_to_client_at, result) VALUES (?, 'Q1', now(), 'untested'),
		(?, 'Q2', now(), 'untested'), (?, 'Q3', NULL, 'untested'), (?, 'Q4', now(), 'pass'), (?, 'Q5', now(), 'untested')`,
		p.testA, p.testA, p.testA, p.testA, p.testA).Error)
	require.NoError(t, app.DB.Exec(`INSERT INTO evidence_files (engagement_id, sample_id, file_name, content_type, size_bytes, sha256, blob_key, uploaded_by)
		SELECT ?, id, 'q5.pdf', 'application/pdf', 1, 'x', 'k', ? FROM samples WHERE test_id = ? AND item_key = 'Q5'`, p.engA, p.contactA.ID, p.testA).Error)

	client := app.NewClient()
	client.Login("dana@northwind.example")
	home := client.Get("/")
	require.Equal(t, http.StatusOK, home.StatusCode)
	count := func(label string) string {
		m := regexp.MustCompile(label + `</a>:\s*<strong>(\d+)</strong>`).FindStringSubmatch(home.Body)
		require.NotNil(t, m, "no %q on the dashboard", label)
		return m[1]
	}
	assert.Equal(t, "1", count("Exceptions awaiting your response"))
	assert.Equal(t, "2", count("Sampled items to support"),
		"items sent to the client that still wait on them: not those not sent (Q3), already tested (Q4) or with a file (Q5)")
	assert.Contains(t, home.Body, "Northwind Ledger SOC 2 2026")
	assert.NotContains(t, home.Body, "Bluejay Health SOC 2 2026", "another organization's engagement never shows")

	attention := home.Body[regexpIndex(t, home.Body, `id="attention"`):]
	assert.Contains(t, attention, "R-001", "overdue")
	assert.Contains(t, attention, "R-002", "returned")
	assert.NotContains(t, attention, "R-003", "submitted requests wait on the auditors")
}

func regexpIndex(t *testing.T, body, pattern string) int {
	t.Helper()
	loc := regexp.MustCompile(pattern).FindStringIndex(body)
	require.NotNil(t, loc, "no %s", pattern)
	return loc[0]
}
