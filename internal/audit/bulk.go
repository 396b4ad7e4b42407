package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Generated is one event of a bulk append: who, what and when.
type Generated struct {
	Actor      Actor
	Event      Event
	OccurredAt time.Time
}

// AppendBulk appends n generated events to the chain with COPY, inside tx, whose connection conn
// carries (gorm's Connection + Transaction on one *sql.Conn, whose driver is pgx). It
// takes the chain lock like Record, so the chain stays whole and `attest audit verify` passes.
// The scale fixture uses it for hundreds of thousands of events; changes use Record.
func AppendBulk(ctx context.Context, tx *gorm.DB, conn *sql.Conn, n int, gen func(i int) Generated) error {
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, chainLockKey).Error; err != nil {
		return fmt.Errorf("audit bulk: locking chain: %w", err)
	}
	prev, err := chainHead(tx)
	if err != nil {
		return fmt.Errorf("audit bulk: %w", err)
	}
	i := 0
	var genErr error
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("the database driver is not pgx")
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{"audit_events"},
			[]string{"occurred_at", "actor_id", "actor_email", "action", "entity_type", "entity_id", "engagement_id", "client_id", "before", "after", "ip", "request_id", "prev_hash", "hash"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				g := gen(i)
				i++
				before, err := canonicalJSON(g.Event.Before)
				if err != nil {
					genErr = err
					return nil, err
				}
				after, err := canonicalJSON(g.Event.After)
				if err != nil {
					genErr = err
					return nil, err
				}
				r := Row{OccurredAt: g.OccurredAt.UTC().Truncate(time.Microsecond), ActorID: nonZero(g.Actor.ID), ActorEmail: g.Actor.Email,
					Action: g.Event.Action, EntityType: g.Event.EntityType, EntityID: nonZero(g.Event.EntityID),
					EngagementID: nonZero(g.Event.EngagementID), ClientID: nonZero(g.Event.ClientID), Before: before, After: after, PrevHash: prev}
				r.Hash = r.computeHash()
				prev = r.Hash
				return []any{r.OccurredAt, r.ActorID, r.ActorEmail, r.Action, r.EntityType, r.EntityID, r.EngagementID, r.ClientID,
					jsonOrNil(r.Before), jsonOrNil(r.After), "", "", r.PrevHash, r.Hash}, nil
			}))
		return err
	})
	if genErr != nil {
		return fmt.Errorf("audit bulk: %w", genErr)
	}
	if err != nil {
		return fmt.Errorf("audit bulk: copying: %w", err)
	}
	return nil
}

func jsonOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
