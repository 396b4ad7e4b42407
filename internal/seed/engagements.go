package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/attest-soc/attest/internal/engagements"
)

type demoEngagement struct {
	key, client string
	in          engagements.Input
	team        []demoMember
	orgs        []engagements.SubserviceOrg
	// statuses to move through after planning, in order, each by the user who may.
	moves []demoMove
}

type demoMember struct {
	email, role string
	confirmed   bool
}

type demoMove struct{ to, by string }

var demoEngagements = []demoEngagement{
	{
		key: "engagement:northwind-2025", client: "northwind",
		in: engagements.Input{Name: "SOC 2 Type II 2025", ReportType: "type2", PeriodStart: "2025-07-01", PeriodEnd: "2025-12-31",
			ReportDate: "2026-02-13", Categories: []string{"availability"}},
		team: []demoMember{{"partner@attest.example", "partner", true}, {"manager@attest.example", "manager", true},
			{"senior@attest.example", "senior", true}, {"dana@northwind.example", "client_contact", false}},
		orgs: []engagements.SubserviceOrg{{Name: "Cloud host (public cloud)", Services: "Infrastructure hosting and physical data centres", Method: "carve_out"}},
		// The report step tests, reviews, signs (password + code) and issues it.
		moves: []demoMove{{"fieldwork", "manager@attest.example"}},
	},
	{
		key: "engagement:northwind-2026", client: "northwind",
		in: engagements.Input{Name: "SOC 2 Type II 2026", ReportType: "type2", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30",
			ReportDate: "2026-08-15", Categories: []string{"availability"}},
		team: []demoMember{{"partner@attest.example", "partner", true}, {"manager@attest.example", "manager", true},
			{"senior@attest.example", "senior", true}, {"staff@attest.example", "staff", true},
			{"dana@northwind.example", "client_contact", false}, {"jordan@northwind.example", "client_contact", false}},
		orgs:  []engagements.SubserviceOrg{{Name: "Cloud host (public cloud)", Services: "Infrastructure hosting and physical data centres", Method: "carve_out"}},
		moves: []demoMove{{"fieldwork", "manager@attest.example"}},
	},
	{
		key: "engagement:bluejay-2026", client: "bluejay",
		in:   engagements.Input{Name: "SOC 2 Type I 2026", ReportType: "type1", AsOfDate: "2026-09-30", ReportDate: "2026-11-15"},
		team: []demoMember{{"partner@attest.example", "partner", false}, {"manager@attest.example", "manager", false}},
	},
}

// seedEngagements creates the demo engagements in their states through the same domain calls
// the pages use, so the audit trail tells their story. Each is looked up by client and name.
func seedEngagements(ctx context.Context, e *Env) error {
	for _, de := range demoEngagements {
		clientID := e.ID("client:" + de.client)
		var id int64
		err := e.DB.WithContext(ctx).Raw(`SELECT id FROM engagements WHERE client_id = ? AND name = ?`, clientID, de.in.Name).Row().Scan(&id)
		if err == nil {
			e.SetID(de.key, id)
			continue
		}
		if err := createDemoEngagement(ctx, e, de, clientID); err != nil {
			return fmt.Errorf("%s: %w", de.key, err)
		}
	}
	// The 2026 engagement follows on from the issued 2025 one.
	return e.DB.WithContext(ctx).Exec(`UPDATE engagements SET prior_engagement_id = ? WHERE id = ? AND prior_engagement_id IS NULL`,
		e.ID("engagement:northwind-2025"), e.ID("engagement:northwind-2026")).Error
}

func createDemoEngagement(ctx context.Context, e *Env, de demoEngagement, clientID int64) error {
	manager := e.User("manager@attest.example").Actor()
	in := de.in
	in.ClientID = clientID
	id, err := engagements.NewService(e.DB).Create(ctx, manager, in)
	if err != nil {
		return err
	}
	e.SetID(de.key, id)
	for _, m := range de.team {
		u := e.User(m.email)
		if u.ID == 0 {
			return errors.New("demo user " + m.email + " is missing")
		}
		// The administrator sets up the team: only a partner or an administrator appoints the
		// engagement partner, and nobody places themselves.
		if err := engagements.NewService(e.DB).AddMember(ctx, e.User("admin@attest.example").Actor(), id, u.ID, m.role); err != nil {
			return fmt.Errorf("adding %s: %w", m.email, err)
		}
		if m.confirmed {
			if err := engagements.NewService(e.DB).ConfirmIndependence(ctx, u.Actor(), id); err != nil {
				return fmt.Errorf("independence of %s: %w", m.email, err)
			}
		}
	}
	for _, o := range de.orgs {
		if _, err := engagements.NewService(e.DB).AddSubserviceOrg(ctx, manager, id, o); err != nil {
			return err
		}
	}
	for _, mv := range de.moves {
		if err := engagements.NewService(e.DB).ChangeStatus(ctx, e.User(mv.by).Actor(), id, engagements.Status(mv.to)); err != nil {
			return fmt.Errorf("moving to %s: %w", mv.to, err)
		}
	}
	return nil
}
