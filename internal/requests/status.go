// Package requests owns the client portal's information requests (the PBC list): creating them
// one by one, from the firm's template or from a spreadsheet; the status workflow between
// auditors and client contacts; comments; and what the client dashboard shows.
package requests

import (
	"time"

	"github.com/attest-soc/attest/internal/apperr"
)

// Stored statuses. A returned request is open again, with the auditor's reason kept.
const (
	StatusOpen      = "open"
	StatusSubmitted = "submitted"
	StatusAccepted  = "accepted"
)

// Steps move a request through its workflow.
const (
	StepSubmit = "submit" // the client hands in evidence
	StepAccept = "accept" // the auditor is satisfied
	StepReturn = "return" // the auditor needs more, and says why
)

// Next is the request workflow: open → submitted → accepted, or submitted → open (returned) with
// a reason. evidenceCount is the number of files uploaded; a request is submitted with evidence.
func Next(from, step string, evidenceCount int, reason string) (string, error) {
	switch step {
	case StepSubmit:
		if from != StatusOpen {
			return "", &apperr.Transition{From: from, To: StatusSubmitted, Missing: []string{"only an open or returned request can be submitted"}}
		}
		if evidenceCount == 0 {
			return "", &apperr.Transition{From: from, To: StatusSubmitted, Missing: []string{"upload at least one file before submitting"}}
		}
		return StatusSubmitted, nil
	case StepAccept:
		if from != StatusSubmitted {
			return "", &apperr.Transition{From: from, To: StatusAccepted, Missing: []string{"only a submitted request can be accepted"}}
		}
		return StatusAccepted, nil
	case StepReturn:
		if from != StatusSubmitted {
			return "", &apperr.Transition{From: from, To: StatusOpen, Missing: []string{"only a submitted request can be returned"}}
		}
		if reason == "" {
			return "", apperr.Validation{"reason": "Say what is missing or wrong, so the client knows what to send."}
		}
		return StatusOpen, nil
	}
	return "", &apperr.Transition{From: from, To: step, Missing: []string{"unknown step"}}
}

// Display is the status as people read it, derived from the stored status and reason, with
// overdue as a separate flag because a returned request can also be late.
func Display(status, returnReason string) string {
	if status == StatusOpen && returnReason != "" {
		return "returned"
	}
	return status
}

// Overdue: still with the client after the due date.
func Overdue(status string, due *time.Time, today time.Time) bool {
	return status == StatusOpen && due != nil && due.Before(dateOf(today))
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
