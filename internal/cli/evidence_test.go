package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
)

func TestEvidenceVerifyCommandListsDamagedBlobs(t *testing.T) {
	_, dsn := dbtest.NewWithDSN(t)
	dir := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "ATTEST_BLOB_DIR":
			return dir
		}
		return ""
	}
	store, err := evidence.NewLocalStore(dir)
	require.NoError(t, err)
	ctx := context.Background()
	var shas []string
	for _, body := range []string{"first file", "second file"} {
		sp, err := store.Spool(strings.NewReader(body), 1<<20)
		require.NoError(t, err)
		require.NoError(t, store.Commit(ctx, sp))
		shas = append(shas, sp.SHA256)
	}
	run := func() (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(ctx, []string{"evidence", "verify"}, &out, &errOut, getenv)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run()
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "evidence intact: 2 stored files verified")

	bad := shas[1]
	require.NoError(t, os.WriteFile(filepath.Join(dir, bad[:2], bad[2:4], bad), []byte("bit rot"), 0o640))
	code, out, errOut = run()
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "damaged "+bad)
	assert.NotContains(t, out, shas[0])
	assert.Contains(t, errOut, "1 of the stored files are damaged or missing")
}
