package policy

// Issued reports for their readers: recipient copies and withdrawal. The public verification
// page needs no rule (its routes are Public).
const (
	// ReportCopiesView lists an engagement's issued versions with their verification codes and
	// recipient copies, and downloads a copy.
	ReportCopiesView Action = "report.copies.view"
	// ReportCopyRequest makes a stamped copy of the current version for a named recipient.
	ReportCopyRequest Action = "report.copy.request"
	// ReportWithdraw withdraws an issued version with a reason (the engagement's partner).
	ReportWithdraw Action = "report.withdraw"
)

// Not unlocked: reports exist only after the signature has locked the engagement.
var verificationRules = map[Action]rule{
	ReportCopiesView:  anyOf(firmOversight, onTeam, isClientOf),
	ReportCopyRequest: anyOf(onTeam, isClientOf),
	ReportWithdraw:    engagementPartner,
}
