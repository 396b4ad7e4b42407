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
	s.handle(get, "/login/mfa", policy.AccountMFAStep, firmLevel, s.showMFAChallenge)
	s.handle(post, "/login/mfa", policy.AccountMFAStep, firmLevel, s.verifyMFAChallenge)
	s.handle(get, "/account/mfa/enrol", policy.AccountMFAStep, firmLevel, s.showMFAEnrol)
	s.handle(post, "/account/mfa/enrol", policy.AccountMFAStep, firmLevel, s.confirmMFAEnrol)
	s.handle(get, "/account", policy.AccountManage, firmLevel, s.showAccount)
	s.handle(post, "/account/password", policy.AccountManage, firmLevel, s.changePassword)

	// Administration and the audit trail.
	s.handle(get, "/admin/users", policy.AdminUsers, firmLevel, s.adminUserList)
	s.handle(get, "/admin/users/new", policy.AdminUsers, firmLevel, s.adminUserNew)
	s.handle(post, "/admin/users", policy.AdminUsers, firmLevel, s.adminUserCreate)
	s.handle(get, "/admin/users/:id", policy.AdminUsers, firmLevel, s.adminUserShow)
	s.handle(post, "/admin/users/:id/role", policy.AdminUsers, firmLevel, s.adminUserChangeRole)
	s.handle(post, "/admin/users/:id/disable", policy.AdminUsers, firmLevel, s.adminUserDisable)
	s.handle(post, "/admin/users/:id/enable", policy.AdminUsers, firmLevel, s.adminUserEnable)
	s.handle(post, "/admin/users/:id/invitation", policy.AdminUsers, firmLevel, s.adminUserReinvite)
	s.handle(get, "/admin/clients", policy.AdminClients, firmLevel, s.adminClientList)
	s.handle(get, "/admin/clients/new", policy.AdminClients, firmLevel, s.adminClientNew)
	s.handle(post, "/admin/clients", policy.AdminClients, firmLevel, s.adminClientCreate)
	s.handle(get, "/admin/clients/:id", policy.AdminClients, firmLevel, s.adminClientEdit)
	s.handle(post, "/admin/clients/:id", policy.AdminClients, firmLevel, s.adminClientUpdate)
	s.handle(get, "/admin/settings", policy.AdminSettings, firmLevel, s.adminSettings)
	s.handle(post, "/admin/settings", policy.AdminSettings, firmLevel, s.adminSettingsSave)
	s.handle(get, "/admin/settings/logo", policy.AdminSettings, firmLevel, s.adminSettingsLogo)
	s.handle(get, "/audit", policy.AuditViewAll, firmLevel, s.auditTrail)
	s.handle(get, "/engagements/:id/audit", policy.AuditEngagement, s.engagementScope("id"), s.engagementAuditTrail)

	// Engagements, criteria and the control matrix.

	// Fieldwork: tests, samples, exceptions, sign-offs, review notes.

	// Client portal: information requests and evidence.
}
