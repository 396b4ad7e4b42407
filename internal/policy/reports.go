package policy

import "github.com/attest-soc/attest/internal/auth"

// Opinion and report actions.
const (
	// ReportView opens the engagement's report tab: the team sees the opinion, the gates and
	// every version; the client's users see the issued reports.
	ReportView Action = "report.view"
	// ReportDraft renders a watermarked draft (PDF or preview), at any time, for the team.
	ReportDraft Action = "report.draft"
	// OpinionChoose records the partner's choice of opinion kind and the basis paragraphs.
	OpinionChoose Action = "opinion.choose"
	// OpinionSign is the partner's signature; the domain checks the gates and the lock.
	OpinionSign Action = "opinion.sign"
	// ReportIssue releases the signed reports.
	ReportIssue Action = "report.issue"
	// EngagementReopen withdraws the signature, with a reason.
	EngagementReopen Action = "engagement.reopen"
	// ReportDownload downloads an issued report version (client users: current versions only).
	ReportDownload Action = "report.download"
	// AddendumAdd adds a dated addendum to a signed engagement's file.
	AddendumAdd Action = "engagement.addendum"
	// ScopeLimitationRecord records (or removes) a scope limitation, before the signature.
	ScopeLimitationRecord Action = "scope_limitation.record"
)

// signingPartner: a firm partner (role) who is this engagement's partner (team role).
func signingPartner(u auth.User, r Resource) bool {
	return u.Role == auth.RolePartner && r.TeamRole == TeamPartner
}

var reportRules = map[Action]rule{
	ReportView:  anyOf(firmOversight, onTeam, isClientOf),
	ReportDraft: anyOf(firmOversight, onTeam),
	// Choosing happens before the signature; signing, issuing and reopening act on the lock.
	OpinionChoose:    unlocked(signingPartner),
	OpinionSign:      signingPartner,
	ReportIssue:      signingPartner,
	EngagementReopen: signingPartner,
	ReportDownload:   anyOf(firmOversight, onTeam, isClientOf),
	AddendumAdd:      onTeam,
	// The team records what it could not obtain; it feeds the proposal (a disclaimer).
	ScopeLimitationRecord: unlocked(onTeam),
}
