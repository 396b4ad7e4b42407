package web

import (
	"net/http"

	"github.com/attest-soc/attest/internal/policy"
)

// registerRoutes lists every route of Attest. Each names the policy action it needs and the
// scope that finds the resource the action touches.
func (s *Server) registerRoutes() {
	const get, post = http.MethodGet, http.MethodPost

	// Public: health, static files, sign-in, invitations.
	s.public(get, "/healthz", s.healthz)
	s.public(get, "/readyz", s.readyz)
	s.public(get, "/static/*", s.serveStatic)
	s.public(get, "/login", s.showLogin)
	s.public(post, "/login", s.login)
	s.public(get, "/invitations/:token", s.showInvitation)
	s.public(post, "/invitations/:token", s.acceptInvitation)

	// Account and sign-in steps.
	s.handle(post, "/logout", policy.AccountMFAStep, firmLevel, s.logout)
	s.handle(get, "/", policy.HomeView, firmLevel, s.home)

	// Administration and the audit trail.

	// Engagements, criteria and the control matrix.
	s.handle(get, "/criteria", policy.CriteriaView, firmLevel, s.criteriaList)
	s.handle(get, "/engagements", policy.EngagementList, firmLevel, s.engagementList)
	s.handle(get, "/engagements/new", policy.EngagementCreate, firmLevel, s.engagementNew)
	s.handle(post, "/engagements", policy.EngagementCreate, firmLevel, s.engagementCreate)
	s.handle(get, "/engagements/:id", policy.EngagementView, s.engagementScope("id"), s.engagementOverview)
	s.handle(get, "/engagements/:id/edit", policy.EngagementEdit, s.engagementScope("id"), s.engagementEdit)
	s.handle(post, "/engagements/:id/edit", policy.EngagementEdit, s.engagementScope("id"), s.engagementUpdate)
	s.handle(get, "/engagements/:id/team", policy.EngagementTeamView, s.engagementScope("id"), s.engagementTeam)
	s.handle(post, "/engagements/:id/team/members", policy.EngagementTeamEdit, s.engagementScope("id"), s.engagementMemberAdd)
	s.handle(post, "/engagements/:id/team/members/:user/remove", policy.EngagementTeamEdit, s.engagementScope("id"), s.engagementMemberRemove)
	s.handle(post, "/engagements/:id/team/independence", policy.EngagementIndependence, s.engagementScope("id"), s.engagementIndependenceConfirm)
	s.handle(post, "/engagements/:id/subservice-orgs", policy.EngagementTeamEdit, s.engagementScope("id"), s.engagementSubserviceAdd)
	s.handle(post, "/engagements/:id/subservice-orgs/:sso/remove", policy.EngagementTeamEdit, s.engagementScope("id"), s.engagementSubserviceRemove)
	s.handle(post, "/engagements/:id/status", policy.EngagementStatus, s.engagementScope("id"), s.engagementStatusChange)
	s.handle(post, "/engagements/:id/roll-forward", policy.EngagementRollForward, s.engagementScope("id"), s.engagementRollForward)

	// Fieldwork: tests, samples, exceptions, sign-offs, review notes.

	// Client portal: information requests and evidence.
}
