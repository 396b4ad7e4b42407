package web_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/signing"
	"github.com/attest-soc/attest/internal/web"
)

// A signing key that does not match its certificate stops the server at start, saying so.
func TestServerRefusesAKeyThatDoesNotMatchItsCertificate(t *testing.T) {
	now := time.Now()
	certPEM, keyPEM, err := signing.SelfSigned("Example LLP", now)
	require.NoError(t, err)
	_, otherKey, err := signing.SelfSigned("Other", now)
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"ATTEST_BLOB_DIR": filepath.Join(dir, "blobs"),
			"ATTEST_SIGNING_CERT": write("cert.pem", certPEM), "ATTEST_SIGNING_KEY": write("other.pem", otherKey)}[k]
	})
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err = web.New(nil, cfg, &clock.Fixed{T: now}, log)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ATTEST_SIGNING_KEY")
	assert.Contains(t, err.Error(), "does not belong to the signing certificate")

	cfg.SigningKeyFile = write("key.pem", keyPEM)
	srv, err := web.New(nil, cfg, &clock.Fixed{T: now}, log)
	require.NoError(t, err)
	assert.Equal(t, "Example LLP", srv.Signer.Subject())
}
