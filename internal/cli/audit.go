package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db"
)

const auditUsage = "Usage: attest audit verify | attest audit checkpoints --export | attest audit keygen FILE|-"

func runAudit(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(a.stderr, auditUsage)
		return ErrUsage
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, a, args[1:])
	case "checkpoints":
		return auditCheckpoints(ctx, a, args[1:])
	case "keygen":
		return auditKeygen(a, args[1:])
	case "--help", "-h":
		fmt.Fprintln(a.stderr, auditUsage)
		return nil
	}
	fmt.Fprintln(a.stderr, auditUsage)
	return ErrUsage
}

// publicKey is the checkpoint key's public half, from ATTEST_AUDIT_KEY_FILE; nil without a key.
func (a *app) publicKey() (ed25519.PublicKey, error) {
	if a.cfg.AuditKeyFile == "" {
		return nil, nil
	}
	if _, err := os.Stat(a.cfg.AuditKeyFile); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	s, err := audit.LoadSigner(a.cfg.AuditKeyFile)
	if err != nil {
		return nil, err
	}
	return s.Public(), nil
}

func auditVerify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("audit verify", "audit verify")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pub, err := a.publicKey()
	if err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	res, err := audit.NewService(gdb).VerifyAnchored(ctx, pub)
	if err != nil {
		return err
	}
	switch res.Problem {
	case "":
	case "altered":
		return fmt.Errorf("audit trail broken at event %d: %s (%d events before it verified)", res.BrokenID, res.Reason, res.Checked)
	default:
		return fmt.Errorf("audit trail %s at event %d: %s", res.Problem, res.BrokenID, res.Reason)
	}
	anchor := "no signed checkpoints yet"
	switch {
	case res.Checkpoints > 0 && pub != nil:
		anchor = fmt.Sprintf("matches %d signed checkpoints (key %s)", res.Checkpoints, audit.KeyID(pub))
	case res.Checkpoints > 0:
		anchor = fmt.Sprintf("matches %d checkpoints (signatures not checked: set ATTEST_AUDIT_KEY_FILE)", res.Checkpoints)
	}
	fmt.Fprintf(a.stdout, "audit trail intact: %d events verified; %s\n", res.Checked, anchor)
	return nil
}

// exportedCheckpoint is one line of `attest audit checkpoints --export` (JSON Lines).
type exportedCheckpoint struct {
	ID         int64  `json:"id"`
	CreatedAt  string `json:"created_at"`
	Reason     string `json:"reason"`
	EventCount int64  `json:"event_count"`
	HeadID     int64  `json:"head_id"`
	HeadHash   string `json:"head_hash"`
	KeyID      string `json:"key_id"`
	PublicKey  string `json:"public_key,omitempty"`
	Signature  string `json:"signature"`
}

func auditCheckpoints(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("audit checkpoints", "audit checkpoints --export")
	export := fs.Bool("export", false, "print every checkpoint as JSON Lines, to keep outside the database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*export {
		fs.Usage()
		return ErrUsage
	}
	pub, err := a.publicKey()
	if err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	cps, err := audit.NewService(gdb).Checkpoints(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.stdout)
	for _, c := range cps {
		e := exportedCheckpoint{ID: c.ID, CreatedAt: c.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00"), Reason: c.Reason,
			EventCount: c.EventCount, HeadID: c.HeadID, HeadHash: hex.EncodeToString(c.HeadHash), KeyID: c.KeyID,
			Signature: base64.StdEncoding.EncodeToString(c.Signature)}
		if pub != nil && audit.KeyID(pub) == c.KeyID {
			e.PublicKey = base64.StdEncoding.EncodeToString(pub)
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

func auditKeygen(a *app, args []string) error {
	fs := a.newFlags("audit keygen", "audit keygen FILE")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ErrUsage
	}
	if fs.Arg(0) == "-" {
		// To stdout, for containers: docker compose run --rm --no-deps app audit keygen - > key.pem
		pemKey, keyID, err := audit.GenerateKeyPEM()
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(pemKey)
		fmt.Fprintf(a.stderr, "audit signing key id %s\n", keyID)
		return err
	}
	if err := audit.GenerateKeyFile(fs.Arg(0)); err != nil {
		return err
	}
	s, err := audit.LoadSigner(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "audit signing key written to %s (key id %s, public key %s)\n", fs.Arg(0), s.KeyID,
		base64.StdEncoding.EncodeToString(s.Public()))
	return nil
}
