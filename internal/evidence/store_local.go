package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// LocalStore keeps blobs in a directory tree: dir/ab/cd/abcd….
type LocalStore struct{ dir string }

// staleSpool is the age after which a file in dir/tmp can only be left over from a crash.
const staleSpool = 24 * time.Hour

// NewLocalStore uses dir, creating it when missing, and removes temporary files a crash left
// behind (uploads still arriving are far younger).
func NewLocalStore(dir string) (*LocalStore, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("creating evidence directory %s: %w", dir, err)
	}
	if _, err := removeStaleFiles(tmp, staleSpool); err != nil {
		return nil, err
	}
	return &LocalStore{dir: dir}, nil
}

func (s *LocalStore) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha[2:4], sha)
}

// Spool receives r into dir/tmp: on the store's own file system, so Commit is a rename.
func (s *LocalStore) Spool(r io.Reader, limit int64) (*Spooled, error) {
	return spool(filepath.Join(s.dir, "tmp"), r, limit)
}

// Commit renames the spooled file to its address (same file system: atomic).
func (s *LocalStore) Commit(ctx context.Context, sp *Spooled) error {
	dst := s.path(sp.SHA256)
	if _, err := os.Stat(dst); err == nil {
		ok, err := intact(ctx, s, sp.SHA256)
		if err != nil {
			return err
		}
		if ok {
			// The same bytes are stored once. Mark the blob as just used, so orphan collection
			// (which spares blobs younger than a day) cannot remove it before its row commits.
			now := time.Now()
			_ = os.Chtimes(dst, now, now)
			return nil
		}
		// Damaged in storage: the rename below replaces it atomically with the good bytes.
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("creating blob directory: %w", err)
	}
	if err := os.Rename(sp.path, dst); err != nil {
		return fmt.Errorf("storing blob %s: %w", sp.SHA256, err)
	}
	return nil
}

// Open opens the blob sha for a verifying read.
func (s *LocalStore) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := validSHA(sha); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrBlobNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob %s: %w", sha, err)
	}
	return newVerifyingReader(f, sha), nil
}

// Walk lists the blobs under dir/ab/cd/.
func (s *LocalStore) Walk(ctx context.Context, fn func(StoredBlob) error) error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "tmp" && filepath.Dir(p) == filepath.Clean(s.dir) {
				return filepath.SkipDir
			}
			return ctx.Err()
		}
		name := d.Name()
		if validSHA(name) != nil || p != s.path(name) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return fn(StoredBlob{SHA256: name, Size: info.Size(), Modified: info.ModTime()})
	})
}

// Delete removes the blob sha.
func (s *LocalStore) Delete(ctx context.Context, sha string) error {
	if err := validSHA(sha); err != nil {
		return err
	}
	if err := os.Remove(s.path(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting blob %s: %w", sha, err)
	}
	return nil
}

// RemoveStaleUploads removes temporary files in dir/tmp older than age.
func (s *LocalStore) RemoveStaleUploads(ctx context.Context, age time.Duration) (int, error) {
	return removeStaleFiles(filepath.Join(s.dir, "tmp"), age)
}
