package description_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attest-soc/attest/internal/description"
)

func render(chunks []description.Chunk) string {
	var b strings.Builder
	for _, c := range chunks {
		switch c.Change {
		case description.Inserted:
			b.WriteString("{+" + c.Text + "+}")
		case description.Deleted:
			b.WriteString("[-" + c.Text + "-]")
		default:
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

func TestWordDiffOnKnownTexts(t *testing.T) {
	cases := []struct{ before, after, want string }{
		{"The quick brown fox.", "The quick brown fox.", "The quick brown fox."},
		{"The quick brown fox.", "The slow brown fox.", "The [-quick-]{+slow+} brown fox."},
		{"Backups run daily.", "Backups run daily and are tested quarterly.", "Backups run daily{+ and are tested quarterly+}."},
		{"AWS hosts production and staging.", "AWS hosts production.", "AWS hosts production[- and staging-]."},
		{"", "New text", "{+New text+}"},
		{"Old text", "", "[-Old text-]"},
		{"Components: AWS, Postgres.\n\nPeople: 40 staff.", "Components: AWS, Postgres, Redis.\n\nPeople: 45 staff.",
			"Components: AWS, Postgres{+, Redis+}.\n\nPeople: [-40-]{+45+} staff."},
		{"Northwind’s platform", "Northwind’s ledger platform", "Northwind’s {+ledger +}platform"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, render(description.WordDiff(tc.before, tc.after)), "%q -> %q", tc.before, tc.after)
	}
}

func TestWordDiffReassemblesBothTexts(t *testing.T) {
	before := strings.Repeat("alpha beta gamma delta. ", 300)
	after := strings.ReplaceAll(before, "gamma", "GAMMA")
	chunks := description.WordDiff(before, after)
	var left, right strings.Builder
	for _, c := range chunks {
		if c.Change != description.Inserted {
			left.WriteString(c.Text)
		}
		if c.Change != description.Deleted {
			right.WriteString(c.Text)
		}
	}
	assert.Equal(t, before, left.String())
	assert.Equal(t, after, right.String())
	// Texts too different for the edit budget still reassemble.
	x, y := strings.Repeat("a b ", 3000), strings.Repeat("c d ", 3000)
	chunks = description.WordDiff(x, y)
	left.Reset()
	right.Reset()
	for _, c := range chunks {
		if c.Change != description.Inserted {
			left.WriteString(c.Text)
		}
		if c.Change != description.Deleted {
			right.WriteString(c.Text)
		}
	}
	assert.Equal(t, x, left.String())
	assert.Equal(t, y, right.String())
}
