package evidence

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestCommitRepairsADamagedBlob(t *testing.T) {
	ctx := context.Background()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			s := bc.open(t)
			data := []byte("%PDF-1.7 the original access review\n")
			b, err := put(ctx, s, bytes.NewReader(data), 1<<20)
			require.NoError(t, err)
			bc.corrupt(t, s, b.SHA256)
			require.ErrorIs(t, Verify(ctx, s, b.SHA256), ErrCorrupt)

			// The client uploads the identical original again: it must replace the damaged bytes.
			_, err = put(ctx, s, bytes.NewReader(data), 1<<20)
			require.NoError(t, err)
			assert.NoError(t, Verify(ctx, s, b.SHA256), "the re-upload repaired the stored file")
		})
	}
}

// s3WithClock is a fake S3 whose objects are stamped by clk.
func s3WithClock(t *testing.T, clk gofakes3.TimeSourceAdvancer) *S3Store {
	mem := s3mem.New(s3mem.WithTimeSource(clk))
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(srv.Close)
	require.NoError(t, mem.CreateBucket("evidence"))
	s, err := NewS3Store(context.Background(), S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "evidence",
		AccessKey: "key", SecretKey: "secret", Region: "us-east-1"})
	require.NoError(t, err)
	return s
}

func TestLeftoversAreCollected(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var clientID, engagementID, userID int64
	require.NoError(t, db.Raw(`INSERT INTO clients (name) VALUES ('Northwind') RETURNING id`).Row().Scan(&clientID))
	require.NoError(t, db.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date) VALUES (?, 'NW', 'type1', '2026-06-30') RETURNING id`, clientID).Row().Scan(&engagementID))
	require.NoError(t, db.Raw(`INSERT INTO users (email, name, role) VALUES ('s@firm.example', 'S', 'staff') RETURNING id`).Row().Scan(&userID))
	refer := func(sha string) {
		require.NoError(t, db.Exec(`INSERT INTO evidence_files (engagement_id, file_name, content_type, size_bytes, sha256, blob_key, uploaded_by)
			VALUES (?, 'kept.txt', 'text/plain', 1, ?, ?, ?)`, engagementID, sha, sha, userID).Error)
	}
	old := time.Now().Add(-48 * time.Hour)

	for _, name := range []string{"local", "s3"} {
		t.Run(name, func(t *testing.T) {
			var s Store
			var age func(sha string)    // makes a blob two days old
			var staleTemp func() string // leaves an interrupted upload's temp file, two hours old
			var clk gofakes3.TimeSourceAdvancer
			if name == "local" {
				ls, err := NewLocalStore(t.TempDir())
				require.NoError(t, err)
				s = ls
				age = func(sha string) { require.NoError(t, os.Chtimes(ls.path(sha), old, old)) }
				staleTemp = func() string { return filepath.Join(ls.dir, "tmp") }
			} else {
				clk = gofakes3.FixedTimeSource(old)
				s = s3WithClock(t, clk)
				age = func(string) {}
				staleTemp = func() string { return s3SpoolDir() }
			}
			referenced, err := put(ctx, s, strings.NewReader(name+" referenced evidence"), 1<<20)
			require.NoError(t, err)
			orphan, err := put(ctx, s, strings.NewReader(name+" orphan of a failed transaction"), 1<<20)
			require.NoError(t, err)
			age(referenced.SHA256)
			age(orphan.SHA256)
			if clk != nil {
				clk.Advance(48 * time.Hour)
			}
			young, err := put(ctx, s, strings.NewReader(name+" stored a moment ago, its row not yet committed"), 1<<20)
			require.NoError(t, err)
			refer(referenced.SHA256)

			require.NoError(t, os.MkdirAll(staleTemp(), 0o700))
			tmpOld := filepath.Join(staleTemp(), "upload-interrupted-"+name)
			tmpNew := filepath.Join(staleTemp(), "upload-arriving-"+name)
			require.NoError(t, os.WriteFile(tmpOld, []byte("half"), 0o600))
			require.NoError(t, os.WriteFile(tmpNew, []byte("half"), 0o600))
			two := time.Now().Add(-2 * time.Hour)
			require.NoError(t, os.Chtimes(tmpOld, two, two))

			got, err := (&Service{DB: db, Store: s}).CollectLeftovers(ctx)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, got.TempFiles, 1)
			assert.Equal(t, 1, got.Orphans)

			_, err = os.Stat(tmpOld)
			assert.ErrorIs(t, err, os.ErrNotExist, "an hour-old temp file is a leftover")
			_, err = os.Stat(tmpNew)
			assert.NoError(t, err, "an upload still arriving is left alone")
			os.Remove(tmpNew)
			assert.ErrorIs(t, Verify(ctx, s, orphan.SHA256), ErrBlobNotFound, "the day-old orphan is gone")
			assert.NoError(t, Verify(ctx, s, referenced.SHA256), "a referenced blob stays")
			assert.NoError(t, Verify(ctx, s, young.SHA256), "a young blob may belong to a transaction in flight")
		})
	}
}

func TestVerifyAllListsDamagedBlobs(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			s := bc.open(t)
			good, err := put(ctx, s, strings.NewReader(bc.name+" good"), 1<<20)
			require.NoError(t, err)
			bad, err := put(ctx, s, strings.NewReader(bc.name+" to be damaged"), 1<<20)
			require.NoError(t, err)
			bc.corrupt(t, s, bad.SHA256)
			n, problems, err := (&Service{DB: db, Store: s}).VerifyAll(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			require.Len(t, problems, 1)
			assert.Equal(t, bad.SHA256, problems[0].SHA256)
			assert.Equal(t, "damaged", problems[0].Problem)
			_ = good
		})
	}
}
