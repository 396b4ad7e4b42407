package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
)

// demoTest is one row of the domain guide's §9 table as a Type II test.
type demoTest struct {
	ref, procedure, evidence string
	techniques               []string
}

var demoTests = []demoTest{
	{"NL-01", "For the sampled new hires, inspect the signed code of conduct acknowledgement and compare its date with the start date.", "Signed acknowledgement per sampled hire", []string{"inquiry", "inspection"}},
	{"NL-02", "Inspect the board minutes for 2 quarters to confirm security metrics were reviewed.", "Board minutes Q1 and Q2", []string{"inspection"}},
	{"NL-03", "Inspect security awareness training records for 25 sampled new hires; confirm completion within 30 days of the start date.", "Training completion record per sampled hire", []string{"inquiry", "inspection"}},
	{"NL-04", "Inspect access request tickets for 25 sampled grants; confirm manager approval before provisioning.", "Approved access ticket per sampled grant", []string{"inspection"}},
	{"NL-05", "Compare termination dates with deprovisioning logs for 15 sampled leavers; confirm removal within 1 business day.", "HR termination record and deprovisioning log entry per sampled leaver", []string{"inspection", "reperformance"}},
	{"NL-06", "Inspect 2 quarterly user access reviews of production and the follow-up tickets.", "Access review sign-off and tickets", []string{"inspection"}},
	{"NL-07", "Inspect the identity provider configuration for enforced MFA; observe one login without a second factor being refused.", "IdP MFA policy screenshot", []string{"inspection", "observation"}},
	{"NL-08", "Inspect storage encryption settings and the TLS configuration of public endpoints.", "Storage and TLS configuration exports", []string{"inspection"}},
	{"NL-09", "Inspect 10 sampled weekly vulnerability scans and remediation tickets for criticals.", "Scan reports and tickets", []string{"inspection"}},
	{"NL-10", "Inspect 25 sampled alerts for triage by on-call.", "Alert and on-call ticket per sampled alert", []string{"inspection"}},
	{"NL-11", "Inspect all 3 incidents of the period for handling per the response plan.", "Incident tickets and post-mortems", []string{"inspection"}},
	{"NL-12", "Inspect 40 sampled changes for peer review and passing tests before deployment.", "Pull request with approval and CI result per sampled change", []string{"inspection"}},
	{"NL-13", "Inspect the annual risk assessment and its approval by leadership.", "Risk assessment with approval", []string{"inquiry", "inspection"}},
	{"NL-14", "Inspect the reviews of critical vendors, including their SOC reports.", "Vendor review records", []string{"inspection"}},
	{"NL-15", "Inspect 25 sampled daily backup logs and 2 quarterly restore tests.", "Backup job logs and restore test records", []string{"inspection"}},
	{"NL-16", "Inspect the capacity monitoring configuration and one alert at 80 %.", "Monitoring configuration and alert", []string{"inspection"}},
}

// demoDeviation is a test with a population, a sample and one deviation (§9).
type demoDeviation struct {
	population, source, check string
	size                      string
	justification             string
	description, cause        string
	sampleNote, response      string
	resultText                string
	// attributes, when set, are tested in the grid: the deviating item fails the last one.
	attributes []string
	// extend draws as many items again after the deviation (sample extension).
	extend bool
}

var demoDeviations = map[string]demoDeviation{
	"NL-03": {
		population: hiresCSV(), source: "HRIS report 'New hires 1 Jan – 30 Jun 2026'", check: "Agreed the count of 120 to payroll additions; traced 5 payroll additions to the list",
		size: "25", justification: "First examination for this client: 25 hires per the engagement plan.",
		description: "For 1 of 25 sampled new hires, security awareness training was completed 45 days after the start date.",
		cause:       "The training reminder was sent manually and was missed for one hire.", sampleNote: "Training completed 45 days after the start date.",
		response:   "Reminder automation added in July.",
		resultText: "For 1 of 25 sampled new hires, security awareness training was completed 45 days after the start date. No other exceptions noted.",
		attributes: []string{"Training record exists for the hire", "Training completed within 30 days of the start date"},
	},
	"NL-05": {
		population: leaversCSV(), source: "HRIS report 'Terminations 1 Jan – 30 Jun 2026'", check: "Agreed the count of 40 to payroll removals",
		size: "15", justification: "Engagement plan: 15 leavers given the access risk.",
		description: "For 1 of 30 sampled leavers (15 drawn, extended by 15 after the deviation), access was removed 4 days after termination.",
		cause:       "The offboarding ticket was picked up after a holiday weekend.", sampleNote: "Access removed 4 days after the termination date.",
		response:   "Offboarding now triggered automatically from the HR system.",
		resultText: "For 1 of 30 sampled leavers, access was removed 4 days after termination. No other exceptions noted.",
		extend:     true,
	},
}

func hiresCSV() string {
	var b strings.Builder
	b.WriteString("employee_id,name,start_date,department\n")
	departments := []string{"Engineering", "Support", "Sales", "Finance"}
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&b, "NW-%04d,New hire %d,2026-%02d-%02d,%s\n", 1000+i, i, 1+(i-1)/20, 1+(i*7)%28, departments[i%4])
	}
	return b.String()
}

func leaversCSV() string {
	var b strings.Builder
	b.WriteString("employee_id,name,termination_date\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "NW-%04d,Leaver %d,2026-%02d-%02d\n", 500+i, i, 1+(i-1)/7, 1+(i*5)%28)
	}
	return b.String()
}

// seedFieldwork adds the Type II tests of the Northwind 2026 engagement (domain guide §9), with
// populations, samples and the two exceptions for NL-03 and NL-05, sign-offs and review notes.
// It needs the engagement and controls of earlier steps and skips silently without them.
func seedFieldwork(ctx context.Context, e *Env) error {
	engagementID := e.ID("engagement:northwind-2026")
	if engagementID == 0 {
		e.DB.WithContext(ctx).Raw(`SELECT id FROM engagements WHERE name ILIKE 'Northwind%2026%' AND report_type = 'type2' ORDER BY id LIMIT 1`).Scan(&engagementID)
	}
	if engagementID == 0 {
		return nil
	}
	fw := fieldwork.NewService(e.DB, e.Clock)
	store := e.Evidence
	if store == nil {
		var err error
		if store, err = evidence.NewLocalStore(".data/evidence"); err != nil {
			return err
		}
	}
	ev := &evidence.Service{DB: e.DB, Store: store, MaxBytes: 1 << 20}
	staff, senior, manager, client := e.User("staff@attest.example"), e.User("senior@attest.example"), e.User("manager@attest.example"), e.User("dana@northwind.example")
	testIDs := map[string]int64{}
	for i, dt := range demoTests {
		var controlID, existing int64
		e.DB.WithContext(ctx).Raw(`SELECT id FROM controls WHERE engagement_id = ? AND lower(ref) = lower(?)`, engagementID, dt.ref).Scan(&controlID)
		if controlID == 0 {
			continue
		}
		e.DB.WithContext(ctx).Raw(`SELECT id FROM tests WHERE control_id = ? ORDER BY id LIMIT 1`, controlID).Scan(&existing)
		if existing != 0 {
			testIDs[dt.ref] = existing
			continue // already seeded
		}
		// Tests are concluded on their tested samples and evidence (issue #16 point 3): each is
		// created in progress, sampled, tested, and only then concluded.
		in := fieldwork.TestInput{Techniques: dt.techniques, Procedure: dt.procedure, EvidenceExpected: dt.evidence,
			Result: fieldwork.ResultInProgress}
		dev, deviates := demoDeviations[dt.ref]
		t, err := fw.CreateTest(ctx, staff, engagementID, controlID, in)
		if err != nil {
			return fmt.Errorf("test of %s: %w", dt.ref, err)
		}
		testIDs[dt.ref] = t.ID
		if deviates {
			if err := seedDeviation(ctx, fw, ev, t, dev, staff, senior, client); err != nil {
				return fmt.Errorf("deviation of %s: %w", dt.ref, err)
			}
		} else if err := seedTested(ctx, fw, ev, t, staff, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0); err != nil {
			return fmt.Errorf("testing %s: %w", dt.ref, err)
		}
		// Sign-offs: staff prepared the first ten tests, the manager reviewed the first six.
		if i < 10 {
			t, err = fw.Test(ctx, t.ID)
			if err != nil {
				return err
			}
			if err := fw.SignAsPreparer(ctx, staff, t.ID, t.Version); err != nil {
				return fmt.Errorf("preparer sign-off of %s: %w", dt.ref, err)
			}
			if i < 6 {
				if err := fw.SignAsReviewer(ctx, manager, t.ID, t.Version+1); err != nil {
					return fmt.Errorf("reviewer sign-off of %s: %w", dt.ref, err)
				}
			}
		}
	}
	return seedReviewNotes(ctx, e, fw, engagementID, testIDs)
}

// seedDeviation uploads the population, draws the sample, records one deviation in it with
// management's response and the auditors' evaluation (isolated, criteria still met).
func seedDeviation(ctx context.Context, fw *fieldwork.Service, ev *evidence.Service, t fieldwork.Test, dev demoDeviation, staff, senior, client auth.User) error {
	pop, err := fw.UploadPopulation(ctx, staff, t.ID, fieldwork.PopulationInput{Source: dev.source, CompletenessCheck: dev.check,
		FileName: strings.ToLower(t.ControlRef) + "-population.csv"}, []byte(dev.population))
	if err != nil {
		return err
	}
	samples, err := fw.DrawSamples(ctx, staff, t.ID, fieldwork.DrawInput{PopulationID: pop.ID, Size: dev.size,
		Justification: dev.justification, TestVersion: t.Version})
	if err != nil {
		return err
	}
	var deviating fieldwork.Sample
	for i, sm := range samples {
		in := fieldwork.SampleInput{AttributesTested: t.EvidenceExpected, Result: "pass", Version: sm.Version}
		if i == len(samples)/2 {
			in.Result, in.Notes = "deviation", dev.sampleNote
			deviating = sm
		}
		if _, err := fw.UpdateSample(ctx, staff, sm.ID, in); err != nil {
			return err
		}
		if err := seedSampleEvidence(ctx, fw, ev, t, sm, staff); err != nil {
			return err
		}
	}
	if len(dev.attributes) > 0 {
		if err := seedGrid(ctx, fw, t, dev, deviating, staff); err != nil {
			return fmt.Errorf("grid: %w", err)
		}
	}
	if dev.extend {
		cur, err := fw.Test(ctx, t.ID)
		if err != nil {
			return err
		}
		all, err := fw.ExtendSample(ctx, staff, t.ID, fieldwork.ExtendInput{TestVersion: cur.Version,
			Justification: "1 deviation in 15: 15 more leavers drawn to judge whether it is isolated."})
		if err != nil {
			return fmt.Errorf("extension: %w", err)
		}
		for _, sm := range all {
			if sm.Result != "untested" {
				continue
			}
			if _, err := fw.UpdateSample(ctx, staff, sm.ID, fieldwork.SampleInput{AttributesTested: t.EvidenceExpected, Result: "pass", Version: sm.Version}); err != nil {
				return err
			}
			if err := seedSampleEvidence(ctx, fw, ev, t, sm, staff); err != nil {
				return err
			}
		}
		samples = all
	}
	if _, err := fw.MarkSentToClient(ctx, staff, t.ID); err != nil {
		return err
	}
	x, err := fw.RecordException(ctx, staff, t.ID, fieldwork.ExceptionInput{SampleID: deviating.ID, Description: dev.description,
		Cause: dev.cause, Deviations: 1, ItemsTested: len(samples)})
	if err != nil {
		return err
	}
	if client.ID != 0 {
		if x, err = fw.RespondToException(ctx, client, x.ID, dev.response, x.Version); err != nil {
			return err
		}
	}
	if _, err := fw.EvaluateException(ctx, senior, x.ID, fieldwork.EvaluationInput{Evaluation: "isolated", CriteriaMet: "yes",
		Notes: "A single occurrence with a known cause that management has fixed; other controls cover the criteria.", Version: x.Version}); err != nil {
		return err
	}
	cur, err := fw.Test(ctx, t.ID)
	if err != nil {
		return err
	}
	_, err = fw.UpdateTest(ctx, staff, t.ID, fieldwork.TestInput{Techniques: cur.Techniques, Procedure: cur.Procedure,
		EvidenceExpected: cur.EvidenceExpected, Result: fieldwork.ResultExceptions, ResultText: dev.resultText, Version: cur.Version})
	return err
}

// seedGrid defines the test's attributes and records every cell: all pass, except the last
// attribute on the deviating item.
func seedGrid(ctx context.Context, fw *fieldwork.Service, t fieldwork.Test, dev demoDeviation, deviating fieldwork.Sample, staff auth.User) error {
	var attrs []fieldwork.Attribute
	for _, d := range dev.attributes {
		a, err := fw.AddAttribute(ctx, staff, t.ID, d)
		if err != nil {
			return err
		}
		attrs = append(attrs, a)
	}
	g, err := fw.Grid(ctx, t.ID)
	if err != nil {
		return err
	}
	var versions []fieldwork.RowVersion
	var cells []fieldwork.CellInput
	for _, r := range g.Rows {
		versions = append(versions, fieldwork.RowVersion{SampleID: r.Sample.ID, Version: r.Sample.Version})
		for i, a := range attrs {
			c := fieldwork.CellInput{SampleID: r.Sample.ID, AttributeID: a.ID, Result: fieldwork.CellPass}
			if r.Sample.ID == deviating.ID && i == len(attrs)-1 {
				note := dev.sampleNote
				c.Result, c.Note = fieldwork.CellDeviation, &note
			}
			cells = append(cells, c)
		}
	}
	_, err = fw.SaveCells(ctx, staff, t.ID, versions, cells)
	return err
}

// demoPopulationSize is how many occurrences a control of each frequency had over the
// six-month period of the demo engagement.
var demoPopulationSize = map[string]int{"annual": 1, "quarterly": 2, "monthly": 6, "weekly": 26, "daily": 181,
	"multiple_daily": 400, "automated": 1, "as_needed": 60}

// occurrencesCSV lists a control's occurrences over the period, one per line, dated evenly.
func occurrencesCSV(ref string, n int, start time.Time) string {
	var b strings.Builder
	b.WriteString("occurrence,date,performed_by\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s-%04d,%s,%s\n", ref, i+1, start.AddDate(0, 0, i*180/max(n, 1)).Format(time.DateOnly), []string{"Ana", "Ben", "Chen"}[i%3])
	}
	return b.String()
}

// seedTested gives a test its population, draws the suggested sample, records each item as
// passed with its evidence (dated the item's date) and concludes "no exceptions noted".
//
// maxSize > 0 caps the sample (the prior year's lighter demo), with the reason recorded.
func seedTested(ctx context.Context, fw *fieldwork.Service, ev *evidence.Service, t fieldwork.Test, staff auth.User, start time.Time, maxSize int) error {
	n := demoPopulationSize[t.ControlFrequency]
	if n == 0 {
		n = 12
	}
	pop, err := fw.UploadPopulation(ctx, staff, t.ID, fieldwork.PopulationInput{Source: "System report of " + t.ControlRef + " occurrences over the period",
		CompletenessCheck: "Agreed the count to the system's own total for the period", FileName: strings.ToLower(t.ControlRef) + "-occurrences.csv"},
		[]byte(occurrencesCSV(t.ControlRef, n, start)))
	if err != nil {
		return err
	}
	t, err = fw.Test(ctx, t.ID)
	if err != nil {
		return err
	}
	draw := fieldwork.DrawInput{PopulationID: pop.ID, TestVersion: t.Version}
	if sug, err := fw.Suggestion(ctx, t, pop.RowCount); err == nil && maxSize > 0 && sug.Size > maxSize {
		draw.Size, draw.Justification = fmt.Sprint(maxSize), "Prior-year file kept for reference: only the first items of the sample are in Attest."
	}
	samples, err := fw.DrawSamples(ctx, staff, t.ID, draw)
	if err != nil {
		return err
	}
	for _, sm := range samples {
		if _, err := fw.UpdateSample(ctx, staff, sm.ID, fieldwork.SampleInput{AttributesTested: t.EvidenceExpected, Result: "pass", Version: sm.Version}); err != nil {
			return err
		}
		if err := seedSampleEvidence(ctx, fw, ev, t, sm, staff); err != nil {
			return err
		}
	}
	cur, err := fw.Test(ctx, t.ID)
	if err != nil {
		return err
	}
	_, err = fw.UpdateTest(ctx, staff, t.ID, fieldwork.TestInput{Techniques: cur.Techniques, Procedure: cur.Procedure,
		EvidenceExpected: cur.EvidenceExpected, Result: fieldwork.ResultNoExceptions, ResultText: "No exceptions noted.", Version: cur.Version})
	return err
}

// seedSampleEvidence attaches a small text file to a sample, dated the sampled item's date.
func seedSampleEvidence(ctx context.Context, fw *fieldwork.Service, ev *evidence.Service, t fieldwork.Test, sm fieldwork.Sample, staff auth.User) error {
	rec, err := ev.Receive(ctx, strings.ToLower(sm.ItemKey)+".txt", strings.NewReader("Evidence for "+sm.ItemKey+" of "+t.ControlRef+": "+t.EvidenceExpected+"\n"))
	if err != nil {
		return err
	}
	defer rec.Discard()
	return fw.AttachEvidence(ctx, staff, t.ID, sm.ID, []evidence.Received{rec})
}

// seedReviewNotes raises one open note and one answered note, once.
func seedReviewNotes(ctx context.Context, e *Env, fw *fieldwork.Service, engagementID int64, testIDs map[string]int64) error {
	var existing int
	if err := e.DB.WithContext(ctx).Raw(`SELECT count(*) FROM review_notes WHERE engagement_id = ?`, engagementID).Row().Scan(&existing); err != nil {
		return err
	}
	if existing > 0 || testIDs["NL-09"] == 0 || testIDs["NL-12"] == 0 {
		return nil
	}
	manager, senior, staff := e.User("manager@attest.example"), e.User("senior@attest.example"), e.User("staff@attest.example")
	if _, err := fw.RaiseReviewNote(ctx, manager, engagementID, "test", testIDs["NL-09"],
		"Do the 10 sampled scans cover both quarters? Please list the scan dates."); err != nil {
		return err
	}
	id, err := fw.RaiseReviewNote(ctx, senior, engagementID, "test", testIDs["NL-12"], "Which tool provided the population of changes, and how was it checked?")
	if err != nil {
		return err
	}
	return fw.AnswerReviewNote(ctx, staff, id, "GitHub deployment log export; agreed to the count of production deploys in the CD tool.", 1)
}
