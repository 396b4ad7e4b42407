package requests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/db/dbtest"
)

// firstChars cuts as PostgreSQL's left() does (the control labels were cut in SQL before).
func TestFirstCharsCutsLikeLeft(t *testing.T) {
	gdb := dbtest.New(t)
	for _, s := range []string{"", "Short", strings.Repeat("a", 60), strings.Repeat("a", 61),
		"Änderungen an Zugriffsrechten werden vierteljährlich überprüft und von der Geschäftsleitung genehmigt",
		strings.Repeat("a", 59) + "ééé", strings.Repeat("a", 60) + "é", strings.Repeat("数据", 40), "Emoji 🔐 access reviews are performed quarterly by the security officer and logged"} {
		var want string
		require.NoError(t, gdb.Raw(`SELECT left(?, 60)`, s).Row().Scan(&want))
		assert.Equal(t, want, firstChars(s, 60), s)
	}
}
