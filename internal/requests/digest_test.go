package requests

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestOverdueDigestOncePerAssigneePerDay(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 8, 0, 0, 0, time.UTC)}
	var clientID, engID int64
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&clientID))
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end)
		VALUES (?, 'Northwind 2026', 'type2', '2026-01-01', '2026-06-30') RETURNING id`, clientID).Row().Scan(&engID))
	authSvc := auth.NewService(gdb, clk, time.Hour, time.Hour)
	dana, err := authSvc.CreateUser(ctx, audit.System, auth.NewUser{Email: "dana@northwind.example", Name: "Dana", Role: auth.RoleClient, ClientID: &clientID})
	require.NoError(t, err)
	senior, err := authSvc.CreateUser(ctx, audit.System, auth.NewUser{Email: "sara@firm.example", Name: "Sara", Role: auth.RoleSenior})
	require.NoError(t, err)

	svc := &Service{DB: gdb, Clock: clk, BaseURL: "https://attest.example"}
	for _, in := range []Input{
		{Title: "Org chart", AssigneeID: dana.ID, DueDate: "2026-07-01"},
		{Title: "Firewall rules", AssigneeID: dana.ID, DueDate: "2026-07-15"},
		{Title: "Pen test report", AssigneeID: dana.ID, DueDate: "2026-08-01"},
	} {
		_, err := svc.Create(ctx, senior, engID, in)
		require.NoError(t, err)
	}
	// Several servers run the digest at the same moment: still one e-mail.
	results := make(chan int, 4)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := svc.QueueOverdueDigest(ctx)
			assert.NoError(t, err)
			results <- n
		}()
	}
	wg.Wait()
	close(results)
	n := 0
	for q := range results {
		n += q
	}
	assert.Equal(t, 1, n)
	var body, subject string
	require.NoError(t, gdb.Raw(`SELECT subject, body FROM notifications WHERE kind = 'digest' AND recipient_id = ?`, dana.ID).Row().Scan(&subject, &body))
	assert.Equal(t, "2 overdue information requests", subject)
	assert.Contains(t, body, "R-001 Org chart")
	assert.Contains(t, body, "R-002 Firewall rules")
	assert.NotContains(t, body, "Pen test report")
	assert.Contains(t, body, "https://attest.example/requests/")

	n, err = svc.QueueOverdueDigest(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "one digest per assignee per day")
}
