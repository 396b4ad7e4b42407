package requests

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/notify"
)

// The client's coordinator (issue #16 point 8): a client contact of an engagement whom the firm
// marks as the one who spreads the request list over colleagues of their own organization. The
// coordinator invites colleagues (the firm's one-time set-password links, InviteContact),
// assigns and reassigns requests among them, and sees every request; once an engagement has a
// coordinator, its other client users see the requests assigned to them and those they uploaded
// to. Who may do what is decided by internal/policy; these functions keep the data consistent.

// involvedSQL: request r is assigned to user ? or has a file user ? uploaded.
const involvedSQL = `(r.assignee_id = ? OR EXISTS (SELECT 1 FROM evidence_files f WHERE f.request_id = r.id AND f.uploaded_by = ?))`

// clientSeesAllSQL: client user ? sees every request of engagement e — the engagement has no
// coordinator, or the user is its coordinator; otherwise they see the requests they are involved
// in (involvedSQL). (The policy decides the same per request; this is its form for lists that
// span engagements, such as the client dashboard, which decide it once per engagement instead of
// once per request.)
const clientSeesAllSQL = `(NOT EXISTS (SELECT 1 FROM engagement_members cm WHERE cm.engagement_id = e.id AND cm.coordinator)
	OR EXISTS (SELECT 1 FROM engagement_members cm WHERE cm.engagement_id = e.id AND cm.user_id = ? AND cm.coordinator))`

// Involved reports whether userID is the assignee of request id or uploaded a file to it.
func (s *Service) Involved(ctx context.Context, requestID, userID int64) (bool, error) {
	var ok bool
	err := s.DB.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM info_requests r WHERE r.id = ? AND `+involvedSQL+`)`,
		requestID, userID, userID).Row().Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("checking who is involved in request %d: %w", requestID, err)
	}
	return ok, nil
}

// Colleague is a client contact of an engagement as the coordinator's page lists them.
type Colleague struct {
	ID          int64
	Name, Email string
	Coordinator bool
	Invited     bool // has not set a password yet
	Disabled    bool
	Assigned    int // open and submitted requests assigned to them
}

// Colleagues lists the client contacts on the engagement's team.
func (s *Service) Colleagues(ctx context.Context, engagementID int64) ([]Colleague, error) {
	var out []Colleague
	err := s.DB.WithContext(ctx).Raw(`SELECT u.id, u.name, u.email, m.coordinator, u.password_hash = '' AS invited,
			u.disabled_at IS NOT NULL AS disabled,
			(SELECT count(*) FROM info_requests r WHERE r.engagement_id = m.engagement_id AND r.assignee_id = u.id AND r.status <> 'accepted') AS assigned
		FROM engagement_members m JOIN users u ON u.id = m.user_id
		WHERE m.engagement_id = ? AND m.role = 'client_contact' ORDER BY m.coordinator DESC, u.name`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing the client contacts of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// SetCoordinator marks (on) or unmarks a client contact of the engagement as its coordinator.
func (s *Service) SetCoordinator(ctx context.Context, actor auth.User, engagementID, userID int64, on bool) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := dbx.One[struct {
			Coordinator bool
			Email       string
			ClientID    int64
		}](tx, fmt.Sprintf("client contact %d of engagement %d", userID, engagementID), `
			SELECT m.coordinator, u.email, e.client_id FROM engagement_members m JOIN users u ON u.id = m.user_id
			JOIN engagements e ON e.id = m.engagement_id
			WHERE m.engagement_id = ? AND m.user_id = ? AND m.role = 'client_contact' AND u.role = 'client' AND u.client_id = e.client_id
			FOR UPDATE OF m`, engagementID, userID)
		if err != nil {
			return err
		}
		if m.Coordinator == on {
			return nil
		}
		if err := tx.Exec(`UPDATE engagement_members SET coordinator = ? WHERE engagement_id = ? AND user_id = ?`, on, engagementID, userID).Error; err != nil {
			return fmt.Errorf("marking the coordinator of engagement %d: %w", engagementID, err)
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "engagement.coordinator_set", EntityType: "engagement", EntityID: engagementID,
			EngagementID: engagementID, ClientID: m.ClientID,
			Before: map[string]any{"user_id": userID, "email": m.Email, "coordinator": m.Coordinator},
			After:  map[string]any{"user_id": userID, "email": m.Email, "coordinator": on}})
	})
}

// Assign gives request id to assigneeID, a client contact of the engagement of the request's own
// organization (never anyone else's: the check is here as well as in the policy). version is the
// version the coordinator saw; a newer one is a conflict. The new assignee is told by e-mail.
func (s *Service) Assign(ctx context.Context, actor auth.User, id int64, version int, assigneeID int64) (Request, error) {
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
			return apperr.Validation{"assignee_id": r.Label() + " is accepted, so it needs nobody any more."}
		}
		var to auth.User
		err = tx.Raw(`SELECT u.* FROM users u JOIN engagement_members m ON m.user_id = u.id AND m.engagement_id = ? AND m.role = 'client_contact'
			WHERE u.id = ? AND u.role = 'client' AND u.client_id = ? AND u.disabled_at IS NULL`, r.EngagementID, assigneeID, r.ClientID).Scan(&to).Error
		if err != nil {
			return fmt.Errorf("loading assignee %d: %w", assigneeID, err)
		}
		if to.ID == 0 {
			return apperr.Validation{"assignee_id": "Choose a colleague from the list: only the contacts of this engagement can be assigned (invite them first)."}
		}
		if r.AssigneeID != nil && *r.AssigneeID == to.ID {
			out = r.Request
			return nil
		}
		if err := tx.Exec(`UPDATE info_requests SET assignee_id = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			to.ID, s.Clock.Now(), id).Error; err != nil {
			return fmt.Errorf("assigning request %d: %w", id, err)
		}
		err = audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request.assign", EntityType: "info_request", EntityID: id,
			EngagementID: r.EngagementID, ClientID: r.ClientID,
			Before: map[string]any{"assignee_id": r.AssigneeID, "assignee": r.AssigneeEmail},
			After:  map[string]any{"assignee_id": to.ID, "assignee": to.Email, "number": r.Label()}})
		if err != nil {
			return err
		}
		out = r.Request
		out.AssigneeID, out.AssigneeName, out.AssigneeEmail, out.Version = &to.ID, to.Name, to.Email, r.Version+1
		body := fmt.Sprintf("Hello %s,\n\n%s, who coordinates the auditors' requests of %s, assigned this one to you:\n\n  %s %s\n  %s\n\n"+
			"Upload the files on the request's page and submit it when complete.\n", to.Name, actor.Name, r.EngagementName, r.Label(), r.Title, s.requestURL(r.ID))
		return notify.Enqueue(ctx, tx, notify.Message{RecipientID: to.ID, To: to.Email, Subject: r.EngagementName + ": " + r.Label() + " " + r.Title,
			Body: body, Kind: "assigned"})
	})
	return out, err
}

// inviteAction is the audit action of an invitation: the firm adds a member; a coordinator
// invites a colleague, which the firm reads as such in the audit trail.
func inviteAction(actor auth.User) string {
	if actor.Role == auth.RoleClient {
		return "engagement.colleague_invite"
	}
	return "engagement.member_add"
}
