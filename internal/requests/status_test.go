package requests

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
)

func TestNext(t *testing.T) {
	cases := []struct {
		from, step string
		files      int
		reason     string
		want       string
		errField   string // a validation error on this field
		transition bool   // a refused transition
	}{
		{StatusOpen, StepSubmit, 2, "", StatusSubmitted, "", false},
		{StatusOpen, StepSubmit, 0, "", "", "", true},
		{StatusSubmitted, StepSubmit, 1, "", "", "", true},
		{StatusAccepted, StepSubmit, 1, "", "", "", true},
		{StatusSubmitted, StepAccept, 1, "", StatusAccepted, "", false},
		{StatusOpen, StepAccept, 1, "", "", "", true},
		{StatusAccepted, StepAccept, 1, "", "", "", true},
		{StatusSubmitted, StepReturn, 1, "Q2 review missing", StatusOpen, "", false},
		{StatusSubmitted, StepReturn, 1, "", "", "reason", false},
		{StatusOpen, StepReturn, 1, "why", "", "", true},
		{StatusAccepted, StepReturn, 1, "why", "", "", true},
		{StatusOpen, "delete", 1, "", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.from+"/"+c.step, func(t *testing.T) {
			got, err := Next(c.from, c.step, c.files, c.reason)
			switch {
			case c.errField != "":
				v, ok := apperr.AsValidation(err)
				require.True(t, ok, "want a validation error, got %v", err)
				assert.NotEmpty(t, v[c.errField])
			case c.transition:
				var tr *apperr.Transition
				require.ErrorAs(t, err, &tr)
				assert.NotEmpty(t, tr.Missing)
			default:
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
			}
		})
	}
}

func TestDisplayAndOverdue(t *testing.T) {
	assert.Equal(t, "returned", Display(StatusOpen, "blurry scan"))
	assert.Equal(t, "open", Display(StatusOpen, ""))
	assert.Equal(t, "submitted", Display(StatusSubmitted, "old reason"))
	today := time.Date(2026, 7, 10, 15, 0, 0, 0, time.UTC)
	yesterday := time.Date(2026, 7, 9, 0, 0, 0, 0, time.UTC)
	todayDate := time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC)
	assert.True(t, Overdue(StatusOpen, &yesterday, today))
	assert.False(t, Overdue(StatusOpen, &todayDate, today), "due today is not late yet")
	assert.False(t, Overdue(StatusSubmitted, &yesterday, today), "handed in: the auditor has it")
	assert.False(t, Overdue(StatusOpen, nil, today))
}
