package description_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/description"
)

// TestSummarizeManyAgreesWithTheFullLoaders: the one-statement summary (Summarize, ClientTodos
// and the staff home all read it) says, for every engagement, what the full loaders say —
// Evaluate over Sections and the state of Assertion — through the steps that change it:
// sections written (one with only spaces, which is not written), notes to the client and
// internal ones, conclusions (one covering a text later changed, one "not presented"), an officer
// designated, the assertion approved, then facts changed by plain SQL (no withdrawal recorded).
func TestSummarizeManyAgreesWithTheFullLoaders(t *testing.T) {
	f := newFixture(t)
	var typeI int64
	require.NoError(t, f.db.Raw(`INSERT INTO engagements (client_id, name, report_type, as_of_date, status, categories)
		VALUES (?, 'Northwind Type I', 'type1', '2026-06-30', 'planning', '{security}') RETURNING id`, f.client).Row().Scan(&typeI))
	ids := []int64{f.engagement, typeI}
	check := func(step string, want []string) {
		t.Helper()
		got, err := f.svc.ClientTodos(f.ctx, ids)
		require.NoError(t, err)
		many, err := f.svc.SummarizeMany(f.ctx, ids)
		require.NoError(t, err)
		for _, id := range ids {
			secs, err := f.svc.Sections(f.ctx, id)
			require.NoError(t, err)
			a, err := f.svc.Assertion(f.ctx, id)
			require.NoError(t, err)
			ref := description.Evaluate(secs)
			concluded := 0
			for _, sec := range secs {
				if sec.Concluded() {
					concluded++
				}
			}
			sum := many[id]
			assert.Equal(t, ref, sum.Completeness, "%s: completeness of engagement %d", step, id)
			assert.Equal(t, concluded, sum.Concluded, "%s: concluded sections of engagement %d", step, id)
			assert.Equal(t, a.State(), sum.AssertionState, "%s: assertion of engagement %d", step, id)
			assert.Equal(t, a.Approved, sum.Approved, "%s: approval of engagement %d", step, id)
			one, err := f.svc.Summarize(f.ctx, id)
			require.NoError(t, err)
			assert.Equal(t, sum, one, "%s: Summarize is SummarizeMany for one", step)
			assert.Equal(t, sum.ClientTodo, got[id], "%s: engagement %d", step, id)
		}
		assert.Equal(t, want, got[f.engagement], step)
	}
	check("nothing written", []string{"9 description sections to write", "a signing officer to designate for management's assertion"})

	client, senior, officer := f.users["client"], f.users["senior"], f.users["officer"]
	f.save(client, "DC1", "The company provides a ledger.")
	f.save(client, "DC2", " \n\u00a0\t")
	_, err := f.svc.RaiseNote(f.ctx, senior, f.engagement, "DC1", "Name the products.", true)
	require.NoError(t, err)
	_, err = f.svc.RaiseNote(f.ctx, senior, f.engagement, "DC1", "Internal only.", false)
	require.NoError(t, err)
	check("one written, a note", []string{"8 description sections to write", "1 review note on the description to answer",
		"a signing officer to designate for management's assertion"})

	require.NoError(t, f.svc.Conclude(f.ctx, senior, f.engagement, "DC1", description.ConclusionInput{Conclusion: description.Presented}))
	require.NoError(t, f.svc.Conclude(f.ctx, senior, f.engagement, "DC3", description.ConclusionInput{Conclusion: description.NotPresented, Comment: "Missing."}))
	f.save(client, "DC1", "The company provides a ledger and payroll.")
	check("concluded, then DC1 changed", []string{"8 description sections to write", "1 review note on the description to answer",
		"a signing officer to designate for management's assertion"})

	require.NoError(t, f.svc.DesignateOfficer(f.ctx, client, f.engagement, officer.ID))
	check("officer designated", []string{"8 description sections to write", "1 review note on the description to answer",
		"management's assertion to approve (Officer)"})

	require.NoError(t, f.svc.Approve(f.ctx, officer, f.engagement, description.ApprovalInput{Name: "D", Title: "CTO", Date: "2026-07-20", Password: "right"}))
	require.NoError(t, f.db.Exec(`INSERT INTO subservice_organizations (engagement_id, name, services, method) VALUES (?, 'Cloud', 'Hosting', 'carve_out')`, f.engagement).Error)
	check("a subservice added without the hook", []string{"8 description sections to write", "1 review note on the description to answer",
		"management's assertion to approve (Officer)"})
	require.NoError(t, f.db.Exec(`DELETE FROM subservice_organizations WHERE engagement_id = ?`, f.engagement).Error)
	check("approved", []string{"8 description sections to write", "1 review note on the description to answer"})

	require.NoError(t, f.db.Exec(`UPDATE engagements SET categories = '{security}' WHERE id = ?`, f.engagement).Error)
	check("categories changed without the hook", []string{"8 description sections to write", "1 review note on the description to answer",
		"management's assertion to approve (Officer)"})
}
