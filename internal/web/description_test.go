package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/webtest"
)

func diagramPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func sectionVersion(t testing.TB, app *webtest.App, eng int64, code string) string {
	var v int
	app.DB.Raw(`SELECT coalesce((SELECT version FROM description_sections WHERE engagement_id = ? AND code = ?), 0)`, eng, code).Row().Scan(&v)
	return fmt.Sprint(v)
}

func TestDescriptionSectionsOverHTTP(t *testing.T) {
	app := webtest.New(t)
	p := newPortal(t, app)
	client, senior, stranger := app.NewClient(), app.NewClient(), app.NewClient()
	client.Login(p.contactA.Email)
	senior.Login(p.senior.Email)
	stranger.Login(p.contactB.Email)
	base := fmt.Sprintf("/engagements/%d/description", p.engA)

	// The client writes DC1 in the portal; script and raw HTML never reach the page.
	resp := client.PostForm(base+"/DC1", url.Values{"body": {"Northwind provides **bookkeeping**.\n\n<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page := senior.Get(base + "/DC1")
	require.Equal(t, http.StatusOK, page.StatusCode)
	rendered := between(page.Body, `id="section-body">`, "</div>")
	assert.Contains(t, rendered, "<strong>bookkeeping</strong>")
	assert.NotContains(t, rendered, "<script")
	assert.NotContains(t, rendered, "onerror")
	assert.NotContains(t, rendered, "<img")
	assert.NotContains(t, page.Body, `href="javascript:`)
	assert.Contains(t, page.Body, "Version 1, saved by dana")

	// A stale save is refused and shows both versions.
	stale := sectionVersion(t, app, p.engA, "DC1")
	require.Equal(t, http.StatusSeeOther, senior.PostForm(base+"/DC1", url.Values{"body": {"Northwind provides cloud bookkeeping."}, "version": {stale}}).StatusCode)
	resp = client.PostForm(base+"/DC1", url.Values{"body": {"Northwind provides ledgers."}, "version": {stale}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "Someone else saved this section")
	assert.Contains(t, resp.Body, "Northwind provides cloud bookkeeping.", "their version is shown")
	assert.Contains(t, resp.Body, "Northwind provides ledgers.", "your version is kept")

	// Compare versions: insertions and deletions are marked with more than colour.
	resp = senior.Get(base + "/DC1/compare?from=1&to=2&view=inline")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Body, `<ins><span class="diff-mark" aria-hidden="true">[+</span><span class="visually-hidden">inserted: </span>cloud`)
	assert.Contains(t, resp.Body, "<del>")
	assert.Equal(t, http.StatusOK, client.Get(base+"/DC1/compare?from=1&to=2").StatusCode, "the client compares too")
	assert.Equal(t, http.StatusNotFound, senior.Get(base+"/DC1/compare?from=1&to=9").StatusCode)

	// Sections over 200 kB are refused with a message and the text is kept.
	big := strings.Repeat("a", 210*1024)
	resp = client.PostForm(base+"/DC2", url.Values{"body": {big}, "version": {"0"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "a section can hold at most 200 KB")

	// The checklist: "not presented" needs a comment; then it shows on the overview.
	resp = senior.PostForm(base+"/DC4/review", url.Values{"conclusion": {"not_presented"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "the comment is required")
	require.Equal(t, http.StatusSeeOther, senior.PostForm(base+"/DC4/review", url.Values{"conclusion": {"not_presented"}, "comment": {"Incidents are missing."}}).StatusCode)
	index := senior.Get(base)
	assert.Contains(t, between(index.Body, `id="row-DC4"`, "</tr>"), "Incidents are missing.", "the checklist shows the comment")
	assert.Contains(t, between(index.Body, `id="row-DC4"`, "</tr>"), "sara, ", "and the reviewer")
	overview := senior.Get(fmt.Sprintf("/engagements/%d", p.engA))
	assert.Contains(t, overview.Body, `id="not-presented"`)
	assert.Contains(t, overview.Body, "DC4")
	assert.NotContains(t, client.Get(fmt.Sprintf("/engagements/%d", p.engA)).Body, `id="not-presented"`, "the client does not see the auditors' conclusions on the overview")

	// Notes addressed to the client show beside the section, internal ones do not.
	require.Equal(t, http.StatusSeeOther, senior.PostForm(base+"/DC4/notes", url.Values{"note": {"Name the three incidents."}, "to_client": {"1"}}).StatusCode)
	require.Equal(t, http.StatusSeeOther, senior.PostForm(base+"/DC4/notes", url.Values{"note": {"Internal: check the log."}}).StatusCode)
	dc4 := client.Get(base + "/DC4")
	assert.Contains(t, dc4.Body, "Name the three incidents.")
	assert.NotContains(t, dc4.Body, "Internal: check the log.")
	assert.NotContains(t, dc4.Body, "DC 200 review", "the checklist is the auditors'")

	// Another organization's user gets 404 everywhere.
	for _, path := range []string{base, base + "/DC1", base + "/DC1/compare?from=1&to=2", base + "/preview", fmt.Sprintf("/engagements/%d/assertion", p.engA)} {
		assert.Equal(t, http.StatusNotFound, stranger.Get(path).StatusCode, path)
	}
	assert.Equal(t, http.StatusNotFound, stranger.PostForm(base+"/DC1", url.Values{"body": {"x"}, "version": {"0"}}).StatusCode)

	// After signing nothing changes, and the page says why.
	require.NoError(t, app.DB.Exec(`UPDATE engagements SET status = 'signed', locked_at = now() WHERE id = ?`, p.engA).Error)
	resp = client.PostForm(base+"/DC1", url.Values{"body": {"late change"}, "version": {sectionVersion(t, app, p.engA, "DC1")}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, resp.Body, "The opinion has been signed")
	assert.Contains(t, client.Get(base+"/DC1").Body, "The opinion has been signed, so the description and the assertion can no longer change.")
}

func TestDescriptionImages(t *testing.T) {
	app := webtest.New(t)
	p := newPortal(t, app)
	client, stranger := app.NewClient(), app.NewClient()
	client.Login(p.contactA.Email)
	stranger.Login(p.contactB.Email)
	upload := fmt.Sprintf("/engagements/%d/description/images", p.engA)

	resp := client.Upload(upload, nil, webtest.File{Field: "image", Name: "network.png", Data: diagramPNG(t)})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var pngID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM description_images WHERE file_name = 'network.png'`).Row().Scan(&pngID))
	img := client.Get(fmt.Sprintf("/description/images/%d", pngID))
	require.Equal(t, http.StatusOK, img.StatusCode)
	assert.Equal(t, "image/png", img.Header.Get("Content-Type"))
	assert.Equal(t, http.StatusNotFound, stranger.Get(fmt.Sprintf("/description/images/%d", pngID)).StatusCode)

	// SVG: scripts, handlers and external references are removed; served with a sandboxing CSP.
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script>` +
		`<a href="javascript:alert(3)"><rect width="5" height="5" fill="url(#g)"/></a><foreignObject><body>x</body></foreignObject>` +
		`<image href="https://tracker.example/p.png"/><text x="1" y="9">App</text></svg>`
	resp = client.Upload(upload, nil, webtest.File{Field: "image", Name: "diagram.svg", Data: []byte(svg)})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var svgID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM description_images WHERE file_name = 'diagram.svg'`).Row().Scan(&svgID))
	img = client.Get(fmt.Sprintf("/description/images/%d", svgID))
	assert.Equal(t, "image/svg+xml", img.Header.Get("Content-Type"))
	assert.Contains(t, img.Header.Get("Content-Security-Policy"), "sandbox")
	for _, bad := range []string{"onload", "script", "javascript", "foreignObject", "tracker.example", "<a"} {
		assert.NotContains(t, img.Body, bad)
	}
	assert.Contains(t, img.Body, `<rect width="5" height="5" fill="url(#g)"></rect>`)
	assert.Contains(t, img.Body, "App</text>")

	// Anything else is refused with a message.
	for name, data := range map[string][]byte{
		"diagram.gif":   []byte("GIF89a\x01\x00\x01\x00"),
		"page.html":     []byte("<html><script>alert(1)</script></html>"),
		"fake.png":      []byte("\x89PNG\r\n\x1a\nnot really"),
		"program.exe":   []byte("MZ\x90\x00"),
		"diagram.svg.x": []byte(`<?xml version="1.0"?><notsvg/>`),
	} {
		resp = client.Upload(upload, nil, webtest.File{Field: "image", Name: name, Data: data})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, name)
		assert.Contains(t, resp.Body, "is not", name)
	}
	var n int
	app.DB.Raw(`SELECT count(*) FROM description_images`).Row().Scan(&n)
	assert.Equal(t, 2, n)

	// The Markdown may show this engagement's images only.
	base := fmt.Sprintf("/engagements/%d/description/DC3", p.engA)
	resp = client.PostForm(base, url.Values{"body": {fmt.Sprintf("![Network](/description/images/%d)", pngID)}, "version": {"0"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, client.Get(base).Body, fmt.Sprintf(`<img src="/description/images/%d" alt="Network">`, pngID))
	other := fmt.Sprintf("/engagements/%d/description/DC3", p.engB)
	strangerResp := stranger.PostForm(other, url.Values{"body": {fmt.Sprintf("![x](/description/images/%d)", pngID)}, "version": {"0"}})
	assert.Equal(t, http.StatusUnprocessableEntity, strangerResp.StatusCode)
	assert.Contains(t, strangerResp.Body, "not one of this engagement")
}

func TestAssertionApprovalOverHTTP(t *testing.T) {
	app := webtest.New(t)
	p := newPortal(t, app)
	officer := app.CreateUser("cto@northwind.example", auth.RoleClient, p.clientA)
	contact, cto, senior := app.NewClient(), app.NewClient(), app.NewClient()
	contact.Login(p.contactA.Email)
	cto.Login(officer.Email)
	senior.Login(p.senior.Email)
	path := fmt.Sprintf("/engagements/%d/assertion", p.engA)

	page := contact.Get(path)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.Body, "throughout the period January 1, 2026 to June 30, 2026")
	assert.Equal(t, http.StatusForbidden, senior.PostForm(path+"/officer", url.Values{"officer_id": {fmt.Sprint(officer.ID)}}).StatusCode,
		"auditors do not pick management's officer")
	require.Equal(t, http.StatusSeeOther, contact.PostForm(path+"/officer", url.Values{"officer_id": {fmt.Sprint(officer.ID)}}).StatusCode)

	resp := cto.PostForm(path+"/approve", url.Values{"name": {"Dana Whitfield"}, "title": {"CTO"}, "date": {app.Clock.Now().Format("2006-01-02")}, "password": {"wrong password!"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "That password is not right")
	assert.Contains(t, resp.Body, `value="Dana Whitfield"`, "what was typed is kept")
	resp = contact.PostForm(path+"/approve", url.Values{"name": {"Dana"}, "title": {"CTO"}, "date": {app.Clock.Now().Format("2006-01-02")}, "password": {webtest.Password}})
	assert.Contains(t, resp.Body, "Only the signing officer")
	resp = cto.PostForm(path+"/approve", url.Values{"name": {"Dana Whitfield"}, "title": {"CTO"}, "date": {app.Clock.Now().Format("2006-01-02")}, "password": {webtest.Password}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, senior.Get(path).Body, "Approved by <strong>Dana Whitfield</strong>")
	assert.Contains(t, senior.Get(fmt.Sprintf("/engagements/%d/description/preview", p.engA)).Body, "Dana Whitfield<br>CTO")

	// The team changes the period: the approval is withdrawn and the page says why.
	require.NoError(t, app.DB.Exec(`UPDATE engagements SET period_end = '2026-09-30' WHERE id = ?`, p.engA).Error)
	page = contact.Get(path)
	assert.Contains(t, page.Body, "The approval was withdrawn.")
	assert.Contains(t, page.Body, "The period changed from January 1, 2026 – June 30, 2026 to January 1, 2026 – September 30, 2026.")
	assert.Contains(t, contact.Get("/").Body, "management&#39;s assertion to approve", "the client dashboard asks for the approval")
}
