package csvsafe_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/csvsafe"
)

func TestFormulaPrefixesAreNeutralised(t *testing.T) {
	cases := map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1+cmd":             "'+1+cmd",
		"-2+3":               "'-2+3",
		"@SUM(A1:A2)":        "'@SUM(A1:A2)",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"report.pdf":         "report.pdf",
		"":                   "",
		"a=b":                "a=b",
	}
	for in, want := range cases {
		assert.Equal(t, want, csvsafe.Cell(in), "%q", in)
	}
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	require.NoError(t, w.Write([]string{"=HYPERLINK(\"http://x\")", "ok"}))
	w.Flush()
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"'=HYPERLINK(\"http://x\")", "ok"}}, rows)
}
