package auth

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// TestParallelGuessesStopAtTheLimit: a burst of simultaneous wrong passwords for one account gets
// exactly the per-account number of checks; the rest are throttled, as if they came one by one.
func TestParallelGuessesStopAtTheLimit(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, err := s.CreateUser(ctx, audit.System, NewUser{Email: "tom@firm.example", Name: "Tom", Role: RoleStaff, Password: "a long enough password"})
	require.NoError(t, err)

	const burst = 16
	var wg sync.WaitGroup
	results := make(chan error, burst)
	for i := 0; i < burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Authenticate(ctx, "tom@firm.example", "a wrong guess", "10.0.0.1")
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	checked, throttled := 0, 0
	for err := range results {
		var te *ThrottledError
		switch {
		case errors.Is(err, ErrInvalidCredentials):
			checked++
		case errors.As(err, &te):
			throttled++
		default:
			t.Fatalf("unexpected result: %v", err)
		}
	}
	assert.Equal(t, s.Throttle.PerAccount, checked, "only the allowed number of guesses is checked")
	assert.Equal(t, burst-s.Throttle.PerAccount, throttled)

	_, err = s.Authenticate(ctx, "tom@firm.example", "a long enough password", "10.0.0.2")
	var te *ThrottledError
	assert.ErrorAs(t, err, &te, "the right password waits too")
}

// TestChangingThePasswordCannotBeUsedToGuessIt: wrong current passwords on the account page count
// like failed sign-ins, so a session left open does not allow unlimited guessing.
func TestChangingThePasswordCannotBeUsedToGuessIt(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, audit.System, NewUser{Email: "tom@firm.example", Name: "Tom", Role: RoleStaff, Password: "a long enough password"})
	require.NoError(t, err)
	for i := 0; i < s.Throttle.PerAccount; i++ {
		err := s.ChangeOwnPassword(ctx, u, "guess", "a brand new password", "a brand new password", "10.0.0.1")
		v, ok := apperr.AsValidation(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, "This is not your current password.", v["current_password"])
	}
	err = s.ChangeOwnPassword(ctx, u, "a long enough password", "a brand new password", "a brand new password", "10.0.0.1")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["current_password"], "Too many failed sign-in attempts for this account")
	stored, err := s.UserByID(ctx, u.ID)
	require.NoError(t, err)
	still, err := CheckPassword(stored.PasswordHash, "a long enough password")
	require.NoError(t, err)
	assert.True(t, still, "the password did not change")
}
