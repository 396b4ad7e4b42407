package result

import "testing"

func TestEveryResultHasALabel(t *testing.T) {
	for _, r := range Tests {
		if r.Label() == string(r) || r.Label() == "" {
			t.Errorf("test result %q has no label", r)
		}
	}
	for _, r := range Samples {
		if r.Label() == string(r) || r.Label() == "" {
			t.Errorf("sample result %q has no label", r)
		}
	}
	if Test("unknown").Label() != "unknown" || Sample("unknown").Label() != "unknown" {
		t.Error("an unknown value is shown as stored")
	}
	if !NoExceptions.Concluded() || !Exceptions.Concluded() || InProgress.Concluded() || NotStarted.Concluded() {
		t.Error("only no_exceptions and exceptions conclude a test")
	}
}
