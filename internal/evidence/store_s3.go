package evidence

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config addresses an S3-compatible bucket (AWS S3, MinIO, …).
type S3Config struct {
	Endpoint, Bucket, AccessKey, SecretKey, Region string
	UseSSL                                         bool
}

// S3Store keeps blobs as objects named evidence/<sha256>.
type S3Store struct {
	client *minio.Client
	bucket string
}

// s3PartSize bounds the memory an upload to S3 uses (the minimum multipart part size).
const s3PartSize = 5 << 20

// NewS3Store connects to the bucket and checks that it exists.
func NewS3Store(ctx context.Context, cfg S3Config) (*S3Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring S3 client for %s: %w", cfg.Endpoint, err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("checking S3 bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("S3 bucket %q does not exist at %s: create it or set ATTEST_S3_BUCKET", cfg.Bucket, cfg.Endpoint)
	}
	return &S3Store{client: client, bucket: cfg.Bucket}, nil
}

func objectName(sha string) string { return "evidence/" + sha }

// Spool receives r into a local temporary file while hashing: the object's name is its
// address, which is known only at the end.
func (s *S3Store) Spool(r io.Reader, limit int64) (*Spooled, error) {
	if err := os.MkdirAll(s3SpoolDir(), 0o700); err != nil {
		return nil, fmt.Errorf("creating spool directory: %w", err)
	}
	return spool(s3SpoolDir(), r, limit)
}

// s3SpoolDir holds the S3 store's temporary files, apart from other programs' files.
func s3SpoolDir() string { return filepath.Join(os.TempDir(), "attest-spool") }

// Commit uploads the spooled file under its address unless those bytes are already stored
// intact; a damaged object is overwritten with the good bytes.
func (s *S3Store) Commit(ctx context.Context, sp *Spooled) error {
	if _, err := s.client.StatObject(ctx, s.bucket, objectName(sp.SHA256), minio.StatObjectOptions{}); err == nil {
		ok, err := intact(ctx, s, sp.SHA256)
		if err != nil {
			return err
		}
		if ok {
			// Stored once; copying the object onto itself renews its LastModified, so orphan
			// collection (which spares blobs younger than a day) leaves it for its new row.
			_, err := s.client.CopyObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: objectName(sp.SHA256),
				ReplaceMetadata: true, UserMetadata: map[string]string{"Reused": time.Now().UTC().Format(time.RFC3339)}},
				minio.CopySrcOptions{Bucket: s.bucket, Object: objectName(sp.SHA256)})
			if err != nil {
				return fmt.Errorf("renewing blob %s in S3: %w", sp.SHA256, err)
			}
			return nil
		}
	}
	f, err := os.Open(sp.path)
	if err != nil {
		return fmt.Errorf("reopening spooled upload: %w", err)
	}
	defer f.Close()
	_, err = s.client.PutObject(ctx, s.bucket, objectName(sp.SHA256), f, sp.Size, minio.PutObjectOptions{
		ContentType: "application/octet-stream", PartSize: s3PartSize})
	if err != nil {
		return fmt.Errorf("uploading blob %s to S3: %w", sp.SHA256, err)
	}
	return nil
}

// Open streams the object sha for a verifying read.
func (s *S3Store) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := validSHA(sha); err != nil {
		return nil, err
	}
	if _, err := s.client.StatObject(ctx, s.bucket, objectName(sha), minio.StatObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).StatusCode == 404 {
			return nil, ErrBlobNotFound
		}
		return nil, fmt.Errorf("looking up blob %s in S3: %w", sha, err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, objectName(sha), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("opening blob %s in S3: %w", sha, err)
	}
	return newVerifyingReader(obj, sha), nil
}

// Walk lists the objects under evidence/.
func (s *S3Store) Walk(ctx context.Context, fn func(StoredBlob) error) error {
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: "evidence/", Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("listing S3 bucket %s: %w", s.bucket, obj.Err)
		}
		sha := strings.TrimPrefix(obj.Key, "evidence/")
		if validSHA(sha) != nil {
			continue
		}
		if err := fn(StoredBlob{SHA256: sha, Size: obj.Size, Modified: obj.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the object of blob sha.
func (s *S3Store) Delete(ctx context.Context, sha string) error {
	if err := validSHA(sha); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, objectName(sha), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("deleting blob %s from S3: %w", sha, err)
	}
	return nil
}

// RemoveStaleUploads removes local spool files and abandoned multipart uploads older than age.
func (s *S3Store) RemoveStaleUploads(ctx context.Context, age time.Duration) (int, error) {
	n, err := removeStaleFiles(s3SpoolDir(), age)
	if err != nil {
		return n, err
	}
	for up := range s.client.ListIncompleteUploads(ctx, s.bucket, "evidence/", true) {
		if up.Err != nil {
			// Some S3-compatible stores do not list multipart uploads; a bucket lifecycle rule
			// (AbortIncompleteMultipartUpload) covers them there.
			return n, nil
		}
		if time.Since(up.Initiated) <= age {
			continue
		}
		if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, up.Key); err == nil {
			n++
		}
	}
	return n, nil
}
