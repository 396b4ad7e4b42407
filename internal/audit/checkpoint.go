package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/attest-soc/attest/internal/apperr"
	dbx "github.com/attest-soc/attest/internal/db"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Signer signs checkpoints of the chain with an Ed25519 key that lives in a file outside the
// database (ATTEST_AUDIT_KEY_FILE): whoever can rewrite the database cannot sign.
type Signer struct {
	key   ed25519.PrivateKey
	KeyID string // first 8 bytes of the SHA-256 of the public key, hex
}

// NewSigner wraps key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, KeyID: KeyID(key.Public().(ed25519.PublicKey))}
}

// Public is the key that verifies this signer's checkpoints.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// KeyID names a public key in checkpoints and exports.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// LoadSigner reads a PEM "PRIVATE KEY" (PKCS #8, Ed25519) file.
func LoadSigner(path string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the audit signing key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit signing key %s: not a PEM PRIVATE KEY file", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit signing key %s: not an Ed25519 key", path)
	}
	return NewSigner(ed), nil
}

// GenerateKeyPEM makes a new Ed25519 key as a PEM "PRIVATE KEY" block and returns its key id.
func GenerateKeyPEM() ([]byte, string, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), KeyID(key.Public().(ed25519.PublicKey)), nil
}

// GenerateKeyFile writes a new Ed25519 key to path (mode 0600), refusing to overwrite one.
func GenerateKeyFile(path string) error {
	pemKey, _, err := GenerateKeyPEM()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating the audit signing key: %w", err)
	}
	if _, err := f.Write(pemKey); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Checkpoint is a signed statement of the chain at a moment: EventCount events, the last being
// HeadID with hash HeadHash.
type Checkpoint struct {
	ID         int64 `gorm:"primaryKey"`
	CreatedAt  time.Time
	Reason     string
	EventCount int64
	HeadID     int64
	HeadHash   []byte
	KeyID      string
	Signature  []byte
}

// TableName maps Checkpoint to audit_checkpoints.
func (Checkpoint) TableName() string { return "audit_checkpoints" }

// SignedMessage is what the signature covers.
func (c Checkpoint) SignedMessage() []byte {
	var b bytes.Buffer
	b.WriteString("attest audit checkpoint v1\n")
	b.WriteString(c.CreatedAt.UTC().Format(time.RFC3339Nano) + "\n")
	b.WriteString(strconv.FormatInt(c.EventCount, 10) + "\n")
	b.WriteString(strconv.FormatInt(c.HeadID, 10) + "\n")
	b.WriteString(hex.EncodeToString(c.HeadHash) + "\n")
	b.WriteString(c.KeyID + "\n")
	return b.Bytes()
}

// Valid reports whether pub signed c.
func (c Checkpoint) Valid(pub ed25519.PublicKey) bool {
	return c.KeyID == KeyID(pub) && ed25519.Verify(pub, c.SignedMessage(), c.Signature)
}

// Checkpoint reasons.
const (
	CheckpointHourly = "hourly"
)

// WriteCheckpointTx writes a signed checkpoint of the audit chain inside tx: the number of events
// and the head event's hash as tx sees them, including tx's own events. Call it in the
// transaction of a change that must be anchored at once — the opinion's signature, a report's
// issue — after that change's audit event, with reason naming it ("opinion.sign",
// "report.issue"). It takes the chain lock, so no other event can slip in between. With a nil
// signer (development and tests without a key; production refuses to start without one) it
// writes nothing.
func WriteCheckpointTx(ctx context.Context, tx *gorm.DB, signer *Signer, reason string) (Checkpoint, error) {
	if signer == nil {
		return Checkpoint{}, nil
	}
	tx = tx.WithContext(ctx)
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, chainLockKey).Error; err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: locking chain: %w", err)
	}
	c := Checkpoint{CreatedAt: time.Now().UTC().Truncate(time.Microsecond), Reason: reason, KeyID: signer.KeyID,
		HeadHash: make([]byte, sha256.Size)}
	if err := tx.Raw(`SELECT count(*) FROM audit_events`).Row().Scan(&c.EventCount); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: counting events: %w", err)
	}
	head, err := dbx.One[struct {
		ID   int64
		Hash []byte
	}](tx, "the chain head", `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`)
	switch {
	case err == nil:
		c.HeadID, c.HeadHash = head.ID, head.Hash
	case !errors.Is(err, apperr.ErrNotFound): // an empty chain keeps the zero head
		return Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	c.Signature = ed25519.Sign(signer.key, c.SignedMessage())
	if err := tx.Create(&c).Error; err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: inserting: %w", err)
	}
	return c, nil
}

// WriteCheckpoint writes a checkpoint in its own transaction (attest serve, hourly).
func (s *Service) WriteCheckpoint(ctx context.Context, signer *Signer, reason string) (Checkpoint, error) {
	var c Checkpoint
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		c, err = WriteCheckpointTx(ctx, tx, signer, reason)
		return err
	})
	return c, err
}

// Checkpoints lists every checkpoint, oldest first.
func (s *Service) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	var out []Checkpoint
	if err := s.DB.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing audit checkpoints: %w", err)
	}
	return out, nil
}
