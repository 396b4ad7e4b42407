package evidence

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZipPathsAreUniqueAndSayWhatEachFileSupports(t *testing.T) {
	one, testID := 1, int64(5)
	files := []File{
		{RequestNumber: &one, FileName: "a.pdf"},
		{RequestNumber: &one, FileName: "a.pdf"},
		{RequestNumber: &one, FileName: "2-a.pdf"},
		{SampleItem: "CHG/1004", FileName: "ticket.pdf"},
		{TestID: &testID, FileName: "walkthrough.pdf"},
	}
	assert.Equal(t, []string{"R-001/a.pdf", "R-001/2-a.pdf", "R-001/2-2-a.pdf", "sample CHG_1004/ticket.pdf", "test 5/walkthrough.pdf"},
		zipPaths(files))
}

func TestManifestNeutralisesFormulaPrefixes(t *testing.T) {
	var files []File
	for _, name := range []string{"=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,2)", "\t=1", "\r=1", "report.pdf"} {
		files = append(files, File{FileName: name, SampleItem: name, UploaderEmail: "=evil@example.com"})
	}
	var b bytes.Buffer
	require.NoError(t, writeManifest(&b, zipPaths(files), files))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(files)+1)
	for i, f := range files {
		row := rows[i+1]
		for _, cell := range row {
			if cell != "" {
				assert.NotContains(t, "=+-@\t\r", cell[:1], "row %d cell %q starts with a formula prefix", i+1, cell)
			}
		}
		if f.FileName == "report.pdf" {
			assert.Equal(t, "report.pdf", row[1], "ordinary names are unchanged")
		} else {
			assert.Equal(t, "'"+f.FileName, row[1])
		}
	}
}
