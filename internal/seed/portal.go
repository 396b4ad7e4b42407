package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/requests"
)

// seedPortal gives Northwind 2026 the firm's 32-item request list in every state a real
// engagement shows mid-fieldwork: accepted, submitted, returned with a reason, open and overdue,
// with small evidence files and a few comments. It runs once: an existing list is left alone.
func seedPortal(ctx context.Context, e *Env) error {
	engID := e.ID("engagement:northwind-2026")
	if engID == 0 {
		e.DB.WithContext(ctx).Raw(`SELECT id FROM engagements WHERE name LIKE 'Northwind%2026%' ORDER BY id LIMIT 1`).Scan(&engID)
	}
	if engID == 0 {
		return nil // the engagements step has not created the demo engagement
	}
	var existing int64
	if err := e.DB.WithContext(ctx).Raw(`SELECT count(*) FROM info_requests WHERE engagement_id = ?`, engID).Row().Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return nil
	}
	senior, dana, jordan := e.User("senior@attest.example"), e.User("dana@northwind.example"), e.User("jordan@northwind.example")
	if senior.ID == 0 || dana.ID == 0 || jordan.ID == 0 {
		return fmt.Errorf("demo users missing: run the foundation step first")
	}
	store := e.Evidence
	if store == nil {
		var err error
		if store, err = evidence.NewLocalStore(".data/evidence"); err != nil {
			return err
		}
	}
	ev := &evidence.Service{DB: e.DB, Store: store, MaxBytes: 1 << 20}
	baseURL := e.BaseURL
	if baseURL == "" {
		baseURL = "http://127.0.0.1:8080" // make run's address
	}
	svc := &requests.Service{DB: e.DB, Clock: e.Clock, Evidence: ev, BaseURL: baseURL}

	for _, u := range []int64{dana.ID, jordan.ID, senior.ID} {
		role := "client_contact"
		if u == senior.ID {
			role = "senior"
		}
		if err := e.DB.WithContext(ctx).Exec(`INSERT INTO engagement_members (engagement_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			engID, u, role).Error; err != nil {
			return err
		}
	}
	if _, err := svc.CreateFromTemplate(ctx, senior, engID, dana.ID, "2026-07-15"); err != nil {
		return fmt.Errorf("creating the request list: %w", err)
	}
	// Jordan (compliance) answers the even-numbered requests; the later ones are due in two weeks.
	later := e.Clock.Now().AddDate(0, 0, 14).Format("2006-01-02")
	if err := e.DB.WithContext(ctx).Exec(`UPDATE info_requests SET assignee_id = ? WHERE engagement_id = ? AND number % 2 = 0`, jordan.ID, engID).Error; err != nil {
		return err
	}
	if err := e.DB.WithContext(ctx).Exec(`UPDATE info_requests SET due_date = ? WHERE engagement_id = ? AND number > 24`, later, engID).Error; err != nil {
		return err
	}
	rs, err := svc.List(ctx, engID, requests.Filter{})
	if err != nil {
		return err
	}
	for _, r := range rs {
		client := dana
		if r.Number%2 == 0 {
			client = jordan
		}
		// 1–12 accepted, 13–16 submitted, 17–18 returned, 19–24 open and overdue, 25–32 open.
		if r.Number > 18 {
			continue
		}
		name, body := demoEvidence(r)
		rec, err := ev.Receive(ctx, name, strings.NewReader(body))
		if err != nil {
			return fmt.Errorf("storing demo evidence for %s: %w", r.Label(), err)
		}
		// Dated within the period (1 Jan – 30 Jun 2026): the day the evidence shows.
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Number*9)
		rec.PertainsTo = &day
		err = svc.AddEvidence(ctx, client, r.ID, []evidence.Received{rec})
		rec.Discard()
		if err != nil {
			return err
		}
		moved, err := svc.Move(ctx, client, r.ID, requests.StepSubmit, 0, "")
		if err != nil {
			return err
		}
		switch {
		case r.Number <= 12:
			_, err = svc.Move(ctx, senior, r.ID, requests.StepAccept, moved.Version, "")
		case r.Number >= 17:
			_, err = svc.Move(ctx, senior, r.ID, requests.StepReturn, moved.Version,
				"This covers January to March only. Send evidence for the full period, 1 January to 30 June 2026.")
		}
		if err != nil {
			return err
		}
	}
	comments := []struct {
		number int
		author string
		body   string
	}{
		{14, "senior@attest.example", "Please add the change history of the rules for the period, not only the current export."},
		{14, "jordan@northwind.example", "Added the rule change log from our cloud console."},
		{17, "dana@northwind.example", "The April–June scans come from the SOC team next week."},
		{20, "senior@attest.example", "A ticket export from your incident tool is fine; no screenshots needed."},
	}
	for _, c := range comments {
		for _, r := range rs {
			if r.Number == c.number {
				if err := svc.AddComment(ctx, e.User(c.author), r.ID, c.body); err != nil {
					return err
				}
			}
		}
	}
	return seedSampleRequest(ctx, e, svc, engID, senior, jordan.ID, later)
}

// seedSampleRequest asks for the evidence of the first sampled terminations of NL-05: a request
// linked to the control, its test and the sampled items themselves.
func seedSampleRequest(ctx context.Context, e *Env, svc *requests.Service, engID int64, senior auth.User, assignee int64, due string) error {
	var links []requests.Link
	err := e.DB.WithContext(ctx).Raw(`
		(SELECT 'control' AS target_type, c.id AS target_id FROM controls c WHERE c.engagement_id = ? AND c.ref = 'NL-05')
		UNION ALL
		(SELECT 'test', t.id FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.engagement_id = ? AND c.ref = 'NL-05' AND t.kind = 'operating')
		UNION ALL
		(SELECT 'sample', s.id FROM samples s JOIN tests t ON t.id = s.test_id JOIN controls c ON c.id = t.control_id
			WHERE t.engagement_id = ? AND c.ref = 'NL-05' ORDER BY s.row_number NULLS LAST, s.id LIMIT 3)`, engID, engID, engID).Scan(&links).Error
	if err != nil {
		return fmt.Errorf("finding NL-05's sampled items: %w", err)
	}
	if len(links) == 0 {
		return nil // the fieldwork step did not sample NL-05
	}
	_, err = svc.Create(ctx, senior, engID, requests.Input{Title: "Access removal tickets for the first sampled terminations",
		Description: "For each sampled termination, the HR termination record and the ticket showing access removed within one business day.",
		AssigneeID:  assignee, DueDate: due, Priority: "high", Links: links})
	return err
}

// demoEvidence makes a small, plausible file for a request: a CSV for populations, text otherwise.
func demoEvidence(r requests.Request) (name, body string) {
	slug := strings.ToLower(strings.NewReplacer("/", "", "(", "", ")", "", ",", "", ";", "", "'", "").Replace(r.Title))
	slug = strings.Join(strings.Fields(slug), "-")
	if len(slug) > 40 {
		slug = strings.TrimRight(slug[:40], "-")
	}
	if strings.Contains(strings.ToLower(r.Title), "list") {
		return slug + ".csv", "id,name,date,owner\n1,Example item A,2026-01-14,IT\n2,Example item B,2026-03-02,HR\n3,Example item C,2026-05-21,Engineering\n"
	}
	return slug + ".txt", fmt.Sprintf("Northwind Ledger, Inc. — %s\nPeriod: 1 January 2026 to 30 June 2026\nPrepared by: Compliance\n\nDemo evidence for %s.\n", r.Title, r.Label())
}
