package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"sort"
	"time"
)

// Step is what a timeline entry records.
type Step string

// Steps, in the order an engagement normally takes them.
const (
	StepRequestSent      Step = "request_sent"
	StepEvidenceReceived Step = "evidence_received"
	StepSamplesDrawn     Step = "samples_drawn"
	StepSampleTested     Step = "sample_tested"
	StepConcluded        Step = "concluded"
	StepPrepared         Step = "prepared"
	StepReviewed         Step = "reviewed"
	StepOpinionSigned    Step = "opinion_signed"
	StepReportIssued     Step = "report_issued"
)

// Label is the step as a quality reviewer reads it.
func (s Step) Label() string {
	switch s {
	case StepRequestSent:
		return "Request sent"
	case StepEvidenceReceived:
		return "Evidence received"
	case StepSamplesDrawn:
		return "Samples drawn"
	case StepSampleTested:
		return "Sample tested"
	case StepConcluded:
		return "Concluded"
	case StepPrepared:
		return "Preparer sign-off"
	case StepReviewed:
		return "Reviewer sign-off"
	case StepOpinionSigned:
		return "Opinion signed"
	case StepReportIssued:
		return "Report issued"
	}
	return string(s)
}

// Entry is one step of the engagement's timeline, taken from one audit event.
type Entry struct {
	EventID    int64
	At         time.Time
	Step       Step
	TestID     int64 // 0 for steps of the whole engagement (a request, the opinion, the report)
	ControlRef string
	Actor      string
	Detail     string
	Flags      []string // why this entry is out of order; empty when it is not
}

// Timeline is an engagement's steps in time order with what is out of order flagged.
type Timeline struct {
	EngagementID int64
	ReportDate   *time.Time
	Entries      []Entry
	Flagged      int
}

// Thresholds of the flags.
const (
	// A review sign-off this soon after the preparer's is a rubber stamp when it happens on
	// at least quickReviewMinTests tests.
	quickReview         = time.Minute
	quickReviewMinTests = 3
	// burstCount conclusions within burstWindow: tests concluded in bulk, not one by one.
	burstCount  = 20
	burstWindow = 10 * time.Minute
)

// Flag marks what is out of order in entries (sorted by time): a conclusion before any evidence
// for its test; review sign-offs within a minute of the preparer's on many tests; dozens of
// conclusions within minutes; work recorded after the report date; evidence received after the
// report was issued. Pure, so each rule has a table test.
func Flag(entries []Entry, reportDate *time.Time) []Entry {
	evidenceSeen := map[int64]bool{}
	preparedAt := map[int64]time.Time{}
	var quick []int
	var issuedAt *time.Time
	var conclusions []int
	var afterReport time.Time
	if reportDate != nil {
		d := reportDate.UTC()
		afterReport = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	}
	add := func(i int, msg string) {
		for _, f := range entries[i].Flags {
			if f == msg {
				return
			}
		}
		entries[i].Flags = append(entries[i].Flags, msg)
	}
	for i, e := range entries {
		switch e.Step {
		case StepEvidenceReceived:
			if e.TestID != 0 {
				evidenceSeen[e.TestID] = true
			}
			if issuedAt != nil && e.At.After(*issuedAt) {
				add(i, "Evidence received after the report was issued")
			}
		case StepConcluded:
			conclusions = append(conclusions, i)
			if !evidenceSeen[e.TestID] {
				add(i, "Concluded before any evidence for this test was received")
			}
		case StepPrepared:
			preparedAt[e.TestID] = e.At
		case StepReviewed:
			if p, ok := preparedAt[e.TestID]; ok && e.At.Sub(p) < quickReview {
				quick = append(quick, i)
			}
		case StepReportIssued:
			if issuedAt == nil {
				at := e.At
				issuedAt = &at
			}
		}
		if reportDate != nil && e.TestID != 0 && !e.At.Before(afterReport) {
			add(i, "Work recorded after the report date")
		}
	}
	if len(quick) >= quickReviewMinTests {
		for _, i := range quick {
			add(i, fmt.Sprintf("Reviewed within a minute of the preparer's sign-off (on %d tests)", len(quick)))
		}
	}
	// Any window of burstWindow holding burstCount conclusions marks all of them.
	for a, b := 0, 0; b < len(conclusions); b++ {
		for entries[conclusions[b]].At.Sub(entries[conclusions[a]].At) > burstWindow {
			a++
		}
		if b-a+1 >= burstCount {
			for _, i := range conclusions[a : b+1] {
				add(i, fmt.Sprintf("One of %d or more tests concluded within %d minutes", burstCount, int(burstWindow.Minutes())))
			}
		}
	}
	return entries
}

// Timeline builds the engagement's timeline from its audit trail.
func (s *Service) Timeline(ctx context.Context, engagementID int64) (Timeline, error) {
	tl := Timeline{EngagementID: engagementID}
	if err := s.DB.WithContext(ctx).Raw(`SELECT report_date FROM engagements WHERE id = ?`, engagementID).Row().Scan(&tl.ReportDate); err != nil {
		return tl, fmt.Errorf("loading engagement %d: %w", engagementID, err)
	}
	var events []struct {
		ID         int64
		OccurredAt time.Time
		ActorEmail string
		Action     string
		EntityID   *int64
		Before     []byte
		After      []byte
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, occurred_at, actor_email, action, entity_id, before, after FROM audit_events
		WHERE engagement_id = ? AND action IN ('request.create','test.create','evidence.upload','samples.draw','samples.pick','sample.update',
			'test.update','test.sign_preparer','test.sign_reviewer','engagement.status','opinion.sign','report.issue')
		ORDER BY occurred_at, id`, engagementID).Scan(&events).Error
	if err != nil {
		return tl, fmt.Errorf("loading the audit trail of engagement %d: %w", engagementID, err)
	}
	refs, sampleTest, requestTests, err := s.timelineLinks(ctx, engagementID)
	if err != nil {
		return tl, err
	}
	for _, ev := range events {
		var before, after map[string]any
		_ = json.Unmarshal(ev.Before, &before)
		_ = json.Unmarshal(ev.After, &after)
		entity := int64(0)
		if ev.EntityID != nil {
			entity = *ev.EntityID
		}
		base := Entry{EventID: ev.ID, At: ev.OccurredAt.UTC(), Actor: ev.ActorEmail}
		var out []Entry
		switch ev.Action {
		case "request.create":
			base.Step, base.Detail = StepRequestSent, fmt.Sprintf("%v %v", after["number"], after["title"])
			out = append(out, base)
		case "evidence.upload":
			base.Step, base.Detail = StepEvidenceReceived, fmt.Sprint(after["file_name"])
			switch {
			case num(after["test_id"]) != 0:
				base.TestID = num(after["test_id"])
				out = append(out, base)
			case num(after["sample_id"]) != 0:
				base.TestID = sampleTest[num(after["sample_id"])]
				out = append(out, base)
			case len(requestTests[num(after["request_id"])]) > 0:
				// A file answering a request counts for every test the request supports.
				for _, t := range requestTests[num(after["request_id"])] {
					e := base
					e.TestID = t
					out = append(out, e)
				}
			default:
				out = append(out, base)
			}
		case "samples.draw", "samples.pick":
			base.Step, base.TestID = StepSamplesDrawn, entity
			base.Detail = fmt.Sprintf("%v items", after["size"])
			if ev.Action == "samples.pick" {
				base.Detail = "picked by hand"
			}
			out = append(out, base)
		case "sample.update":
			r := fmt.Sprint(after["result"])
			if r != "pass" && r != "deviation" || r == fmt.Sprint(before["result"]) {
				continue
			}
			base.Step, base.TestID, base.Detail = StepSampleTested, sampleTest[entity], "result: "+r
			out = append(out, base)
		case "test.create", "test.update":
			// A test created with its result is concluded at creation.
			r := fmt.Sprint(after["result"])
			if r != "no_exceptions" && r != "exceptions" || r == fmt.Sprint(before["result"]) {
				continue
			}
			base.Step, base.TestID, base.Detail = StepConcluded, entity, map[string]string{"no_exceptions": "No exceptions noted", "exceptions": "Exceptions noted"}[r]
			out = append(out, base)
		case "test.sign_preparer":
			base.Step, base.TestID = StepPrepared, entity
			out = append(out, base)
		case "test.sign_reviewer":
			base.Step, base.TestID = StepReviewed, entity
			out = append(out, base)
		case "engagement.status":
			switch after["status"] {
			case string(lifecycle.Signed):
				base.Step = StepOpinionSigned
			case string(lifecycle.Issued):
				base.Step = StepReportIssued
			default:
				continue
			}
			out = append(out, base)
		case "opinion.sign":
			base.Step = StepOpinionSigned
			out = append(out, base)
		case "report.issue":
			base.Step = StepReportIssued
			out = append(out, base)
		}
		for _, e := range out {
			e.ControlRef = refs[e.TestID]
			tl.Entries = append(tl.Entries, e)
		}
	}
	sort.SliceStable(tl.Entries, func(i, j int) bool { return tl.Entries[i].At.Before(tl.Entries[j].At) })
	tl.Entries = Flag(tl.Entries, tl.ReportDate)
	for _, e := range tl.Entries {
		if len(e.Flags) > 0 {
			tl.Flagged++
		}
	}
	return tl, nil
}

// timelineLinks maps tests to their control references, samples to their tests and requests to
// the tests they support (directly, through a sample, or through a control).
func (s *Service) timelineLinks(ctx context.Context, engagementID int64) (refs map[int64]string, sampleTest map[int64]int64, requestTests map[int64][]int64, err error) {
	refs, sampleTest, requestTests = map[int64]string{}, map[int64]int64{}, map[int64][]int64{}
	var tests []struct {
		ID  int64
		Ref string
	}
	if err = s.DB.WithContext(ctx).Raw(`SELECT t.id, c.ref FROM tests t JOIN controls c ON c.id = t.control_id WHERE t.engagement_id = ?`,
		engagementID).Scan(&tests).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("loading tests of engagement %d: %w", engagementID, err)
	}
	for _, t := range tests {
		refs[t.ID] = t.Ref
	}
	var samples []struct{ ID, TestID int64 }
	if err = s.DB.WithContext(ctx).Raw(`SELECT s.id, s.test_id FROM samples s JOIN tests t ON t.id = s.test_id WHERE t.engagement_id = ?`,
		engagementID).Scan(&samples).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("loading samples of engagement %d: %w", engagementID, err)
	}
	for _, sm := range samples {
		sampleTest[sm.ID] = sm.TestID
	}
	var links []struct{ RequestID, TestID int64 }
	if err = s.DB.WithContext(ctx).Raw(`SELECT DISTINCT l.request_id, t.id AS test_id FROM info_request_links l
		JOIN info_requests r ON r.id = l.request_id
		JOIN tests t ON t.engagement_id = r.engagement_id AND (
			(l.target_type = 'test' AND t.id = l.target_id) OR
			(l.target_type = 'control' AND t.control_id = l.target_id) OR
			(l.target_type = 'sample' AND t.id = (SELECT test_id FROM samples WHERE id = l.target_id)))
		WHERE r.engagement_id = ? ORDER BY 1, 2`, engagementID).Scan(&links).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("loading request links of engagement %d: %w", engagementID, err)
	}
	for _, l := range links {
		requestTests[l.RequestID] = append(requestTests[l.RequestID], l.TestID)
	}
	return refs, sampleTest, requestTests, nil
}

func num(v any) int64 {
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return 0
}
