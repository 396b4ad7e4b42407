package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

// sessionToken returns the session cookie the client holds ("" when signed out).
func sessionToken(t *testing.T, app *webtest.App, c *webtest.Client) string {
	t.Helper()
	u, err := url.Parse(app.HTTP.URL)
	require.NoError(t, err)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "attest_session" {
			return ck.Value
		}
	}
	return ""
}

// auditCount counts audit events with action about entity id.
func auditCount(t *testing.T, app *webtest.App, action string, entityID int64) int64 {
	t.Helper()
	var n int64
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM audit_events WHERE action = ? AND entity_id = ?`, action, entityID).Scan(&n).Error)
	return n
}

// find returns the first submatch of pattern in body, failing the test when there is none.
func find(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	require.NotNil(t, m, "no match for %s in:\n%s", pattern, body)
	return m[1]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
