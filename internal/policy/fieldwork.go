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
	ReviewNoteEdit   Action = "review_note.edit"  // raise and answer
	ReviewNoteClear  Action = "review_note.clear" // the note's author (Resource.OwnerID), or the team's manager or partner
	// WorkingPapersView: the auditors' working conclusions (test results, the criteria roll-up,
	// what blocks the next status, evidence on tests and samples). Clients see the report.
	WorkingPapersView Action = "working_papers.view"
	ReviewQueue       Action = "review.queue"
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
	ReviewNoteClear: unlocked(allOf(onTeam, anyOf(leadsTeam, func(u auth.User, r Resource) bool {
		return r.OwnerID != 0 && r.OwnerID == u.ID
	}))),
	WorkingPapersView: anyOf(firmOversight, onTeam),
	ReviewQueue:       isFirm,
}
