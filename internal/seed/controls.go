package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/controls"
)

// Northwind Ledger's control matrix (shared/domain/soc2.md §9).
var demoControls = []controls.Input{
	{Ref: "NL-01", Description: "New hires acknowledge the code of conduct within 30 days", Owner: "People team", Frequency: "as_needed", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.1"}},
	{Ref: "NL-02", Description: "Board reviews security metrics quarterly", Owner: "CEO", Frequency: "quarterly", Nature: "manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC1.2", "CC4.1"}},
	{Ref: "NL-03", Description: "Security awareness training at hire and yearly", Owner: "Compliance lead", Frequency: "as_needed", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC1.4", "CC2.2"}},
	{Ref: "NL-04", Description: "Access requests approved by the manager before provisioning", Owner: "IT operations", Frequency: "as_needed", Nature: "manual", ControlType: "preventive", Risk: "higher", Criteria: []string{"CC6.2"}},
	{Ref: "NL-05", Description: "Access removed within 1 business day of termination", Owner: "IT operations", Frequency: "as_needed", Nature: "it_dependent_manual", ControlType: "preventive", Risk: "higher", Criteria: []string{"CC6.2"}},
	{Ref: "NL-06", Description: "Quarterly user access review of production", Owner: "Engineering manager", Frequency: "quarterly", Nature: "it_dependent_manual", ControlType: "detective", Risk: "higher", Criteria: []string{"CC6.3"}},
	{Ref: "NL-07", Description: "MFA enforced for all workforce accounts", Owner: "IT operations", Frequency: "automated", Nature: "automated", ControlType: "preventive", Risk: "low", Criteria: []string{"CC6.1"}},
	{Ref: "NL-08", Description: "Production data encrypted at rest and in transit", Owner: "Platform team", Frequency: "automated", Nature: "automated", ControlType: "preventive", Risk: "low", Criteria: []string{"CC6.1", "CC6.7"}},
	{Ref: "NL-09", Description: "Vulnerability scans weekly; criticals fixed in 15 days", Owner: "Security engineer", Frequency: "weekly", Nature: "it_dependent_manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC7.1"}},
	{Ref: "NL-10", Description: "Alerts on anomalous activity triaged by on-call", Owner: "On-call engineer", Frequency: "multiple_daily", Nature: "it_dependent_manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC7.2", "CC7.3"}},
	{Ref: "NL-11", Description: "Incidents handled per the response plan", Owner: "CTO", Frequency: "as_needed", Nature: "manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC7.4", "CC7.5"}},
	{Ref: "NL-12", Description: "Changes peer-reviewed and tested before deployment", Owner: "Engineering manager", Frequency: "multiple_daily", Nature: "it_dependent_manual", ControlType: "preventive", Risk: "higher", Criteria: []string{"CC8.1"}},
	{Ref: "NL-13", Description: "Annual risk assessment approved by leadership", Owner: "CTO", Frequency: "annual", Nature: "manual", ControlType: "preventive", Risk: "low", Criteria: []string{"CC3.1", "CC3.2", "CC3.3", "CC3.4"}},
	{Ref: "NL-14", Description: "Critical vendors reviewed yearly, incl. their SOC reports", Owner: "Compliance lead", Frequency: "annual", Nature: "manual", ControlType: "detective", Risk: "low", Criteria: []string{"CC9.2"}},
	{Ref: "NL-15", Description: "Daily backups; restore tested quarterly", Owner: "Platform team", Frequency: "daily", FrequencyNote: "Backups daily; restore test quarterly", Nature: "automated", ControlType: "preventive", Risk: "low", Criteria: []string{"A1.2", "A1.3"}},
	{Ref: "NL-16", Description: "Capacity monitored with alerts at 80 %", Owner: "Platform team", Frequency: "automated", Nature: "automated", ControlType: "detective", Risk: "low", Criteria: []string{"A1.1"}},
}

var demoComplementary = []controls.ComplementaryInput{
	{Kind: controls.KindCUEC, Ref: "CUEC-1", Description: "User entities manage their own users' access to the platform, including removing leavers promptly.", Criteria: []string{"CC6.2", "CC6.3"}},
	{Kind: controls.KindCUEC, Ref: "CUEC-2", Description: "User entities review the reports they export from the platform for completeness and accuracy.", Criteria: []string{"CC2.3"}},
	{Kind: controls.KindCSOC, Ref: "CSOC-1", Description: "The cloud host restricts physical access to its data centres to authorized people.", Criteria: []string{"CC6.4"}},
	{Kind: controls.KindCSOC, Ref: "CSOC-2", Description: "The cloud host maintains environmental protections (power, cooling, fire suppression) at its data centres.", Criteria: []string{"A1.2"}},
}

// seedControls loads the Northwind 2026 control matrix, its CUECs and the CSOCs of the carved-out
// cloud host. Without the Northwind engagement (its step did not run) it does nothing.
func seedControls(ctx context.Context, e *Env) error {
	db := e.DB.WithContext(ctx)
	engID := e.ID("engagement:northwind-2026")
	if engID == 0 {
		err := db.Raw(`SELECT id FROM engagements WHERE name ILIKE 'Northwind%2026%' ORDER BY id LIMIT 1`).Row().Scan(&engID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("finding the Northwind engagement: %w", err)
		}
	}
	return seedControlsFor(ctx, e, engID)
}

// seedControlsFor loads the Northwind control matrix, CUECs and CSOCs into engagement engID.
func seedControlsFor(ctx context.Context, e *Env, engID int64) error {
	db := e.DB.WithContext(ctx)
	sc, err := controls.NewService(e.DB).LoadScope(ctx, engID)
	if err != nil {
		return err
	}
	inScope := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if sc.CheckCriterion(id) == "" {
				out = append(out, id)
			}
		}
		return out
	}
	for _, in := range demoControls {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM controls WHERE engagement_id = ? AND lower(ref) = lower(?)`, engID, in.Ref).Row().Scan(&n); err != nil {
			return fmt.Errorf("checking control %s: %w", in.Ref, err)
		}
		if in.Criteria = inScope(in.Criteria); n > 0 || len(in.Criteria) == 0 {
			continue
		}
		if _, err := controls.NewService(e.DB).Create(ctx, audit.System, engID, in); err != nil {
			return fmt.Errorf("control %s: %w", in.Ref, err)
		}
	}
	hostID, err := carvedOutHost(ctx, e, engID)
	if err != nil {
		return err
	}
	for _, in := range demoComplementary {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM complementary_controls WHERE engagement_id = ? AND kind = ? AND ref = ?`, engID, in.Kind, in.Ref).Row().Scan(&n); err != nil {
			return fmt.Errorf("checking %s: %w", in.Ref, err)
		}
		if in.Criteria = inScope(in.Criteria); n > 0 || len(in.Criteria) == 0 {
			continue
		}
		if in.Kind == controls.KindCSOC {
			in.SubserviceOrganizationID = hostID
		}
		if _, err := controls.NewService(e.DB).CreateComplementary(ctx, audit.System, engID, in); err != nil {
			return fmt.Errorf("%s: %w", in.Ref, err)
		}
	}
	return nil
}

// carvedOutHost returns the engagement's carved-out subservice organization, adding the cloud
// host when the engagements step recorded none.
func carvedOutHost(ctx context.Context, e *Env, engID int64) (int64, error) {
	var ids []int64
	db := e.DB.WithContext(ctx)
	if err := db.Raw(`SELECT id FROM subservice_organizations WHERE engagement_id = ? AND method = 'carve_out' ORDER BY id LIMIT 1`, engID).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("finding the carved-out host: %w", err)
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	var id int64
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO subservice_organizations (engagement_id, name, services, method)
			VALUES (?, 'Public cloud host', 'Infrastructure hosting: data centres, compute, storage and networking', 'carve_out') RETURNING id`, engID).Row().Scan(&id); err != nil {
			return fmt.Errorf("adding the cloud host: %w", err)
		}
		return audit.Record(ctx, tx, audit.System, audit.Event{Action: "subservice_organization.create", EntityType: "subservice_organization",
			EntityID: id, EngagementID: engID, After: map[string]string{"name": "Public cloud host", "method": "carve_out"}})
	})
	return id, err
}
