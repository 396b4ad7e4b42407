package audit_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

// BenchmarkRecord measures one audited change's cost of appending to the hash chain (lock, read
// head, hash, insert) in its own transaction.
func BenchmarkRecord(b *testing.B) {
	gdb := dbtest.New(b)
	ctx := audit.WithRequest(context.Background(), "127.0.0.1", "bench")
	ev := audit.Event{Action: "control.update", EntityType: "control", EntityID: 1, EngagementID: 1,
		Before: map[string]any{"description": "Changes are peer-reviewed", "version": 1},
		After:  map[string]any{"description": "Changes are peer-reviewed and tested", "version": 2}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Record(ctx, tx, audit.System, ev) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures how fast `attest audit verify` walks the chain, per event.
func BenchmarkVerify(b *testing.B) {
	gdb := dbtest.New(b)
	ctx := context.Background()
	const events = 2000
	for i := 0; i < events; i++ {
		if err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(ctx, tx, audit.System, audit.Event{Action: "x.y", EntityType: "x", EntityID: int64(i), After: map[string]int{"i": i}})
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := audit.NewService(gdb).Verify(ctx)
		if err != nil || !res.OK() || res.Checked != events {
			b.Fatalf("verify: %+v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}
