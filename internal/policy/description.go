package policy

import "github.com/attest-soc/attest/internal/auth"

// Description actions: management's system description (Section III) and assertion (Section II).
const (
	// DescriptionView: the sections, versions and comparisons, images, the assertion, the preview.
	DescriptionView Action = "description.view"
	// DescriptionEdit: write sections, upload diagrams, word the assertion, answer notes
	// addressed to the client. The client's users write; the team may edit too.
	DescriptionEdit Action = "description.edit"
	// DescriptionReview: the DC 200 checklist and review notes on sections (the auditors).
	DescriptionReview Action = "description.review"
	// AssertionEdit: management words its assertion; the auditors read it but do not write it.
	AssertionEdit Action = "assertion.edit"
	// AssertionDesignate: a client contact names the signing officer.
	AssertionDesignate Action = "assertion.designate_officer"
	// AssertionApprove: the signing officer approves (the domain checks it is them).
	AssertionApprove Action = "assertion.approve"
)

// clientContact: a client user who is a client contact on the engagement's team.
func clientContact(u auth.User, r Resource) bool {
	return isClientOf(u, r) && r.TeamRole == TeamClientContact
}

var descriptionRules = map[Action]rule{
	DescriptionView:    anyOf(firmOversight, onTeam, isClientOf),
	DescriptionEdit:    unlocked(anyOf(onTeam, isClientOf)),
	DescriptionReview:  unlocked(onTeam),
	AssertionEdit:      unlocked(isClientOf),
	AssertionDesignate: unlocked(clientContact),
	AssertionApprove:   unlocked(isClientOf),
}
