package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backendCase is one store implementation plus a way to damage a stored blob behind its back.
type backendCase struct {
	name    string
	open    func(t testing.TB) Store
	corrupt func(t testing.TB, s Store, sha string)
}

func backends() []backendCase {
	return []backendCase{
		{"local", func(t testing.TB) Store {
			s, err := NewLocalStore(t.TempDir())
			require.NoError(t, err)
			return s
		}, func(t testing.TB, s Store, sha string) {
			p := s.(*LocalStore).path(sha)
			require.NoError(t, os.WriteFile(p, []byte("tampered bytes"), 0o640))
		}},
		{"s3", newFakeS3Store, func(t testing.TB, s Store, sha string) {
			st := s.(*S3Store)
			_, err := st.client.PutObject(context.Background(), st.bucket, objectName(sha), strings.NewReader("tampered"), 8, minio.PutObjectOptions{})
			require.NoError(t, err)
		}},
	}
}

// newFakeS3Store runs an in-process S3 server (gofakes3) and connects an S3Store to it.
func newFakeS3Store(t testing.TB) Store {
	mem := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(srv.Close)
	require.NoError(t, mem.CreateBucket("evidence"))
	s, err := NewS3Store(context.Background(), S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "evidence",
		AccessKey: "key", SecretKey: "secret", Region: "us-east-1"})
	require.NoError(t, err)
	return s
}

func shaOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// put spools and commits at once.
func put(ctx context.Context, s Store, r io.Reader, limit int64) (Blob, error) {
	sp, err := s.Spool(r, limit)
	if err != nil {
		return Blob{}, err
	}
	defer sp.Discard()
	return sp.Blob, s.Commit(ctx, sp)
}

func TestStoreBehaviour(t *testing.T) {
	ctx := context.Background()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			s := bc.open(t)
			data := bytes.Repeat([]byte("control evidence "), 4000)

			b, err := put(ctx, s, bytes.NewReader(data), 1<<20)
			require.NoError(t, err)
			assert.Equal(t, shaOf(data), b.SHA256, "address is the SHA-256 of the bytes")
			assert.Equal(t, int64(len(data)), b.Size)

			again, err := put(ctx, s, bytes.NewReader(data), 1<<20)
			require.NoError(t, err, "the same bytes again are fine (stored once)")
			assert.Equal(t, b, again)

			rc, err := s.Open(ctx, b.SHA256)
			require.NoError(t, err)
			got, err := io.ReadAll(rc)
			rc.Close()
			require.NoError(t, err)
			assert.Equal(t, data, got)

			_, err = put(ctx, s, bytes.NewReader(nil), 1<<20)
			assert.ErrorIs(t, err, ErrEmpty)

			big := bytes.Repeat([]byte{'x'}, 1001)
			_, err = put(ctx, s, bytes.NewReader(big), 1000)
			assert.ErrorIs(t, err, ErrTooLarge)
			_, err = s.Open(ctx, shaOf(big))
			assert.ErrorIs(t, err, ErrBlobNotFound, "an oversize upload leaves nothing behind")
			exact, err := put(ctx, s, bytes.NewReader(big[:1000]), 1000)
			require.NoError(t, err, "exactly the limit is allowed")
			assert.Equal(t, int64(1000), exact.Size)

			_, err = s.Open(ctx, strings.Repeat("0", 64))
			assert.ErrorIs(t, err, ErrBlobNotFound)
			_, err = s.Open(ctx, "../../etc/passwd")
			assert.Error(t, err, "only hex addresses are opened")

			// Spooled bytes are not in the store until committed, and Discard removes them.
			pending := []byte("%PDF-1.4 refused before commit")
			sp, err := s.Spool(bytes.NewReader(pending), 1<<20)
			require.NoError(t, err)
			_, err = s.Open(ctx, shaOf(pending))
			assert.ErrorIs(t, err, ErrBlobNotFound, "spooled is not stored")
			sp.Discard()
			_, err = os.Stat(sp.path)
			assert.ErrorIs(t, err, os.ErrNotExist, "the temporary file is gone")

			require.NoError(t, Verify(ctx, s, b.SHA256))
			bc.corrupt(t, s, b.SHA256)
			err = Verify(ctx, s, b.SHA256)
			assert.ErrorIs(t, err, ErrCorrupt, "a changed blob is detected")
			rc, err = s.Open(ctx, b.SHA256)
			require.NoError(t, err)
			_, err = io.ReadAll(rc)
			rc.Close()
			assert.True(t, errors.Is(err, ErrCorrupt), "streaming reads refuse a changed blob too")
		})
	}
}

func TestClassify(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj\n")
	cases := []struct {
		name   string
		head   []byte
		want   string
		refuse string
	}{
		{"report.pdf", pdf, "application/pdf", ""},
		{"users.csv", []byte("email,role\na@b.c,admin\n"), "text/csv", ""},
		{"notes.txt", []byte("plain words"), "text/plain; charset=utf-8", ""},
		{"shot.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", ""},
		{"list.xlsx", []byte("PK\x03\x04\x14\x00\x06\x00"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""},
		{"invoice.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", "program"},
		{"policy.pdf", []byte("\x7fELF\x02\x01\x01"), "", "program"},
		{"run.pdf", []byte("#!/bin/sh\nrm -rf /"), "", "program"},
		{"tool.exe", []byte("plain words"), "", "extension"},
		{"page.html", []byte("<!DOCTYPE html><html><script>"), "", "not accepted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Classify(c.name, c.head)
			if c.refuse != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.refuse)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{"report.pdf": "report.pdf", "  Q1 review.xlsx ": "Q1 review.xlsx", "a\x00b\x1f.txt": "ab.txt"} {
		got, err := CleanFileName(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"../../etc/passwd", `..\..\boot.ini`, "/etc/passwd", "a/b.pdf", "..", "", "\x00\x01"} {
		_, err := CleanFileName(bad)
		assert.Error(t, err, "%q must be refused", bad)
	}
}

func TestLocalStoreRemovesSpoolFilesACrashLeftBehind(t *testing.T) {
	dir := t.TempDir()
	_, err := NewLocalStore(dir)
	require.NoError(t, err)
	old, fresh := filepath.Join(dir, "tmp", "upload-old"), filepath.Join(dir, "tmp", "upload-fresh")
	require.NoError(t, os.WriteFile(old, []byte("half an upload"), 0o600))
	require.NoError(t, os.WriteFile(fresh, []byte("arriving now"), 0o600))
	long := time.Now().Add(-2 * staleSpool)
	require.NoError(t, os.Chtimes(old, long, long))

	_, err = NewLocalStore(dir)
	require.NoError(t, err)
	_, err = os.Stat(old)
	assert.ErrorIs(t, err, os.ErrNotExist, "a day-old spool file is a crash's leftover")
	_, err = os.Stat(fresh)
	assert.NoError(t, err, "an upload in progress is left alone")
}

// Each name below is refused as the upload path checks it (CleanFileName, then Classify), even
// though the bytes are harmless text: the platform would run or open it as a program.
func TestExecutableNamesAreRefusedAsThePlatformResolvesThem(t *testing.T) {
	text := []byte("plain words")
	for _, name := range []string{
		"run.bat.", "run.bat . .", "payload.js.", "payload.js ", "app.hta", "job.wsf", "link.lnk", "shortcut.url",
		"setup.msi", "panel.cpl", "help.chm", "screen.scr", "old.pif", "script.vbe", "script.jse", "tool.ps1",
		"reg.reg", "run.cmd", "pkg.appx", "x.settingcontent-ms", "mac.command", "linux.sh", "linux.desktop",
		"prog.py", "RUN.BAT", "stream.bat::$DATA", "alt.exe:hidden", "report.pdf.exe", "ｒun.bat",
		"report\u202Efdp.exe", "invoice\u2066.bat\u2069",
	} {
		t.Run(name, func(t *testing.T) {
			clean, err := CleanFileName(name)
			if err == nil {
				_, err = Classify(clean, text)
			}
			require.Error(t, err, "%q must be refused", name)
			assert.Contains(t, err.Error(), "program")
		})
	}
	for _, ok := range []string{"report.pdf", "users.csv", "notes.txt", "certificate.txt", "readme"} {
		clean, err := CleanFileName(ok)
		require.NoError(t, err)
		_, err = Classify(clean, text)
		assert.NoError(t, err, "%q is a document", ok)
	}
}

func TestCleanFileNameNormalises(t *testing.T) {
	for in, want := range map[string]string{
		"run.bat.":                         "run.bat",
		"notes.txt . . ":                   "notes.txt",
		"report\u202Efdp.txt":              "reportfdp.txt",
		"a\u2066b\u2067c\u2068d\u2069.txt": "abcd.txt",
		"Cafe\u0301.txt":                   "Café.txt", // NFC: e + combining acute becomes é
	} {
		got, err := CleanFileName(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q", in)
	}
	_, err := CleanFileName(" . . ")
	assert.Error(t, err, "only dots and spaces is no name")
}
