package description_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/description"
)

func TestSectionsFollowTheReportType(t *testing.T) {
	assert.Len(t, description.CriteriaFor("type2"), 9)
	type1 := description.CriteriaFor("type1")
	assert.Len(t, type1, 8)
	assert.Equal(t, "DC8", type1[len(type1)-1].Code, "DC9 exists only for Type II")
}

func TestSaveSectionKeepsVersionsAndRefusesStaleSaves(t *testing.T) {
	f := newFixture(t)
	client, senior := f.users["client"], f.users["senior"]
	s := f.save(client, "DC1", "Northwind provides bookkeeping.")
	assert.Equal(t, 1, s.CurrentVersion)
	opened := s.Version
	s = f.save(senior, "DC1", "Northwind provides cloud bookkeeping.")
	assert.Equal(t, 2, s.CurrentVersion)
	assert.Equal(t, "Senior", s.UpdatedByName, "every edit is attributed")

	_, err := f.svc.SaveSection(f.ctx, client, f.engagement, "DC1", description.SectionInput{Body: "my stale text", Version: opened})
	c, ok := apperr.AsConflict(err)
	require.True(t, ok, "a save from an old version is refused: %v", err)
	stale := c.Current.(description.StaleSection)
	assert.Equal(t, "Northwind provides cloud bookkeeping.", stale.Stored.Body, "the conflict carries the stored version")

	versions, err := f.svc.Versions(f.ctx, s.ID)
	require.NoError(t, err)
	require.Len(t, versions, 2)
	assert.Equal(t, "Northwind provides bookkeeping.", versions[1].Body)

	again := f.save(client, "DC1", "Northwind provides cloud bookkeeping.")
	assert.Equal(t, 2, again.CurrentVersion, "saving the same text adds no version")

	var events int
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'description.section.save' AND engagement_id = ?`, f.engagement).Row().Scan(&events))
	assert.Equal(t, 2, events)
}

func TestSaveSectionBadInput(t *testing.T) {
	f := newFixture(t)
	client := f.users["client"]
	_, err := f.svc.SaveSection(f.ctx, client, f.engagement, "DC1", description.SectionInput{Body: strings.Repeat("x", description.MaxSectionBytes+1)})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["body"], "at most 200 KB")

	_, err = f.svc.SaveSection(f.ctx, client, f.engagement, "DC10", description.SectionInput{Body: "x"})
	assert.ErrorIs(t, err, apperr.ErrNotFound)

	_, err = f.svc.SaveSection(f.ctx, client, f.engagement, "DC3", description.SectionInput{Body: "![x](/description/images/999)"})
	v, ok = apperr.AsValidation(err)
	require.True(t, ok, "an image of another engagement (or none) is refused")
	assert.Contains(t, v["body"], "not one of this engagement's images")

	require.NoError(t, f.db.Exec(`UPDATE engagements SET status = 'review' WHERE id = ?`, f.engagement).Error)
	_, err = f.svc.SaveSection(f.ctx, client, f.engagement, "DC1", description.SectionInput{Body: "late"})
	v, ok = apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v["body"], "in review")
	f.save(f.users["senior"], "DC1", "the team may still edit in review")

	require.NoError(t, f.db.Exec(`UPDATE engagements SET status = 'signed', locked_at = now() WHERE id = ?`, f.engagement).Error)
	cur := f.section("DC1")
	_, err = f.svc.SaveSection(f.ctx, f.users["senior"], f.engagement, "DC1", description.SectionInput{Body: "after signing", Version: cur.Version})
	assert.ErrorIs(t, err, apperr.ErrLocked, "nothing changes once the engagement is signed")
}

func TestGeneratedTablesFollowTheControlMapping(t *testing.T) {
	f := newFixture(t)
	nl07 := f.control("NL-07", "CC6.1")
	dc5 := f.section("DC5")
	require.NotNil(t, dc5.Tables)
	row := func(s description.Section, id string) description.CriterionRow {
		for _, r := range s.Tables.Criteria {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("criterion %s missing from DC5", id)
		return description.CriterionRow{}
	}
	assert.Equal(t, []description.ControlRef{{Ref: "NL-07", Description: "Control NL-07"}}, row(dc5, "CC6.1").Controls)
	assert.Empty(t, row(dc5, "CC6.2").Controls)
	assert.Equal(t, "Availability", row(dc5, "A1.1").CategoryLabel, "criteria of every category in scope are listed")

	// The mapping changes: DC5 follows without anyone retyping it.
	require.NoError(t, f.db.Exec(`UPDATE control_criteria SET criterion_id = 'CC6.2' WHERE control_id = ?`, nl07).Error)
	dc5 = f.section("DC5")
	assert.Empty(t, row(dc5, "CC6.1").Controls)
	assert.Equal(t, "NL-07", row(dc5, "CC6.2").Controls[0].Ref)

	var host int64
	require.NoError(t, f.db.Raw(`INSERT INTO subservice_organizations (engagement_id, name, services, method) VALUES (?, 'Cloudbank', 'hosting', 'carve_out') RETURNING id`, f.engagement).Row().Scan(&host))
	var csoc, cuec int64
	require.NoError(t, f.db.Raw(`INSERT INTO complementary_controls (engagement_id, kind, ref, description, subservice_organization_id) VALUES (?, 'csoc', 'CSOC-1', 'Physical access is restricted', ?) RETURNING id`, f.engagement, host).Row().Scan(&csoc))
	require.NoError(t, f.db.Exec(`INSERT INTO complementary_control_criteria VALUES (?, 'CC6.4')`, csoc).Error)
	require.NoError(t, f.db.Raw(`INSERT INTO complementary_controls (engagement_id, kind, ref, description) VALUES (?, 'cuec', 'CUEC-1', 'User entities manage their users') RETURNING id`, f.engagement).Row().Scan(&cuec))
	dc6, dc7 := f.section("DC6"), f.section("DC7")
	require.Len(t, dc6.Tables.Subservices, 1)
	assert.Equal(t, "Carve-out", dc6.Tables.Subservices[0].MethodLabel)
	assert.Equal(t, []description.ComplementaryRow{{Ref: "CSOC-1", Description: "Physical access is restricted", Criteria: []string{"CC6.4"}}}, dc6.Tables.Subservices[0].CSOCs)
	assert.Equal(t, "CUEC-1", dc7.Tables.CUECs[0].Ref)
	assert.Nil(t, f.section("DC1").Tables)
}
