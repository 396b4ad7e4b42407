// Package evidence owns evidence files: the content-addressed blob store (local directory or
// S3-compatible), the checks every upload passes (size, type, name) and the file metadata.
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/attest-soc/attest/internal/config"
)

var (
	// ErrEmpty: the upload has no bytes.
	ErrEmpty = errors.New("the file is empty")
	// ErrTooLarge: the upload exceeds the configured limit.
	ErrTooLarge = errors.New("the file is larger than the upload limit")
	// ErrCorrupt: stored bytes no longer match their SHA-256, so they are refused.
	ErrCorrupt = errors.New("the stored file does not match its SHA-256 checksum: it was changed or damaged in storage")
	// ErrBlobNotFound: no blob with that address.
	ErrBlobNotFound = errors.New("stored file not found")
)

// Blob is what the store knows about stored bytes.
type Blob struct {
	SHA256 string // hex; also the blob's key
	Size   int64
}

// Store keeps evidence bytes by content address. Bytes arrive in two steps: Spool streams them
// into a local temporary file while hashing (they never sit in memory whole), Commit puts them
// under their address. Between the two the caller can still refuse the upload — another file of
// the same upload failed its checks, the request was accepted meanwhile — and nothing reaches
// the store. A half-written upload never looks like evidence.
type Store interface {
	// Spool reads r to the end (at most limit bytes) into a temporary file and hashes it.
	Spool(r io.Reader, limit int64) (*Spooled, error)
	// Commit stores spooled bytes under their SHA-256 (once: the same bytes are stored once). When
	// bytes are already stored under that address but no longer match it (damaged in storage), the
	// good spooled bytes replace them, so uploading the original again repairs the file.
	Commit(ctx context.Context, sp *Spooled) error
	// Open returns the bytes stored under sha; reading them to the end verifies the hash and
	// fails with ErrCorrupt on a mismatch.
	Open(ctx context.Context, sha string) (io.ReadCloser, error)
	// Walk calls fn for every stored blob (verify, orphan collection).
	Walk(ctx context.Context, fn func(StoredBlob) error) error
	// Delete removes the blob sha (orphan collection only).
	Delete(ctx context.Context, sha string) error
	// RemoveStaleUploads removes temporary files of uploads that never finished (and, for S3,
	// incomplete multipart uploads) older than age, and returns how many it removed.
	RemoveStaleUploads(ctx context.Context, age time.Duration) (int, error)
}

// StoredBlob is one blob as the store lists it.
type StoredBlob struct {
	SHA256   string
	Size     int64
	Modified time.Time
}

// intact reports whether the blob sha is stored and matches its hash. A missing blob is not an
// error (false, nil); a damaged one is (false, nil) too.
func intact(ctx context.Context, s Store, sha string) (bool, error) {
	err := Verify(ctx, s, sha)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrBlobNotFound), errors.Is(err, ErrCorrupt):
		return false, nil
	}
	return false, err
}

// Spooled is an upload received into a temporary file but not yet stored.
type Spooled struct {
	Blob
	path      string
	committed bool // in the store (CommitBlobs)
}

// Discard removes the temporary file; after Commit it is a no-op or frees the local copy.
func (sp *Spooled) Discard() {
	if sp != nil {
		_ = os.Remove(sp.path)
	}
}

// NewStore builds the store the configuration selects.
func NewStore(ctx context.Context, cfg config.Config) (Store, error) {
	switch cfg.BlobBackend {
	case "s3":
		return NewS3Store(ctx, S3Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey, Region: cfg.S3Region, UseSSL: cfg.S3UseSSL})
	default:
		return NewLocalStore(cfg.BlobDir)
	}
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func validSHA(sha string) error {
	if !shaPattern.MatchString(sha) {
		return fmt.Errorf("invalid blob address %q", sha)
	}
	return nil
}

// removeStaleFiles deletes files named upload-* in dir older than age.
func removeStaleFiles(dir string, age time.Duration) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", dir, err)
	}
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || !shaPrefixUpload(e.Name()) || time.Since(info.ModTime()) <= age {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

func shaPrefixUpload(name string) bool { return len(name) > 7 && name[:7] == "upload-" }

// spool copies r (at most limit bytes) into a new temporary file in dir while hashing it.
func spool(dir string, r io.Reader, limit int64) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("creating temporary file: %w", err)
	}
	defer f.Close()
	fail := func(err error) (*Spooled, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	h := sha256.New()
	// One byte more than the limit tells an exact fit from an overflow without reading further.
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if err != nil {
		return fail(fmt.Errorf("receiving file: %w", err))
	}
	if n == 0 {
		return fail(ErrEmpty)
	}
	if n > limit {
		return fail(ErrTooLarge)
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("writing temporary file: %w", err))
	}
	return &Spooled{Blob: Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, path: f.Name()}, nil
}

// verifyingReader hashes what passes through and, at the end, refuses bytes that do not match.
type verifyingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want string
}

func newVerifyingReader(rc io.ReadCloser, sha string) *verifyingReader {
	return &verifyingReader{rc: rc, h: sha256.New(), want: sha}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) && hex.EncodeToString(v.h.Sum(nil)) != v.want {
		return n, ErrCorrupt
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

// Verify reads the blob sha to the end and reports ErrCorrupt when its bytes changed. Downloads
// call it first so a damaged file is refused before any byte reaches the user.
func Verify(ctx context.Context, s Store, sha string) error {
	rc, err := s.Open(ctx, sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("verifying blob %s: %w", sha, err)
	}
	return nil
}
