// Package policy is the one place that decides who may do what. Every route names an Action;
// the web layer resolves the Resource the route touches and asks Check before the handler runs.
package policy

import (
	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
)

// Action names something a user does, e.g. "engagement.edit".
type Action string

// Public marks routes open without signing in (login, health checks, static files).
const Public Action = "public"

// TeamRole is a user's role on one engagement's team ("" when not on the team): the one type
// auth.TeamRole, which engagements also stores and labels.
type TeamRole = auth.TeamRole

// Team roles (auth's, named here for the rules).
const (
	TeamPartner       = auth.TeamPartner
	TeamManager       = auth.TeamManager
	TeamSenior        = auth.TeamSenior
	TeamStaff         = auth.TeamStaff
	TeamClientContact = auth.TeamClientContact
)

// Resource is what an action touches, reduced to what the rules need.
type Resource struct {
	ClientID     int64    // owning client organization; 0 for firm-level resources
	EngagementID int64    // 0 outside an engagement
	TeamRole     TeamRole // the acting user's role on that engagement's team
	OwnerID      int64    // author of the object, for rules such as "only the author clears a note"
	Locked       bool     // the engagement is signed or archived
	// FirmOnly marks the auditors' own working papers (e.g. evidence on tests and samples):
	// they do not exist for client users, whatever the action.
	FirmOnly bool
	// The client's coordinator (issue #16 point 8). Coordinator: the acting client user is the
	// engagement's coordinator. HasCoordinator: the engagement has one, so its other client users
	// reach only the requests they are involved in. OneRequest: the resource is one request (or
	// a file of it); Involved: the acting user is its assignee or uploaded a file to it.
	Coordinator    bool
	HasCoordinator bool
	OneRequest     bool
	Involved       bool
}

// rule decides one action.
type rule func(u auth.User, r Resource) bool

// Can reports whether u may perform a on r. An action without a rule is refused, so a route
// added without a policy entry fails closed.
func Can(u auth.User, a Action, r Resource) bool {
	if a == Public {
		return true
	}
	if u.ID == 0 || !u.Active() {
		return false
	}
	if r.FirmOnly && u.Role == auth.RoleClient {
		return false
	}
	fn, ok := rules[a]
	return ok && fn(u, r)
}

// Check is Can as an error. A client user asking for another organization's object gets
// ErrNotFound, so ids cannot be probed; everyone else gets ErrForbidden.
func Check(u auth.User, a Action, r Resource) error {
	if Can(u, a, r) {
		return nil
	}
	if u.Role == auth.RoleClient && ((r.ClientID != 0 && !sameClient(u, r)) || r.FirmOnly) {
		return apperr.ErrNotFound
	}
	if u.Role == auth.RoleClient && r.OneRequest && isClientOf(u, r) && !clientReaches(u, r) {
		// A colleague's request, on an engagement someone else coordinates, does not exist for them.
		return apperr.ErrNotFound
	}
	if u.Role == auth.RoleClient && r.ClientID == 0 && r.EngagementID == 0 {
		// Firm-only pages do not exist for client users.
		return apperr.ErrNotFound
	}
	if r.Locked {
		// Say so when the lock is the only obstacle: the user may act, just not any more.
		unlockedRes := r
		unlockedRes.Locked = false
		if Can(u, a, unlockedRes) {
			return apperr.ErrLocked
		}
	}
	return apperr.ErrForbidden
}

// Known reports whether a has a rule (the route-matrix test uses it).
func Known(a Action) bool { _, ok := rules[a]; return ok || a == Public }

var rules = mergeRules(foundationRules, engagementRules, fieldworkRules, requestRules, descriptionRules, qualityRules, verificationRules, reportRules)

func mergeRules(sets ...map[Action]rule) map[Action]rule {
	all := map[Action]rule{}
	for _, set := range sets {
		for a, fn := range set {
			if _, dup := all[a]; dup {
				panic("policy: duplicate rule for " + string(a))
			}
			all[a] = fn
		}
	}
	return all
}

// Building blocks for the rules.

func signedIn(auth.User, Resource) bool { return true }

func isAdmin(u auth.User, _ Resource) bool { return u.Role == auth.RoleAdmin }

func isFirm(u auth.User, _ Resource) bool { return u.Role.IsFirm() }

func sameClient(u auth.User, r Resource) bool {
	return u.ClientID != nil && r.ClientID != 0 && *u.ClientID == r.ClientID
}

// isClientOf: a client user of the organization that owns r.
func isClientOf(u auth.User, r Resource) bool { return u.Role == auth.RoleClient && sameClient(u, r) }

// firmOversight: admins, partners and managers see every engagement of the firm.
func firmOversight(u auth.User, _ Resource) bool {
	return u.Role == auth.RoleAdmin || u.Role == auth.RolePartner || u.Role == auth.RoleManager
}

// onTeam: a firm user on the engagement's team.
func onTeam(u auth.User, r Resource) bool {
	return u.Role.IsFirm() && r.TeamRole != "" && r.TeamRole != TeamClientContact
}

// leadsTeam: the engagement's partner or manager.
func leadsTeam(u auth.User, r Resource) bool {
	return onTeam(u, r) && (r.TeamRole == TeamPartner || r.TeamRole == TeamManager)
}

// unlocked wraps a rule for changes: nothing changes once the engagement is signed.
func unlocked(fn rule) rule {
	return func(u auth.User, r Resource) bool { return !r.Locked && fn(u, r) }
}

func anyOf(fns ...rule) rule {
	return func(u auth.User, r Resource) bool {
		for _, fn := range fns {
			if fn(u, r) {
				return true
			}
		}
		return false
	}
}

func allOf(fns ...rule) rule {
	return func(u auth.User, r Resource) bool {
		for _, fn := range fns {
			if !fn(u, r) {
				return false
			}
		}
		return true
	}
}
