package evidence

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
