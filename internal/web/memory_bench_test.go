package web_test

import (
	"fmt"
	"github.com/attest-soc/attest/internal/scaletest"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// maxHeapGrowth is issue #19's bound on the server's heap growth while moving 1 GB of evidence.
const maxHeapGrowth = 32 << 20

const gigabyte = 1 << 30

// heapGrowth runs fn and returns the peak growth of the heap in use over what it was before.
func heapGrowth(fn func()) int64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := scaletest.HeapPeak()
	fn()
	return max(int64(stop())-int64(base.HeapInuse), 0)
}

// uploadStreamed posts one file of size bytes as a multipart upload whose body is generated on
// the fly, so the client holds none of it.
func uploadStreamed(b *testing.B, c *webtest.Client, target, name string, size int64, seed byte) {
	b.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("files", name)
		if err == nil {
			_, err = io.Copy(part, io.MultiReader(strings.NewReader("%PDF-1.7\n"), &patternReader{n: size - 9, seed: seed}))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, target, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp := c.Do(req)
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("upload of %s: status %d: %.300s", name, resp.StatusCode, resp.Body)
	}
}

// BenchmarkEvidence1GBUploadHeap uploads one 1 GiB evidence file through the whole HTTP stack
// and reports the peak heap growth, which must stay within 32 MiB (issue #19): the file streams
// to a temporary file while it is hashed and never sits in memory.
func BenchmarkEvidence1GBUploadHeap(b *testing.B) {
	app := webtest.New(b, func(c *config.Config) { c.MaxUploadBytes = gigabyte + 1<<20 })
	p := newPortal(b, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(b, auditor, p.engA, p.contactA.ID, "Full database export")
	target := client.URL(fmt.Sprintf("/requests/%d/evidence?_csrf=%s", reqID, url.QueryEscape(client.CSRFToken())))
	b.SetBytes(gigabyte)
	var peak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		peak = max(peak, heapGrowth(func() { uploadStreamed(b, client, target, fmt.Sprintf("export-%d.pdf", i), gigabyte, byte(i)) }))
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if peak > maxHeapGrowth {
		b.Errorf("the heap grew by %d MiB uploading 1 GiB; the bound is 32 MiB", peak>>20)
	}
}

// BenchmarkEvidence1GBZipHeap downloads a ZIP of 1 GiB of evidence (eight files of 128 MiB on
// one request) and reports the peak heap growth, bounded at 32 MiB: the ZIP is written straight
// to the response while each file streams out of the store.
func BenchmarkEvidence1GBZipHeap(b *testing.B) {
	const files, each = 8, gigabyte / 8
	app := webtest.New(b, func(c *config.Config) { c.MaxUploadBytes = each + 1<<20 })
	p := newPortal(b, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(b, auditor, p.engA, p.contactA.ID, "Year of logs")
	target := client.URL(fmt.Sprintf("/requests/%d/evidence?_csrf=%s", reqID, url.QueryEscape(client.CSRFToken())))
	for i := range files {
		uploadStreamed(b, client, target, fmt.Sprintf("logs-%d.pdf", i), each, byte(i))
	}
	zipURL := fmt.Sprintf("/requests/%d/evidence.zip", reqID)
	b.SetBytes(gigabyte)
	var peak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		peak = max(peak, heapGrowth(func() {
			resp, err := auditor.HTTP.Get(auditor.URL(zipURL))
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || n < 1<<20 {
				b.Fatalf("ZIP download: status %d, %d bytes, %v", resp.StatusCode, n, err)
			}
		}))
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if peak > maxHeapGrowth {
		b.Errorf("the heap grew by %d MiB streaming a 1 GiB ZIP; the bound is 32 MiB", peak>>20)
	}
}
