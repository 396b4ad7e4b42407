package policy

import "github.com/attest-soc/attest/internal/auth"

// Client portal actions: information requests and evidence.
const (
	RequestView           Action = "request.view"            // auditors and the client's users: lists, requests, evidence downloads
	RequestManage         Action = "request.manage"          // auditors create, import, return, accept, invite contacts
	RequestRespond        Action = "request.respond"         // client users submit
	RequestComment        Action = "request.comment"         // both sides write in a request's thread
	EvidenceUpload        Action = "evidence.upload"         // files for a request: the client, or an auditor on their behalf
	EvidenceAttach        Action = "evidence.attach"         // auditors' own evidence on tests and samples
	RequestTemplateManage Action = "request_template.manage" // the firm's standard request list

	// The client's coordinator (issue #16 point 8).
	RequestViewAll     Action = "request.view_all"    // every request of the engagement, not only one's own
	RequestAssign      Action = "request.assign"      // the coordinator assigns and reassigns requests among colleagues
	ColleagueView      Action = "colleague.view"      // the coordinator's page of colleagues
	ColleagueInvite    Action = "colleague.invite"    // the coordinator invites colleagues of their own organization
	CoordinatorAppoint Action = "coordinator.appoint" // the firm marks (or unmarks) a client contact as coordinator
)

var requestRules = map[Action]rule{
	RequestView:           anyOf(firmOversight, onTeam, clientReaches),
	RequestManage:         unlocked(onTeam),
	RequestRespond:        unlocked(clientReaches),
	RequestComment:        unlocked(anyOf(onTeam, clientReaches)),
	EvidenceUpload:        unlocked(anyOf(onTeam, clientReaches)),
	RequestViewAll:        anyOf(firmOversight, onTeam, allOf(isClientOf, seesEveryRequest)),
	RequestAssign:         unlocked(isCoordinator),
	ColleagueView:         anyOf(firmOversight, onTeam, isCoordinator),
	ColleagueInvite:       unlocked(isCoordinator),
	CoordinatorAppoint:    unlocked(onTeam),
	EvidenceAttach:        unlocked(onTeam),
	RequestTemplateManage: firmOversight,
}

// isCoordinator: a client user of the owning organization marked as the engagement's coordinator.
func isCoordinator(u auth.User, r Resource) bool { return isClientOf(u, r) && r.Coordinator }

// seesEveryRequest: the coordinator, or any client user of an engagement without a coordinator
// (then nobody spreads the list, and every contact sees all of it, as before coordinators).
func seesEveryRequest(_ auth.User, r Resource) bool { return r.Coordinator || !r.HasCoordinator }

// clientReaches: a client user of the owning organization who reaches the resource — the
// engagement's lists (filtered to their own requests by the domain), or one request they see:
// every one for the coordinator, otherwise one assigned to them or that they uploaded to.
func clientReaches(u auth.User, r Resource) bool {
	return isClientOf(u, r) && (!r.OneRequest || seesEveryRequest(u, r) || r.Involved)
}
