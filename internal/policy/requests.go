package policy

// Client portal actions: information requests and evidence.
const (
	RequestView    Action = "request.view"    // auditors and the client's users
	RequestManage  Action = "request.manage"  // auditors create, return, accept
	RequestRespond Action = "request.respond" // client users upload, comment, submit
)

var requestRules = map[Action]rule{
	RequestView:    anyOf(firmOversight, onTeam, isClientOf),
	RequestManage:  unlocked(onTeam),
	RequestRespond: unlocked(isClientOf),
}
