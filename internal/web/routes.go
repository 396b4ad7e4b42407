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

	// Control matrix
	s.handle(get, "/engagements/:id/controls", policy.ControlView, s.engagementScope("id"), s.controlList)
	s.handle(get, "/engagements/:id/controls/new", policy.ControlEdit, s.engagementScope("id"), s.controlNew)
	s.handle(post, "/engagements/:id/controls", policy.ControlEdit, s.engagementScope("id"), s.controlCreate)
	s.handle(get, "/engagements/:id/controls/import", policy.ControlEdit, s.engagementScope("id"), s.controlImportForm)
	s.handle(post, "/engagements/:id/controls/import", policy.ControlEdit, s.engagementScope("id"), s.controlImport, upload)
	s.handle(get, "/engagements/:id/controls/template.xlsx", policy.ControlView, s.engagementScope("id"), s.controlTemplate)
	s.handle(get, "/engagements/:id/controls/export.xlsx", policy.ControlView, s.engagementScope("id"), s.controlExport)
	s.handle(get, "/controls/:cid/edit", policy.ControlEdit, s.childScope("controls", "cid"), s.controlEdit)
	s.handle(post, "/controls/:cid", policy.ControlEdit, s.childScope("controls", "cid"), s.controlUpdate)
	s.handle(post, "/controls/:cid/delete", policy.ControlEdit, s.childScope("controls", "cid"), s.controlDelete)
	s.handle(get, "/engagements/:id/complementary-controls/new", policy.ControlEdit, s.engagementScope("id"), s.complementaryNew)
	s.handle(post, "/engagements/:id/complementary-controls", policy.ControlEdit, s.engagementScope("id"), s.complementaryCreate)
	s.handle(get, "/complementary-controls/:cid/edit", policy.ControlEdit, s.childScope("complementary_controls", "cid"), s.complementaryEdit)
	s.handle(post, "/complementary-controls/:cid", policy.ControlEdit, s.childScope("complementary_controls", "cid"), s.complementaryUpdate)
	s.handle(post, "/complementary-controls/:cid/delete", policy.ControlEdit, s.childScope("complementary_controls", "cid"), s.complementaryDelete)
	s.handle(get, "/engagements/:id/coverage", policy.ControlView, s.engagementScope("id"), s.coverage)

	// Fieldwork: tests, samples, exceptions, sign-offs, review notes.

	// Client portal: information requests and evidence.
}
