package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSamplesPickOverHTTP: hand-picked items are checked against the population, refused field
// by field (keeping what was typed), refused when stale, recorded once, and reachable only by
// the team.
func TestSamplesPickOverHTTP(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	f.app.StartJobs()
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	importPopulation(t, staff, f.app.DB, path, map[string]string{"source": "HRIS new-hire report", "completeness_check": "Agreed to payroll"}, "hires.csv", hires(10))
	var popID string
	require.NoError(t, f.app.DB.Raw(`SELECT id::text FROM populations`).Row().Scan(&popID))
	current := version(t, staff.Get(path).Body)
	pick := func(keys, justification, v string) url.Values {
		return url.Values{"version": {v}, "pick_population_id": {popID}, "keys": {keys}, "pick_justification": {justification}}
	}
	samples := func() int {
		var n int
		require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM samples`).Row().Scan(&n))
		return n
	}

	resp := staff.PostForm(path+"/samples/pick", pick("", "", current))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "List the item keys to test, one per line.")
	assert.Contains(t, resp.Body, "Explain how you chose the items")

	resp = staff.PostForm(path+"/samples/pick", pick("E001\nE999", "Haphazard across the period", current))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Not in the population: E999.")
	assert.Contains(t, resp.Body, "Haphazard across the period", "the justification typed is kept")
	assert.Contains(t, resp.Body, "E999", "the keys typed are kept")
	assert.Zero(t, samples())

	resp = staff.PostForm(path+"/samples/pick", pick("E001\nE003", "Haphazard across the period", "999"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a stale pick is refused")
	assert.Zero(t, samples())

	resp = staff.PostForm(path+"/samples/pick", pick("E001\n E003 \nE001", "Haphazard across the period", current))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, path+"/population", resp.Header.Get("Location"))
	assert.Contains(t, staff.Get(path+"/population").Body, "2 picked items recorded.")
	var keys []string
	require.NoError(t, f.app.DB.Raw(`SELECT item_key FROM samples ORDER BY item_key`).Scan(&keys).Error)
	assert.Equal(t, []string{"E001", "E003"}, keys, "blank and repeated keys are ignored")
	var method, justification string
	require.NoError(t, f.app.DB.Raw(`SELECT sample_method, sample_size_justification FROM tests`).Row().Scan(&method, &justification))
	assert.Equal(t, "manual", method)
	assert.Equal(t, "Haphazard across the period", justification)

	resp = staff.PostForm(path+"/samples/pick", pick("E005", "Another go", version(t, staff.Get(path).Body)))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "This test already has 2 samples")
	assert.Equal(t, 2, samples(), "a selection is recorded once")

	assert.Equal(t, http.StatusForbidden, f.login("outsider@firm.example").PostForm(path+"/samples/pick", pick("E005", "x", "1")).StatusCode)
	assert.Equal(t, http.StatusForbidden, f.login("dana@northwind.example").PostForm(path+"/samples/pick", pick("E005", "x", "1")).StatusCode)
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").PostForm(path+"/samples/pick", pick("E005", "x", "1")).StatusCode)
	assert.Equal(t, 2, samples())
}
