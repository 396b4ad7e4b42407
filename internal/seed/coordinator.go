package seed

import (
	"context"
	"fmt"

	"github.com/attest-soc/attest/internal/requests"
)

// seedCoordinator makes Jordan Reyes, Northwind's compliance lead, the client's coordinator of
// the 2026 engagement (issue #16 point 8): Jordan invited a colleague, Sam Ortiz (IT operations,
// invitation not yet accepted), and gave Sam two open requests; Dana then sees only the requests
// assigned to her and those she uploaded to. It runs once: an engagement with a coordinator is
// left alone.
func seedCoordinator(ctx context.Context, e *Env) error {
	engID := e.ID("engagement:northwind-2026")
	if engID == 0 {
		e.DB.WithContext(ctx).Raw(`SELECT id FROM engagements WHERE name LIKE 'Northwind%2026%' ORDER BY id LIMIT 1`).Scan(&engID)
	}
	if engID == 0 {
		return nil
	}
	var has bool
	if err := e.DB.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM engagement_members WHERE engagement_id = ? AND coordinator)`, engID).
		Row().Scan(&has); err != nil || has {
		return err
	}
	senior, jordan := e.User("senior@attest.example"), e.User("jordan@northwind.example")
	if senior.ID == 0 || jordan.ID == 0 || e.Auth == nil {
		return nil
	}
	svc := &requests.Service{DB: e.DB, Clock: e.Clock, BaseURL: e.BaseURL}
	if err := svc.SetCoordinator(ctx, senior, engID, jordan.ID, true); err != nil {
		return fmt.Errorf("marking the coordinator: %w", err)
	}
	sam, err := svc.InviteContact(ctx, e.Auth, jordan, engID, "sam@northwind.example", "Sam Ortiz")
	if err != nil {
		return fmt.Errorf("inviting the coordinator's colleague: %w", err)
	}
	rs, err := svc.List(ctx, engID, requests.Filter{Status: requests.StatusOpen})
	if err != nil {
		return err
	}
	given := 0
	for _, r := range rs {
		if r.Number > 24 && r.Number%2 == 1 && given < 2 { // two of Dana's open requests, due in two weeks
			if _, err := svc.Assign(ctx, jordan, r.ID, 0, sam.User.ID); err != nil {
				return fmt.Errorf("assigning %s to Sam: %w", r.Label(), err)
			}
			given++
		}
	}
	return nil
}
