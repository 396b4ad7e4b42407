// Package criteria is the catalog of the 2017 Trust Services Criteria that every control,
// exception and request maps to. The rows are seeded by migration 0002; the firm loads the
// AICPA's licensed official wording with `attest criteria import`.
package criteria

import (
	"context"
	"fmt"
	"strings"
)

// Criterion is one Trust Services Criterion, e.g. CC6.1.
type Criterion struct {
	ID           string
	Category     string
	Series       string
	SeriesTitle  string
	Summary      string
	OfficialText string
	SortOrder    int
}

// Category is one of the five Trust Services Categories, in report order.
type Category struct {
	Key, Label string
}

// Categories lists the categories in the order reports present them. Security (the common
// criteria) is always in scope.
var Categories = []Category{
	{"security", "Security (common criteria)"},
	{"availability", "Availability"},
	{"confidentiality", "Confidentiality"},
	{"processing_integrity", "Processing Integrity"},
	{"privacy", "Privacy"},
}

// CategoryLabel is a category key as users read it.
func CategoryLabel(key string) string {
	for _, c := range Categories {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

// ValidCategory reports whether key names a category.
func ValidCategory(key string) bool {
	for _, c := range Categories {
		if c.Key == key {
			return true
		}
	}
	return false
}

// List returns every criterion in catalog order.
func (s *Service) List(ctx context.Context) ([]Criterion, error) {
	var out []Criterion
	if err := s.DB.WithContext(ctx).Raw(`SELECT id, category, series, series_title, summary, official_text, sort_order
		FROM criteria ORDER BY sort_order`).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing criteria: %w", err)
	}
	return out, nil
}

// Group is the criteria of one category.
type Group struct {
	Category Category
	Criteria []Criterion
}

// ByCategory returns the catalog grouped by category, in report order.
func (s *Service) ByCategory(ctx context.Context) ([]Group, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	groups := make([]Group, len(Categories))
	for i, c := range Categories {
		groups[i].Category = c
	}
	for _, cr := range all {
		for i := range groups {
			if groups[i].Category.Key == cr.Category {
				groups[i].Criteria = append(groups[i].Criteria, cr)
			}
		}
	}
	return groups, nil
}

// IDSet is a set of criterion ids.
type IDSet map[string]bool

// ValidIDs loads the ids of the catalog, for packages that check references (control matrix
// imports, exceptions, requests).
func (s *Service) ValidIDs(ctx context.Context) (IDSet, error) {
	var ids []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT id FROM criteria`).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("loading criterion ids: %w", err)
	}
	set := IDSet{}
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// Normalize returns the catalog spelling of a typed id ("cc6.1 " -> "CC6.1").
func Normalize(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// Lookup returns the catalog id for a typed id, and whether it exists.
func (s IDSet) Lookup(id string) (string, bool) {
	n := Normalize(id)
	return n, s[n]
}
