package db_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestOneLoadsARowOrSaysNotFound(t *testing.T) {
	t.Parallel()
	gdb := dbtest.New(t)
	var id int64
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&id))

	type row struct {
		ID   int64
		Name string
	}
	got, err := db.One[row](gdb, "client", `SELECT id, name FROM clients WHERE id = ?`, id)
	require.NoError(t, err)
	assert.Equal(t, row{id, "Northwind Ledger"}, got)

	name, err := db.One[string](gdb, "client name", `SELECT name FROM clients WHERE id = ?`, id)
	require.NoError(t, err)
	assert.Equal(t, "Northwind Ledger", name)

	_, err = db.One[row](gdb, "client", `SELECT id, name FROM clients WHERE id = ?`, id+1000)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = db.One[int64](gdb, "client id", `SELECT id FROM clients WHERE id = ?`, id+1000)
	assert.ErrorIs(t, err, apperr.ErrNotFound)

	_, err = db.One[row](gdb, "client", `SELECT id, name FROM no_such_table`)
	require.Error(t, err)
	assert.NotErrorIs(t, err, apperr.ErrNotFound)
	assert.Contains(t, err.Error(), "loading client")
}

func TestTextArrayRoundTripsNatively(t *testing.T) {
	t.Parallel()
	gdb := dbtest.New(t)
	for _, in := range [][]string{{"inquiry", "inspection"}, {}, {`with "quotes", commas and {braces}`, "NULL", ""}} {
		var out db.TextArray
		require.NoError(t, gdb.Raw(`SELECT ?::text[]`, db.TextArray(in)).Row().Scan(&out))
		assert.Equal(t, in, []string(out))
	}
	type row struct{ Techniques db.TextArray }
	r, err := db.One[row](gdb, "array", `SELECT ARRAY['a','b']::text[] AS techniques`)
	require.NoError(t, err)
	assert.Equal(t, db.TextArray{"a", "b"}, r.Techniques)
	r, err = db.One[row](gdb, "array", `SELECT NULL::text[] AS techniques`)
	require.NoError(t, err)
	assert.Empty(t, r.Techniques, "NULL scans as empty")

	var n int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM unnest(ARRAY['x','y','z']) v WHERE v = ANY(?)`, db.TextArray{"x", "z"}).Row().Scan(&n))
	assert.Equal(t, 2, n, "a TextArray parameter is one text[], not a list gorm expands")
}
