package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestClientIsolation walks every registered route that names a request, evidence file,
// engagement, test, sample or template entry, fills in organization B's ids, and checks that a
// client user of organization A gets 404 — never the object, never a 403 that confirms it exists.
func TestClientIsolation(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor, clientB, clientA := app.NewClient(), app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	clientB.Login("lee@bluejay.example")
	clientA.Login("dana@northwind.example")

	reqB := createRequest(t, auditor, p.engB, p.contactB.ID, "Bluejay vendor list")
	require.Equal(t, http.StatusSeeOther, uploadFiles(t, clientB, fmt.Sprintf("/requests/%d/evidence", reqB), uploadFile{"vendors.pdf", pdfBytes}).StatusCode)
	var fileB, itemID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM evidence_files WHERE request_id = ?`, reqB).Row().Scan(&fileB))
	require.NoError(t, app.DB.Raw(`SELECT min(id) FROM request_templates`).Row().Scan(&itemID))
	// Organization B's exception (the kind clients answer), review note and control complete the
	// set of object kinds a path can name.
	var exceptionB, noteB, controlB int64
	require.NoError(t, app.DB.Raw(`SELECT control_id FROM tests WHERE id = ?`, p.testB).Row().Scan(&controlB))
	require.NoError(t, app.DB.Raw(`INSERT INTO exceptions (engagement_id, test_id, sample_id, description, deviations, items_tested)
		VALUES (?, ?, ?, 'Bluejay change deployed without approval', 1, 25) RETURNING id`, p.engB, p.testB, p.sampleB).Row().Scan(&exceptionB))
	require.NoError(t, app.DB.Raw(`INSERT INTO review_notes (engagement_id, target_type, target_id, body, raised_by)
		VALUES (?, 'test', ?, 'Bluejay: tie out the population', ?) RETURNING id`, p.engB, p.testB, p.senior.ID).Row().Scan(&noteB))
	ids := map[string]int64{"id": p.engB, "requestID": reqB, "fileID": fileB, "testID": p.testB, "sampleID": p.sampleB, "itemID": itemID,
		"exceptionID": exceptionB, "noteID": noteB, "cid": controlB}

	param := regexp.MustCompile(`:(\w+)`)
	checked := 0
	for _, r := range app.Server.Routes() {
		names := param.FindAllStringSubmatch(r.Path, -1)
		if len(names) == 0 && !strings.HasPrefix(r.Path, "/admin/request-template") {
			continue
		}
		path, known := r.Path, true
		for _, n := range names {
			id, ok := ids[n[1]]
			if !ok {
				known = false
				break
			}
			path = strings.Replace(path, n[0], fmt.Sprint(id), 1)
		}
		if !known {
			continue
		}
		var resp webtest.Response
		switch r.Method {
		case http.MethodGet:
			resp = clientA.Get(path)
		case http.MethodPost:
			resp = clientA.PostForm(path, nil)
		default:
			continue
		}
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %s", r.Method, path)
		assert.NotContains(t, resp.Body, "Bluejay", "%s %s leaks organization B's data", r.Method, path)
		checked++
	}
	assert.GreaterOrEqual(t, checked, 20, "the walk covered the portal's routes")

	// Nothing of B changed, and A still reaches its own data (the 404s are not a broken client).
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM request_comments`))
	assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM exceptions WHERE management_response <> ''`))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM evidence_files`))
	assert.Equal(t, "open", func() string {
		var s string
		app.DB.Raw(`SELECT status FROM info_requests WHERE id = ?`, reqB).Row().Scan(&s)
		return s
	}())
	reqA := createRequest(t, auditor, p.engA, p.contactA.ID, "Northwind org chart")
	assert.Equal(t, http.StatusOK, clientA.Get(fmt.Sprintf("/requests/%d", reqA)).StatusCode)
	assert.Equal(t, http.StatusOK, clientA.Get(fmt.Sprintf("/engagements/%d/requests", p.engA)).StatusCode)
	home := clientA.Get("/")
	assert.Contains(t, home.Body, "Northwind Ledger SOC 2 2026")
	assert.NotContains(t, home.Body, "Bluejay")
	assert.Equal(t, http.StatusOK, clientB.Get(fmt.Sprintf("/evidence/%d", fileB)).StatusCode)
}
