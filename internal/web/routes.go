package web

import (
	"net/http"

	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/requests"
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
	s.handle(get, "/engagements/:id/requests", policy.RequestView, s.engagementScope("id"), s.requestList)
	s.handle(get, "/engagements/:id/requests/new", policy.RequestManage, s.engagementScope("id"), s.requestNew)
	s.handle(post, "/engagements/:id/requests", policy.RequestManage, s.engagementScope("id"), s.requestCreate)
	s.handle(post, "/engagements/:id/requests/from-template", policy.RequestManage, s.engagementScope("id"), s.requestFromTemplate)
	s.handle(post, "/engagements/:id/requests/import", policy.RequestManage, s.engagementScope("id"), s.requestImport)
	s.handle(get, "/engagements/:id/requests/export", policy.RequestView, s.engagementScope("id"), s.requestExport)
	s.handle(post, "/engagements/:id/contacts", policy.RequestManage, s.engagementScope("id"), s.contactInvite)
	s.handle(get, "/engagements/:id/evidence.zip", policy.RequestView, s.engagementScope("id"), s.evidenceZip)
	s.handle(get, "/requests/:requestID", policy.RequestView, s.childScope("info_requests", "requestID"), s.requestShow)
	s.handle(post, "/requests/:requestID/evidence", policy.EvidenceUpload, s.childScope("info_requests", "requestID"), s.requestEvidenceUpload, upload)
	s.handle(get, "/requests/:requestID/evidence.zip", policy.RequestView, s.childScope("info_requests", "requestID"), s.evidenceZip)
	s.handle(post, "/requests/:requestID/comments", policy.RequestComment, s.childScope("info_requests", "requestID"), s.requestComment)
	s.handle(post, "/requests/:requestID/submit", policy.RequestRespond, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepSubmit))
	s.handle(post, "/requests/:requestID/accept", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepAccept))
	s.handle(post, "/requests/:requestID/return", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepReturn))
	s.handle(get, "/evidence/:fileID", policy.RequestView, s.evidenceScope, s.evidenceDownload)
	s.handle(post, "/tests/:testID/evidence", policy.EvidenceAttach, s.childScope("tests", "testID"), s.evidenceAttach("testID"), upload)
	s.handle(post, "/samples/:sampleID/evidence", policy.EvidenceAttach, s.sampleScope, s.evidenceAttach("sampleID"), upload)
	s.handle(get, "/admin/request-template", policy.RequestTemplateManage, firmLevel, s.requestTemplateShow)
	s.handle(post, "/admin/request-template", policy.RequestTemplateManage, firmLevel, s.requestTemplateSave)
	s.handle(post, "/admin/request-template/:itemID", policy.RequestTemplateManage, firmLevel, s.requestTemplateSave)
	s.handle(post, "/admin/request-template/:itemID/delete", policy.RequestTemplateManage, firmLevel, s.requestTemplateDelete)
}
