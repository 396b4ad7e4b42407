package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestCriteriaImportCommand(t *testing.T) {
	gdb, dsn := dbtest.NewWithDSN(t)
	root, err := db.ProjectRoot()
	require.NoError(t, err)
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return dsn
		}
		return ""
	}
	run := func(file string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), []string{"criteria", "import", filepath.Join(root, "testdata", "criteria", file)}, &out, &errOut, getenv)
		return code, out.String(), errOut.String()
	}

	code, _, stderr := run("bad_id.csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `line 3, column id: "CC6.9" is not a Trust Services Criterion`)
	assert.Contains(t, stderr, "line 4, column text: the official text is empty")
	assert.Contains(t, stderr, "nothing changed")
	var loaded int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM criteria WHERE official_text <> ''`).Scan(&loaded).Error)
	assert.Zero(t, loaded)

	code, stdout, stderr := run("good.csv")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "official text loaded for 3 criteria")
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM criteria WHERE official_text <> ''`).Scan(&loaded).Error)
	assert.Equal(t, int64(3), loaded)

	var out, errOut bytes.Buffer
	assert.Equal(t, 2, cli.Run(context.Background(), []string{"criteria"}, &out, &errOut, getenv), "usage without a subcommand")
}
