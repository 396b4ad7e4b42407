package templates

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/attest-soc/attest/internal/words"
)

// plural is words.Plural under a short name for the templates.
func plural(n int, one, many string) string { return words.Plural(n, one, many) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describedBy(name, hint string, errs Errors) string {
	var ids []string
	if hint != "" {
		ids = append(ids, "h-"+name)
	}
	if errs[name] != "" {
		ids = append(ids, "e-"+name)
	}
	return strings.Join(ids, " ")
}

// csrfHeader lets htmx send the CSRF token with every request it makes.
func csrfHeader(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// itoa64 formats an id for URLs and labels.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
