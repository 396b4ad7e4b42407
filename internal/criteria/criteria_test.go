package criteria_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestCatalogHasAll61CriteriaByCategory(t *testing.T) {
	gdb := dbtest.New(t)
	groups, err := criteria.NewService(gdb).ByCategory(context.Background())
	require.NoError(t, err)
	counts := map[string]int{}
	total := 0
	for _, g := range groups {
		counts[g.Category.Key] = len(g.Criteria)
		total += len(g.Criteria)
		for _, c := range g.Criteria {
			assert.Equal(t, g.Category.Key, c.Category, c.ID)
			assert.NotEmpty(t, c.SeriesTitle, c.ID)
			assert.NotEmpty(t, c.Summary, c.ID)
		}
	}
	assert.Equal(t, 61, total)
	assert.Equal(t, map[string]int{"security": 33, "availability": 3, "confidentiality": 2, "processing_integrity": 5, "privacy": 18}, counts)
	assert.Equal(t, "CC1.1", groups[0].Criteria[0].ID, "catalog order starts with CC1.1")
	assert.Equal(t, "P8.1", groups[4].Criteria[17].ID)

	ids, err := criteria.NewService(gdb).ValidIDs(context.Background())
	require.NoError(t, err)
	assert.Len(t, ids, 61)
	id, ok := ids.Lookup(" cc6.1")
	assert.True(t, ok)
	assert.Equal(t, "CC6.1", id)
	_, ok = ids.Lookup("CC6.9")
	assert.False(t, ok)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	root, err := db.ProjectRoot()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "testdata", "criteria", name))
	require.NoError(t, err)
	return b
}

func officialTexts(t *testing.T, gdb *gorm.DB) map[string]string {
	t.Helper()
	all, err := criteria.NewService(gdb).List(context.Background())
	require.NoError(t, err)
	m := map[string]string{}
	for _, c := range all {
		if c.OfficialText != "" {
			m[c.ID] = c.OfficialText
		}
	}
	return m
}

func auditCount(t *testing.T, gdb *gorm.DB) int64 {
	var n int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM audit_events WHERE action = 'criteria.import'`).Scan(&n).Error)
	return n
}

func TestImportGoodFiles(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	actor := audit.Actor{Email: "system"}

	n, err := criteria.NewService(gdb).ImportFile(ctx, actor, "good.csv", fixture(t, "good.csv"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	texts := officialTexts(t, gdb)
	assert.Len(t, texts, 3)
	assert.Contains(t, texts["CC6.1"], "logical access security software")
	assert.Contains(t, texts["CC6.2"], "registers and authorizes", "lower-case ids are normalised")
	assert.Contains(t, texts["A1.2"], "recovery infrastructure")

	n, err = criteria.NewService(gdb).ImportFile(ctx, actor, "good.json", fixture(t, "good.json"))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	texts = officialTexts(t, gdb)
	assert.Len(t, texts, 5, "an import replaces only the criteria it names")
	assert.Equal(t, "The entity demonstrates a commitment to integrity and ethical values.", texts["CC1.1"])
	assert.Equal(t, int64(2), auditCount(t, gdb))
}

func TestImportRejectsWholeFileAndReportsRowAndColumn(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	actor := audit.Actor{Email: "system"}
	require.NoError(t, gdb.Exec(`UPDATE criteria SET official_text = 'kept' WHERE id = 'CC6.1'`).Error)

	cases := []struct {
		file string
		want []string
	}{
		{"bad_id.csv", []string{`line 3, column id: "CC6.9" is not a Trust Services Criterion`, "line 4, column text: the official text is empty"}},
		{"malformed.csv", []string{"line 3: the line is not valid CSV"}},
		{"partial.json", []string{"item 2: the item is not an object with string id and text", `item 3, column id: "X9.9" is not a Trust Services Criterion`}},
		{"duplicate_first.json", []string{"item 3, column id: CC1.1 appears twice (also at item 1)"}},
		{"duplicate.csv", []string{"line 4, column id: CC6.1 appears twice (also at line 2)"}},
		{"no_header.csv", []string{"line 1, column id: the header has no id column", "line 1, column text: the header has no text column"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := criteria.NewService(gdb).ImportFile(ctx, actor, tc.file, fixture(t, tc.file))
			var ie *criteria.ImportError
			require.ErrorAs(t, err, &ie)
			assert.Len(t, ie.Problems, len(tc.want), "every problem is reported: %v", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, map[string]string{"CC6.1": "kept"}, officialTexts(t, gdb), "nothing changed")
			assert.Equal(t, int64(0), auditCount(t, gdb))
		})
	}
}
