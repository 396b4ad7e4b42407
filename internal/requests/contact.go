package requests

import (
	"context"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/notify"
)

// Invited is the result of inviting a client contact.
type Invited struct {
	User auth.User
	Link string // the one-time set-password link; empty when the person already has a password
}

// InviteContact makes email a client contact of the engagement: a new client user of the
// engagement's client without a password gets a one-time, expiring set-password link (e-mailed
// through the outbox, and returned so the auditor can pass it on when no SMTP is configured).
// An existing client user of the same client is just added to the team.
func (s *Service) InviteContact(ctx context.Context, authSvc *auth.Service, actor auth.User, engagementID int64, email, name string) (Invited, error) {
	email = auth.NormalizeEmail(email)
	name = strings.TrimSpace(name)
	var eng struct {
		ClientID int64
		Name     string
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT client_id, name FROM engagements WHERE id = ?`, engagementID).Scan(&eng).Error; err != nil {
		return Invited{}, err
	}
	if eng.ClientID == 0 {
		return Invited{}, apperr.ErrNotFound
	}
	u, err := dbx.First[auth.User](s.DB.WithContext(ctx).Where("lower(email) = ?", email), "user "+email)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		u, err = authSvc.CreateUser(ctx, actor.Actor(), auth.NewUser{Email: email, Name: name, Role: auth.RoleClient, ClientID: &eng.ClientID})
		if err != nil {
			return Invited{}, err
		}
	case err != nil:
		return Invited{}, err
	case u.Role != auth.RoleClient || u.ClientID == nil || *u.ClientID != eng.ClientID:
		return Invited{}, apperr.Validation{"email": "This address belongs to someone who is not a user of this client. Use the contact's own company address."}
	case !u.Active():
		return Invited{}, apperr.Validation{"email": "This contact's account is disabled. Ask an administrator to enable it first."}
	}
	var out Invited
	out.User = u
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, 'client_contact') ON CONFLICT DO NOTHING`, engagementID, u.ID)
		if res.Error != nil {
			return fmt.Errorf("adding %s to the engagement: %w", email, res.Error)
		}
		if res.RowsAffected > 0 {
			after := map[string]any{"user_id": u.ID, "email": u.Email, "name": u.Name, "role": "client_contact"}
			if actor.Role == auth.RoleClient {
				after["invited_by"] = actor.Email
			}
			if err := audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: inviteAction(actor), EntityType: "engagement", EntityID: engagementID,
				EngagementID: engagementID, ClientID: eng.ClientID, After: after}); err != nil {
				return err
			}
		}
		if u.PasswordHash != "" {
			return nil
		}
		token, err := authSvc.CreateInvitation(ctx, tx, actor.Actor(), u.ID)
		if err != nil {
			return err
		}
		out.Link = s.BaseURL + "/invitations/" + token
		body := fmt.Sprintf("Hello %s,\n\n%s invited you to the client portal of %s, where the auditors ask for evidence and you upload it.\n\n"+
			"Set your password with this link (valid for %d hours, usable once):\n%s\n", u.Name, actor.Name, eng.Name, int(auth.InvitationTTL.Hours()), out.Link)
		return notify.Enqueue(ctx, tx, notify.Message{RecipientID: u.ID, To: u.Email, Subject: "Your access to the " + eng.Name + " client portal",
			Body: body, Kind: "invitation"})
	})
	return out, err
}
