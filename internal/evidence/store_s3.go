package evidence

import (
	"context"
	"fmt"
	"io"
	"os"

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
	return spool("", r, limit)
}

// Commit uploads the spooled file under its address unless those bytes are already stored.
func (s *S3Store) Commit(ctx context.Context, sp *Spooled) error {
	if _, err := s.client.StatObject(ctx, s.bucket, objectName(sp.SHA256), minio.StatObjectOptions{}); err == nil {
		return nil
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
