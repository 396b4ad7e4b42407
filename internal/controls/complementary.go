package controls

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/description"
)

// Kinds of complementary controls: the report relies on user entities (CUECs) and on carved-out
// subservice organizations (CSOCs) to operate them.
const (
	KindCUEC = "cuec"
	KindCSOC = "csoc"
)

// Complementary is a CUEC or CSOC.
type Complementary struct {
	ID                       int64
	EngagementID             int64
	Kind                     string
	Ref                      string
	Description              string
	SubserviceOrganizationID *int64
	SubserviceName           string
	Version                  int
	CreatedAt                time.Time
	Criteria                 []string `gorm:"-"`
}

// ComplementaryInput is what a user supplies for a CUEC or CSOC.
type ComplementaryInput struct {
	Kind                     string   `json:"kind"`
	Ref                      string   `json:"ref"`
	Description              string   `json:"description"`
	SubserviceOrganizationID int64    `json:"subservice_organization_id,omitempty"`
	Criteria                 []string `json:"criteria"`
}

// Input returns the stored values in the shape of a form.
func (c Complementary) Input() ComplementaryInput {
	in := ComplementaryInput{Kind: c.Kind, Ref: c.Ref, Description: c.Description, Criteria: append([]string(nil), c.Criteria...)}
	if c.SubserviceOrganizationID != nil {
		in.SubserviceOrganizationID = *c.SubserviceOrganizationID
	}
	return in
}

// Subservice is a subservice organization of the engagement.
type Subservice struct {
	ID     int64
	Name   string
	Method string
}

// Subservices lists the engagement's subservice organizations.
func (s *Service) Subservices(ctx context.Context, engagementID int64) ([]Subservice, error) {
	var list []Subservice
	err := s.DB.WithContext(ctx).Raw(`SELECT id, name, method FROM subservice_organizations WHERE engagement_id = ? ORDER BY lower(name)`, engagementID).Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("listing subservice organizations of engagement %d: %w", engagementID, err)
	}
	return list, nil
}

func (in *ComplementaryInput) normalize(sc Scope) {
	in.Ref = strings.TrimSpace(in.Ref)
	in.Description = strings.TrimSpace(in.Description)
	ctl := Input{Criteria: in.Criteria}
	ctl.Normalize(sc)
	in.Criteria = ctl.Criteria
	if in.Kind == KindCUEC {
		in.SubserviceOrganizationID = 0
	}
}

func (in ComplementaryInput) validate(tx *gorm.DB, sc Scope) (apperr.Validation, error) {
	v := apperr.Validation{}
	if in.Kind != KindCUEC && in.Kind != KindCSOC {
		v.Add("kind", "Choose CUEC (user entity) or CSOC (subservice organization).")
	}
	if in.Description == "" {
		v.Add("description", "Describe the complementary control.")
	}
	if len(in.Criteria) == 0 {
		v.Add("criteria", "Map it to at least one criterion.")
	}
	for _, id := range in.Criteria {
		if msg := sc.CheckCriterion(id); msg != "" {
			v.Add("criteria", msg)
		}
	}
	if in.Kind == KindCSOC {
		var sso struct{ Name, Method string }
		if in.SubserviceOrganizationID != 0 {
			if err := tx.Raw(`SELECT name, method FROM subservice_organizations WHERE id = ? AND engagement_id = ?`,
				in.SubserviceOrganizationID, sc.EngagementID).Scan(&sso).Error; err != nil {
				return nil, fmt.Errorf("checking subservice organization: %w", err)
			}
		}
		switch {
		case sso.Method == "":
			v.Add("subservice_organization_id", "Choose the subservice organization that operates this control.")
		case sso.Method == "inclusive":
			// Under the inclusive method the subservice organization's controls are part of the
			// description and tested like the service organization's own: they are no CSOCs.
			v.Add("subservice_organization_id", sso.Name+" is presented with the inclusive method: add its controls to the control matrix instead. CSOCs are for carved-out subservice organizations.")
		}
	}
	return v, nil
}

// ListComplementary returns the engagement's CUECs then CSOCs.
func (s *Service) ListComplementary(ctx context.Context, engagementID int64) ([]Complementary, error) {
	return queryComplementary(s.DB.WithContext(ctx), `cc.engagement_id = ?`, engagementID)
}

// GetComplementary returns one CUEC or CSOC.
func (s *Service) GetComplementary(ctx context.Context, id int64) (Complementary, error) {
	list, err := queryComplementary(s.DB.WithContext(ctx), `cc.id = ?`, id)
	if err != nil {
		return Complementary{}, err
	}
	if len(list) == 0 {
		return Complementary{}, apperr.ErrNotFound
	}
	return list[0], nil
}

func queryComplementary(tx *gorm.DB, where string, arg any) ([]Complementary, error) {
	var list []Complementary
	err := tx.Raw(`SELECT cc.*, coalesce(s.name, '') AS subservice_name FROM complementary_controls cc
		LEFT JOIN subservice_organizations s ON s.id = cc.subservice_organization_id
		WHERE `+where+` ORDER BY cc.kind DESC, lower(cc.ref), cc.id`, arg).Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("loading complementary controls: %w", err)
	}
	if len(list) == 0 {
		return list, nil
	}
	ids := make([]int64, len(list))
	byID := map[int64]*Complementary{}
	for i := range list {
		ids[i] = list[i].ID
		byID[list[i].ID] = &list[i]
	}
	var links []struct {
		ComplementaryControlID int64
		CriterionID            string
	}
	err = tx.Raw(`SELECT l.complementary_control_id, l.criterion_id FROM complementary_control_criteria l
		JOIN criteria c ON c.id = l.criterion_id WHERE l.complementary_control_id IN ? ORDER BY c.sort_order`, ids).Scan(&links).Error
	if err != nil {
		return nil, fmt.Errorf("loading complementary control criteria: %w", err)
	}
	for _, l := range links {
		byID[l.ComplementaryControlID].Criteria = append(byID[l.ComplementaryControlID].Criteria, l.CriterionID)
	}
	return list, nil
}

func setComplementaryCriteria(tx *gorm.DB, id int64, ids []string) error {
	if err := tx.Exec(`DELETE FROM complementary_control_criteria WHERE complementary_control_id = ?`, id).Error; err != nil {
		return fmt.Errorf("clearing criteria of complementary control %d: %w", id, err)
	}
	for _, c := range ids {
		if err := tx.Exec(`INSERT INTO complementary_control_criteria (complementary_control_id, criterion_id) VALUES (?, ?)`, id, c).Error; err != nil {
			return fmt.Errorf("mapping complementary control %d to %s: %w", id, c, err)
		}
	}
	return nil
}

func nullableID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// CreateComplementary adds a CUEC or CSOC.
func (s *Service) CreateComplementary(ctx context.Context, actor audit.Actor, engagementID int64, in ComplementaryInput) (int64, error) {
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sc, err := s.WithTx(tx).LoadScope(ctx, engagementID)
		if err != nil {
			return err
		}
		in.normalize(sc)
		v, err := in.validate(tx, sc)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		err = tx.Raw(`INSERT INTO complementary_controls (engagement_id, kind, ref, description, subservice_organization_id)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, engagementID, in.Kind, in.Ref, in.Description, nullableID(in.SubserviceOrganizationID)).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("inserting complementary control: %w", err)
		}
		if err := setComplementaryCriteria(tx, id, in.Criteria); err != nil {
			return err
		}
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, engagementID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "complementary_control.create", EntityType: "complementary_control",
			EntityID: id, EngagementID: engagementID, ClientID: sc.ClientID, After: in})
	})
	return id, err
}

// UpdateComplementary saves in over a CUEC or CSOC unless it changed since version.
func (s *Service) UpdateComplementary(ctx context.Context, actor audit.Actor, id int64, version int, in ComplementaryInput) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockComplementary(tx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &apperr.ConflictError{Entity: strings.ToUpper(cur.Kind) + " " + cur.Ref, Current: cur, UpdatedAt: cur.CreatedAt}
		}
		sc, err := s.WithTx(tx).LoadScope(ctx, cur.EngagementID)
		if err != nil {
			return err
		}
		in.normalize(sc)
		v, err := in.validate(tx, sc)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		err = tx.Exec(`UPDATE complementary_controls SET kind = ?, ref = ?, description = ?, subservice_organization_id = ?,
			version = version + 1 WHERE id = ?`, in.Kind, in.Ref, in.Description, nullableID(in.SubserviceOrganizationID), id).Error
		if err != nil {
			return fmt.Errorf("updating complementary control %d: %w", id, err)
		}
		if err := setComplementaryCriteria(tx, id, in.Criteria); err != nil {
			return err
		}
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, cur.EngagementID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "complementary_control.update", EntityType: "complementary_control",
			EntityID: id, EngagementID: cur.EngagementID, ClientID: sc.ClientID, Before: cur.Input(), After: in})
	})
}

// DeleteComplementary removes a CUEC or CSOC unless it changed since version.
func (s *Service) DeleteComplementary(ctx context.Context, actor audit.Actor, id int64, version int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockComplementary(tx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &apperr.ConflictError{Entity: strings.ToUpper(cur.Kind) + " " + cur.Ref, Current: cur, UpdatedAt: cur.CreatedAt}
		}
		sc, err := s.WithTx(tx).LoadScope(ctx, cur.EngagementID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM complementary_controls WHERE id = ?`, id).Error; err != nil {
			return fmt.Errorf("deleting complementary control %d: %w", id, err)
		}
		// The approved assertion rests on these facts: a change withdraws it, in this transaction.
		if err := description.WithdrawIfFactsChanged(ctx, tx, time.Now().UTC(), actor, cur.EngagementID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "complementary_control.delete", EntityType: "complementary_control",
			EntityID: id, EngagementID: cur.EngagementID, ClientID: sc.ClientID, Before: cur.Input()})
	})
}

func lockComplementary(tx *gorm.DB, id int64) (Complementary, error) {
	if err := tx.Exec(`SELECT 1 FROM complementary_controls WHERE id = ? FOR UPDATE`, id).Error; err != nil {
		return Complementary{}, fmt.Errorf("locking complementary control %d: %w", id, err)
	}
	list, err := queryComplementary(tx, `cc.id = ?`, id)
	if err != nil {
		return Complementary{}, err
	}
	if len(list) == 0 {
		return Complementary{}, apperr.ErrNotFound
	}
	return list[0], nil
}
