package web_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/web/browsertest"
)

// BenchmarkReportVsChromium prints, in one run, Attest's PDF of the large fixture's report next
// to headless Chromium printing the report's own HTML preview of the same engagement to PDF
// (issue #19: Attest at least 10× faster). Both sides go through the running server the same
// way, signed in as the engagement's manager: Attest is GET …/report/draft.pdf (read, build,
// render with fpdf); Chromium is navigating to …/report/preview (read, build, render HTML),
// then Page.printToPDF. The browser is started and signed in once, outside the timing, which
// favours Chromium. The figures: milliseconds per report on each side, pages, and the ratio.
func BenchmarkReportVsChromium(b *testing.B) {
	app, fx, _, clients := scaleApp(b)
	manager := clients[false]
	id := strconv.FormatInt(fx.Result.EngagementID, 10)

	br := browsertest.Start(b, app.HTTP.URL)
	br.Visit("/login")
	br.Fill("#f-email", seed.ScaleManagerEmail)
	br.Fill("#f-password", seed.DemoPassword)
	br.ClickAndWait("form button[type=submit]", ".user-name")

	printPDF := chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		yes := true
		r, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes})
		return r.Data, err
	})
	for _, variant := range []string{"type2", "soc3"} {
		b.Run(variant, func(b *testing.B) {
			var attest, chromium time.Duration
			var attestPDF, chromiumPDF []byte
			for b.Loop() {
				start := time.Now()
				resp := manager.Get("/engagements/" + id + "/report/draft.pdf?variant=" + variant)
				attest += time.Since(start)
				if resp.StatusCode != http.StatusOK || !bytes.HasPrefix([]byte(resp.Body), []byte("%PDF")) {
					b.Fatalf("Attest's draft PDF: %d", resp.StatusCode)
				}
				attestPDF = []byte(resp.Body)

				start = time.Now()
				ctx, cancel := context.WithTimeout(br.Ctx, 5*time.Minute)
				br.Do("open the preview", chromedp.Navigate(app.HTTP.URL+"/engagements/"+id+"/report/preview?variant="+variant),
					chromedp.WaitVisible(chromedp.CSS("#report-preview")))
				pdf, err := chromedp.Run(ctx, printPDF)
				cancel()
				chromium += time.Since(start)
				if err != nil {
					b.Fatalf("Chromium printing the preview: %v", err)
				}
				chromiumPDF = pdf
			}
			n := time.Duration(b.N)
			ratio := float64(chromium) / float64(attest)
			b.ReportMetric(float64((attest/n).Microseconds())/1000, "attest-ms")
			b.ReportMetric(float64((chromium/n).Microseconds())/1000, "chromium-ms")
			b.ReportMetric(ratio, "x-faster")
			b.Logf("%s report of the large engagement: Attest %s (%d pages, %d KB) · Chromium printing the HTML preview %s (%d pages, %d KB) · Attest %.1f× faster (target ≥ 10×)",
				variant, (attest / n).Round(time.Millisecond), pdfPages(b, attestPDF), len(attestPDF)>>10,
				(chromium / n).Round(time.Millisecond), pdfPages(b, chromiumPDF), len(chromiumPDF)>>10, ratio)
			if ratio < 10 {
				b.Logf("MISSED: Attest is %.1f× faster than Chromium; the target is 10×", ratio)
			}
		})
	}
}

var pdfPagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// pdfPages reads the page count with pdfinfo (poppler-utils, installed for the tests).
func pdfPages(b *testing.B, pdf []byte) int {
	b.Helper()
	path := filepath.Join(b.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		b.Fatalf("pdfinfo: %v", err)
	}
	m := pdfPagesLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("pdfinfo gave no page count: %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
