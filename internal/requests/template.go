package requests

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

// TemplateItem is one entry of the firm's standard request list.
type TemplateItem struct {
	ID          int64
	Position    int
	Title       string
	Description string
	Criteria    string // comma-separated, e.g. "CC6.1, CC6.3"
}

// The criteria column is text[]; these keep Go on plain strings.
const templateColumns = `id, position, title, description, array_to_string(criteria, ', ') AS criteria`

// TemplateItems lists the firm's standard request list in order.
func (s *Service) TemplateItems(ctx context.Context) ([]TemplateItem, error) {
	var out []TemplateItem
	if err := s.DB.WithContext(ctx).Raw(`SELECT ` + templateColumns + ` FROM request_templates ORDER BY position, id`).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("loading the request template: %w", err)
	}
	return out, nil
}

// TemplateCount is how many entries the firm's standard request list has (the request list
// offers to add them; it need not read them).
func (s *Service) TemplateCount(ctx context.Context) (int, error) {
	var n int
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM request_templates`).Row().Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the request template: %w", err)
	}
	return n, nil
}

// TemplateInput is what an administrator types for a template entry.
type TemplateInput struct {
	Title, Description, Criteria string // criteria comma-separated, e.g. "CC6.1, CC6.3"
}

func (in *TemplateInput) parse() (TemplateItem, error) {
	it := TemplateItem{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description)}
	if it.Title == "" {
		return it, apperr.Validation{"title": "Enter the request's title."}
	}
	var crit []string
	for _, c := range strings.Split(in.Criteria, ",") {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			crit = append(crit, c)
		}
	}
	it.Criteria = strings.Join(crit, ", ")
	return it, nil
}

// SaveTemplateItem adds an entry (id 0, at the end) or changes one.
func (s *Service) SaveTemplateItem(ctx context.Context, actor auth.User, id int64, in TemplateInput) error {
	it, err := in.parse()
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before any
		if id == 0 {
			err = tx.Raw(`INSERT INTO request_templates (position, title, description, criteria)
				VALUES ((SELECT coalesce(max(position), 0) + 1 FROM request_templates), ?, ?, coalesce(string_to_array(nullif(?, ''), ', '), '{}')) RETURNING id`,
				it.Title, it.Description, it.Criteria).Row().Scan(&id)
		} else {
			old, err := dbx.One[TemplateItem](tx, fmt.Sprintf("request template entry %d", id),
				`SELECT `+templateColumns+` FROM request_templates WHERE id = ? FOR UPDATE`, id)
			if err != nil {
				return err
			}
			before = old
			err = tx.Exec(`UPDATE request_templates SET title = ?, description = ?, criteria = coalesce(string_to_array(nullif(?, ''), ', '), '{}') WHERE id = ?`, it.Title, it.Description, it.Criteria, id).Error
		}
		if err != nil {
			return fmt.Errorf("saving request template entry: %w", err)
		}
		it.ID = id
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request_template.save", EntityType: "request_template",
			EntityID: id, Before: before, After: it})
	})
}

// DeleteTemplateItem removes an entry; requests created from it earlier are unaffected.
func (s *Service) DeleteTemplateItem(ctx context.Context, actor auth.User, id int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := dbx.One[TemplateItem](tx, fmt.Sprintf("request template entry %d", id),
			`DELETE FROM request_templates WHERE id = ? RETURNING `+templateColumns, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{Action: "request_template.delete", EntityType: "request_template", EntityID: id, Before: old})
	})
}

// CreateFromTemplate adds every template entry the engagement's list does not have yet (same
// title), assigned to assigneeID (0: nobody) and due on dueDate, and returns how many it added.
func (s *Service) CreateFromTemplate(ctx context.Context, actor auth.User, engagementID, assigneeID int64, dueDate string) (int, error) {
	v := apperr.Validation{}
	due, err := parseDate(dueDate)
	if err != nil {
		v.Add("due_date", "Enter the due date as YYYY-MM-DD, e.g. 2026-07-15.")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	items, err := s.TemplateItems(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		clientID, engName, err := engagementRow(tx, engagementID)
		if err != nil {
			return err
		}
		var assignee auth.User
		if assigneeID != 0 {
			if assignee, err = checkAssignee(tx, clientID, assigneeID); err != nil {
				return err
			}
		}
		var existing []string
		if err := tx.Raw(`SELECT lower(title) FROM info_requests WHERE engagement_id = ?`, engagementID).Scan(&existing).Error; err != nil {
			return err
		}
		have := map[string]bool{}
		for _, t := range existing {
			have[t] = true
		}
		var made []Request
		for _, it := range items {
			if have[strings.ToLower(it.Title)] {
				continue
			}
			desc := it.Description
			if it.Criteria != "" {
				desc = strings.TrimSpace(desc + "\n\nSupports criteria " + it.Criteria + ".")
			}
			r, err := s.insert(ctx, tx, actor, engagementID, clientID, Input{Title: it.Title, Description: desc, AssigneeID: assigneeID,
				DueDate: dueDate, Priority: "normal"}, due)
			if err != nil {
				return err
			}
			made = append(made, r)
		}
		created = len(made)
		if assignee.ID != 0 && len(made) > 0 {
			return s.notifyAssigned(ctx, tx, assignee, engName, made)
		}
		return nil
	})
	return created, err
}
