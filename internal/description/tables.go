package description

import (
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/criteria"
)

// Tables are the parts of the description Attest knows already and generates from the
// engagement on every read, so they never drift from the control matrix: DC5's criteria with
// their controls, DC6's subservice organizations with their CSOCs, DC7's CUECs.
type Tables struct {
	Criteria    []CriterionRow     // DC5
	Subservices []SubserviceRow    // DC6
	CUECs       []ComplementaryRow // DC7
}

// For returns the part of t that section code shows, or nil for sections without a table.
func (t Tables) For(code string) *Tables {
	switch code {
	case "DC5":
		return &Tables{Criteria: t.Criteria}
	case "DC6":
		return &Tables{Subservices: t.Subservices}
	case "DC7":
		return &Tables{CUECs: t.CUECs}
	}
	return nil
}

// CriterionRow is an applicable criterion and the controls mapped to it.
type CriterionRow struct {
	ID            string
	Category      string
	CategoryLabel string
	Summary       string
	Controls      []ControlRef
}

// ControlRef is a control as the description lists it.
type ControlRef struct {
	Ref         string
	Description string
}

// SubserviceRow is a subservice organization with its method and, carved out, its CSOCs.
type SubserviceRow struct {
	Name        string
	Services    string
	Method      string // carve_out or inclusive
	MethodLabel string
	CSOCs       []ComplementaryRow
}

// ComplementaryRow is a CUEC or CSOC with the criteria it supports.
type ComplementaryRow struct {
	Ref         string
	Description string
	Criteria    []string
}

// MethodLabel names the subservice method as the report does.
func MethodLabel(m string) string {
	if m == "inclusive" {
		return "Inclusive"
	}
	return "Carve-out"
}

func loadTables(db *gorm.DB, engagementID int64) (Tables, error) {
	var t Tables
	var crit []struct {
		ID, Category, Summary string
	}
	if err := db.Raw(`SELECT cr.id, cr.category, cr.summary FROM criteria cr JOIN engagements e ON e.id = ?
		WHERE cr.category = 'security' OR cr.category = ANY(e.categories) ORDER BY cr.sort_order`, engagementID).Scan(&crit).Error; err != nil {
		return t, fmt.Errorf("loading applicable criteria of engagement %d: %w", engagementID, err)
	}
	var mapped []struct {
		CriterionID, Ref, Description string
	}
	if err := db.Raw(`SELECT cc.criterion_id, c.ref, c.description FROM control_criteria cc JOIN controls c ON c.id = cc.control_id
		WHERE c.engagement_id = ? ORDER BY c.sort_order, c.ref`, engagementID).Scan(&mapped).Error; err != nil {
		return t, fmt.Errorf("loading control mapping of engagement %d: %w", engagementID, err)
	}
	for _, c := range crit {
		row := CriterionRow{ID: c.ID, Category: c.Category, CategoryLabel: criteria.CategoryLabel(c.Category), Summary: c.Summary}
		for _, m := range mapped {
			if m.CriterionID == c.ID {
				row.Controls = append(row.Controls, ControlRef{Ref: m.Ref, Description: m.Description})
			}
		}
		t.Criteria = append(t.Criteria, row)
	}
	var subs []struct {
		ID                     int64
		Name, Services, Method string
	}
	if err := db.Raw(`SELECT id, name, services, method FROM subservice_organizations WHERE engagement_id = ? ORDER BY lower(name), id`,
		engagementID).Scan(&subs).Error; err != nil {
		return t, fmt.Errorf("loading subservice organizations of engagement %d: %w", engagementID, err)
	}
	var comps []struct {
		Kind, Ref, Description string
		SubserviceID           *int64
		CriteriaList           string
	}
	if err := db.Raw(`SELECT k.kind, k.ref, k.description, k.subservice_organization_id AS subservice_id,
			coalesce((SELECT string_agg(kc.criterion_id, ',' ORDER BY cr.sort_order) FROM complementary_control_criteria kc
				JOIN criteria cr ON cr.id = kc.criterion_id WHERE kc.complementary_control_id = k.id), '') AS criteria_list
		FROM complementary_controls k WHERE k.engagement_id = ? ORDER BY k.kind, k.ref, k.id`, engagementID).Scan(&comps).Error; err != nil {
		return t, fmt.Errorf("loading CUECs and CSOCs of engagement %d: %w", engagementID, err)
	}
	for _, so := range subs {
		row := SubserviceRow{Name: so.Name, Services: so.Services, Method: so.Method, MethodLabel: MethodLabel(so.Method)}
		for _, k := range comps {
			if k.Kind == "csoc" && k.SubserviceID != nil && *k.SubserviceID == so.ID {
				row.CSOCs = append(row.CSOCs, ComplementaryRow{Ref: k.Ref, Description: k.Description, Criteria: splitList(k.CriteriaList)})
			}
		}
		t.Subservices = append(t.Subservices, row)
	}
	for _, k := range comps {
		if k.Kind == "cuec" {
			t.CUECs = append(t.CUECs, ComplementaryRow{Ref: k.Ref, Description: k.Description, Criteria: splitList(k.CriteriaList)})
		}
	}
	return t, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
