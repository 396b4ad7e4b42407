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
	s.handle(post, "/review-notes/:noteID/clear", policy.ReviewNoteEdit, s.childScope("review_notes", "noteID"), s.reviewNoteClear)
	s.handle(get, "/review", policy.ReviewQueue, firmLevel, s.reviewQueue)

	// Client portal: information requests and evidence.
}
