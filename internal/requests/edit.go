package requests

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// Update changes what a request asks, of whom, by when, and what it supports — typically after
// the firm's standard list was added in bulk with one assignee and one due date. version is the
// version the auditor edited; a newer one is a conflict. A new assignee is told by e-mail.
// Accepted requests are closed and keep what they were accepted as.
func (s *Service) Update(ctx context.Context, actor auth.User, id int64, version int, in Input) (Request, error) {
	v, due := in.validate()
	if err := v.Err(); err != nil {
		return Request{}, err
	}
	var out Request
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockRequest(tx, id)
		if err != nil {
			return err
		}
		if err := staleVersion(r, version, s.Clock.Now()); err != nil {
			return err
		}
		if r.Status == StatusAccepted {
			return apperr.Validation{"status": r.Label() + " is accepted, so it can no longer be changed."}
		}
		var assignee *auth.User
		if in.AssigneeID != 0 {
			u, err := checkAssignee(tx, r.ClientID, in.AssigneeID)
			if err != nil {
				return err
			}
			assignee = &u
		}
		if err := checkLinks(tx, r.EngagementID, in.Links); err != nil {
			return err
		}
		var beforeLinks []Link
		if err := tx.Raw(`SELECT target_type, target_id FROM info_request_links WHERE request_id = ? ORDER BY target_type, target_id`,
			id).Scan(&beforeLinks).Error; err != nil {
			return fmt.Errorf("loading links of request %d: %w", id, err)
		}
		var assigneeID *int64
		if in.AssigneeID != 0 {
			assigneeID = &in.AssigneeID
		}
		err = tx.Exec(`UPDATE info_requests SET title = ?, description = ?, assignee_id = ?, due_date = ?, priority = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, in.Title, in.Description, assigneeID, due, in.Priority, s.Clock.Now(), id).Error
		if err != nil {
			return fmt.Errorf("updating request %d: %w", id, err)
		}
		if err := tx.Exec(`DELETE FROM info_request_links WHERE request_id = ?`, id).Error; err != nil {
			return fmt.Errorf("relinking request %d: %w", id, err)
		}
		for _, l := range in.Links {
			if err := tx.Exec(`INSERT INTO info_request_links (request_id, target_type, target_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				id, l.TargetType, l.TargetID).Error; err != nil {
				return fmt.Errorf("linking request %d: %w", id, err)
			}
		}
		err = audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request.update", EntityType: "info_request", EntityID: id,
			EngagementID: r.EngagementID, ClientID: r.ClientID,
			Before: map[string]any{"title": r.Title, "description": r.Description, "assignee_id": r.AssigneeID, "due_date": r.DueDate,
				"priority": r.Priority, "links": beforeLinks},
			After: map[string]any{"title": in.Title, "description": in.Description, "assignee_id": assigneeID, "due_date": due,
				"priority": in.Priority, "links": in.Links}})
		if err != nil {
			return err
		}
		out = r.Request
		out.Title, out.Description, out.AssigneeID, out.DueDate, out.Priority, out.Version = in.Title, in.Description, assigneeID, due, in.Priority, r.Version+1
		if assignee != nil && (r.AssigneeID == nil || *r.AssigneeID != assignee.ID) {
			return s.notifyAssigned(ctx, tx, *assignee, r.EngagementName, []Request{out})
		}
		return nil
	})
	return out, err
}
