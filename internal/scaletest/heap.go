package scaletest

import (
	"runtime"
	"sync/atomic"
	"time"
)

// HeapPeak samples the heap in use every millisecond until the returned function is called; that
// function stops sampling and returns the highest value seen. Benchmarks use it to show that a
// streaming path keeps memory flat however large the input.
func HeapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-stopped; return peak.Load() }
}
