// Package audit owns the append-only, hash-chained audit trail. Every state change in Attest
// calls Record inside the transaction that makes the change, so the event and the change commit
// or roll back together.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attest-soc/attest/internal/apperr"
	dbx "github.com/attest-soc/attest/internal/db"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Actor is who made a change. A zero ID means the system (a migration, a command, a job).
type Actor struct {
	ID    int64
	Email string
}

// System is the actor for changes made by operator commands and background work.
var System = Actor{Email: "system"}

// Event describes one state change. Before and After are marshalled to JSON; leave Before nil
// for a creation and After nil for a deletion.
type Event struct {
	Action       string // e.g. "engagement.create", "user.disable"
	EntityType   string // e.g. "engagement"
	EntityID     int64
	EngagementID int64 // 0 when the change belongs to no engagement
	ClientID     int64 // 0 when the change belongs to no client
	Before       any
	After        any
}

// Row is a stored audit event.
type Row struct {
	ID           int64 `gorm:"primaryKey"`
	OccurredAt   time.Time
	ActorID      *int64
	ActorEmail   string
	Action       string
	EntityType   string
	EntityID     *int64
	EngagementID *int64
	ClientID     *int64
	Before       []byte `gorm:"type:jsonb"`
	After        []byte `gorm:"type:jsonb"`
	IP           string `gorm:"column:ip"`
	RequestID    string
	PrevHash     []byte
	Hash         []byte
}

// TableName maps Row to audit_events.
func (Row) TableName() string { return "audit_events" }

type requestMetaKey struct{}

type requestMeta struct{ ip, requestID string }

// WithRequest stores the client IP and request id in ctx, so Record can add them to events.
func WithRequest(ctx context.Context, ip, requestID string) context.Context {
	return context.WithValue(ctx, requestMetaKey{}, requestMeta{ip: ip, requestID: requestID})
}

// chainLockKey serialises appends: each event must see the hash of the one before it.
const chainLockKey = 7_042_001

// Record appends ev to the audit trail inside tx, which must be the transaction of the change.
func Record(ctx context.Context, tx *gorm.DB, actor Actor, ev Event) error {
	meta, _ := ctx.Value(requestMetaKey{}).(requestMeta)
	before, err := canonicalJSON(ev.Before)
	if err != nil {
		return fmt.Errorf("audit %s: encoding before: %w", ev.Action, err)
	}
	after, err := canonicalJSON(ev.After)
	if err != nil {
		return fmt.Errorf("audit %s: encoding after: %w", ev.Action, err)
	}
	tx = tx.WithContext(ctx)
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, chainLockKey).Error; err != nil {
		return fmt.Errorf("audit %s: locking chain: %w", ev.Action, err)
	}
	prev, err := chainHead(tx)
	if err != nil {
		return fmt.Errorf("audit %s: %w", ev.Action, err)
	}
	row := Row{
		// PostgreSQL keeps microseconds: truncate first so the hash covers what is stored.
		OccurredAt:   time.Now().UTC().Truncate(time.Microsecond),
		ActorID:      nonZero(actor.ID),
		ActorEmail:   actor.Email,
		Action:       ev.Action,
		EntityType:   ev.EntityType,
		EntityID:     nonZero(ev.EntityID),
		EngagementID: nonZero(ev.EngagementID),
		ClientID:     nonZero(ev.ClientID),
		Before:       before,
		After:        after,
		IP:           meta.ip,
		RequestID:    meta.requestID,
		PrevHash:     prev,
	}
	row.Hash = row.computeHash()
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("audit %s: inserting: %w", ev.Action, err)
	}
	return nil
}

// computeHash covers every stored field and the previous hash.
func (r Row) computeHash() []byte {
	var b bytes.Buffer
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte('|')
	}
	ptr := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatInt(*p, 10)
	}
	field(r.OccurredAt.UTC().Format(time.RFC3339Nano))
	field(ptr(r.ActorID))
	field(r.ActorEmail)
	field(r.Action)
	field(r.EntityType)
	field(ptr(r.EntityID))
	field(ptr(r.EngagementID))
	field(ptr(r.ClientID))
	field(string(r.Before))
	field(string(r.After))
	field(r.IP)
	field(r.RequestID)
	b.Write(r.PrevHash)
	sum := sha256.Sum256(b.Bytes())
	return sum[:]
}

// canonicalJSON marshals v so that the same value always gives the same bytes, also after a
// round trip through jsonb (which reorders keys): sorted keys, numbers kept as written.
func canonicalJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return canonicalize(raw)
}

func canonicalize(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	if generic == nil {
		return nil, nil
	}
	return json.Marshal(generic)
}

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// chainHead returns the hash of the newest event, or 32 zero bytes while the chain is empty.
func chainHead(tx *gorm.DB) ([]byte, error) {
	head, err := dbx.One[struct{ Hash []byte }](tx, "the chain head", `SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1`)
	if errors.Is(err, apperr.ErrNotFound) {
		return make([]byte, sha256.Size), nil
	}
	return head.Hash, err
}
