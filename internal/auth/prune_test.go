package auth

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
)

func TestPruneRemovesOnlyDeadSessionsAndOldAttempts(t *testing.T) {
	s := newTestService(t)
	clk := s.Clock.(*clock.Fixed)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "sam@firm.example", Name: "Sam", Role: RoleSenior, Password: "a long enough password"})
	require.NoError(t, err)

	idle, err := s.StartSession(ctx, u, StageFull, "10.0.0.1", "test")
	require.NoError(t, err)
	clk.Advance(s.SessionIdle + time.Minute)
	live, err := s.StartSession(ctx, u, StageFull, "10.0.0.1", "test")
	require.NoError(t, err)
	require.NoError(t, s.DB.Exec(`INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES
		('sam@firm.example', '10.0.0.1', false, ?), ('sam@firm.example', '10.0.0.1', false, ?)`,
		clk.Now().Add(-LoginAttemptRetention-time.Hour), clk.Now().Add(-time.Hour)).Error)

	sessions, attempts, err := s.Prune(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, sessions, "the idle session goes")
	assert.EqualValues(t, 1, attempts, "only the attempt past retention goes")
	_, _, err = s.LookupSession(ctx, live)
	assert.NoError(t, err, "the live session stays")
	_, _, err = s.LookupSession(ctx, idle)
	assert.ErrorIs(t, err, ErrNoSession)
}
