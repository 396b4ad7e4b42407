package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeNextAllowsOnlySameSitePaths(t *testing.T) {
	for in, want := range map[string]string{
		"/engagements/3":        "/engagements/3",
		"/engagements?status=x": "/engagements?status=x",
		"":                      "/",
		"https://evil.example/": "/",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"\\\\evil.example":      "/",
		"/\t/evil.example":      "/",
		"/\n/evil.example":      "/",
		"/\r\n/evil.example":    "/",
		"\t//evil.example":      "/",
		"/\u200b/evil.example":  "/",
		"/%09/evil.example":     "/%09/evil.example", // stays a path: the browser does not decode it into the authority
		"javascript:alert(1)":   "/",
		" /engagements":         "/engagements",
	} {
		assert.Equal(t, want, safeNext(in), "%q", in)
	}
}

func TestAttachmentNeverLetsANameEscapeTheHeader(t *testing.T) {
	h := attachment("samples-NL\"; filename=\"run.exe\r\nX: y.xlsx")
	assert.NotContains(t, h, "\r")
	assert.NotContains(t, h, "\n")
	assert.Equal(t, 2, countQuotes(h), "one quoted filename: %s", h)
}

func countQuotes(s string) int {
	n := 0
	for _, r := range s {
		if r == '"' {
			n++
		}
	}
	return n
}
