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

	// Fieldwork: tests, samples, exceptions, sign-offs, review notes.

	// Client portal: information requests and evidence.
}
