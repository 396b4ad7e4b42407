package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// The demo data shows the engagement pages populated, as `make run` does.
func TestDemoEngagementPages(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	_, err := seed.Demo(context.Background(), app.DB, app.Clock)
	require.NoError(t, err)
	login := func(email string) *webtest.Client {
		c := app.NewClient()
		resp := c.PostForm("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		return c
	}
	var id string
	require.NoError(t, app.DB.Raw(`SELECT id::text FROM engagements WHERE name = 'SOC 2 Type II 2026'`).Row().Scan(&id))

	m := login("manager@attest.example")
	home := m.Get("/")
	for _, want := range []string{"My engagements", "SOC 2 Type II 2026", "SOC 2 Type II 2025", "SOC 2 Type I 2026"} {
		assert.Contains(t, home.Body, want)
	}
	overview := m.Get("/engagements/" + id)
	require.Equal(t, http.StatusOK, overview.StatusCode)
	assert.Contains(t, overview.Body, "1 January 2026 – 30 June 2026")
	assert.Contains(t, overview.Body, "Security (common criteria), Availability")
	assert.Contains(t, overview.Body, "Move to Review")
	assert.Contains(t, overview.Body, "Period end 30 June 2026: <strong>", "the key dates name the date beside the countdown")
	var prior string
	require.NoError(t, app.DB.Raw(`SELECT id::text FROM engagements WHERE name = 'SOC 2 Type II 2025'`).Row().Scan(&prior))
	priorPage := m.Get("/engagements/" + prior)
	assert.Contains(t, between(priorPage.Body, `id="next-period"`, "</p>"), `<a href="/engagements/`+id+`">SOC 2 Type II 2026</a>`,
		"an engagement already rolled forward links its next period")
	assert.NotContains(t, priorPage.Body, "/roll-forward", "and offers no second roll-forward")
	assert.Contains(t, overview.Body, "/roll-forward", "the current period can still roll forward")
	team := m.Get("/engagements/" + id + "/team")
	for _, want := range []string{"Patricia Okafor", "Tom Becker", "Dana Whitfield", "Jordan Reyes", "Cloud host (public cloud)", "Carve-out"} {
		assert.Contains(t, team.Body, want)
	}
	assert.Contains(t, between(team.Body, `id="scope"`, "</section>"), "Trust Services Categories in scope: <strong>Security (common criteria), Availability</strong>",
		"the Team & scope tab shows the scope too")

	dana := login("dana@northwind.example")
	list := dana.Get("/engagements")
	assert.Contains(t, list.Body, "SOC 2 Type II 2026")
	assert.NotContains(t, list.Body, "SOC 2 Type I 2026", "Bluejay's engagement is not Northwind's")
	clientOverview := dana.Get("/engagements/" + id)
	assert.Equal(t, http.StatusOK, clientOverview.StatusCode)
	assert.NotContains(t, clientOverview.Body, "Controls by test status", "test results are the auditors' until the report")
	assert.NotContains(t, clientOverview.Body, "criteria-not-met")

	// The auditors see the criteria roll-up: the demo's two deviations were judged isolated.
	notMet := between(overview.Body, `id="criteria-not-met"`, "</div>")
	assert.Contains(t, notMet, `<p class="stat">0</p>`)
	require.NoError(t, app.DB.Exec(`UPDATE exceptions SET criteria_met = false, evaluation = 'systematic'
		WHERE description LIKE 'For 1 of 30 sampled leavers%' AND engagement_id = ?`, id).Error)
	notMet = between(m.Get("/engagements/"+id).Body, `id="criteria-not-met"`, "</div>")
	assert.Contains(t, notMet, `<p class="stat">1</p>`)
	assert.Contains(t, notMet, "CC6.2")
}
