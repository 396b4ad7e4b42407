// Package result holds the typed results of fieldwork — a test's conclusion and a sample's
// outcome — each with its one Label(). It is a leaf package (no imports) so that fieldwork, the
// web handlers and the templates share the same values and words.
package result

// Test is a test's result, as tests.result stores it.
type Test string

// Test results, in workflow order (Tests).
const (
	NotStarted   Test = "not_started"
	InProgress   Test = "in_progress"
	NoExceptions Test = "no_exceptions"
	Exceptions   Test = "exceptions"
)

// Tests lists the test results in workflow order.
var Tests = []Test{NotStarted, InProgress, NoExceptions, Exceptions}

// Label is the result as auditors read it.
func (r Test) Label() string {
	switch r {
	case NotStarted:
		return "Not started"
	case InProgress:
		return "In progress"
	case NoExceptions:
		return "No exceptions"
	case Exceptions:
		return "Exceptions"
	}
	return string(r)
}

// Concluded reports whether the test has a conclusion (with or without exceptions).
func (r Test) Concluded() bool { return r == NoExceptions || r == Exceptions }

// Sample is what testing one sampled item showed, as samples.result stores it.
type Sample string

// Sample results.
const (
	Untested      Sample = "untested"
	Pass          Sample = "pass"
	Deviation     Sample = "deviation"
	NotApplicable Sample = "not_applicable"
)

// Samples lists the sample results in the order forms offer them.
var Samples = []Sample{Untested, Pass, Deviation, NotApplicable}

// Label is the sample result as auditors read it.
func (r Sample) Label() string {
	switch r {
	case Untested:
		return "Untested"
	case Pass:
		return "Pass"
	case Deviation:
		return "Deviation"
	case NotApplicable:
		return "Not applicable"
	}
	return string(r)
}
