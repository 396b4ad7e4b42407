package fieldwork

import (
	"strings"
	"time"
)

// itemDateLayouts are the date forms population exports use most.
var itemDateLayouts = []string{time.DateOnly, time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "01/02/2006",
	"1/2/2006", "02.01.2006", "2 Jan 2006", "02-Jan-2006", "Jan 2, 2006"}

// ParseItemDate reads a date from a population cell, or reports false.
func ParseItemDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range itemDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
		// Some exports add a time after the date ("2026-03-04 09:12:00 UTC"): try the first word.
		if i := strings.IndexByte(s, ' '); i > 0 && l == time.DateOnly {
			if t, err := time.Parse(l, s[:i]); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// ItemDate is the date of a sampled item: the first column whose name says "date" (or "time",
// "at", "on") and whose value is a date, else the first column holding a date. It is the default
// pertains-to date of the item's evidence.
func ItemDate(item map[string]string, columns []string) *time.Time {
	named := func(c string) bool {
		c = strings.ToLower(c)
		return strings.Contains(c, "date") || strings.Contains(c, "time") || strings.HasSuffix(c, "_at") ||
			strings.HasSuffix(c, "_on") || strings.HasSuffix(c, " at") || strings.HasSuffix(c, " on")
	}
	for _, pass := range []bool{true, false} {
		for _, c := range columns {
			if pass && !named(c) {
				continue
			}
			if t, ok := ParseItemDate(item[c]); ok {
				return &t
			}
		}
	}
	return nil
}
