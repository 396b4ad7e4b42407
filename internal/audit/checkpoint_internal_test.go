package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

func events(t *testing.T, gdb *gorm.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
			return Record(context.Background(), tx, Actor{Email: "a@example.com"}, Event{Action: "client.update", EntityType: "client",
				EntityID: int64(i + 1), After: map[string]any{"n": i}})
		}))
	}
}

func testSigner(t *testing.T) *Signer {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return NewSigner(key)
}

// The DBA below works as the owner role: it can switch the append-only triggers off.
func asDBA(t *testing.T, gdb *gorm.DB, stmts ...string) {
	t.Helper()
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events DISABLE TRIGGER USER`).Error)
	for _, s := range stmts {
		require.NoError(t, gdb.Exec(s).Error, s)
	}
	require.NoError(t, gdb.Exec(`ALTER TABLE audit_events ENABLE TRIGGER USER`).Error)
}

func TestCheckpointsDetectATruncatedTrail(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	signer := testSigner(t)
	events(t, gdb, 5)
	cp, err := NewService(gdb).WriteCheckpoint(ctx, signer, CheckpointHourly)
	require.NoError(t, err)
	assert.EqualValues(t, 5, cp.EventCount)
	events(t, gdb, 2)
	res, err := NewService(gdb).VerifyAnchored(ctx, signer.Public())
	require.NoError(t, err)
	require.True(t, res.OK(), res.Reason)
	assert.Equal(t, 1, res.Checkpoints)

	// Deleting the last events leaves a chain that links perfectly: only the checkpoint knows.
	var ids []int64
	require.NoError(t, gdb.Raw(`SELECT id FROM audit_events ORDER BY id`).Scan(&ids).Error)
	asDBA(t, gdb, fmt.Sprintf(`DELETE FROM audit_events WHERE id >= %d`, ids[3]))
	plain, err := NewService(gdb).Verify(ctx)
	require.NoError(t, err)
	assert.Equal(t, "truncated", plain.Problem, "even without the key the count gives it away")

	res, err = NewService(gdb).VerifyAnchored(ctx, signer.Public())
	require.NoError(t, err)
	assert.False(t, res.OK())
	assert.Equal(t, "truncated", res.Problem)
	assert.Equal(t, ids[4], res.BrokenID, "names the last event the checkpoint covered")
	assert.Contains(t, res.Reason, fmt.Sprintf("covers 5 events up to event %d", ids[4]))
	assert.Contains(t, res.Reason, fmt.Sprintf("the events after event %d were removed", ids[2]))
}

func TestCheckpointsDetectARewrittenTrail(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	signer := testSigner(t)
	events(t, gdb, 3)
	first, err := NewService(gdb).WriteCheckpoint(ctx, signer, CheckpointHourly)
	require.NoError(t, err)
	events(t, gdb, 3)
	second, err := NewService(gdb).WriteCheckpoint(ctx, signer, CheckpointHourly)
	require.NoError(t, err)

	// The DBA changes event 5 and recomputes its hash and every later one: the chain links again.
	var rows []Row
	require.NoError(t, gdb.Order("id").Find(&rows).Error)
	target := rows[4]
	prev := rows[3].Hash
	var stmts []string
	for i := 4; i < len(rows); i++ {
		r := rows[i]
		r.Before, _ = canonicalize(r.Before)
		r.After, _ = canonicalize(r.After)
		if i == 4 {
			r.ActorEmail = "someone-else@example.com"
		}
		r.PrevHash = prev
		r.Hash = r.computeHash()
		prev = r.Hash
		stmts = append(stmts, fmt.Sprintf(`UPDATE audit_events SET actor_email = '%s', prev_hash = '\x%x', hash = '\x%x' WHERE id = %d`,
			r.ActorEmail, r.PrevHash, r.Hash, r.ID))
	}
	asDBA(t, gdb, stmts...)
	chainOnly, err := NewService(gdb).VerifyAnchored(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, "rewritten", chainOnly.Problem)

	res, err := NewService(gdb).VerifyAnchored(ctx, signer.Public())
	require.NoError(t, err)
	assert.Equal(t, "rewritten", res.Problem)
	assert.Equal(t, second.HeadID, res.BrokenID)
	assert.Contains(t, res.Reason, fmt.Sprintf("an event after event %d up to event %d was changed", first.HeadID, second.HeadID))
	assert.Less(t, first.HeadID, target.ID)

	// A checkpoint forged to match the rewritten chain does not carry the key's signature.
	forged := testSigner(t)
	_, err = NewService(gdb).WriteCheckpoint(ctx, forged, CheckpointHourly)
	require.NoError(t, err)
	res, err = NewService(gdb).VerifyAnchored(ctx, signer.Public())
	require.NoError(t, err)
	assert.Equal(t, "forged", res.Problem)
}

func TestSigningKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit-key.pem")
	require.NoError(t, GenerateKeyFile(path))
	assert.Error(t, GenerateKeyFile(path), "an existing key is never overwritten")
	s, err := LoadSigner(path)
	require.NoError(t, err)
	c := Checkpoint{EventCount: 3, HeadID: 3, HeadHash: []byte{1, 2}, KeyID: s.KeyID}
	c.Signature = ed25519.Sign(s.key, c.SignedMessage())
	assert.True(t, c.Valid(s.Public()))
	c.EventCount = 2
	assert.False(t, c.Valid(s.Public()), "the signature covers the count")
}

func TestWriteCheckpointTxSeesItsOwnTransaction(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	signer := testSigner(t)
	events(t, gdb, 2)
	var cp Checkpoint
	require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
		if err := Record(ctx, tx, Actor{Email: "p@example.com"}, Event{Action: "opinion.sign", EntityType: "opinion", EntityID: 1}); err != nil {
			return err
		}
		var err error
		cp, err = WriteCheckpointTx(ctx, tx, signer, "opinion.sign")
		return err
	}))
	assert.EqualValues(t, 3, cp.EventCount, "the signature's own event is anchored")
	assert.Equal(t, "opinion.sign", cp.Reason)
	none, err := WriteCheckpointTx(ctx, gdb, nil, "opinion.sign")
	require.NoError(t, err)
	assert.Zero(t, none.ID, "no key, no checkpoint")
}
