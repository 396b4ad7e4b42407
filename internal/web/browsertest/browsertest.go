// Package browsertest drives the machine's Chromium (headless, through chromedp) against Attest
// served on loopback, for the user journeys, and runs axe-core on the pages it visits.
//
// Selectors are CSS selectors (document.querySelector): chromedp's plain strings would also
// match text and attribute values.
//
// chromedp v0.23 has a generic API: actions are chromedp.Action[T], run with chromedp.Run (one
// action, returns its value) or chromedp.Do (several Action[Void]). The helpers below hide that
// for the common steps; each fails the test with the step's name and saves a screenshot.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db"
)

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	Ctx  context.Context
	Base string
	t    testing.TB
}

// chromiumPath finds Debian's chromium (make test installs it when missing).
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: run `make deps-test` (or `make test`, which runs it)")
	return ""
}

// Start opens a browser that talks to baseURL; it closes when the test ends.
func Start(t testing.TB, baseURL string) *Browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; it must not carry a timeout (that would end the browser).
	require.NoError(t, chromedp.Do(ctx), "starting Chromium")
	return &Browser{Ctx: ctx, Base: baseURL, t: t}
}

// Do runs actions in order with a one-minute limit, failing the test with step's name.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Screenshot(step)
		b.t.Fatalf("%s: %v", step, err)
	}
}

// Visit opens path and waits for the page's main element.
func (b *Browser) Visit(path string) {
	b.t.Helper()
	b.Do("visit "+path, chromedp.Navigate(b.Base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// Fill replaces the value of the input matching the CSS selector sel.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	b.Do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// Select chooses value in the select matching sel.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.Do("select "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// Click clicks the element matching sel.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.Do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// ClickAndWait clicks sel (e.g. a submit button) and waits until waitSel is visible on the
// page that follows.
func (b *Browser) ClickAndWait(sel, waitSel string) {
	b.t.Helper()
	b.Do("click "+sel+" then wait for "+waitSel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(waitSel)))
}

// Upload sets local files on the file input matching sel.
func (b *Browser) Upload(sel string, files ...string) {
	b.t.Helper()
	b.Do("upload to "+sel, chromedp.WaitReady(chromedp.CSS(sel)), chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// WaitVisible waits for sel.
func (b *Browser) WaitVisible(sel string) {
	b.t.Helper()
	b.Do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Text returns the visible text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.Screenshot("text")
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// Location returns the current URL.
func (b *Browser) Location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.Ctx, chromedp.Location())
	require.NoError(b.t, err)
	return loc
}

// Eval evaluates a JavaScript expression and decodes its value into T.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, "evaluating %s", expr)
	return v
}

// Screenshot saves a JPEG of the page under the project's .data/screenshots (for debugging).
func (b *Browser) Screenshot(name string) {
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		return
	}
	root, err := db.ProjectRoot()
	if err != nil {
		return
	}
	dir := filepath.Join(root, ".data", "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	name = strings.NewReplacer(" ", "-", "/", "_", "#", "", "[", "", "]", "", "\"", "", "=", "").Replace(name)
	_ = os.WriteFile(filepath.Join(dir, name+".jpg"), png, 0o644)
}

// AxeViolation is one accessibility rule that failed.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// CheckAccessibility runs axe-core on the current page and fails on serious or critical
// violations. axe is injected through the DevTools protocol, which the page's CSP does not govern.
func (b *Browser) CheckAccessibility(page string) {
	b.t.Helper()
	root, err := db.ProjectRoot()
	require.NoError(b.t, err)
	src, err := os.ReadFile(filepath.Join(root, "testdata", "vendor", "axe.min.js"))
	require.NoError(b.t, err)
	Eval[chromedp.Void](b, string(src)+";undefined")
	raw := Eval[string](b, `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`)
	var violations []AxeViolation
	require.NoError(b.t, json.Unmarshal([]byte(raw), &violations))
	var serious []string
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, fmt.Sprintf("%s (%s): %s %v", v.ID, v.Impact, v.Help, v.Nodes))
		}
	}
	if len(serious) > 0 {
		b.Screenshot("axe-" + page)
		b.t.Errorf("accessibility violations on %s:\n  %s", page, strings.Join(serious, "\n  "))
	}
}
