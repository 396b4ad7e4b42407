package requests

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/notify"
)

// locked is a request row read FOR UPDATE with what notifications need.
type locked struct {
	Request
	ClientID       int64
	EngagementName string
}

func lockRequest(tx *gorm.DB, id int64) (locked, error) {
	return dbx.One[locked](tx, fmt.Sprintf("request %d", id), `SELECT `+requestColumns+`, e.client_id, e.name AS engagement_name
		FROM info_requests r JOIN engagements e ON e.id = r.engagement_id LEFT JOIN users u ON u.id = r.assignee_id
		WHERE r.id = ? FOR UPDATE OF r`, id)
}

func staleVersion(r locked, version int, now time.Time) error {
	if version != 0 && version != r.Version {
		return &apperr.ConflictError{Entity: "Request " + r.Label(), Current: r.Request, UpdatedAt: now}
	}
	return nil
}

// Move applies a workflow step (submit, accept or return) to request id. version is the version
// the user saw (0 skips the check); reason is required to return.
func (s *Service) Move(ctx context.Context, actor auth.User, id int64, step string, version int, reason string) (Request, error) {
	reason = strings.TrimSpace(reason)
	var out Request
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockRequest(tx, id)
		if err != nil {
			return err
		}
		if err := staleVersion(r, version, s.Clock.Now()); err != nil {
			return err
		}
		next, err := Next(r.Status, step, r.EvidenceCount, reason)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		set := map[string]any{"status": next, "version": r.Version + 1, "updated_at": now}
		switch step {
		case StepSubmit:
			set["submitted_at"] = now
		case StepAccept:
			set["accepted_at"] = now
			set["return_reason"] = ""
		case StepReturn:
			set["return_reason"] = reason
		}
		if err := tx.Table("info_requests").Where("id = ?", id).Updates(set).Error; err != nil {
			return fmt.Errorf("moving request %d to %s: %w", id, next, err)
		}
		if err := audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request." + step, EntityType: "info_request", EntityID: id,
			EngagementID: r.EngagementID, ClientID: r.ClientID, Before: map[string]any{"status": r.Status, "return_reason": r.ReturnReason},
			After: map[string]any{"status": next, "return_reason": set["return_reason"]}}); err != nil {
			return err
		}
		if step == StepReturn && r.AssigneeID != nil {
			body := fmt.Sprintf("The auditors returned %s %s (%s) with this reason:\n\n  %s\n\nAdd what is missing and submit it again:\n%s\n",
				r.Label(), r.Title, r.EngagementName, reason, s.requestURL(id))
			if err := notify.Enqueue(ctx, tx, notify.Message{RecipientID: *r.AssigneeID, To: r.AssigneeEmail,
				Subject: r.EngagementName + ": " + r.Label() + " returned", Body: body, Kind: "returned"}); err != nil {
				return err
			}
		}
		out = r.Request
		out.Status, out.Version = next, r.Version+1
		return nil
	})
	return out, err
}

// Comment is one message in a request's thread.
type Comment struct {
	ID         int64
	AuthorName string
	AuthorRole string
	Body       string
	CreatedAt  time.Time
}

// Comments lists a request's thread, oldest first.
func (s *Service) Comments(ctx context.Context, requestID int64) ([]Comment, error) {
	var out []Comment
	err := s.DB.WithContext(ctx).Raw(`SELECT c.id, u.name AS author_name, u.role AS author_role, c.body, c.created_at
		FROM request_comments c JOIN users u ON u.id = c.author_id WHERE c.request_id = ? ORDER BY c.created_at, c.id`, requestID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading comments of request %d: %w", requestID, err)
	}
	return out, nil
}

// AddComment adds to a request's thread and tells the other side: the assignee when an auditor
// writes, the auditor who created the request when the client writes. Accepted requests are closed.
func (s *Service) AddComment(ctx context.Context, actor auth.User, id int64, body string) error {
	body = strings.TrimSpace(body)
	if body == "" {
		return apperr.Validation{"body": "Write a comment first."}
	}
	if len(body) > 10000 {
		return apperr.Validation{"body": "Keep comments under 10,000 characters; attach longer text as a file."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockRequest(tx, id)
		if err != nil {
			return err
		}
		if r.Status == StatusAccepted {
			return apperr.Validation{"body": "This request is accepted, so its thread is closed. Ask the auditor in a new request if something changed."}
		}
		var cid int64
		if err := tx.Raw(`INSERT INTO request_comments (request_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			id, actor.ID, body, s.Clock.Now()).Row().Scan(&cid); err != nil {
			return fmt.Errorf("adding comment to request %d: %w", id, err)
		}
		if err := audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request.comment", EntityType: "request_comment", EntityID: cid,
			EngagementID: r.EngagementID, ClientID: r.ClientID, After: map[string]any{"request_id": id, "body": body}}); err != nil {
			return err
		}
		var to auth.User
		switch {
		case actor.Role == auth.RoleClient && r.CreatedBy != nil:
			if err := tx.First(&to, *r.CreatedBy).Error; err != nil {
				return err
			}
		case actor.Role != auth.RoleClient && r.AssigneeID != nil:
			if err := tx.First(&to, *r.AssigneeID).Error; err != nil {
				return err
			}
		}
		if to.ID == 0 || to.ID == actor.ID || !to.Active() {
			return nil
		}
		msg := fmt.Sprintf("%s commented on %s %s (%s):\n\n%s\n\nReply on the request's page:\n%s\n",
			actor.Name, r.Label(), r.Title, r.EngagementName, body, s.requestURL(id))
		return notify.Enqueue(ctx, tx, notify.Message{RecipientID: to.ID, To: to.Email,
			Subject: r.EngagementName + ": comment on " + r.Label(), Body: msg, Kind: "comment"})
	})
}

// AddEvidence records files already received into the store as evidence for request id. Files
// are accepted while the request is with the client (open or returned).
func (s *Service) AddEvidence(ctx context.Context, actor auth.User, id int64, files []evidence.Received) error {
	// Refuse before storing anything when the request no longer takes files; the check is
	// repeated under the lock below, so only a request accepted in between leaves an orphan blob
	// (collected after a day).
	if r, err := lockRequest(s.DB.WithContext(ctx), id); err != nil {
		return err
	} else if err := takesFiles(r); err != nil {
		return err
	}
	// The bytes go to the store first, outside the transaction and its locks (docs/decisions.md).
	if err := evidence.CommitBlobs(ctx, files); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockRequest(tx, id)
		if err != nil {
			return err
		}
		if err := takesFiles(r); err != nil {
			return err
		}
		_, err = evidence.RecordTx(ctx, tx, actor.Actor(), r.ClientID, evidence.Target{EngagementID: r.EngagementID, RequestID: id}, files)
		return err
	})
}

// takesFiles refuses files for a request that is not with the client (open or returned).
func takesFiles(r locked) error {
	if r.Status != StatusOpen {
		return apperr.Validation{"files": "This request is " + r.Status + "; files can be added only while it is open or returned."}
	}
	return nil
}
