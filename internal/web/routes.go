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

	// Public: report verification for the readers of a report (no sign-in; rate-limited, logged).
	s.public(get, "/verify", s.verifyHome)
	s.public(get, "/verify/:code", s.verifyCode)
	s.publicUpload(post, "/verify", s.verifyUpload, maxVerifyUpload+1<<20)
	s.publicUpload(post, "/verify/:code", s.verifyUpload, maxVerifyUpload+1<<20)

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
	s.handle(get, "/engagements/:id/tests", policy.TestView, s.engagementScope("id"), s.testList)
	s.handle(get, "/engagements/:id/tests/new", policy.TestEdit, s.engagementScope("id"), s.testNew)
	s.handle(post, "/engagements/:id/tests", policy.TestEdit, s.engagementScope("id"), s.testCreate)
	s.handle(get, "/tests/:testID", policy.TestView, s.testScope("testID"), s.testShow)
	s.handle(post, "/tests/:testID", policy.TestEdit, s.testScope("testID"), s.testSave)
	s.handle(post, "/tests/:testID/prepare", policy.TestEdit, s.testScope("testID"), s.testSignPreparer)
	s.handle(post, "/tests/:testID/review", policy.TestReview, s.testScope("testID"), s.testSignReviewer)
	s.handle(post, "/tests/:testID/populations", policy.TestEdit, s.testScope("testID"), s.populationUpload, upload)
	s.handle(post, "/tests/:testID/samples/draw", policy.TestEdit, s.testScope("testID"), s.samplesDraw)
	s.handle(post, "/tests/:testID/samples/pick", policy.TestEdit, s.testScope("testID"), s.samplesPick)
	s.handle(post, "/tests/:testID/samples/send", policy.TestEdit, s.testScope("testID"), s.samplesSend)
	s.handle(get, "/tests/:testID/samples.xlsx", policy.TestView, s.testScope("testID"), s.samplesExport)
	s.handle(get, "/tests/:testID/sample-list.xlsx", policy.SampleListView, s.testScope("testID"), s.sentSamplesExport)
	s.handle(get, "/samples/:sampleID", policy.TestView, s.sampleScope("sampleID"), s.sampleShow)
	s.handle(post, "/samples/:sampleID", policy.TestEdit, s.sampleScope("sampleID"), s.sampleSave)
	s.handle(get, "/engagements/:id/samples", policy.SampleListView, s.engagementScope("id"), s.clientSamples)
	s.handle(post, "/tests/:testID/exceptions", policy.ExceptionEdit, s.testScope("testID"), s.exceptionCreate)
	s.handle(get, "/engagements/:id/exceptions", policy.ExceptionView, s.engagementScope("id"), s.exceptionList)
	s.handle(get, "/exceptions/:exceptionID", policy.ExceptionView, s.childScope("exceptions", "exceptionID"), s.exceptionShow)
	s.handle(post, "/exceptions/:exceptionID/response", policy.ExceptionRespond, s.childScope("exceptions", "exceptionID"), s.exceptionRespond)
	s.handle(post, "/exceptions/:exceptionID/evaluation", policy.ExceptionEdit, s.childScope("exceptions", "exceptionID"), s.exceptionEvaluate)
	s.handle(get, "/engagements/:id/review-notes", policy.ReviewNoteView, s.engagementScope("id"), s.reviewNoteList)
	s.handle(post, "/engagements/:id/review-notes", policy.ReviewNoteEdit, s.engagementScope("id"), s.reviewNoteRaise)
	s.handle(post, "/review-notes/:noteID/answer", policy.ReviewNoteEdit, s.childScope("review_notes", "noteID"), s.reviewNoteAnswer)
	s.handle(post, "/review-notes/:noteID/clear", policy.ReviewNoteEdit, s.reviewNoteScope("noteID"), s.reviewNoteClear)
	s.handle(get, "/review", policy.ReviewQueue, firmLevel, s.reviewQueue)

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
	s.handle(get, "/requests/:requestID/edit", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestEdit)
	s.handle(post, "/requests/:requestID", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestUpdate)
	s.handle(post, "/requests/:requestID/evidence", policy.EvidenceUpload, s.childScope("info_requests", "requestID"), s.requestEvidenceUpload, upload)
	s.handle(get, "/requests/:requestID/evidence.zip", policy.RequestView, s.childScope("info_requests", "requestID"), s.evidenceZip)
	s.handle(post, "/requests/:requestID/comments", policy.RequestComment, s.childScope("info_requests", "requestID"), s.requestComment)
	s.handle(post, "/requests/:requestID/submit", policy.RequestRespond, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepSubmit))
	s.handle(post, "/requests/:requestID/accept", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepAccept))
	s.handle(post, "/requests/:requestID/return", policy.RequestManage, s.childScope("info_requests", "requestID"), s.requestMove(requests.StepReturn))
	s.handle(get, "/evidence/:fileID", policy.RequestView, s.evidenceScope, s.evidenceDownload)
	s.handle(post, "/tests/:testID/evidence", policy.EvidenceAttach, s.childScope("tests", "testID"), s.evidenceAttach("testID"), upload)
	s.handle(post, "/samples/:sampleID/evidence", policy.EvidenceAttach, s.sampleScope("sampleID"), s.evidenceAttach("sampleID"), upload)
	s.handle(get, "/admin/request-template", policy.RequestTemplateManage, firmLevel, s.requestTemplateShow)
	s.handle(post, "/admin/request-template", policy.RequestTemplateManage, firmLevel, s.requestTemplateSave)
	s.handle(post, "/admin/request-template/:itemID", policy.RequestTemplateManage, firmLevel, s.requestTemplateSave)
	s.handle(post, "/admin/request-template/:itemID/delete", policy.RequestTemplateManage, firmLevel, s.requestTemplateDelete)

	// Quality review: boilerplate warnings, the firm comparison, the engagement timeline.
	s.handle(get, "/engagements/:id/boilerplate", policy.QualityView, s.engagementScope("id"), s.engagementBoilerplate)
	s.handle(post, "/engagements/:id/boilerplate/acknowledge", policy.BoilerplateAcknowledge, s.engagementScope("id"), s.boilerplateAcknowledge)
	s.handle(get, "/engagements/:id/timeline", policy.QualityView, s.engagementScope("id"), s.engagementTimeline)
	s.handle(get, "/engagements/:id/timeline.pdf", policy.QualityView, s.engagementScope("id"), s.engagementTimelinePDF)
	s.handle(get, "/admin/boilerplate-templates", policy.BoilerplateTemplates, firmLevel, s.boilerplateTemplates)
	s.handle(post, "/admin/boilerplate-templates", policy.BoilerplateTemplates, firmLevel, s.boilerplateTemplateAdd)
	s.handle(post, "/admin/boilerplate-templates/:tid/delete", policy.BoilerplateTemplates, firmLevel, s.boilerplateTemplateDelete)
	s.handle(get, "/firm/comparison", policy.FirmComparison, firmLevel, s.firmComparison)

	// Issued reports for their readers: codes, recipient copies, withdrawal.
	s.handle(get, "/engagements/:id/report-copies", policy.ReportCopiesView, s.engagementScope("id"), s.reportCopies)
	s.handle(post, "/report-versions/:versionID/copies", policy.ReportCopyRequest, s.reportVersionScope("versionID"), s.reportCopyRequest)
	s.handle(post, "/report-versions/:versionID/withdraw", policy.ReportWithdraw, s.reportVersionScope("versionID"), s.reportWithdraw)
	s.handle(get, "/report-copies/:copyID", policy.ReportCopiesView, s.reportCopyScope("copyID"), s.reportCopyDownload)
}
