package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/cli"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/signing"
)

// attest report render writes the bytes the web app serves: for the issued demo engagement the
// stored (downloaded) version's SHA-256; with --draft the same watermarked draft every time.
func TestReportRenderCommand(t *testing.T) {
	gdb, dsn := dbtest.NewWithDSN(t)
	ctx := context.Background()
	blobDir := t.TempDir()
	store, err := evidence.NewLocalStore(blobDir)
	require.NoError(t, err)
	_, err = seed.Demo(ctx, gdb, &clock.Fixed{T: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}, seed.WithEvidenceStore(store))
	require.NoError(t, err)
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "ATTEST_BLOB_DIR":
			return blobDir
		}
		return ""
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(ctx, append([]string{"report", "render"}, args...), &out, &errOut, getenv)
		return code, out.String(), errOut.String()
	}
	var issued, draft, empty int64
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2025'`).Row().Scan(&issued))
	require.NoError(t, gdb.Raw(`SELECT id FROM engagements WHERE name = 'SOC 2 Type II 2026'`).Row().Scan(&draft))
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date)
		SELECT client_id, 'Empty Type I', 'type1', '2026-09-30' FROM engagements WHERE id = ? RETURNING id`, draft).Row().Scan(&empty))

	dir := t.TempDir()
	for _, variant := range []string{"type2", "soc3"} {
		out := filepath.Join(dir, variant+".pdf")
		code, stdout, stderr := run("--engagement", itoa(issued), "--variant", variant, "--out", out)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "(final,")
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		var stored string
		require.NoError(t, gdb.Raw(`SELECT sha256 FROM report_versions WHERE engagement_id = ? AND variant = ? AND state = 'current'`,
			issued, variant).Row().Scan(&stored))
		assert.Equal(t, stored, hex.EncodeToString(sum[:]), "%s: the command writes the issued bytes", variant)
		assert.Contains(t, stdout, "identical to the issued version (sha256 "+stored+")")
		assert.Regexp(t, `verification code [A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}`, stdout)
	}

	// A signed version: the issued file is the rendered bytes followed by the firm's signature
	// (an incremental update). The command writes the rendered bytes and says they are the
	// issued file's first bytes. (Signed here as Issue would have: the stored bytes, then sign.)
	certPEM, keyPEM, err := signing.SelfSigned("Example & Partners LLP", time.Now())
	require.NoError(t, err)
	signer, err := signing.Parse(certPEM, keyPEM)
	require.NoError(t, err)
	var versionID int64
	var blobKey string
	require.NoError(t, gdb.Raw(`SELECT id, blob_key FROM report_versions WHERE engagement_id = ? AND variant = 'type2' AND state = 'current'`,
		issued).Row().Scan(&versionID, &blobKey))
	rc, err := store.Open(ctx, blobKey)
	require.NoError(t, err)
	unsigned, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	signed, err := signer.Sign(unsigned, time.Now(), "Issued")
	require.NoError(t, err)
	sp, err := store.Spool(bytes.NewReader(signed), int64(len(signed)))
	require.NoError(t, err)
	require.NoError(t, store.Commit(ctx, sp))
	require.NoError(t, gdb.Exec(`UPDATE report_versions SET sha256 = ?, size = ?, blob_key = ? WHERE id = ?`,
		sp.Blob.SHA256, sp.Blob.Size, sp.Blob.SHA256, versionID).Error)
	require.NoError(t, gdb.Exec(`UPDATE report_verification_codes SET signed = true WHERE report_version_id = ?`, versionID).Error)
	out := filepath.Join(dir, "signed.pdf")
	code, stdout, stderr := run("--engagement", itoa(issued), "--variant", "type2", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, fmt.Sprintf("identical to the issued version's first %d of %d bytes", len(unsigned), len(signed)))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, unsigned, data)

	// Data changed after issue (here the firm's name): the command says the bytes differ.
	require.NoError(t, gdb.Exec(`UPDATE firm_settings SET firm_name = firm_name || ' (renamed)'`).Error)
	code, _, stderr = run("--engagement", itoa(issued), "--variant", "soc3", "--out", filepath.Join(dir, "changed.pdf"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "The rendered bytes differ from issued version 1")

	a, b := filepath.Join(dir, "a.pdf"), filepath.Join(dir, "b.pdf")
	code, stdout, stderr = run("--engagement", itoa(draft), "--variant", "type2", "--draft", "--out", a)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "(draft,")
	code, _, stderr = run("--engagement", itoa(draft), "--variant", "type2", "--draft", "--out", b)
	require.Equal(t, 0, code, stderr)
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	assert.Equal(t, da, db, "the same data gives the same bytes")

	code, _, stderr = run("--engagement", itoa(empty), "--variant", "type1", "--out", filepath.Join(dir, "c.pdf"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no controls yet")
	_, err = os.Stat(filepath.Join(dir, "c.pdf"))
	assert.True(t, os.IsNotExist(err), "no empty PDF is written")

	code, _, stderr = run("--engagement", itoa(draft), "--variant", "type1", "--out", filepath.Join(dir, "d.pdf"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "produces a SOC 2 Type II report")
	code, _, _ = run("--engagement", itoa(draft))
	assert.Equal(t, 2, code, "usage")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
