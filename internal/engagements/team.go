package engagements

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
	"github.com/attest-soc/attest/internal/description"
)

// TeamRoles lists the team roles as engagement_members.role stores them (auth.TeamRoles).
var TeamRoles = func() []string {
	out := make([]string, len(auth.TeamRoles))
	for i, r := range auth.TeamRoles {
		out[i] = string(r)
	}
	return out
}()

// TeamRoleLabel is a team role as users read it (auth.TeamRole.Label).
func TeamRoleLabel(role string) string { return auth.TeamRole(role).Label() }

// Member is one person on an engagement's team.
type Member struct {
	UserID                  int64
	Name                    string
	Email                   string
	Role                    string
	IndependenceConfirmedAt *time.Time
}

// IsFirm reports whether the member is from the audit firm (who must confirm independence).
func (m Member) IsFirm() bool { return m.Role != "client_contact" }

// Members lists the team, firm members by seniority first, then client contacts.
func (s *Service) Members(ctx context.Context, engagementID int64) ([]Member, error) {
	var out []Member
	err := s.DB.WithContext(ctx).Raw(`SELECT m.user_id, u.name, u.email, m.role, m.independence_confirmed_at
		FROM engagement_members m JOIN users u ON u.id = m.user_id WHERE m.engagement_id = ?
		ORDER BY array_position(ARRAY['partner','manager','senior','staff','client_contact'], m.role), u.name`,
		engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading team of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// Candidate is a user who may join the team.
type Candidate struct {
	ID       int64
	Name     string
	Email    string
	IsClient bool
}

// Candidates lists active firm users and the client's users who are not on the team yet.
func (s *Service) Candidates(ctx context.Context, engagementID int64) ([]Candidate, error) {
	var out []Candidate
	err := s.DB.WithContext(ctx).Raw(`SELECT u.id, u.name, u.email, u.role = 'client' AS is_client
		FROM users u, engagements e
		WHERE e.id = ? AND u.disabled_at IS NULL AND (u.role <> 'client' OR u.client_id = e.client_id)
		  AND NOT EXISTS (SELECT 1 FROM engagement_members m WHERE m.engagement_id = e.id AND m.user_id = u.id)
		ORDER BY u.role = 'client', u.name`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading team candidates of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// CheckTeamChange is the rule for who may change whom on a team, as a pure function: nobody
// changes their own place on the team (actorID == userID; the system actor, 0, is exempt); only a
// firm partner or an administrator appoints or removes the engagement partner; and the
// engagement partner is always a user whose firm role is partner (partners must use MFA, so the
// one who signs has signed in with a second factor). role is the team role being given or taken
// away; userFirmRole is the firm role of the user concerned.
func CheckTeamChange(actorID int64, actorFirmRole string, userID int64, userFirmRole, role string) apperr.Validation {
	v := apperr.Validation{}
	if actorID != 0 && actorID == userID {
		v.Add("user_id", "You cannot change your own place on the team. Ask a partner or an administrator.")
	}
	if role == "partner" {
		if actorID != 0 && actorFirmRole != "partner" && actorFirmRole != "admin" {
			v.Add("role", "Only a partner or an administrator appoints or replaces the engagement partner.")
		}
		if userFirmRole != "partner" {
			v.Add("role", "The engagement partner must be a partner of the firm.")
		}
	}
	return v
}

// firmRole is the stored role of user id ("" for the system actor or an unknown user).
func firmRole(tx *gorm.DB, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	var role string
	if err := tx.Raw(`SELECT role FROM users WHERE id = ?`, id).Scan(&role).Error; err != nil {
		return "", fmt.Errorf("loading role of user %d: %w", id, err)
	}
	return role, nil
}

// AddMember puts a user on the team in role. Firm users take firm roles, the client's own
// users are client contacts, and the engagement has one partner, who is a firm partner
// appointed by a partner or an administrator (CheckTeamChange).
func (s *Service) AddMember(ctx context.Context, actor audit.Actor, engagementID, userID int64, role string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lockUnsigned(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		actorRole, err := firmRole(tx, actor.ID)
		if err != nil {
			return err
		}
		var u struct {
			Role       string
			ClientID   *int64
			DisabledAt *time.Time
			Email      string
		}
		if err := tx.Raw(`SELECT role, client_id, disabled_at, email FROM users WHERE id = ?`, userID).Scan(&u).Error; err != nil {
			return fmt.Errorf("loading user %d: %w", userID, err)
		}
		v := CheckTeamChange(actor.ID, actorRole, userID, u.Role, role)
		switch {
		case u.Role == "" || u.DisabledAt != nil:
			v.Add("user_id", "Choose an active user.")
		case role == "client_contact" && (u.ClientID == nil || *u.ClientID != e.ClientID):
			v.Add("role", "Only users of "+e.ClientName+" can be client contacts.")
		case role != "client_contact" && u.Role == "client":
			v.Add("role", "Client users can only be client contacts.")
		case !isTeamRole(role):
			v.Add("role", "Choose the role on the team.")
		}
		var taken struct{ Member, Partner bool }
		if err := tx.Raw(`SELECT bool_or(user_id = ?) AS member, bool_or(role = 'partner') AS partner
			FROM engagement_members WHERE engagement_id = ?`, userID, engagementID).Scan(&taken).Error; err != nil {
			return fmt.Errorf("checking team of engagement %d: %w", engagementID, err)
		}
		if taken.Member {
			v.Add("user_id", "This person is already on the team.")
		}
		if role == "partner" && taken.Partner {
			v.Add("role", "The engagement already has a partner; remove them first.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?)`,
			engagementID, userID, role).Error; err != nil {
			return fmt.Errorf("adding member to engagement %d: %w", engagementID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.member_add", EntityType: "engagement_member",
			EntityID: userID, EngagementID: engagementID, ClientID: e.ClientID,
			After: map[string]any{"user_id": userID, "email": u.Email, "role": role}})
	})
}

// RemoveMember takes a user off the team.
func (s *Service) RemoveMember(ctx context.Context, actor audit.Actor, engagementID, userID int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lockUnsigned(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		var m struct{ Role, FirmRole string }
		if err := tx.Raw(`SELECT m.role, u.role AS firm_role FROM engagement_members m JOIN users u ON u.id = m.user_id
			WHERE m.engagement_id = ? AND m.user_id = ? FOR UPDATE OF m`, engagementID, userID).Scan(&m).Error; err != nil {
			return fmt.Errorf("loading member of engagement %d: %w", engagementID, err)
		}
		if m.Role == "" {
			return apperr.ErrNotFound
		}
		actorRole, err := firmRole(tx, actor.ID)
		if err != nil {
			return err
		}
		v := CheckTeamChange(actor.ID, actorRole, userID, m.FirmRole, m.Role)
		delete(v, "role") // a former partner of the firm may still be taken off the team
		if m.Role == "partner" && actor.ID != 0 && actorRole != "partner" && actorRole != "admin" {
			v.Add("role", "Only a partner or an administrator appoints or replaces the engagement partner.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		role := m.Role
		if err := tx.Exec(`DELETE FROM engagement_members WHERE engagement_id = ? AND user_id = ?`, engagementID, userID).Error; err != nil {
			return fmt.Errorf("removing member from engagement %d: %w", engagementID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.member_remove", EntityType: "engagement_member",
			EntityID: userID, EngagementID: engagementID, ClientID: e.ClientID, Before: map[string]any{"user_id": userID, "role": role}})
	})
}

// ConfirmIndependence records that the acting firm member is independent of the client. Each
// member confirms for themselves; nobody can confirm for someone else.
func (s *Service) ConfirmIndependence(ctx context.Context, actor audit.Actor, engagementID int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lockUnsigned(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE engagement_members SET independence_confirmed_at = now()
			WHERE engagement_id = ? AND user_id = ? AND role <> 'client_contact' AND independence_confirmed_at IS NULL`,
			engagementID, actor.ID)
		if res.Error != nil {
			return fmt.Errorf("confirming independence on engagement %d: %w", engagementID, res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.Validation{"independence": "You are not a firm member of this team, or you have already confirmed."}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "engagement.independence_confirm", EntityType: "engagement_member",
			EntityID: actor.ID, EngagementID: engagementID, ClientID: e.ClientID, After: map[string]any{"user_id": actor.ID, "confirmed": true}})
	})
}

// SubserviceOrg is a subservice organization the system relies on.
type SubserviceOrg struct {
	ID       int64
	Name     string
	Services string
	Method   string // carve_out or inclusive
}

// MethodLabel is the presentation method as the report names it.
func MethodLabel(m string) string {
	if m == "inclusive" {
		return "Inclusive"
	}
	return "Carve-out"
}

// SubserviceOrgs lists the engagement's subservice organizations.
func (s *Service) SubserviceOrgs(ctx context.Context, engagementID int64) ([]SubserviceOrg, error) {
	var out []SubserviceOrg
	err := s.DB.WithContext(ctx).Raw(`SELECT id, name, services, method FROM subservice_organizations
		WHERE engagement_id = ? ORDER BY name, id`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading subservice organizations of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// AddSubserviceOrg records a subservice organization.
func (s *Service) AddSubserviceOrg(ctx context.Context, actor audit.Actor, engagementID int64, in SubserviceOrg) (int64, error) {
	in.Name, in.Services = strings.TrimSpace(in.Name), strings.TrimSpace(in.Services)
	v := apperr.Validation{}
	if in.Name == "" {
		v.Add("sso_name", "Enter the subservice organization's name.")
	}
	if in.Method != "carve_out" && in.Method != "inclusive" {
		v.Add("sso_method", "Choose carve-out or inclusive.")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lockUnsigned(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO subservice_organizations (engagement_id, name, services, method) VALUES (?, ?, ?, ?) RETURNING id`,
			engagementID, in.Name, in.Services, in.Method).Row().Scan(&id); err != nil {
			return fmt.Errorf("adding subservice organization: %w", err)
		}
		in.ID = id
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, engagementID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "subservice_org.create", EntityType: "subservice_organization",
			EntityID: id, EngagementID: engagementID, ClientID: e.ClientID, After: in})
	})
	return id, err
}

// RemoveSubserviceOrg deletes a subservice organization of the engagement.
func (s *Service) RemoveSubserviceOrg(ctx context.Context, actor audit.Actor, engagementID, id int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lockUnsigned(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		// A CSOC names the subservice organization that operates it; removing the organization
		// would leave the CSOC pointing at nobody.
		var csocs []string
		if err := tx.Raw(`SELECT coalesce(nullif(ref, ''), description) FROM complementary_controls
			WHERE subservice_organization_id = ? AND engagement_id = ? ORDER BY ref, id`, id, engagementID).Scan(&csocs).Error; err != nil {
			return fmt.Errorf("checking CSOCs of subservice organization %d: %w", id, err)
		}
		if len(csocs) > 0 {
			return apperr.Validation{"subservice_organization": "This subservice organization still operates " +
				strings.Join(csocs, ", ") + " (CSOCs in the control matrix). Delete or reassign them first."}
		}
		before, err := dbx.One[SubserviceOrg](tx, fmt.Sprintf("subservice organization %d", id),
			`DELETE FROM subservice_organizations WHERE id = ? AND engagement_id = ? RETURNING id, name, services, method`, id, engagementID)
		if err != nil {
			return err
		}
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, engagementID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "subservice_org.delete", EntityType: "subservice_organization",
			EntityID: id, EngagementID: engagementID, ClientID: e.ClientID, Before: before})
	})
}

// lockUnsigned locks the engagement row for a change and refuses once the opinion is signed.
func lockUnsigned(ctx context.Context, tx *gorm.DB, engagementID int64) (Engagement, error) {
	if err := tx.Exec(`SELECT 1 FROM engagements WHERE id = ? FOR UPDATE`, engagementID).Error; err != nil {
		return Engagement{}, fmt.Errorf("locking engagement %d: %w", engagementID, err)
	}
	e, err := NewService(tx).Get(ctx, engagementID)
	if err != nil {
		return e, err
	}
	if e.LockedAt != nil {
		return e, apperr.ErrLocked
	}
	return e, nil
}

func isTeamRole(r string) bool { return auth.TeamRole(r).Valid() }
