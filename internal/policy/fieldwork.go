package policy

import "github.com/attest-soc/attest/internal/auth"

// Fieldwork actions: tests, samples, exceptions, sign-offs and review notes.
const (
	TestView         Action = "test.view"
	TestEdit         Action = "test.edit"
	TestReview       Action = "test.review"
	SampleListView   Action = "sample.list_view"  // sample lists sent to the client, and the auditors
	ExceptionView    Action = "exception.view"    // auditors and the client's users
	ExceptionEdit    Action = "exception.edit"    // auditors record and evaluate
	ExceptionRespond Action = "exception.respond" // client users write management's response
	ReviewNoteView   Action = "review_note.view"
	ReviewNoteEdit   Action = "review_note.edit" // raise and answer; clearing is checked per note
	ReviewQueue      Action = "review.queue"
)

var fieldworkRules = map[Action]rule{
	TestView:         anyOf(firmOversight, onTeam),
	TestEdit:         unlocked(onTeam),
	TestReview:       unlocked(allOf(onTeam, func(_ auth.User, r Resource) bool { return r.TeamRole != TeamStaff })),
	SampleListView:   anyOf(firmOversight, onTeam, isClientOf),
	ExceptionView:    anyOf(firmOversight, onTeam, isClientOf),
	ExceptionEdit:    unlocked(onTeam),
	ExceptionRespond: unlocked(isClientOf),
	ReviewNoteView:   anyOf(firmOversight, onTeam),
	ReviewNoteEdit:   unlocked(onTeam),
	ReviewQueue:      isFirm,
}
