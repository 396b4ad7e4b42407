package verification

import "strings"

func trimmed(s string) string { return strings.TrimSpace(s) }
