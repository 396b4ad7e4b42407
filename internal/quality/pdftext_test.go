package quality

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pdfText reads a PDF back with poppler's pdftotext (installed by .ci/install-deps test).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(p, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", p, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Join(strings.Fields(string(out)), " ")
}
