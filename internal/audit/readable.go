package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Change is one field an event changed, as the audit trail shows it: "field: before → after".
type Change struct {
	Field, Before, After string
}

// noValue stands for a field that was absent or null on one side.
const noValue = "—"

// maxShown keeps one long value (a procedure, a description) from filling the page; the raw
// JSON beside the changes holds all of it.
const maxShown = 160

// Changes compares an event's before and after JSON objects field by field, in field order,
// and lists the fields whose values differ. A creation (no before) lists every field of after,
// a deletion every field of before. Values that are not objects compare as one field "value".
func Changes(before, after []byte) []Change {
	b, a := fields(before), fields(after)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []Change
	for _, k := range names {
		bv, bok := b[k]
		av, aok := a[k]
		if bok && aok && bytes.Equal(canonical(bv), canonical(av)) {
			continue
		}
		c := Change{Field: k, Before: noValue, After: noValue}
		if bok {
			c.Before = shown(bv)
		}
		if aok {
			c.After = shown(av)
		}
		if c.Before == c.After {
			continue // e.g. null on one side, absent on the other
		}
		out = append(out, c)
	}
	return out
}

func fields(raw []byte) map[string]json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	return map[string]json.RawMessage{"value": raw}
}

func canonical(raw json.RawMessage) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, _ := json.Marshal(v)
	return b
}

// shown renders one JSON value for people: text as it is, yes/no, lists joined by commas.
func shown(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return clip(string(raw))
	}
	return clip(plain(v))
}

func plain(v any) string {
	switch x := v.(type) {
	case nil:
		return noValue
	case string:
		if x == "" {
			return `""`
		}
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = plain(e)
		}
		if len(parts) == 0 {
			return "none"
		}
		return strings.Join(parts, ", ")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxShown {
		return string(r[:maxShown]) + "…"
	}
	return s
}

// Names are the readable names of what a page of events refers to: users by id, engagements
// by id, and entities by "type:id" (a control by its reference, a test by its control's).
type Names struct {
	Users       map[int64]string
	Engagements map[int64]string
	Entities    map[string]string
}

// EntityKey is the key of an entity in Names.Entities.
func EntityKey(entityType string, id int64) string {
	return entityType + ":" + strconv.FormatInt(id, 10)
}

// entityNames says how to name each kind of entity from its table, with one query per kind.
var entityNames = map[string]string{
	"user":                    `SELECT id, name FROM users WHERE id IN ?`,
	"engagement":              `SELECT id, name FROM engagements WHERE id IN ?`,
	"client":                  `SELECT id, name FROM clients WHERE id IN ?`,
	"control":                 `SELECT id, 'Control ' || ref FROM controls WHERE id IN ?`,
	"complementary_control":   `SELECT id, upper(kind) || ' ' || coalesce(nullif(ref, ''), left(description, 40)) FROM complementary_controls WHERE id IN ?`,
	"test":                    `SELECT t.id, 'Test of ' || c.ref FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.id IN ?`,
	"sample":                  `SELECT s.id, 'Sample ' || s.item_key || ' (test of ' || c.ref || ')' FROM samples s JOIN tests t ON t.id = s.test_id JOIN controls c ON c.id = t.control_id WHERE s.id IN ?`,
	"exception":               `SELECT x.id, 'Exception in ' || c.ref FROM exceptions x JOIN tests t ON t.id = x.test_id JOIN controls c ON c.id = t.control_id WHERE x.id IN ?`,
	"info_request":            `SELECT id, 'Request ' || number || ': ' || title FROM info_requests WHERE id IN ?`,
	"subservice_organization": `SELECT id, name FROM subservice_organizations WHERE id IN ?`,
}

// Names looks up, in one query per kind, the names of the users, engagements and entities the
// events refer to. Rows deleted since keep no name (the page falls back to what the event holds).
func (s *Service) Names(ctx context.Context, events []Row) (Names, error) {
	n := Names{Users: map[int64]string{}, Engagements: map[int64]string{}, Entities: map[string]string{}}
	ids := map[string]map[int64]bool{}
	add := func(kind string, id *int64) {
		if id == nil {
			return
		}
		if ids[kind] == nil {
			ids[kind] = map[int64]bool{}
		}
		ids[kind][*id] = true
	}
	for _, e := range events {
		add("user", e.ActorID)
		add("engagement", e.EngagementID)
		if _, known := entityNames[e.EntityType]; known {
			add(e.EntityType, e.EntityID)
		}
	}
	for kind, set := range ids {
		list := make([]int64, 0, len(set))
		for id := range set {
			list = append(list, id)
		}
		var rows []struct {
			ID   int64
			Name string
		}
		// The named columns are positional: scan them by the names gorm gives them.
		err := s.DB.WithContext(ctx).Raw(`SELECT q.* FROM (`+entityNames[kind]+`) AS q(id, name)`, list).Scan(&rows).Error
		if err != nil {
			return n, fmt.Errorf("naming audited %s rows: %w", kind, err)
		}
		for _, r := range rows {
			n.Entities[EntityKey(kind, r.ID)] = r.Name
			switch kind {
			case "user":
				n.Users[r.ID] = r.Name
			case "engagement":
				n.Engagements[r.ID] = r.Name
			}
		}
	}
	return n, nil
}
