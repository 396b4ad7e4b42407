package policy

// Client portal actions: information requests and evidence.
const (
	RequestView           Action = "request.view"            // auditors and the client's users: lists, requests, evidence downloads
	RequestManage         Action = "request.manage"          // auditors create, import, return, accept, invite contacts
	RequestRespond        Action = "request.respond"         // client users submit
	RequestComment        Action = "request.comment"         // both sides write in a request's thread
	EvidenceUpload        Action = "evidence.upload"         // files for a request: the client, or an auditor on their behalf
	EvidenceAttach        Action = "evidence.attach"         // auditors' own evidence on tests and samples
	RequestTemplateManage Action = "request_template.manage" // the firm's standard request list
)

var requestRules = map[Action]rule{
	RequestView:           anyOf(firmOversight, onTeam, isClientOf),
	RequestManage:         unlocked(onTeam),
	RequestRespond:        unlocked(isClientOf),
	RequestComment:        unlocked(anyOf(onTeam, isClientOf)),
	EvidenceUpload:        unlocked(anyOf(onTeam, isClientOf)),
	EvidenceAttach:        unlocked(onTeam),
	RequestTemplateManage: firmOversight,
}
