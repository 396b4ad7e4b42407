// Package notify owns e-mail: messages are written to the notifications outbox in the same
// transaction as the change that causes them, and a sender delivers them after commit (through
// SMTP, or to the log when no SMTP server is configured).
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/clock"
)

// Message is one e-mail to one person.
type Message struct {
	ID          int64
	RecipientID int64
	To          string
	Subject     string
	Body        string
	Kind        string // assigned, returned, comment, digest, invitation
}

// Enqueue writes m to the outbox inside tx, the transaction of the change it reports.
func Enqueue(ctx context.Context, tx *gorm.DB, m Message) error {
	var recipient any
	if m.RecipientID != 0 {
		recipient = m.RecipientID
	}
	err := tx.WithContext(ctx).Exec(`INSERT INTO notifications (recipient_id, to_address, subject, body, kind) VALUES (?, ?, ?, ?, ?)`,
		recipient, m.To, m.Subject, m.Body, m.Kind).Error
	if err != nil {
		return fmt.Errorf("queueing %s e-mail to %s: %w", m.Kind, m.To, err)
	}
	return nil
}

// Mailer delivers one message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// LogMailer writes messages to the log: the development default when no SMTP server is set.
type LogMailer struct{ Log *slog.Logger }

// Send logs m.
func (l LogMailer) Send(_ context.Context, m Message) error {
	l.Log.Info("e-mail (no SMTP configured)", "to", m.To, "subject", m.Subject, "kind", m.Kind, "body", m.Body)
	return nil
}

// Sender delivers the outbox.
type Sender struct {
	DB     *gorm.DB
	Mailer Mailer
	Clock  clock.Clock
	Log    *slog.Logger
}

const batchSize = 50

// SendPending delivers unsent messages, oldest first, and returns how many were sent. Rows are
// locked with SKIP LOCKED so several app instances never send the same message twice.
func (s *Sender) SendPending(ctx context.Context) (int, error) {
	sent := 0
	for {
		n, more, err := s.sendBatch(ctx)
		sent += n
		if err != nil || !more {
			return sent, err
		}
	}
}

func (s *Sender) sendBatch(ctx context.Context) (sent int, more bool, err error) {
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var batch []struct {
			ID          int64
			RecipientID *int64
			ToAddress   string
			Subject     string
			Body        string
			Kind        string
		}
		// Messages that failed are retried after the ones never tried, at most every 10 minutes.
		if err := tx.Raw(`SELECT id, recipient_id, to_address, subject, body, kind FROM notifications
			WHERE sent_at IS NULL AND (last_error = '' OR created_at < ?)
			ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, s.Clock.Now().Add(-10*time.Minute), batchSize).Scan(&batch).Error; err != nil {
			return fmt.Errorf("reading the e-mail outbox: %w", err)
		}
		more = len(batch) == batchSize
		for _, row := range batch {
			m := Message{ID: row.ID, To: row.ToAddress, Subject: row.Subject, Body: row.Body, Kind: row.Kind}
			if err := s.Mailer.Send(ctx, m); err != nil {
				s.Log.Warn("e-mail not delivered", "id", row.ID, "to", row.ToAddress, "err", err)
				more = false // do not spin on a failing server
				if err := tx.Exec(`UPDATE notifications SET last_error = ?, created_at = ? WHERE id = ?`, err.Error(), s.Clock.Now(), row.ID).Error; err != nil {
					return err
				}
				continue
			}
			if err := tx.Exec(`UPDATE notifications SET sent_at = ?, last_error = '' WHERE id = ?`, s.Clock.Now(), row.ID).Error; err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, more, err
}

// Run delivers the outbox every interval until ctx ends.
func (s *Sender) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("sending e-mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
