package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestControlPageIsReadOnlyAndWorksAfterSigning: every control has a page with what it is, its
// criteria, tests, evidence and exceptions; the matrix links to it, and it still opens (without
// anything to change) once the engagement is signed.
func TestControlPageIsReadOnlyAndWorksAfterSigning(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	resp := staff.PostForm(path+"/exceptions", url.Values{"description": {"For 1 of 25 sampled hires training was late."},
		"deviations": {"1"}, "items_tested": {"25"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	resp = staff.Upload(path+"/evidence", map[string]string{"pertains_to": "2026-03-01"},
		webtest.File{Field: "files", Name: "walkthrough.pdf", Data: []byte("%PDF-1.4 walkthrough")})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	control := fmt.Sprintf("/controls/%d", f.nl03)
	matrix := staff.Get(fmt.Sprintf("/engagements/%d/controls", f.engagement))
	assert.Contains(t, matrix.Body, fmt.Sprintf(`<a href="%s">NL-03</a>`, control), "the matrix links each control to its page")

	page := staff.Get(control)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "<h1>Control NL-03</h1>")
	assert.Regexp(t, `<strong>CC1.4</strong> The organization attracts, develops and retains competent people`, page.Body, "criteria with their summaries")
	assert.Contains(t, page.Body, fmt.Sprintf(`<a href="%s">Operating effectiveness</a>`, path), "its test")
	assert.Contains(t, page.Body, "walkthrough.pdf", "the test's evidence")
	assert.Contains(t, page.Body, "1 of 25: For 1 of 25 sampled hires training was late.", "its exceptions")
	assert.Contains(t, page.Body, "Edit control")
	assert.Equal(t, 1, strings.Count(page.Body, `<form method="post"`), "read-only: no form but the sign-out")

	require.NoError(t, f.app.DB.Exec(`UPDATE engagements SET status = 'signed' WHERE id = ?`, f.engagement).Error)
	for _, who := range []string{"staff@firm.example", "manager@firm.example"} {
		page = f.login(who).Get(control)
		require.Equal(t, http.StatusOK, page.StatusCode, who)
		assert.Contains(t, page.Body, `id="locked-note"`)
		assert.NotContains(t, page.Body, "Edit control", "nothing offers a change once signed")
		assert.Contains(t, page.Body, "walkthrough.pdf")
	}
	assert.Equal(t, http.StatusForbidden, f.login("dana@northwind.example").Get(control).StatusCode, "the auditors' working papers")
	assert.Equal(t, http.StatusNotFound, f.login("lee@bluejay.example").Get(control).StatusCode, "another organization's control does not exist")
	assert.Equal(t, http.StatusForbidden, f.login("outsider@firm.example").Get(control).StatusCode)
}
