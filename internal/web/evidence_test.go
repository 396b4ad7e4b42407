package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/web/webtest"
)

// blobFiles counts the blobs in the local store (the tmp folder holds only in-flight uploads).
func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return err
	}))
	return n
}

func TestUploadRefusalsStoreNothing(t *testing.T) {
	t.Parallel()
	app := webtest.New(t, func(c *config.Config) { c.MaxUploadBytes = 4096 })
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "Org chart")
	path := fmt.Sprintf("/requests/%d/evidence", reqID)

	big := append([]byte("%PDF-1.4\n"), []byte(strings.Repeat("x", 5000))...)
	var tooMany []uploadFile
	for i := 0; i <= evidence.MaxFilesPerUpload; i++ {
		tooMany = append(tooMany, uploadFile{fmt.Sprintf("f%d.pdf", i), append([]byte("%PDF-1.4\n"), byte(i))})
	}
	cases := []struct {
		name  string
		files []uploadFile
		want  string
	}{
		{"no file", nil, "Choose at least one file"},
		{"empty file", []uploadFile{{"empty.pdf", nil}}, "is empty"},
		{"over the limit", []uploadFile{{"big.pdf", big}}, "larger than the upload limit of 4 KB"},
		{"disguised executable", []uploadFile{{"invoice.pdf", append([]byte("MZ\x90\x00"), pdfBytes...)}}, "is a program or script"},
		{"ELF with a pdf name", []uploadFile{{"policy.pdf", []byte("\x7fELF\x02\x01\x01\x00")}}, "is a program or script"},
		{"path traversal", []uploadFile{{"../../etc/passwd.pdf", pdfBytes}}, "contains a folder path"},
		{"windows path", []uploadFile{{`..\..\boot.pdf`, pdfBytes}}, "contains a folder path"},
		{"one good, one bad", []uploadFile{{"good.pdf", pdfBytes}, {"evil.pdf", []byte("MZ")}}, "is a program or script"},
		{"too many files", tooMany, "Upload at most 20 files at a time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := uploadFiles(t, client, path, c.files...)
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			assert.Contains(t, resp.Body, c.want)
			assert.Equal(t, 0, count(t, app, `SELECT count(*) FROM evidence_files`), "no evidence recorded")
		})
	}
	assert.Equal(t, 0, blobFiles(t, app.Config.BlobDir), "not even the good file of the mixed upload reaches the store, nor a temporary file")

	// Control characters are dropped from the stored name; the same bytes are stored once.
	resp := uploadFiles(t, client, path, uploadFile{"ok\t.pdf", pdfBytes}, uploadFile{"copy.pdf", pdfBytes})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM evidence_files WHERE file_name = 'ok.pdf'`))
	assert.Equal(t, 1, count(t, app, `SELECT count(DISTINCT blob_key) FROM evidence_files`))
	assert.Equal(t, 1, blobFiles(t, app.Config.BlobDir), "one blob, no temporary file left")

	// Files sent to a request that was accepted meanwhile pass every file check, then the request
	// refuses them: still nothing reaches the store.
	require.NoError(t, app.DB.Exec(`UPDATE info_requests SET status = 'accepted' WHERE id = ?`, reqID).Error)
	resp = uploadFiles(t, client, path, uploadFile{"late.pdf", append(append([]byte{}, pdfBytes...), " late"...)})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "files can be added only while it is open or returned")
	assert.Equal(t, 2, count(t, app, `SELECT count(*) FROM evidence_files`))
	assert.Equal(t, 1, blobFiles(t, app.Config.BlobDir), "the refused file is not stored")
}

func TestEvidenceDownloadVerifiesAndForcesAttachment(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "Org chart")
	resp := uploadFiles(t, client, fmt.Sprintf("/requests/%d/evidence", reqID), uploadFile{"résumé chart.pdf", pdfBytes})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var fileID int64
	var sha string
	require.NoError(t, app.DB.Raw(`SELECT id, sha256 FROM evidence_files`).Row().Scan(&fileID, &sha))

	dl := auditor.Get(fmt.Sprintf("/evidence/%d", fileID))
	require.Equal(t, http.StatusOK, dl.StatusCode)
	assert.Equal(t, string(pdfBytes), dl.Body)
	assert.True(t, strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;"), dl.Header.Get("Content-Disposition"))
	assert.Contains(t, dl.Header.Get("Content-Disposition"), "filename*=UTF-8''r%C3%A9sum%C3%A9%20chart.pdf")
	assert.Equal(t, "nosniff", dl.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "application/pdf", dl.Header.Get("Content-Type"))

	// Damage the stored bytes: the download is refused with a clear message, and so is the ZIP.
	blob := filepath.Join(app.Config.BlobDir, sha[:2], sha[2:4], sha)
	require.NoError(t, os.WriteFile(blob, []byte("%PDF-1.4 tampered"), 0o640))
	dl = auditor.Get(fmt.Sprintf("/evidence/%d", fileID))
	assert.Equal(t, http.StatusConflict, dl.StatusCode)
	assert.Contains(t, dl.Body, "no longer matches the SHA-256 checksum")
	assert.NotContains(t, dl.Body, "tampered")
	z := auditor.Get(fmt.Sprintf("/requests/%d/evidence.zip", reqID))
	assert.Equal(t, http.StatusConflict, z.StatusCode)
}

// The size limit applies to each file: an upload of files that together exceed it (and the
// multipart envelope's allowance) passes.
func TestUploadLimitIsPerFile(t *testing.T) {
	t.Parallel()
	app := webtest.New(t, func(c *config.Config) { c.MaxUploadBytes = 1 << 20 })
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "Org chart")
	nearLimit := func(b byte) []byte { return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{b}, 900<<10)...) }
	resp := uploadFiles(t, client, fmt.Sprintf("/requests/%d/evidence", reqID),
		uploadFile{"part-1.pdf", nearLimit('a')}, uploadFile{"part-2.pdf", nearLimit('b')}, uploadFile{"part-3.pdf", nearLimit('c')})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 3, count(t, app, `SELECT count(*) FROM evidence_files WHERE request_id = ?`, reqID))
}

func TestAuditorAttachesEvidenceToTestsAndSamples(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")

	// The test was signed off and reviewed: new evidence changes the workpaper, so it needs a fresh review.
	require.NoError(t, app.DB.Exec(`UPDATE tests SET prepared_by = ?, prepared_at = now(), reviewed_by = ?, reviewed_at = now() WHERE id = ?`,
		p.senior.ID, p.senior.ID, p.testA).Error)
	resp := uploadFiles(t, auditor, fmt.Sprintf("/tests/%d/evidence", p.testA), uploadFile{"walkthrough.pdf", pdfBytes})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, fmt.Sprintf("/tests/%d/evidence", p.testA), resp.Header.Get("Location"), "back to the test's evidence")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM tests WHERE id = ? AND prepared_by IS NULL AND reviewed_by IS NULL AND edited_after_review`, p.testA))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM audit_events WHERE action = 'test.signoffs_cleared' AND entity_id = ?`, p.testA))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM evidence_files WHERE test_id = ? AND engagement_id = ?`, p.testA, p.engA))
	resp = uploadFiles(t, auditor, fmt.Sprintf("/samples/%d/evidence", p.sampleB), uploadFile{"ticket.pdf", append([]byte("%PDF-1.4 t"), pdfBytes...)})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, fmt.Sprintf("/samples/%d", p.sampleB), resp.Header.Get("Location"), "back to the sample page the form was on")
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM evidence_files WHERE sample_id = ? AND engagement_id = ?`, p.sampleB, p.engB))

	// The workpapers list their evidence: the test page shows its own files and its samples'.
	assert.Contains(t, auditor.Get(fmt.Sprintf("/tests/%d/evidence", p.testA)).Body, "walkthrough.pdf")
	assert.Contains(t, auditor.Get(fmt.Sprintf("/samples/%d", p.sampleB)).Body, "ticket.pdf")
	var testB int64
	require.NoError(t, app.DB.Raw(`SELECT test_id FROM samples WHERE id = ?`, p.sampleB).Row().Scan(&testB))
	page := auditor.Get(fmt.Sprintf("/tests/%d/evidence", testB)).Body
	assert.Contains(t, page, "ticket.pdf")
	assert.Contains(t, page, "· sample ")
	assert.NotContains(t, page, "walkthrough.pdf", "another test's evidence stays on its own page")

	// Client users can neither attach to tests nor see the auditors' own evidence.
	resp = uploadFiles(t, client, fmt.Sprintf("/tests/%d/evidence", p.testA), uploadFile{"x.pdf", pdfBytes})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	var fileID int64
	require.NoError(t, app.DB.Raw(`SELECT id FROM evidence_files WHERE test_id = ?`, p.testA).Row().Scan(&fileID))
	assert.Equal(t, http.StatusNotFound, client.Get(fmt.Sprintf("/evidence/%d", fileID)).StatusCode)
	assert.Equal(t, http.StatusOK, auditor.Get(fmt.Sprintf("/evidence/%d", fileID)).StatusCode)
}

func TestInvitedContactSetsPasswordOnce(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	p := newPortal(t, app)
	auditor := app.NewClient()
	auditor.Login("sara@firm.example")

	resp := auditor.PostForm(fmt.Sprintf("/engagements/%d/contacts", p.engA), url.Values{"email": {"lee@bluejay.example"}, "name": {"Lee"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "another organization's user cannot be added")
	assert.Contains(t, resp.Body, "not a user of this client")

	resp = auditor.PostForm(fmt.Sprintf("/engagements/%d/contacts", p.engA), url.Values{"email": {"Jordan@Northwind.example"}, "name": {"Jordan Reyes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	list := auditor.Get(resp.Header.Get("Location"))
	m := regexpLink.FindStringSubmatch(list.Body)
	require.NotNil(t, m, "with no SMTP configured the link is shown to the auditor")
	token := m[1]
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM notifications WHERE to_address = 'jordan@northwind.example' AND kind = 'invitation' AND body LIKE ?`, "%"+token+"%"))
	assert.Equal(t, 1, count(t, app, `SELECT count(*) FROM engagement_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'jordan@northwind.example' AND m.role = 'client_contact' AND m.engagement_id = ?`, p.engA))

	newcomer := app.NewClient()
	require.Equal(t, http.StatusOK, newcomer.Get("/invitations/"+token).StatusCode)
	resp = newcomer.PostForm("/invitations/"+token, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, http.StatusGone, newcomer.Get("/invitations/"+token).StatusCode, "the link works once")
	newcomer.Login("jordan@northwind.example")
	assert.Equal(t, http.StatusOK, newcomer.Get(fmt.Sprintf("/engagements/%d/requests", p.engA)).StatusCode)

	// A second invitation link expires after its time to live.
	resp = auditor.PostForm(fmt.Sprintf("/engagements/%d/contacts", p.engA), url.Values{"email": {"sam@northwind.example"}, "name": {"Sam"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	m = regexpLink.FindStringSubmatch(auditor.Get(resp.Header.Get("Location")).Body)
	require.NotNil(t, m)
	app.Clock.T = app.Clock.T.Add(73 * time.Hour)
	assert.Equal(t, http.StatusGone, app.NewClient().Get("/invitations/"+m[1]).StatusCode)
}

var regexpLink = regexp.MustCompile(`/invitations/([A-Za-z0-9_\-]+)`)

// TestEvidenceThroughS3Backend runs an upload and a verified download against an in-process S3
// server, with the store selected by configuration as in production.
func TestEvidenceThroughS3Backend(t *testing.T) {
	t.Parallel()
	mem := s3mem.New()
	s3 := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(s3.Close)
	require.NoError(t, mem.CreateBucket("attest-evidence"))
	app := webtest.New(t, func(c *config.Config) {
		c.BlobBackend, c.S3Endpoint, c.S3Bucket = "s3", strings.TrimPrefix(s3.URL, "http://"), "attest-evidence"
		c.S3AccessKey, c.S3SecretKey, c.S3UseSSL = "key", "secret", false
	})
	p := newPortal(t, app)
	auditor, client := app.NewClient(), app.NewClient()
	auditor.Login("sara@firm.example")
	client.Login("dana@northwind.example")
	reqID := createRequest(t, auditor, p.engA, p.contactA.ID, "Org chart")
	resp := uploadFiles(t, client, fmt.Sprintf("/requests/%d/evidence", reqID), uploadFile{"chart.pdf", pdfBytes})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	var fileID int64
	var sha string
	require.NoError(t, app.DB.Raw(`SELECT id, sha256 FROM evidence_files`).Row().Scan(&fileID, &sha))
	obj, err := mem.HeadObject("attest-evidence", "evidence/"+sha)
	require.NoError(t, err, "the blob is in the bucket under its address")
	assert.Equal(t, int64(len(pdfBytes)), obj.Size)
	dl := auditor.Get(fmt.Sprintf("/evidence/%d", fileID))
	require.Equal(t, http.StatusOK, dl.StatusCode)
	assert.Equal(t, string(pdfBytes), dl.Body)
}
