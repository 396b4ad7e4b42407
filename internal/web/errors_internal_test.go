package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
)

// TestDomainErrorsThatReachTheErrorPageSayWhatToDo: a typed domain error a handler did not turn
// into a form re-render still gets its own status and a message, never "Something went wrong".
func TestDomainErrorsThatReachTheErrorPageSayWhatToDo(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(func(k string) string {
		if k == "ATTEST_BLOB_DIR" {
			return t.TempDir()
		}
		return ""
	})
	require.NoError(t, err)
	s, err := New(nil, cfg, clock.System{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	for _, tc := range []struct {
		err    error
		status int
		says   []string
	}{
		{fmt.Errorf("saving: %w", apperr.Validation{"due_date": "Enter a date after the period start.", "title": "Enter a title."}),
			http.StatusUnprocessableEntity, []string{"Check what you entered", "Enter a date after the period start. Enter a title."}},
		{fmt.Errorf("saving: %w", &apperr.ConflictError{Entity: "request"}), http.StatusConflict,
			[]string{"Someone else changed this", "reload the page"}},
		{&apperr.Transition{From: "fieldwork", To: "review", Missing: []string{"every test has a result"}}, http.StatusConflict,
			[]string{"Not possible yet", "Before this can happen: every test has a result."}},
		{errors.New("disk on fire"), http.StatusInternalServerError, []string{"Something went wrong"}},
	} {
		rec := httptest.NewRecorder()
		s.handleError(tc.err, s.echo.NewContext(httptest.NewRequest(http.MethodPost, "/somewhere", nil), rec))
		assert.Equal(t, tc.status, rec.Code, tc.err.Error())
		for _, want := range tc.says {
			assert.Contains(t, rec.Body.String(), want)
		}
	}
}
