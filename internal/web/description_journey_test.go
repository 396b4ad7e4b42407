package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestBrowserDescriptionJourney: the client writes DC3 with a network diagram and revises it,
// the auditor compares the versions and marks DC3 presented, the client contact designates the
// signing officer, and the officer approves management's assertion with their password.
func TestBrowserDescriptionJourney(t *testing.T) {
	app := webtest.New(t)
	p := newPortal(t, app)
	officer := app.CreateUser("cto@northwind.example", auth.RoleClient, p.clientA)
	b := browsertest.Start(t, app.HTTP.URL)
	diagram := filepath.Join(t.TempDir(), "network.png")
	require.NoError(t, os.WriteFile(diagram, diagramPNG(t), 0o600))
	base := fmt.Sprintf("/engagements/%d/description", p.engA)
	// The page after a save has a flash like the one before: clear the old one so a wait for
	// the flash waits for the new page.
	clearFlash := func() {
		browsertest.Eval[bool](b, `(document.querySelectorAll('.flash').forEach(e => e.remove()), true)`)
	}
	setBody := func(text string) {
		browsertest.Eval[bool](b, fmt.Sprintf(`(document.querySelector('#f-body').value = %q) !== null`, text))
	}

	signIn(b, p.contactA.Email)
	b.Visit(base)
	b.CheckAccessibility("description index")
	b.ClickAndWait(`a[href="`+base+`/DC3"]`, "#f-body")
	b.Upload("#f-image", diagram)
	b.ClickAndWait(`#images form button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text(".flash-success"), "Image uploaded")
	markdown := b.Text("#images code")
	require.Contains(t, markdown, "/description/images/")
	setBody("# Components\n\nThe platform runs on managed containers and PostgreSQL.\n\n" + markdown)
	clearFlash()
	b.ClickAndWait(`form[action$="/description/DC3"] button[type=submit]`, ".flash-success")
	assert.True(t, browsertest.Eval[bool](b, `new Promise(done => {
		const img = document.querySelector('#section-body img');
		if (img.complete) { done(img.naturalWidth > 0); return; }
		img.onload = () => done(img.naturalWidth > 0);
		img.onerror = () => done(false);
	})`), "the diagram shows in the section")
	setBody("# Components\n\nThe platform runs on managed containers, PostgreSQL and Redis.\n\n" + markdown)
	clearFlash()
	b.ClickAndWait(`form[action$="/description/DC3"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text("#versions"), "Version 2")
	b.CheckAccessibility("description section (client)")
	signOut(b)

	signIn(b, p.senior.Email)
	b.Visit(base + "/DC3")
	b.ClickAndWait(`#versions a`, "#diff-side")
	// "containers and PostgreSQL." became "containers, PostgreSQL and Redis.": Myers' shortest
	// edit keeps "and" and moves the words around it.
	assert.Contains(t, b.Text("#diff-counts"), "3 insertions, 1 deletion")
	marked := func(sel string) string {
		return browsertest.Eval[string](b, `[...document.querySelectorAll('`+sel+`')].map(e => e.textContent).join('|')`)
	}
	assert.Equal(t, "[−deleted: PostgreSQL−]", marked("#diff-side del"))
	assert.Equal(t, "[+inserted: ,+]|[+inserted: PostgreSQL +]|[+inserted: Redis+]", marked("#diff-side ins"))
	b.CheckAccessibility("version comparison")
	b.ClickAndWait(`a[href*="view=inline"]`, "#diff-inline")
	assert.Contains(t, marked("#diff-inline ins"), "Redis")
	assert.Contains(t, marked("#diff-inline del"), "PostgreSQL")
	b.Visit(base + "/DC3")
	b.Click(`input[name=conclusion][value=presented]`)
	b.ClickAndWait(`form[action$="/DC3/review"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text("#review"), "Presented")
	b.CheckAccessibility("description section (auditor)")
	signOut(b)

	signIn(b, p.contactA.Email)
	b.Visit(fmt.Sprintf("/engagements/%d/assertion", p.engA))
	b.Select("#f-officer_id", strconv.FormatInt(officer.ID, 10))
	b.ClickAndWait(`form[action$="/assertion/officer"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text("#officer"), "cto")
	signOut(b)

	signIn(b, officer.Email)
	b.Visit(fmt.Sprintf("/engagements/%d/assertion", p.engA))
	b.CheckAccessibility("assertion (officer)")
	b.Fill("#f-name", "Dana Whitfield")
	b.Fill("#f-title", "Chief Technology Officer")
	b.Fill("#f-password", webtest.Password)
	b.ClickAndWait(`form[action$="/assertion/approve"] button[type=submit]`, ".flash-success")
	assert.Contains(t, b.Text("#approval"), "Dana Whitfield")
	b.Visit(base + "/preview")
	assert.Contains(t, b.Text("#section-ii"), "Chief Technology Officer")
	assert.Contains(t, b.Text("#preview-DC3"), "Redis")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'assertion.approve' AND actor_id = ?`, officer.ID))
}
