package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTestWorkpaperIsSplitIntoParts: a test's workpaper is six pages (procedure & conclusion,
// population & samples, testing grid, evidence, exceptions, review notes), each with only its
// own sections and the tabs to the others; a refused form shows again on the part it came from.
func TestTestWorkpaperIsSplitIntoParts(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	sections := []string{`id="procedure-h"`, `id="population-h"`, `id="samples-h"`, `id="evidence-h"`, `id="exceptions-h"`, `id="notes-h"`, `id="grid-h"`}
	for _, part := range []struct {
		suffix string
		shows  []string
	}{
		{"", []string{`id="procedure-h"`}},
		{"/population", []string{`id="population-h"`, `id="samples-h"`}},
		{"/grid", []string{`id="grid-h"`}},
		{"/evidence", []string{`id="evidence-h"`}},
		{"/exceptions", []string{`id="exceptions-h"`}},
		{"/notes", []string{`id="notes-h"`}},
	} {
		page := staff.Get(path + part.suffix)
		require.Equal(t, http.StatusOK, page.StatusCode, part.suffix)
		for _, s := range sections {
			shown := false
			for _, want := range part.shows {
				shown = shown || want == s
			}
			assert.Equal(t, shown, strings.Contains(page.Body, s), "%s%s shows %s: %v", path, part.suffix, s, shown)
		}
		tabs := find(t, page.Body, `(?s)(<nav class="tabs sub-tabs" aria-label="Parts of the test">.*?</nav>)`)
		for _, other := range []string{"", "/population", "/grid", "/evidence", "/exceptions", "/notes"} {
			assert.Contains(t, tabs, `href="`+path+other+`"`, "every part links to %s", other)
		}
		assert.Contains(t, tabs, `href="`+path+part.suffix+`" aria-current="page"`)
	}

	// Refused forms come back on their own part, with what was typed.
	resp := staff.PostForm(path+"/exceptions", url.Values{"description": {"kept description"}, "deviations": {"x"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, `href="`+path+`/exceptions" aria-current="page"`)
	assert.Contains(t, resp.Body, "kept description")
	resp = staff.PostForm("/engagements/"+itoa(f.engagement)+"/review-notes", url.Values{"target_type": {"test"},
		"target_id": {strings.TrimPrefix(path, "/tests/")}, "body": {" "}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, `href="`+path+`/notes" aria-current="page"`)
	assert.Contains(t, resp.Body, "Write the note")

	// Successful forms go back to their part.
	resp = staff.PostForm("/engagements/"+itoa(f.engagement)+"/review-notes", url.Values{"target_type": {"test"},
		"target_id": {strings.TrimPrefix(path, "/tests/")}, "body": {"Where is the HR extract?"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, path+"/notes", resp.Header.Get("Location"))
	assert.Contains(t, staff.Get(path+"/notes").Body, "Where is the HR extract?")
}
