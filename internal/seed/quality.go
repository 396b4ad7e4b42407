package seed

import (
	"context"
	"fmt"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/fieldwork"
)

// copiedProcedure is NL-07's procedure at Northwind, pasted unchanged into a Bluejay test: the
// boilerplate warning the demo shows on both engagements.
var copiedProcedure = demoTests[6].procedure

// seedQuality gives the Bluejay Type I engagement a control whose test procedure was copied
// from Northwind's, so both engagements show a boilerplate warning naming the other. It needs the
// Bluejay engagement and skips silently without it.
func seedQuality(ctx context.Context, e *Env) error {
	engID := e.ID("engagement:bluejay-2026")
	if engID == 0 {
		e.DB.WithContext(ctx).Raw(`SELECT e.id FROM engagements e JOIN clients c ON c.id = e.client_id
			WHERE c.name ILIKE 'Bluejay%' AND e.report_type = 'type1' ORDER BY e.id LIMIT 1`).Scan(&engID)
	}
	if engID == 0 {
		return nil
	}
	var controlID int64
	e.DB.WithContext(ctx).Raw(`SELECT id FROM controls WHERE engagement_id = ? AND ref = 'BJ-07'`, engID).Scan(&controlID)
	if controlID != 0 {
		return nil // already seeded
	}
	ctl, err := controls.NewService(e.DB).Create(ctx, audit.System, engID, controls.Input{Ref: "BJ-07",
		Description: "Multi-factor authentication is enforced for workforce sign-in", Owner: "IT operations",
		Frequency: "automated", Nature: "automated", ControlType: "preventive", Risk: "higher", Criteria: []string{"CC6.1"}})
	if err != nil {
		return fmt.Errorf("Bluejay control BJ-07: %w", err)
	}
	fw := fieldwork.NewService(e.DB, e.Clock)
	_, err = fw.CreateTest(ctx, e.User("manager@attest.example"), engID, ctl.ID, fieldwork.TestInput{
		Techniques: []string{"inspection", "observation"}, Procedure: copiedProcedure,
		EvidenceExpected: "IdP MFA policy screenshot", Result: fieldwork.ResultInProgress})
	if err != nil {
		return fmt.Errorf("Bluejay test of BJ-07: %w", err)
	}
	return nil
}
