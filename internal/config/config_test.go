package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreUsableForDevelopment(t *testing.T) {
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", c.Addr)
	assert.Equal(t, "http://127.0.0.1:8080", c.BaseURL)
	assert.False(t, c.Production())
	assert.False(t, c.SecureCookies)
	assert.Equal(t, time.Hour, c.SessionIdle)
	assert.Equal(t, 12*time.Hour, c.SessionMaxAge)
	assert.EqualValues(t, 2<<20, c.MaxBodyBytes)
}

func TestProductionTurnsOnSecureCookies(t *testing.T) {
	c, err := Load(env(map[string]string{"ATTEST_ENV": "production", "ATTEST_BASE_URL": "https://attest.firm.example/",
		"DATABASE_URL": "postgres://attest@db/attest"}))
	require.NoError(t, err)
	assert.True(t, c.SecureCookies)
	assert.Equal(t, "https://attest.firm.example", c.BaseURL, "the trailing slash is dropped")
}

// In production the project-local database would be started from binaries the image does not
// have, and e-mailed links would point at the listen address: both settings must be given.
func TestProductionNeedsADatabaseAndABaseURL(t *testing.T) {
	_, err := Load(env(map[string]string{"ATTEST_ENV": "production"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DATABASE_URL must be set when ATTEST_ENV=production")
	assert.Contains(t, err.Error(), "ATTEST_BASE_URL must be set when ATTEST_ENV=production")
	_, err = Load(env(map[string]string{"ATTEST_ENV": "development"}))
	assert.NoError(t, err, "development needs neither")
}

func TestInvalidSettingsNameTheVariableAndTheFix(t *testing.T) {
	_, err := Load(env(map[string]string{
		"ATTEST_ENV":              "staging",
		"ATTEST_SESSION_IDLE":     "forever",
		"ATTEST_MAX_UPLOAD_BYTES": "-5",
		"ATTEST_SECURE_COOKIES":   "perhaps",
		"ATTEST_SMTP_PORT":        "70000",
		"ATTEST_BLOB_BACKEND":     "s3",
		"ATTEST_S3_BUCKET":        "evidence",
	}))
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"configuration is invalid",
		`ATTEST_ENV="staging": set development or production`,
		`ATTEST_SESSION_IDLE="forever" is not a duration: set it like 30m or 12h`,
		`ATTEST_MAX_UPLOAD_BYTES="-5": set a positive size such as 200MB`,
		`ATTEST_SECURE_COOKIES="perhaps": set true or false`,
		"ATTEST_SMTP_PORT must be a port number such as 587",
		"ATTEST_S3_ENDPOINT must be set when ATTEST_BLOB_BACKEND=s3",
		"ATTEST_S3_ACCESS_KEY must be set when ATTEST_BLOB_BACKEND=s3",
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "ATTEST_S3_BUCKET must be set", "a set variable is not reported")
}

func TestIdleLongerThanMaxAgeIsRefused(t *testing.T) {
	_, err := Load(env(map[string]string{"ATTEST_SESSION_IDLE": "13h", "ATTEST_SESSION_MAX_AGE": "12h"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ATTEST_SESSION_IDLE must not exceed ATTEST_SESSION_MAX_AGE")
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "200MB": 200 << 20, "512 KiB": 512 << 10, "1gb": 1 << 30} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "MB", "1.5MB", "0", "-1KB"} {
		_, err := ParseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestTrustedProxiesAreAddressesOrRanges(t *testing.T) {
	c, err := Load(env(map[string]string{"ATTEST_TRUSTED_PROXIES": "10.0.0.5, 172.16.0.0/12,::1"}))
	require.NoError(t, err)
	require.Len(t, c.TrustedProxies, 3)
	assert.Equal(t, "10.0.0.5/32", c.TrustedProxies[0].String())
	assert.Equal(t, "172.16.0.0/12", c.TrustedProxies[1].String())
	assert.Equal(t, "::1/128", c.TrustedProxies[2].String())

	_, err = Load(env(map[string]string{"ATTEST_TRUSTED_PROXIES": "proxy.local"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `ATTEST_TRUSTED_PROXIES: "proxy.local" is not an address or range`)
}

func TestBoilerplateThresholdAndSigningFiles(t *testing.T) {
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.InDelta(t, 0.9, c.BoilerplateThreshold, 1e-9)
	c, err = Load(env(map[string]string{"ATTEST_BOILERPLATE_THRESHOLD": "0.8"}))
	require.NoError(t, err)
	assert.InDelta(t, 0.8, c.BoilerplateThreshold, 1e-9)
	for _, bad := range []string{"0.2", "1.5", "ninety"} {
		_, err = Load(env(map[string]string{"ATTEST_BOILERPLATE_THRESHOLD": bad}))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "ATTEST_BOILERPLATE_THRESHOLD")
	}
	_, err = Load(env(map[string]string{"ATTEST_SIGNING_CERT": "/etc/attest/cert.pem"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ATTEST_SIGNING_KEY")
}

func TestProfilerListensOnLoopbackOnly(t *testing.T) {
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Empty(t, c.PprofAddr, "off by default")
	for _, ok := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		c, err = Load(env(map[string]string{"ATTEST_PPROF_ADDR": ok}))
		require.NoError(t, err, ok)
		assert.Equal(t, ok, c.PprofAddr)
	}
	for _, bad := range []string{"0.0.0.0:6060", ":6060", "10.0.0.5:6060", "6060"} {
		_, err = Load(env(map[string]string{"ATTEST_PPROF_ADDR": bad}))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "ATTEST_PPROF_ADDR", bad)
	}
}
