package web_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

const sharedProcedure = `Inspected the quarterly user access review for the production database and the identity
provider, confirmed that each reviewer signed off within ten business days, traced a selection of
removals to tickets and verified that access was revoked in the system.`

// qualityFixture: two clients' engagements whose tests share a procedure, and the partner of the
// first engagement signed in.
func qualityFixture(t *testing.T) (app *webtest.App, partner *webtest.Client, mine, theirs, myTest int64) {
	app = webtest.New(t)
	a, b := app.CreateClient("Northwind Ledger"), app.CreateClient("Bluejay Health")
	mk := func(client int64, name string) (eng, test int64) {
		require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, report_date)
			VALUES (?, ?, 'type2', '2026-01-01', '2026-06-30', '2026-07-31') RETURNING id`, client, name).Row().Scan(&eng))
		var ctl int64
		require.NoError(t, app.DB.Raw(`INSERT INTO controls (engagement_id, ref, description, frequency) VALUES (?, 'AC-01', 'Access review', 'quarterly') RETURNING id`, eng).Row().Scan(&ctl))
		require.NoError(t, app.DB.Raw(`INSERT INTO tests (engagement_id, control_id, kind, procedure) VALUES (?, ?, 'operating', ?) RETURNING id`,
			eng, ctl, sharedProcedure).Row().Scan(&test))
		return eng, test
	}
	mine, myTest = mk(a, "Northwind SOC 2 2026")
	theirs, _ = mk(b, "Bluejay SOC 2 2026")
	u := app.CreateUser("pat@firm.example", auth.RolePartner, 0)
	require.NoError(t, app.DB.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, 'partner')`, mine, u.ID).Error)
	partner = app.NewClient()
	partner.Login(u.Email)
	return app, partner, mine, theirs, myTest
}

func TestBoilerplateWarningAndAcknowledgement(t *testing.T) {
	app, partner, mine, _, myTest := qualityFixture(t)
	page := partner.Get("/engagements/" + itoa(mine) + "/boilerplate")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "100 % identical to")
	assert.Contains(t, page.Body, "Bluejay Health — Bluejay SOC 2 2026")
	assert.Contains(t, page.Body, "1 not acknowledged")
	key := find(t, page.Body, `name="warning" value="([^"]+)"`)
	assert.Equal(t, "procedure:"+itoa(myTest)+":", key[:len("procedure:"+itoa(myTest)+":")])

	// No reason: refused next to the field, the page still lists the warning.
	resp := partner.PostForm("/engagements/"+itoa(mine)+"/boilerplate/acknowledge", url.Values{"warning": {key}, "reason": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Say why this text may stay")

	resp = partner.PostForm("/engagements/"+itoa(mine)+"/boilerplate/acknowledge", url.Values{"warning": {key}, "reason": {"Same IdP vendor; wording checked"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = partner.Get("/engagements/" + itoa(mine) + "/boilerplate")
	assert.Contains(t, page.Body, "0 not acknowledged")
	assert.Contains(t, page.Body, "Same IdP vendor; wording checked")
	assert.Equal(t, int64(1), auditCount(t, app, "boilerplate.acknowledge", mine))

	// The firm marks the wording as standard: the warning goes away.
	resp = partner.PostForm("/admin/boilerplate-templates", url.Values{"title": {"Access review"}, "body": {sharedProcedure}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = partner.Get("/engagements/" + itoa(mine) + "/boilerplate")
	assert.Contains(t, page.Body, "No text of this engagement is near-identical")
}

func TestTimelinePageAndPDF(t *testing.T) {
	_, partner, mine, _, myTest := qualityFixture(t)
	// Conclude the test before any evidence: the timeline flags it.
	page := partner.Get("/tests/" + itoa(myTest))
	require.Equal(t, http.StatusOK, page.StatusCode)
	resp := partner.PostForm("/tests/"+itoa(myTest), url.Values{"version": {"1"}, "techniques": {"inspection"}, "procedure": {sharedProcedure},
		"result": {"no_exceptions"}, "result_text": {"No exceptions noted."}})
	require.Less(t, resp.StatusCode, 400, resp.Body)

	page = partner.Get("/engagements/" + itoa(mine) + "/timeline")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "Control AC-01")
	assert.Contains(t, page.Body, "Concluded before any evidence for this test was received")
	assert.Contains(t, page.Body, "1 flagged as out of order")

	pdf := partner.Get("/engagements/" + itoa(mine) + "/timeline.pdf")
	require.Equal(t, http.StatusOK, pdf.StatusCode)
	assert.Equal(t, "application/pdf", pdf.Header.Get("Content-Type"))
	p := filepath.Join(t.TempDir(), "t.pdf")
	require.NoError(t, os.WriteFile(p, []byte(pdf.Body), 0o600))
	out, err := exec.Command("pdftotext", p, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	txt := strings.Join(strings.Fields(string(out)), " ")
	assert.Contains(t, txt, "Engagement timeline")
	assert.Contains(t, txt, "Concluded before any evidence")
}

func TestFirmComparisonPage(t *testing.T) {
	_, partner, _, _, _ := qualityFixture(t)
	page := partner.Get("/firm/comparison")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "Northwind SOC 2 2026")
	assert.Contains(t, page.Body, "Bluejay SOC 2 2026")
	assert.Contains(t, page.Body, "Firm comparison")
}
