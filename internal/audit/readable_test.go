package audit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		before, after string
		want          []Change
	}{
		{"an update lists only what changed, in field order",
			`{"ref":"NL-03","procedure":"Inspect","version":1,"frequency":"daily"}`,
			`{"ref":"NL-03","procedure":"Inspect and reperform","version":2,"frequency":"daily"}`,
			[]Change{{"procedure", "Inspect", "Inspect and reperform"}, {"version", "1", "2"}}},
		{"a creation lists every field", ``, `{"name":"Northwind","active":true}`,
			[]Change{{"active", "—", "yes"}, {"name", "—", "Northwind"}}},
		{"a deletion lists every field", `{"ref":"NL-09"}`, `null`, []Change{{"ref", "NL-09", "—"}}},
		{"lists read as lists; empty text is visible", `{"criteria":["CC6.1"],"note":"x"}`, `{"criteria":["CC6.1","CC6.2"],"note":""}`,
			[]Change{{"criteria", "CC6.1", "CC6.1, CC6.2"}, {"note", "x", `""`}}},
		{"null and absent are the same", `{"a":null}`, `{}`, nil},
		{"key order and number formatting do not count as changes", `{"x":{"b":1,"a":2}}`, `{"x":{"a":2,"b":1.0}}`, nil},
		{"a value that is not an object is one field", `"draft"`, `"final"`, []Change{{"value", "draft", "final"}}},
		{"no values, no changes", ``, ``, nil},
		{"escaped text reads unescaped; yes, no and absent", `{"t":"a\"b\u00e9","y":true,"n":null}`, `{"t":"tab\tend","y":false,"n":"set"}`,
			[]Change{{"n", "—", "set"}, {"t", `a"bé`, "tab end"}, {"y", "yes", "no"}}},
		{"numbers read as written, in full", `{"a":0,"b":-12,"c":199999,"d":1.50,"e":-0,"f":1e3}`, `{"a":1,"b":123456789012345,"c":1234567890123456789,"d":2,"e":0,"f":1000.5}`,
			[]Change{{"a", "0", "1"}, {"b", "-12", "123456789012345"}, {"c", "199999", "1234567890123456800"}, {"d", "1.5", "2"}, {"e", "-0", "0"}, {"f", "1000", "1000.5"}}},
		{"the same bytes are no change", `{"x":[1,{"a":"b"}],"s":"same"}`, `{"x":[1,{"a":"b"}],"s":"same"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Changes([]byte(tc.before), []byte(tc.after)))
		})
	}
}

func TestChangesClipsLongValues(t *testing.T) {
	t.Parallel()
	long := make([]byte, 400)
	for i := range long {
		long[i] = 'a'
	}
	got := Changes(nil, []byte(`{"procedure":"`+string(long)+`"}`))
	assert.Len(t, []rune(got[0].After), maxShown+1)
	assert.Equal(t, '…', []rune(got[0].After)[maxShown])
}
