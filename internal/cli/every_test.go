package cli

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEveryRunsAtOnceAndStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	done := make(chan struct{})
	go func() {
		every(ctx, time.Hour, func(context.Context) {
			if runs.Add(1) == 1 {
				cancel() // the first run happens before any tick
			}
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("every did not stop when its context ended")
	}
	assert.EqualValues(t, 1, runs.Load())
}
