// Package controls holds an engagement's control matrix: the service organization's controls,
// the criteria each addresses, the complementary user-entity and subservice-organization
// controls (CUECs and CSOCs), coverage of the in-scope criteria, and import and export.
package controls

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	dbx "github.com/attest-soc/attest/internal/db"
)

// Control is one row of the control matrix.
type Control struct {
	ID            int64
	EngagementID  int64
	Ref           string
	Description   string
	Owner         string
	Frequency     string
	FrequencyNote string
	Nature        string
	ControlType   string
	Risk          string
	SortOrder     int
	Version       int
	UpdatedAt     time.Time
	Criteria      []string `gorm:"-"`
}

// Input is what a user or an import supplies for a control.
type Input struct {
	Ref           string   `json:"ref"`
	Description   string   `json:"description"`
	Owner         string   `json:"owner"`
	Frequency     string   `json:"frequency"`
	FrequencyNote string   `json:"frequency_note"`
	Nature        string   `json:"nature"`
	ControlType   string   `json:"control_type"`
	Risk          string   `json:"risk"`
	Criteria      []string `json:"criteria"`
}

// Input returns the stored values of c in the shape of a form.
func (c Control) Input() Input {
	return Input{Ref: c.Ref, Description: c.Description, Owner: c.Owner, Frequency: c.Frequency,
		FrequencyNote: c.FrequencyNote, Nature: c.Nature, ControlType: c.ControlType, Risk: c.Risk,
		Criteria: append([]string(nil), c.Criteria...)}
}

// Normalize trims the text fields and sorts the criteria in catalogue order.
func (in *Input) Normalize(sc Scope) {
	in.Ref = strings.TrimSpace(in.Ref)
	in.Description = strings.TrimSpace(in.Description)
	in.Owner = strings.TrimSpace(in.Owner)
	in.FrequencyNote = strings.TrimSpace(in.FrequencyNote)
	seen := map[string]bool{}
	var ids []string
	for _, id := range in.Criteria {
		id = strings.ToUpper(strings.TrimSpace(id))
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sc.sortCriteria(ids)
	in.Criteria = ids
}

// Validate reports field problems of in against the engagement's scope.
func (in Input) Validate(sc Scope) apperr.Validation {
	v := apperr.Validation{}
	switch {
	case in.Ref == "":
		v.Add("ref", "Enter the control reference, for example CC-01.")
	case len(in.Ref) > 40:
		v.Add("ref", "Keep the reference to 40 characters or fewer.")
	}
	if in.Description == "" {
		v.Add("description", "Describe the control.")
	}
	if !valid(Frequencies, in.Frequency) {
		v.Add("frequency", "Choose how often the control operates.")
	}
	if !valid(Natures, in.Nature) {
		v.Add("nature", "Choose manual, automated or IT-dependent manual.")
	}
	if !valid(ControlTypes, in.ControlType) {
		v.Add("control_type", "Choose preventive or detective.")
	}
	if !valid(Risks, in.Risk) {
		v.Add("risk", "Choose low or higher risk.")
	}
	if len(in.Criteria) == 0 {
		v.Add("criteria", "Map the control to at least one criterion.")
	}
	for _, id := range in.Criteria {
		if msg := sc.CheckCriterion(id); msg != "" {
			v.Add("criteria", msg)
		}
	}
	return v
}

// loadCriteria fills in the criteria of list, the controls of the engagement or one control
// (where picks them: `c.engagement_id = ?` or `c.id = ?`; binding every control's id cost more
// than the query, issue #19).
func loadCriteria(tx *gorm.DB, list []Control, where string, arg int64) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*Control, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	type link struct {
		ControlID   int64
		CriterionID string
	}
	links, err := dbx.Select(tx, `SELECT cc.control_id, cc.criterion_id FROM control_criteria cc JOIN controls c ON c.id = cc.control_id
		JOIN criteria cr ON cr.id = cc.criterion_id WHERE `+where+` ORDER BY cr.sort_order`, []any{arg},
		func(l *link) []any { return []any{&l.ControlID, &l.CriterionID} })
	if err != nil {
		return fmt.Errorf("loading control criteria: %w", err)
	}
	for _, l := range links {
		if c := byID[l.ControlID]; c != nil {
			c.Criteria = append(c.Criteria, l.CriterionID)
		}
	}
	return nil
}

// selectControls reads the controls `rest` picks (`WHERE … ORDER BY …`) with their criteria.
func selectControls(tx *gorm.DB, rest, criteriaWhere string, arg int64) ([]Control, error) {
	list, err := dbx.Select(tx, `SELECT id, engagement_id, ref, description, owner, frequency, frequency_note, nature, control_type,
		risk, sort_order, version, updated_at FROM controls `+rest, []any{arg}, func(c *Control) []any {
		return []any{&c.ID, &c.EngagementID, &c.Ref, &c.Description, &c.Owner, &c.Frequency, &c.FrequencyNote, &c.Nature,
			&c.ControlType, &c.Risk, &c.SortOrder, &c.Version, &c.UpdatedAt}
	})
	if err != nil {
		return nil, err
	}
	return list, loadCriteria(tx, list, criteriaWhere, arg)
}

// oneControl is selectControls for control id (lock: FOR UPDATE), or apperr.ErrNotFound.
func oneControl(tx *gorm.DB, id int64, lock bool) (Control, error) {
	rest := `WHERE id = ?`
	if lock {
		rest += ` FOR UPDATE`
	}
	list, err := selectControls(tx, rest, `c.id = ?`, id)
	if err != nil {
		return Control{}, fmt.Errorf("loading control %d: %w", id, err)
	}
	if len(list) == 0 {
		return Control{}, apperr.ErrNotFound
	}
	return list[0], nil
}

// List returns the engagement's controls in matrix order.
func (s *Service) List(ctx context.Context, engagementID int64) ([]Control, error) {
	list, err := selectControls(s.DB.WithContext(ctx), `WHERE engagement_id = ? ORDER BY sort_order, lower(ref), id`, `c.engagement_id = ?`, engagementID)
	if err != nil {
		return nil, fmt.Errorf("listing controls of engagement %d: %w", engagementID, err)
	}
	return list, nil
}

// Get returns one control with its criteria.
func (s *Service) Get(ctx context.Context, id int64) (Control, error) {
	return oneControl(s.DB.WithContext(ctx), id, false)
}

// matrixLockKey is the first half of the advisory lock that serialises changes to one
// engagement's matrix (the second half is the engagement id), so reference checks hold.
const matrixLockKey = 7_043

func lockMatrix(tx *gorm.DB, engagementID int64) error {
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?::int)`, matrixLockKey, engagementID).Error; err != nil {
		return fmt.Errorf("locking the control matrix of engagement %d: %w", engagementID, err)
	}
	return nil
}

// refTaken reports whether another control of the engagement already uses ref (any case).
func refTaken(tx *gorm.DB, engagementID int64, ref string, exceptID int64) (bool, error) {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM controls WHERE engagement_id = ? AND lower(ref) = lower(?) AND id <> ?`, engagementID, ref, exceptID).Row().Scan(&n)
	return n > 0, err
}

// insert adds a control inside tx without auditing (Create and Import audit differently).
func insert(tx *gorm.DB, engagementID int64, in Input, sortOrder int) (int64, error) {
	var id int64
	err := tx.Raw(`INSERT INTO controls (engagement_id, ref, description, owner, frequency, frequency_note, nature, control_type, risk, sort_order)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, engagementID, in.Ref, in.Description, in.Owner, in.Frequency,
		in.FrequencyNote, in.Nature, in.ControlType, in.Risk, sortOrder).Row().Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting control %s: %w", in.Ref, err)
	}
	return id, addCriteria(tx, id, in.Criteria)
}

func setCriteria(tx *gorm.DB, controlID int64, ids []string) error {
	if err := tx.Exec(`DELETE FROM control_criteria WHERE control_id = ?`, controlID).Error; err != nil {
		return fmt.Errorf("clearing criteria of control %d: %w", controlID, err)
	}
	return addCriteria(tx, controlID, ids)
}

// addCriteria maps a control to ids in one statement (imports add hundreds of controls).
func addCriteria(tx *gorm.DB, controlID int64, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	// gorm expands a Go slice into a list, so pass a PostgreSQL array literal; ids are catalogue ids.
	err := tx.Exec(`INSERT INTO control_criteria (control_id, criterion_id) SELECT ?, unnest(?::text[])`, controlID, "{"+strings.Join(ids, ",")+"}").Error
	if err != nil {
		return fmt.Errorf("mapping control %d to %v: %w", controlID, ids, err)
	}
	return nil
}

func nextSortOrder(tx *gorm.DB, engagementID int64) (int, error) {
	var n int
	err := tx.Raw(`SELECT coalesce(max(sort_order), 0) + 10 FROM controls WHERE engagement_id = ?`, engagementID).Row().Scan(&n)
	return n, err
}

// Create adds a control to the engagement's matrix.
func (s *Service) Create(ctx context.Context, actor audit.Actor, engagementID int64, in Input) (Control, error) {
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockMatrix(tx, engagementID); err != nil {
			return err
		}
		sc, err := s.WithTx(tx).LoadScope(ctx, engagementID)
		if err != nil {
			return err
		}
		in.Normalize(sc)
		v := in.Validate(sc)
		if taken, err := refTaken(tx, engagementID, in.Ref, 0); err != nil {
			return fmt.Errorf("checking reference %s: %w", in.Ref, err)
		} else if taken {
			v.Add("ref", "Another control of this engagement already uses "+in.Ref+".")
		}
		if err := v.Err(); err != nil {
			return err
		}
		order, err := nextSortOrder(tx, engagementID)
		if err != nil {
			return fmt.Errorf("ordering control: %w", err)
		}
		if id, err = insert(tx, engagementID, in, order); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "control.create", EntityType: "control", EntityID: id,
			EngagementID: engagementID, ClientID: sc.ClientID, After: in})
	})
	if err != nil {
		return Control{}, err
	}
	return s.Get(ctx, id)
}

// Update saves in over control id if nobody changed it since version; otherwise it returns a
// ConflictError whose Current is the stored Control.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id int64, version int, in Input) (Control, error) {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockControl(tx, id)
		if err != nil {
			return err
		}
		if err := lockMatrix(tx, cur.EngagementID); err != nil {
			return err
		}
		sc, err := s.WithTx(tx).LoadScope(ctx, cur.EngagementID)
		if err != nil {
			return err
		}
		in.Normalize(sc)
		if cur.Version != version {
			return &apperr.ConflictError{Entity: "Control " + cur.Ref, Current: cur, UpdatedAt: cur.UpdatedAt}
		}
		v := in.Validate(sc)
		if taken, err := refTaken(tx, cur.EngagementID, in.Ref, id); err != nil {
			return fmt.Errorf("checking reference %s: %w", in.Ref, err)
		} else if taken {
			v.Add("ref", "Another control of this engagement already uses "+in.Ref+".")
		}
		if err := v.Err(); err != nil {
			return err
		}
		err = tx.Exec(`UPDATE controls SET ref = ?, description = ?, owner = ?, frequency = ?, frequency_note = ?, nature = ?,
			control_type = ?, risk = ?, version = version + 1, updated_at = now() WHERE id = ?`,
			in.Ref, in.Description, in.Owner, in.Frequency, in.FrequencyNote, in.Nature, in.ControlType, in.Risk, id).Error
		if err != nil {
			return fmt.Errorf("updating control %d: %w", id, err)
		}
		if err := setCriteria(tx, id, in.Criteria); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "control.update", EntityType: "control", EntityID: id,
			EngagementID: cur.EngagementID, ClientID: sc.ClientID, Before: cur.Input(), After: in})
	})
	if err != nil {
		return Control{}, err
	}
	return s.Get(ctx, id)
}

// lockControl reads a control FOR UPDATE so concurrent saves queue behind each other.
func lockControl(tx *gorm.DB, id int64) (Control, error) {
	return oneControl(tx, id, true)
}

// ErrHasTests refuses deleting a control that already has test workpapers.
var ErrHasTests = errors.New("control has tests")

// Delete removes a control that has no tests yet, if nobody changed it since version.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id int64, version int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockControl(tx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &apperr.ConflictError{Entity: "Control " + cur.Ref, Current: cur, UpdatedAt: cur.UpdatedAt}
		}
		var tests int64
		if err := tx.Raw(`SELECT count(*) FROM tests WHERE control_id = ?`, id).Row().Scan(&tests); err != nil {
			return fmt.Errorf("counting tests of control %d: %w", id, err)
		}
		if tests > 0 {
			return fmt.Errorf("deleting control %s with %d tests: %w", cur.Ref, tests, ErrHasTests)
		}
		sc, err := s.WithTx(tx).LoadScope(ctx, cur.EngagementID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM controls WHERE id = ?`, id).Error; err != nil {
			return fmt.Errorf("deleting control %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "control.delete", EntityType: "control", EntityID: id,
			EngagementID: cur.EngagementID, ClientID: sc.ClientID, Before: cur.Input()})
	})
}

// Scope is the engagement's criteria catalogue as far as the control matrix needs it.
type Scope struct {
	EngagementID int64
	ClientID     int64
	Categories   map[string]bool // in scope; security always
	Criteria     []Criterion     // every criterion of the catalogue, in order
	byID         map[string]Criterion
}

// Criterion is one Trust Services Criterion.
type Criterion struct {
	ID, Category, Series, SeriesTitle, Summary string
	SortOrder                                  int
}

// CategoryLabels name the criteria categories as the report does.
var CategoryLabels = map[string]string{
	"security": "Security", "availability": "Availability", "confidentiality": "Confidentiality",
	"processing_integrity": "Processing integrity", "privacy": "Privacy",
}

// LoadScope reads the engagement's categories and the criteria catalogue.
func (s *Service) LoadScope(ctx context.Context, engagementID int64) (Scope, error) {
	var e struct {
		ClientID   int64
		Categories string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT client_id, array_to_string(categories, ',') AS categories FROM engagements WHERE id = ?`, engagementID).Scan(&e).Error
	if err != nil {
		return Scope{}, fmt.Errorf("loading scope of engagement %d: %w", engagementID, err)
	}
	if e.ClientID == 0 {
		return Scope{}, apperr.ErrNotFound
	}
	sc := Scope{EngagementID: engagementID, ClientID: e.ClientID, Categories: map[string]bool{"security": true}, byID: map[string]Criterion{}}
	for _, c := range strings.Split(e.Categories, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sc.Categories[c] = true
		}
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT id, category, series, series_title, summary, sort_order FROM criteria ORDER BY sort_order`).Scan(&sc.Criteria).Error; err != nil {
		return Scope{}, fmt.Errorf("loading criteria: %w", err)
	}
	for _, c := range sc.Criteria {
		sc.byID[c.ID] = c
	}
	return sc, nil
}

// InScope lists the criteria of the categories in scope, in catalogue order.
func (sc Scope) InScope() []Criterion {
	var out []Criterion
	for _, c := range sc.Criteria {
		if sc.Categories[c.Category] {
			out = append(out, c)
		}
	}
	return out
}

// CheckCriterion returns why id cannot be mapped, or "" when it can.
func (sc Scope) CheckCriterion(id string) string {
	c, ok := sc.byID[strings.ToUpper(id)]
	if !ok {
		return id + " is not a Trust Services Criterion."
	}
	if !sc.Categories[c.Category] {
		return id + " belongs to " + CategoryLabels[c.Category] + ", which is not in scope for this engagement."
	}
	return ""
}

func (sc Scope) sortCriteria(ids []string) {
	sort.SliceStable(ids, func(i, j int) bool {
		a, aok := sc.byID[ids[i]]
		b, bok := sc.byID[ids[j]]
		if aok && bok {
			return a.SortOrder < b.SortOrder
		}
		return aok && !bok
	})
}
