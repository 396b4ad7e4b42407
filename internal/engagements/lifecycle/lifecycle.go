// Package lifecycle holds the engagement's status: the one list of statuses, their labels and
// the one rule for "locked". It imports nothing of Attest, so every package can use it.
package lifecycle

// Status is where an engagement stands.
type Status string

// Engagement statuses.
const (
	Planning  Status = "planning"
	Fieldwork Status = "fieldwork"
	Review    Status = "review"
	Signed    Status = "signed"
	Issued    Status = "issued"
	Archived  Status = "archived"
)

// Label is the status as users read it.
func (s Status) Label() string {
	switch s {
	case Planning:
		return "Planning"
	case Fieldwork:
		return "Fieldwork"
	case Review:
		return "Review"
	case Signed:
		return "Signed"
	case Issued:
		return "Issued"
	case Archived:
		return "Archived"
	}
	return string(s)
}

// Locked is the one rule for "nothing changes any more": from the partner's signature on.
func (s Status) Locked() bool {
	return s == Signed || s == Issued || s == Archived
}

// All lists the statuses in the order an engagement moves through them.
var All = []Status{Planning, Fieldwork, Review, Signed, Issued, Archived}

// ClientMayEdit reports whether the client's users may still change what they provide (the
// description): until the engagement goes to review.
func (s Status) ClientMayEdit() bool { return s == Planning || s == Fieldwork }
