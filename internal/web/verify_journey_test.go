package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/verification"
	"github.com/attest-soc/attest/internal/web/browsertest"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// A report reader, not signed in, types the code from the cover (in lower case, with the
// digits they misread), sees the report's facts, drops the PDF and is told it is authentic; a
// doctored file is "modified".
func TestBrowserReaderVerifiesAReport(t *testing.T) {
	app := webtest.New(t)
	f := issueReport(t, app)
	dir := t.TempDir()
	genuine := filepath.Join(dir, "northwind-soc2.pdf")
	require.NoError(t, os.WriteFile(genuine, f.pdf, 0o600))
	doctored := filepath.Join(dir, "northwind-soc2-edited.pdf")
	require.NoError(t, os.WriteFile(doctored, append(append([]byte{}, f.pdf...), []byte("\n% edited\n")...), 0o600))

	b := browsertest.Start(t, app.HTTP.URL)
	b.Visit("/verify")
	b.CheckAccessibility("verify")
	typed := strings.ToLower(verification.Format(f.code))
	b.Fill("#f-code", typed)
	b.ClickAndWait("form[action='/verify'][method='get'] button[type=submit]", "#verify-report")
	assert.Contains(t, b.Location(), "/verify/"+verification.Format(f.code))
	facts := b.Text("#verify-report")
	assert.Contains(t, facts, "Northwind Ledger")
	assert.Contains(t, facts, "SOC 2 Type II")
	assert.Contains(t, facts, "Current")
	b.CheckAccessibility("verify-code")

	b.Upload("#f-file", genuine)
	b.ClickAndWait("form.verify-drop button[type=submit]", "#verify-result")
	assert.Contains(t, b.Text("#verify-result"), "Authentic")

	b.Visit("/verify/" + verification.Format(f.code)) // a fresh page, so the next wait sees the new answer
	b.Upload("#f-file", doctored)
	b.ClickAndWait("form.verify-drop button[type=submit]", "#verify-result")
	assert.Contains(t, b.Text("#verify-result"), "Modified")

	b.Visit("/verify/AAAA-BBBB-CCCC-DDDD")
	assert.Contains(t, b.Text("#verify-report"), "No report has this code")
}
