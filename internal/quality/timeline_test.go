package quality

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/audit"
)

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func flagged(es []Entry) map[int][]string {
	out := map[int][]string{}
	for i, e := range es {
		if len(e.Flags) > 0 {
			out[i] = e.Flags
		}
	}
	return out
}

func TestFlagAConclusionBeforeItsEvidence(t *testing.T) {
	es := Flag([]Entry{
		{At: at(0), Step: StepEvidenceReceived, TestID: 1},
		{At: at(5), Step: StepConcluded, TestID: 1}, // evidence first: in order
		{At: at(6), Step: StepConcluded, TestID: 2}, // no evidence yet
		{At: at(9), Step: StepEvidenceReceived, TestID: 2},
	}, nil)
	f := flagged(es)
	require.Len(t, f, 1)
	assert.Contains(t, f[2][0], "Concluded before any evidence")
}

func TestFlagQuickReviewsOnlyOnManyTests(t *testing.T) {
	var es []Entry
	for test := int64(1); test <= 2; test++ {
		es = append(es, Entry{At: at(int(test) * 10), Step: StepPrepared, TestID: test},
			Entry{At: at(int(test) * 10).Add(20 * time.Second), Step: StepReviewed, TestID: test})
	}
	assert.Empty(t, flagged(Flag(es, nil)), "two quick reviews are not yet a pattern")
	es = append(es, Entry{At: at(40), Step: StepPrepared, TestID: 3}, Entry{At: at(40).Add(30 * time.Second), Step: StepReviewed, TestID: 3},
		Entry{At: at(50), Step: StepPrepared, TestID: 4}, Entry{At: at(70), Step: StepReviewed, TestID: 4})
	f := flagged(Flag(es, nil))
	assert.Len(t, f, 3, "three reviews within a minute are flagged; the one 20 minutes later is not")
	for _, msgs := range f {
		assert.Contains(t, msgs[0], "on 3 tests")
	}
}

func TestFlagDozensOfConclusionsWithinMinutes(t *testing.T) {
	var es []Entry
	for i := 0; i < burstCount; i++ {
		es = append(es, Entry{At: t0.Add(time.Duration(i) * 20 * time.Second), Step: StepEvidenceReceived, TestID: int64(i + 1)})
	}
	for i := 0; i < burstCount; i++ {
		es = append(es, Entry{At: at(60).Add(time.Duration(i) * 25 * time.Second), Step: StepConcluded, TestID: int64(i + 1)})
	}
	f := flagged(Flag(es, nil))
	assert.Len(t, f, burstCount)

	// The same conclusions spread over a day are not flagged.
	for i := range es[burstCount:] {
		es[burstCount+i].At = at(60 + 30*i)
		es[burstCount+i].Flags = nil
	}
	assert.Empty(t, flagged(Flag(es, nil)))
}

func TestFlagWorkAfterTheReportDateAndEvidenceAfterIssue(t *testing.T) {
	reportDate := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	es := Flag([]Entry{
		{At: at(0), Step: StepEvidenceReceived, TestID: 1},
		{At: at(60), Step: StepConcluded, TestID: 1},            // on the report date: fine
		{At: at(60 * 24), Step: StepOpinionSigned},              // the next day, not test work
		{At: at(60*24 + 5), Step: StepReportIssued},             //
		{At: at(60*24 + 10), Step: StepSampleTested, TestID: 1}, // test work after the report date
		{At: at(60*24 + 20), Step: StepEvidenceReceived},        // after issue
	}, &reportDate)
	f := flagged(es)
	require.Len(t, f, 2)
	assert.Equal(t, []string{"Work recorded after the report date"}, f[4])
	assert.Equal(t, []string{"Evidence received after the report was issued"}, f[5])
}

// The timeline is built from the real audit trail: a test concluded before its evidence arrived
// is flagged, the one concluded after is not.
func TestTimelineFromTheAuditTrail(t *testing.T) {
	f := newDBFixture(t)
	var other int64
	require.NoError(t, f.db.Raw(`SELECT id FROM tests WHERE engagement_id = ? AND id <> ?`, f.mine, f.myTest).Row().Scan(&other))
	actor := audit.Actor{ID: f.partner.ID, Email: f.partner.Email}
	record := func(ev audit.Event) {
		ev.EngagementID = f.mine
		require.NoError(t, audit.Record(f.ctx, f.db, actor, ev))
	}
	conclude := func(test int64) {
		record(audit.Event{Action: "test.update", EntityType: "test", EntityID: test,
			Before: map[string]any{"result": "in_progress"}, After: map[string]any{"result": "no_exceptions"}})
	}
	record(audit.Event{Action: "evidence.upload", EntityType: "evidence_file", EntityID: 1, After: map[string]any{"file_name": "review.pdf", "test_id": f.myTest}})
	conclude(f.myTest)
	conclude(other) // before its evidence
	record(audit.Event{Action: "evidence.upload", EntityType: "evidence_file", EntityID: 2, After: map[string]any{"file_name": "late.pdf", "test_id": other}})
	record(audit.Event{Action: "test.sign_preparer", EntityType: "test", EntityID: other})

	tl, err := f.svc.Timeline(f.ctx, f.mine)
	require.NoError(t, err)
	require.Len(t, tl.Entries, 5)
	assert.Equal(t, 1, tl.Flagged)
	var steps []string
	for _, e := range tl.Entries {
		steps = append(steps, string(e.Step))
		assert.Equal(t, "AC-01", e.ControlRef)
		if e.Step == StepConcluded && e.TestID == other {
			require.Len(t, e.Flags, 1)
			assert.True(t, strings.HasPrefix(e.Flags[0], "Concluded before"))
		} else {
			assert.Empty(t, e.Flags, "%s of test %d", e.Step, e.TestID)
		}
	}
	assert.Equal(t, []string{"evidence_received", "concluded", "concluded", "evidence_received", "prepared"}, steps)
}

func TestTimelinePDFIsDeterministicAndShowsTheFlags(t *testing.T) {
	reportDate := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	tl := Timeline{ReportDate: &reportDate, Entries: Flag([]Entry{
		{At: at(0), Step: StepRequestSent, Actor: "sam@firm.example", Detail: "R-001 Access review"},
		{At: at(6), Step: StepConcluded, TestID: 2, ControlRef: "AC-01", Actor: "sam@firm.example", Detail: "No exceptions noted"},
		{At: at(9), Step: StepEvidenceReceived, TestID: 2, ControlRef: "AC-01", Actor: "dana@client.example", Detail: "review.pdf"},
	}, &reportDate)}
	tl.Flagged = 1
	h := TimelineHeading{Firm: "Example LLP", Client: "Northwind Ledger", Engagement: "SOC 2 Type II 2026", Period: "1 January 2026 – 30 June 2026", GeneratedAt: at(100)}
	a, err := TimelinePDF(h, tl)
	require.NoError(t, err)
	b, err := TimelinePDF(h, tl)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same timeline, same bytes")
	txt := pdfText(t, a)
	assert.Contains(t, txt, "Control AC-01")
	assert.Contains(t, txt, "Concluded before any evidence")
	assert.Contains(t, txt, "1 flagged as out of order")
}
