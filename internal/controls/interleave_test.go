package controls_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// TestUpdateWaitsForAnOpenEditAndThenRefusesTheStaleVersion interleaves two transactions: a
// first editor holds the control's row lock with its save not yet committed; a second save of
// the same version waits for it, then sees the new version and is refused with a conflict (no
// lost update). When the first editor rolls back instead, the waiting save goes through.
func TestUpdateWaitsForAnOpenEditAndThenRefusesTheStaleVersion(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Interleave")
	in := controls.Input{Ref: "CC-01", Description: "Original", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.1"}}
	c, err := controls.NewService(db).Create(ctx, actor, eng, in)
	require.NoError(t, err)

	for _, commitFirst := range []bool{true, false} {
		var version int
		require.NoError(t, db.Raw(`SELECT version FROM controls WHERE id = ?`, c.ID).Row().Scan(&version))
		first := db.Begin()
		require.NoError(t, first.Exec(`SELECT id FROM controls WHERE id = ? FOR UPDATE`, c.ID).Error)
		require.NoError(t, first.Exec(`UPDATE controls SET description = 'First editor', version = version + 1 WHERE id = ?`, c.ID).Error)

		done := make(chan error, 1)
		second := in
		second.Description = "Second editor"
		go func() { _, err := controls.NewService(db).Update(ctx, actor, c.ID, version, second); done <- err }()
		select {
		case err := <-done:
			t.Fatalf("the second save did not wait for the first editor's lock: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		if commitFirst {
			require.NoError(t, first.Commit().Error)
			err := <-done
			conflict, ok := apperr.AsConflict(err)
			require.True(t, ok, "the stale save is refused: %v", err)
			assert.Equal(t, "First editor", conflict.Current.(controls.Control).Description, "the conflict carries the stored row")
		} else {
			require.NoError(t, first.Rollback().Error)
			require.NoError(t, <-done, "with the first edit rolled back, the version is current again")
		}
	}
	got, err := controls.NewService(db).Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Second editor", got.Description)
}

// TestConcurrentSavesOfOneVersionLetExactlyOneThrough races several saves of the same version:
// one wins, every other is a conflict, and one audit event records the change.
func TestConcurrentSavesOfOneVersionLetExactlyOneThrough(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	eng := newEngagement(t, db, "Race")
	in := controls.Input{Ref: "CC-01", Description: "Original", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.1"}}
	c, err := controls.NewService(db).Create(ctx, actor, eng, in)
	require.NoError(t, err)

	const editors = 5
	var wg sync.WaitGroup
	errs := make([]error, editors)
	start := make(chan struct{})
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := in
			mine.Description = "Editor " + string(rune('A'+i))
			<-start
			_, errs[i] = controls.NewService(db).Update(ctx, actor, c.ID, c.Version, mine)
		}()
	}
	close(start)
	wg.Wait()
	wins, conflicts := 0, 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if _, ok := apperr.AsConflict(err); ok {
			conflicts++
		} else {
			t.Errorf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, wins)
	assert.Equal(t, editors-1, conflicts)
	var version, updates int
	require.NoError(t, db.Raw(`SELECT version FROM controls WHERE id = ?`, c.ID).Row().Scan(&version))
	assert.Equal(t, c.Version+1, version)
	require.NoError(t, db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'control.update' AND entity_id = ?`, c.ID).Row().Scan(&updates))
	assert.Equal(t, 1, updates)
}
