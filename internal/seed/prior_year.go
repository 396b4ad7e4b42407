package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
)

// seedPriorYear completes the issued Northwind 2025 engagement the way the gates require: its
// control matrix covers every in-scope criterion, each control has a concluded operating test
// on tested, evidenced samples, and only then does it move to review, signed and issued. It runs
// once: an engagement past fieldwork is left alone.
func seedPriorYear(ctx context.Context, e *Env) error {
	engID := e.ID("engagement:northwind-2025")
	if engID == 0 {
		return nil
	}
	eng, err := engagements.Get(ctx, e.DB, engID)
	if err != nil {
		return err
	}
	if eng.Status != "fieldwork" {
		return nil
	}
	sc, err := controls.LoadScope(ctx, e.DB, engID)
	if err != nil {
		return err
	}
	covered := map[string]bool{}
	for _, in := range demoControls {
		for _, c := range in.Criteria {
			covered[c] = true
		}
	}
	// The prior year's matrix also had an entity-level control over the remaining criteria.
	governance := controls.Input{Ref: "NL-17", Description: "Security policies reviewed and approved by leadership yearly", Owner: "CTO",
		Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low"}
	for _, c := range sc.InScope() {
		if !covered[c.ID] {
			governance.Criteria = append(governance.Criteria, c.ID)
		}
	}
	store := e.Evidence
	if store == nil {
		if store, err = evidence.NewLocalStore(".data/evidence"); err != nil {
			return err
		}
	}
	ev := &evidence.Service{DB: e.DB, Store: store, MaxBytes: 1 << 20}
	fw := fieldwork.NewService(e.DB, e.Clock)
	senior := e.User("senior@attest.example")
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, in := range append(append([]controls.Input{}, demoControls...), governance) {
		ctl, err := controls.Create(ctx, e.DB, audit.System, engID, in)
		if err != nil {
			return fmt.Errorf("2025 control %s: %w", in.Ref, err)
		}
		t, err := fw.CreateTest(ctx, senior, engID, ctl.ID, fieldwork.TestInput{Techniques: []string{"inquiry", "inspection"},
			Procedure: "Inspect the evidence of the sampled occurrences of the control.", EvidenceExpected: "Evidence per sampled occurrence",
			Result: fieldwork.ResultInProgress})
		if err != nil {
			return fmt.Errorf("2025 test of %s: %w", in.Ref, err)
		}
		if err := seedTested(ctx, fw, ev, t, senior, start, 3); err != nil {
			return fmt.Errorf("2025 testing of %s: %w", in.Ref, err)
		}
	}
	for _, mv := range []demoMove{{"review", "manager@attest.example"}, {"signed", "partner@attest.example"}, {"issued", "partner@attest.example"}} {
		if err := engagements.ChangeStatus(ctx, e.DB, e.User(mv.by).Actor(), engID, mv.to); err != nil {
			return fmt.Errorf("moving the 2025 engagement to %s: %w", mv.to, err)
		}
	}
	return nil
}
