package words

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "tests", 1: "test", 2: "tests", -1: "tests"} {
		if got := Plural(n, "test", "tests"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
