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

// BenchmarkEvidenceUploadHTTP uploads a 64 MiB file through the whole stack — router, CSRF,
// body limit, multipart streaming, type check, hashing, local store, database — with the request
// body itself streamed from a pipe. It reports bytes allocated per upload and the peak growth of
// the heap while uploading: both stay far below the file size because nothing buffers the file.
func BenchmarkEvidenceUploadHTTP(b *testing.B) {
	const size = 64 << 20
	app := webtest.New(b, func(c *config.Config) { c.MaxUploadBytes = size })
	p := newPortal(b, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(b, auditor, p.engA, p.contactA.ID, "Large export")
	target := client.URL(fmt.Sprintf("/requests/%d/evidence?_csrf=%s", reqID, url.QueryEscape(client.CSRFToken())))

	b.SetBytes(size)
	b.ReportAllocs()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := scaletest.HeapPeak()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func(seed byte) {
			part, err := mw.CreateFormFile("files", fmt.Sprintf("export-%d.pdf", seed))
			if err == nil {
				_, err = io.Copy(part, io.MultiReader(strings.NewReader("%PDF-1.7\n"), &patternReader{n: size - 9, seed: seed}))
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}(byte(i))
		req, _ := http.NewRequest(http.MethodPost, target, pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp := client.Do(req)
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("upload %d: status %d: %.300s", i, resp.StatusCode, resp.Body)
		}
	}
	b.StopTimer()
	grown := int64(stop()) - int64(base.HeapInuse)
	b.ReportMetric(float64(max(grown, 0))/(1<<20), "peak-heap-MiB")
}

// patternReader produces n bytes without holding them; seed makes each upload distinct, so
// content addressing does not skip the work.
type patternReader struct {
	n    int64
	seed byte
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		b[i] = byte(i) ^ p.seed
	}
	p.n -= int64(len(b))
	return len(b), nil
}
