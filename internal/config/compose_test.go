package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// compose is the part of docker-compose.yml the deployment relies on.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	require.NoError(t, err)
	var c compose
	require.NoError(t, yaml.Unmarshal(raw, &c))
	return c
}

func TestComposeRunsTheAppAfterAHealthyDatabase(t *testing.T) {
	c := loadCompose(t)
	require.Contains(t, c.Services, "db")
	require.Contains(t, c.Services, "app")
	db, app := c.Services["db"], c.Services["app"]

	assert.True(t, strings.HasPrefix(db.Image, "postgres:"), "db runs PostgreSQL, got %q", db.Image)
	assert.Contains(t, strings.Join(db.Healthcheck.Test, " "), "pg_isready")
	assert.Contains(t, strings.Join(app.Healthcheck.Test, " "), "/readyz", "the app is healthy when it can reach the database")
	assert.Equal(t, "service_healthy", app.DependsOn["db"].Condition)
	assert.NotNil(t, app.Build, "the app is built from the Dockerfile")

	mounts := func(vols []string) map[string]string {
		m := map[string]string{}
		for _, v := range vols {
			parts := strings.SplitN(v, ":", 3)
			require.GreaterOrEqual(t, len(parts), 2, v)
			m[parts[0]] = parts[1]
		}
		return m
	}
	dbMounts, appMounts := mounts(db.Volumes), mounts(app.Volumes)
	assert.Equal(t, "/var/lib/postgresql/data", dbMounts["pgdata"], "database files live in a named volume")
	assert.Equal(t, app.Environment["ATTEST_BLOB_DIR"], appMounts["evidence"], "evidence files live in a named volume at ATTEST_BLOB_DIR")
	assert.Contains(t, c.Volumes, "pgdata")
	assert.Contains(t, c.Volumes, "evidence")
}

// TestComposeEnvironmentIsAValidConfiguration loads the app's environment, with each
// ${VAR:-default} at its default and each required ${VAR:?message} set, through Load: the shipped
// compose file must start.
func TestComposeEnvironmentIsAValidConfiguration(t *testing.T) {
	app := loadCompose(t).Services["app"]
	withDefault := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)
	required := regexp.MustCompile(`\$\{([A-Z_]+):\?[^}]*\}`)
	envMap := map[string]string{}
	for k, v := range app.Environment {
		v = withDefault.ReplaceAllString(v, "$1")
		envMap[k] = required.ReplaceAllString(v, "given-$1")
	}
	cfg, err := Load(env(envMap))
	require.NoError(t, err)
	assert.True(t, cfg.Production())
	assert.Equal(t, "0.0.0.0:8080", cfg.Addr)
	assert.True(t, cfg.SecureCookies, "cookies are Secure (and HSTS sent) unless deliberately turned off")
	assert.NotEmpty(t, cfg.AuditKeyFile, "production needs the audit signing key")
	assert.True(t, strings.HasPrefix(cfg.DatabaseURL, "postgres://attest_app:given-ATTEST_APP_DB_PASSWORD@db:5432/attest"),
		"the app connects as its least-privilege role: %s", cfg.DatabaseURL)
	assert.True(t, strings.HasPrefix(cfg.MigrateDatabaseURL, "postgres://attest:given-POSTGRES_PASSWORD@db:5432/attest"),
		"migrations run as the owner: %s", cfg.MigrateDatabaseURL)
}

// TestComposeHasNoInsecureDefaults: no password, base URL or cookie setting falls back to a value
// that would run an insecure deployment.
func TestComposeHasNoInsecureDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	require.NoError(t, err)
	text := string(raw)
	for _, v := range []string{"POSTGRES_PASSWORD", "ATTEST_APP_DB_PASSWORD", "ATTEST_BASE_URL"} {
		uses := regexp.MustCompile(`\$\{`+v+`(:[-?])?[^}]*\}`).FindAllStringSubmatch(text, -1)
		require.NotEmpty(t, uses, v)
		for _, u := range uses {
			assert.Equal(t, ":?", u[1], "%s must be required (${%s:?…}), not defaulted: %s", v, v, u[0])
		}
	}
	assert.NotContains(t, text, "change-me")
	c := loadCompose(t)
	assert.Equal(t, "${ATTEST_SECURE_COOKIES:-true}", c.Services["app"].Environment["ATTEST_SECURE_COOKIES"])
	db := c.Services["db"]
	assert.NotContains(t, c.Services["app"].Environment["DATABASE_URL"], "//"+db.Environment["POSTGRES_USER"]+":",
		"the app does not connect as the database owner")
}

// The Dockerfile copies the whole folder: the build context must leave out the local database
// and evidence (.data, which `make run` creates and the docker client cannot even read when the
// cluster belongs to the postgres user) and build output.
func TestDockerBuildContextLeavesOutLocalData(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	require.NoError(t, err, "a .dockerignore is needed: the Dockerfile does COPY . .")
	patterns := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns[strings.Trim(line, "/")] = true
		}
	}
	for _, p := range []string{".data", "bin", ".git"} {
		assert.True(t, patterns[p], ".dockerignore leaves out %s", p)
	}
}
