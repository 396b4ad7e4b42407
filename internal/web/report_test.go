package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/signing"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// demoApp is Attest with the demo data, its clock at 1 March 2026 (after the 2025 report's
// release on 20 February, before its documentation completion date).
func demoApp(t *testing.T) (*webtest.App, map[string]int64) {
	app := webtest.New(t)
	app.Clock.T = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	_, err := seed.Demo(context.Background(), app.DB, app.Clock, seed.WithEvidenceStore(app.Server.Evidence.Store))
	require.NoError(t, err)
	ids := map[string]int64{}
	for name, key := range map[string]string{"SOC 2 Type II 2025": "issued", "SOC 2 Type II 2026": "fieldwork", "SOC 2 Type I 2026": "bluejay"} {
		var id int64
		require.NoError(t, app.DB.Raw(`SELECT id FROM engagements WHERE name = ?`, name).Row().Scan(&id))
		ids[key] = id
	}
	return app, ids
}

// demoLogin signs a demo account in (demo password, and the published TOTP secret if any).
func demoLogin(t *testing.T, app *webtest.App, email string) *webtest.Client {
	c := app.NewClient()
	resp := c.PostForm("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	if strings.HasPrefix(resp.Header.Get("Location"), "/login/mfa") {
		app.Clock.Advance(30 * time.Second)
		resp = c.PostForm("/login/mfa", url.Values{"code": {webtest.TOTP(t, seed.DemoMFASecrets[email], app.Clock.Now())}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	return c
}

func versionIDs(t *testing.T, app *webtest.App, engagementID int64, state string) []int64 {
	var ids []int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM report_versions WHERE engagement_id = ? AND state = ? ORDER BY variant`, engagementID, state).Scan(&ids).Error)
	return ids
}

func TestReportSignatureIssueAndDownloads(t *testing.T) {
	app, ids := demoApp(t)
	issued := itoa(ids["issued"])
	partner := demoLogin(t, app, "partner@attest.example")
	manager := demoLogin(t, app, "manager@attest.example")
	dana := demoLogin(t, app, "dana@northwind.example")
	lee := demoLogin(t, app, "lee@bluejay.example")

	// The issued demo report: versions, documentation dates, downloads by the team and the client.
	page := partner.Get("/engagements/" + issued + "/report")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "Documentation completion date")
	assert.Contains(t, page.Body, "2026-04-21")
	assert.Contains(t, page.Body, "2031-02-20")
	current := versionIDs(t, app, ids["issued"], "current")
	require.Len(t, current, 2)
	clientPage := dana.Get("/engagements/" + issued + "/report-copies")
	require.Equal(t, http.StatusOK, clientPage.StatusCode)
	assert.Contains(t, clientPage.Body, "/reports/"+itoa(current[0]))
	assert.NotContains(t, clientPage.Body, "sign-form", "the client sees the reports, not the signature")
	resp := dana.Get("/reports/" + itoa(current[0]))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Body, "%PDF-"))
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	var downloads int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.actor_id
		WHERE e.action = 'report.download' AND e.entity_id = ? AND u.email = 'dana@northwind.example'`, current[0]).Scan(&downloads).Error)
	assert.Equal(t, 1, downloads, "every download is in the audit trail")
	assert.Equal(t, http.StatusNotFound, lee.Get("/reports/"+itoa(current[0])).StatusCode, "another client's report does not exist for them")

	// The signed engagement refuses changes, says why, and the refusal is audited.
	resp = manager.PostForm("/engagements/"+issued+"/controls", url.Values{"ref": {"NL-99"}, "description": {"Late control"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "reopens it with a reason")
	var refusals int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events WHERE action = 'engagement.change_refused' AND engagement_id = ?`, ids["issued"]).Scan(&refusals).Error)
	assert.Equal(t, 1, refusals)
	// The generic status route no longer signs or issues.
	resp = manager.PostForm("/engagements/"+itoa(ids["fieldwork"])+"/status", url.Values{"status": {"signed"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/engagements/"+itoa(ids["fieldwork"])+"/report", resp.Header.Get("Location"))

	// Reopening needs a reason; it withdraws the signature and the issued versions.
	resp = partner.PostForm("/engagements/"+issued+"/report/reopen", url.Values{"reopen_reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, http.StatusForbidden, manager.PostForm("/engagements/"+issued+"/report/reopen", url.Values{"reopen_reason": {"x"}}).StatusCode)
	resp = partner.PostForm("/engagements/"+issued+"/report/reopen", url.Values{"reopen_reason": {"Management restated DC4 after release."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Len(t, versionIDs(t, app, ids["issued"], "withdrawn"), 2)
	var status string
	require.NoError(t, app.DB.Raw(`SELECT status FROM engagements WHERE id = ?`, ids["issued"]).Row().Scan(&status))
	assert.Equal(t, "review", status)
	assert.Equal(t, http.StatusNotFound, dana.Get("/reports/"+itoa(current[0])).StatusCode, "a withdrawn report is gone for the client")
	page = partner.Get("/engagements/" + issued + "/report")
	assert.Contains(t, page.Body, "Management restated DC4 after release.")
	assert.Contains(t, page.Body, `id="sign-form"`)

	// NL-07's procedure was pasted into a Bluejay test: the warning blocks the signature until the
	// partner acknowledges it with a reason.
	assert.Contains(t, page.Body, `id="gate-boilerplate" class="unmet"`)
	warnings, err := app.Server.Quality.Unacknowledged(context.Background(), ids["issued"])
	require.NoError(t, err)
	require.NotEmpty(t, warnings)
	for _, w := range warnings {
		k := w.Key()
		resp = partner.PostForm("/engagements/"+issued+"/boilerplate/acknowledge", url.Values{
			"warning": {fmt.Sprintf("%s:%d:%d", k.Kind, k.ItemID, k.OtherItemID)}, "reason": {"Our firm's MFA procedure, reviewed for this client."}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	}
	assert.Contains(t, partner.Get("/engagements/"+issued+"/report").Body, `id="gate-boilerplate" class="met"`)

	// Signing: only the engagement partner; wrong password or code refused; then it signs.
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	app.Server.UseAuditSigner(audit.NewSigner(key))
	checkpoints := func(reason string) (n int) {
		require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_checkpoints WHERE reason = ?`, reason).Scan(&n).Error)
		return n
	}
	sign := func(c *webtest.Client, password, code string) webtest.Response {
		return c.PostForm("/engagements/"+issued+"/report/sign", url.Values{"password": {password}, "code": {code}, "report_date": {"2026-03-01"}})
	}
	assert.Equal(t, http.StatusForbidden, sign(manager, seed.DemoPassword, "123456").StatusCode)
	resp = sign(partner, "wrong password here", "123456")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "That password is not right")
	app.Clock.Advance(30 * time.Second)
	resp = sign(partner, seed.DemoPassword, "000000")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "That code is not right")
	resp = sign(partner, seed.DemoPassword, webtest.TOTP(t, seed.DemoMFASecrets["partner@attest.example"], app.Clock.Now()))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.NoError(t, app.DB.Raw(`SELECT status FROM engagements WHERE id = ?`, ids["issued"]).Row().Scan(&status))
	assert.Equal(t, "signed", status)
	assert.Equal(t, 1, checkpoints("engagement.sign"), "the signature writes a signed checkpoint of the trail")

	// Issue again, now with the firm's signing certificate configured: new versions, the
	// withdrawn ones kept; each issued PDF carries the firm's signature, which pdfsig accepts, and
	// the verification page recognises the signed bytes.
	certPEM, keyPEM, err := signing.SelfSigned("Example & Partners LLP", app.Clock.Now())
	require.NoError(t, err)
	app.Server.Verification.Signer, err = signing.Parse(certPEM, keyPEM)
	require.NoError(t, err)
	resp = partner.PostForm("/engagements/"+issued+"/report/issue", url.Values{"release_date": {"2026-03-01"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var v2 int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM report_versions WHERE engagement_id = ? AND state = 'current' AND version = 2`, ids["issued"]).Scan(&v2).Error)
	assert.Equal(t, 2, v2)
	for _, id := range versionIDs(t, app, ids["issued"], "current") {
		var signed bool
		require.NoError(t, app.DB.Raw(`SELECT signed FROM report_verification_codes WHERE report_version_id = ?`, id).Row().Scan(&signed))
		assert.True(t, signed)
		doc := partner.Get("/reports/" + itoa(id))
		require.Equal(t, http.StatusOK, doc.StatusCode)
		p := filepath.Join(t.TempDir(), "issued.pdf")
		require.NoError(t, os.WriteFile(p, []byte(doc.Body), 0o600))
		out, _ := exec.Command("pdfsig", p).CombinedOutput()
		assert.Contains(t, string(out), "Signature is Valid.", "version %d", id)
		assert.Contains(t, string(out), "Example & Partners LLP")
		res := uploadPDF(t, app.NewClient(), "/verify", []byte(doc.Body), "")
		assert.Contains(t, res.Body, "These exact bytes were issued by")
	}
	app.Server.Verification.Signer = nil
	assert.Len(t, versionIDs(t, app, ids["issued"], "withdrawn"), 2)
	assert.Equal(t, 1, checkpoints("engagement.issue"), "issuing writes a signed checkpoint of the trail")

	// After the documentation completion date: no reopening, only dated addenda.
	app.Clock.T = time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC)
	partner, manager = demoLogin(t, app, "partner@attest.example"), demoLogin(t, app, "manager@attest.example")
	resp = partner.PostForm("/engagements/"+issued+"/report/reopen", url.Values{"reopen_reason": {"Too late"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NoError(t, app.DB.Raw(`SELECT status FROM engagements WHERE id = ?`, ids["issued"]).Row().Scan(&status))
	assert.Equal(t, "issued", status, "the file is complete: reopening is refused")
	resp = manager.PostForm("/engagements/"+issued+"/report/addenda", url.Values{"addendum_reason": {"Late confirmation received"}, "addendum_body": {"The bank confirmation arrived on 10 May."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = manager.Get("/engagements/" + issued + "/report")
	assert.Contains(t, page.Body, "Late confirmation received")
	assert.Contains(t, page.Body, "nothing in it can be changed or deleted")
}

func TestReportDraftsAndGates(t *testing.T) {
	app, ids := demoApp(t)
	partner := demoLogin(t, app, "partner@attest.example")
	staff := demoLogin(t, app, "staff@attest.example")
	dana := demoLogin(t, app, "dana@northwind.example")
	id := itoa(ids["fieldwork"])

	// The team drafts at any time; the client does not.
	resp := staff.Get("/engagements/" + id + "/report/draft.pdf?variant=type2")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Body, "%PDF-"))
	assert.Equal(t, http.StatusForbidden, dana.Get("/engagements/"+id+"/report/draft.pdf?variant=type2").StatusCode)
	resp = staff.Get("/engagements/" + id + "/report/preview?variant=soc3")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Body, `id="report-preview"`)
	assert.Contains(t, resp.Body, "SOC 3 Report")
	assert.Equal(t, http.StatusBadRequest, staff.Get("/engagements/"+id+"/report/draft.pdf?variant=type1").StatusCode)

	// An engagement without controls: a clear message, not an empty PDF.
	var empty int64
	require.NoError(t, app.DB.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date)
		SELECT client_id, 'Empty Type I', 'type1', '2026-09-30' FROM engagements WHERE id = ? RETURNING id`, ids["bluejay"]).Row().Scan(&empty))
	resp = partner.Get("/engagements/" + itoa(empty) + "/report/draft.pdf?variant=type1")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/engagements/"+itoa(empty)+"/report", resp.Header.Get("Location"))

	// The 2026 engagement is not ready: each unmet gate is listed with its link, and signing is refused.
	page := partner.Get("/engagements/" + id + "/report")
	require.Equal(t, http.StatusOK, page.StatusCode)
	for _, gate := range []string{"gate-review_notes", "gate-test_signoffs", "gate-description_review"} {
		assert.Contains(t, page.Body, `id="`+gate+`" class="unmet"`, gate)
	}
	assert.Contains(t, page.Body, `href="/engagements/`+id+`/review-notes"`)
	app.Clock.Advance(30 * time.Second)
	resp = partner.PostForm("/engagements/"+id+"/report/opinion", url.Values{"kind": {"qualified"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "say why you choose")
	resp = partner.PostForm("/engagements/"+id+"/report/opinion", url.Values{"kind": {"unmodified"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = partner.Get("/engagements/" + id + "/report")
	assert.Contains(t, page.Body, `name="version" value="1"`, "the form carries the stored choice's version")

	// A stale form (opened before that save) is refused: both choices shown, nothing lost.
	stale := url.Values{"kind": {"qualified"}, "reason": {"NL-05 deviated twice."}, "basis": {"Access was not removed timely."},
		"soc3_reason": {"Customers asked for it."}, "version": {"0"}}
	resp = partner.PostForm("/engagements/"+id+"/report/opinion", stale)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	theirs := between(resp.Body, `id="opinion-theirs"`, "</dl>")
	yours := between(resp.Body, `id="opinion-yours"`, "</dl>")
	assert.Contains(t, theirs, "Unmodified opinion")
	assert.Contains(t, yours, "Qualified opinion")
	assert.Contains(t, yours, "Access was not removed timely.")
	assert.Contains(t, resp.Body, "Nothing of yours was saved")
	assert.Contains(t, resp.Body, ">Access was not removed timely.</textarea>", "what was typed stays in the form")
	assert.Contains(t, resp.Body, `name="version" value="1"`, "saving again replaces the stored choice")
	var kind string
	require.NoError(t, app.DB.Raw(`SELECT kind FROM opinions WHERE engagement_id = ?`, ids["fieldwork"]).Row().Scan(&kind))
	assert.Equal(t, "unmodified", kind)
	stale.Set("version", "1")
	resp = partner.PostForm("/engagements/"+id+"/report/opinion", stale)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.NoError(t, app.DB.Raw(`SELECT kind FROM opinions WHERE engagement_id = ?`, ids["fieldwork"]).Row().Scan(&kind))
	assert.Equal(t, "qualified", kind)
	resp = partner.PostForm("/engagements/"+id+"/report/sign", url.Values{"password": {seed.DemoPassword},
		"code": {webtest.TOTP(t, seed.DemoMFASecrets["partner@attest.example"], app.Clock.Now())}, "report_date": {"2026-08-15"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var status string
	require.NoError(t, app.DB.Raw(`SELECT status FROM engagements WHERE id = ?`, ids["fieldwork"]).Row().Scan(&status))
	assert.Equal(t, "fieldwork", status, "the gates stop the signature")

	// Wrong passwords at the signature count towards the sign-in throttle (the count starts after
	// the last success, which the fixed clock places at the same instant: move on a second).
	app.Clock.Advance(time.Second)
	for i := 0; i < 5; i++ {
		resp = partner.PostForm("/engagements/"+id+"/report/sign", url.Values{"password": {"not the password"}, "code": {"123456"}, "report_date": {"2026-08-15"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	}
	resp = partner.PostForm("/engagements/"+id+"/report/sign", url.Values{"password": {seed.DemoPassword}, "code": {"123456"}, "report_date": {"2026-08-15"}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, resp.Body, "Too many failed sign-in attempts")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
}

// The team records a scope limitation on the Report tab: Attest then proposes a disclaimer,
// naming it; bad input keeps what was typed; removing it restores the proposal; a signed
// engagement refuses it.
func TestScopeLimitationMakesTheProposalADisclaimer(t *testing.T) {
	app, ids := demoApp(t)
	senior := demoLogin(t, app, "senior@attest.example")
	dana := demoLogin(t, app, "dana@northwind.example")
	id := itoa(ids["fieldwork"])
	path := "/engagements/" + id + "/report/scope-limitations"

	page := senior.Get("/engagements/" + id + "/report")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.NotContains(t, between(page.Body, `id="proposed-kind"`, "</dd>"), "Disclaimer")
	assert.Contains(t, page.Body, `id="limitation-form"`)

	resp := senior.PostForm(path, url.Values{"limitation_description": {""}, "limitation_criteria": {"CC6.2, CC99.9"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Describe the evidence that could not be obtained")
	assert.Contains(t, resp.Body, "Not criteria of the catalog: CC99.9")
	assert.Contains(t, resp.Body, `value="CC6.2, CC99.9"`, "what was typed stays")

	resp = senior.PostForm(path, url.Values{"limitation_description": {"Management could not provide the population of terminations."},
		"limitation_criteria": {"cc6.2"}, "limitation_pervasive": {"on"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var lid int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM scope_limitations WHERE engagement_id = ?`, ids["fieldwork"]).Row().Scan(&lid))
	assert.Equal(t, int64(1), auditCount(t, app, "scope_limitation.record", lid))
	page = senior.Get("/engagements/" + id + "/report")
	assert.Contains(t, between(page.Body, `id="proposed-kind"`, "</dd>"), "Disclaimer")
	assert.Contains(t, page.Body, "Scope limitation: Management could not provide the population of terminations.")
	row := between(page.Body, `id="limitation-`+itoa(lid)+`"`, "</tr>")
	assert.Contains(t, row, "CC6.2")
	assert.Contains(t, row, "Yes")

	assert.Equal(t, http.StatusForbidden, dana.PostForm(path, url.Values{"limitation_description": {"x"}}).StatusCode)

	resp = senior.PostForm(path+"/"+itoa(lid)+"/remove", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, int64(1), auditCount(t, app, "scope_limitation.remove", lid))
	page = senior.Get("/engagements/" + id + "/report")
	assert.NotContains(t, between(page.Body, `id="proposed-kind"`, "</dd>"), "Disclaimer")

	// The signed (issued) 2025 engagement is locked.
	manager := demoLogin(t, app, "manager@attest.example")
	resp = manager.PostForm("/engagements/"+itoa(ids["issued"])+"/report/scope-limitations", url.Values{"limitation_description": {"Late"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	var n int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM scope_limitations`).Scan(&n).Error)
	assert.Zero(t, n)
}
