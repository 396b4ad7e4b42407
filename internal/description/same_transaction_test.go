package description_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/description"
)

// TestChangesRollBackWhenTheirAuditEventFails: the database refuses the audit event of each
// change in turn; the change must then leave no trace, which holds only when the change and its
// event share one transaction.
func TestChangesRollBackWhenTheirAuditEventFails(t *testing.T) {
	f := newFixture(t)
	client, senior, officer := f.users["client"], f.users["senior"], f.users["officer"]
	failAudit := func(action string) {
		require.NoError(t, f.db.Exec(`CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF NEW.action = TG_ARGV[0] THEN RAISE EXCEPTION 'audit of % refused by the test', NEW.action; END IF;
				RETURN NEW;
			END $$`).Error)
		require.NoError(t, f.db.Exec(`DROP TRIGGER IF EXISTS test_fail_audit ON audit_events`).Error)
		require.NoError(t, f.db.Exec(`CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_audit('`+action+`')`).Error)
	}
	count := func(q string) int {
		var n int
		require.NoError(t, f.db.Raw(q).Row().Scan(&n))
		return n
	}

	failAudit("description.section.save")
	_, err := f.svc.SaveSection(f.ctx, client, f.engagement, "DC1", description.SectionInput{Body: "text"})
	require.Error(t, err)
	assert.Zero(t, count(`SELECT count(*) FROM description_section_versions`))
	assert.Zero(t, count(`SELECT count(*) FROM description_sections`))

	failAudit("description.review.conclude")
	require.Error(t, f.svc.Conclude(f.ctx, senior, f.engagement, "DC1", description.ConclusionInput{Conclusion: description.Presented}))
	assert.Zero(t, count(`SELECT count(*) FROM description_reviews`))

	failAudit("assertion.designate_officer")
	require.Error(t, f.svc.DesignateOfficer(f.ctx, client, f.engagement, officer.ID))
	assert.Zero(t, count(`SELECT count(*) FROM assertions WHERE officer_id IS NOT NULL`))

	failAudit("assertion.approve")
	require.NoError(t, f.svc.DesignateOfficer(f.ctx, client, f.engagement, officer.ID))
	require.Error(t, f.svc.Approve(f.ctx, officer, f.engagement, description.ApprovalInput{Name: "D", Title: "CTO", Date: "2026-07-20", Password: "right"}))
	assert.Zero(t, count(`SELECT count(*) FROM assertions WHERE approved_at IS NOT NULL`))

	failAudit("assertion.withdraw")
	require.NoError(t, f.db.Exec(`DROP TRIGGER test_fail_audit ON audit_events`).Error)
	require.NoError(t, f.svc.Approve(f.ctx, officer, f.engagement, description.ApprovalInput{Name: "D", Title: "CTO", Date: "2026-07-20", Password: "right"}))
	failAudit("assertion.withdraw")
	a, err := f.svc.Assertion(f.ctx, f.engagement)
	require.NoError(t, err)
	require.Error(t, f.svc.SaveText(f.ctx, client, f.engagement, description.TextInput{Body: "changed", SOC3Body: a.SOC3Body, Version: a.Version}),
		"the text change and the withdrawal it causes commit together or not at all")
	assert.Equal(t, 1, count(`SELECT count(*) FROM assertions WHERE approved_at IS NOT NULL AND body = ''`))
}
