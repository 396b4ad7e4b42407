package policy

import "github.com/attest-soc/attest/internal/auth"

// Fieldwork actions: tests, samples, exceptions, sign-offs and review notes.
const (
	TestView   Action = "test.view"
	TestEdit   Action = "test.edit"
	TestReview Action = "test.review"
)

var fieldworkRules = map[Action]rule{
	TestView:   anyOf(firmOversight, onTeam),
	TestEdit:   unlocked(onTeam),
	TestReview: unlocked(allOf(onTeam, func(_ auth.User, r Resource) bool { return r.TeamRole != TeamStaff })),
}
