package audit

import (
	"bytes"
	"encoding/json"
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
		// The same bytes are the same value (PostgreSQL's jsonb output is already canonical);
		// only different bytes need the canonical comparison.
		if bok && aok && (bytes.Equal(bv, av) || bytes.Equal(canonical(bv), canonical(av))) {
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
	// Most values are plain text, true, false or null: read those without decoding into an any.
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return clip(plain(string(raw[1 : n-1])))
	}
	if isSmallInteger(raw) {
		return string(raw) // as FormatFloat writes it: up to 15 digits are exact in a float64
	}
	switch string(raw) {
	case "true":
		return clip(plain(true))
	case "false":
		return clip(plain(false))
	case "null":
		return clip(plain(nil))
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return clip(string(raw))
	}
	return clip(plain(v))
}

// isSmallInteger says whether raw is a JSON integer of at most 15 digits, without a sign other
// than a leading minus and not "-0".
func isSmallInteger(raw []byte) bool {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(raw) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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

// entityNames says how to name each kind of entity from its table, as a scalar subquery on the
// listed event e: a control by its reference, a test by its control's.
var entityNames = map[string]string{
	"user":                    `(SELECT name FROM users WHERE id = e.entity_id)`,
	"engagement":              `(SELECT name FROM engagements WHERE id = e.entity_id)`,
	"client":                  `(SELECT name FROM clients WHERE id = e.entity_id)`,
	"control":                 `(SELECT 'Control ' || ref FROM controls WHERE id = e.entity_id)`,
	"complementary_control":   `(SELECT upper(kind) || ' ' || coalesce(nullif(ref, ''), left(description, 40)) FROM complementary_controls WHERE id = e.entity_id)`,
	"test":                    `(SELECT 'Test of ' || c.ref FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.id = e.entity_id)`,
	"sample":                  `(SELECT 'Sample ' || s.item_key || ' (test of ' || c.ref || ')' FROM samples s JOIN tests t ON t.id = s.test_id JOIN controls c ON c.id = t.control_id WHERE s.id = e.entity_id)`,
	"exception":               `(SELECT 'Exception in ' || c.ref FROM exceptions x JOIN tests t ON t.id = x.test_id JOIN controls c ON c.id = t.control_id WHERE x.id = e.entity_id)`,
	"info_request":            `(SELECT 'Request ' || number || ': ' || title FROM info_requests WHERE id = e.entity_id)`,
	"subservice_organization": `(SELECT name FROM subservice_organizations WHERE id = e.entity_id)`,
}

// entityNameCase is entityNames as one CASE over the event's entity type, in a fixed order so
// that the statement's text, and so its prepared plan, stays the same: each row runs only its
// own kind's lookup.
var entityNameCase = func() string {
	kinds := make([]string, 0, len(entityNames))
	for k := range entityNames {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	b.WriteString("CASE e.entity_type")
	for _, k := range kinds {
		b.WriteString(" WHEN '" + k + "' THEN " + entityNames[k])
	}
	b.WriteString(" END")
	return b.String()
}()
