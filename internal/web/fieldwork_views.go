package web

import (
	"fmt"
	"strconv"
	"time"

	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/templates"
)

// Converters from the fieldwork package's types to the pages' view models.

func testView(t fieldwork.Test) templates.TestView {
	return templates.TestView{ID: t.ID, ControlRef: t.ControlRef, ControlDescription: t.ControlDescription, Kind: t.Kind,
		Techniques: t.Techniques, InquiryOnly: t.InquiryOnly(), Procedure: t.Procedure, EvidenceExpected: t.EvidenceExpected,
		Result: t.Result, ResultText: t.ResultText, SampleMethod: t.SampleMethod, SampleSeed: t.SampleSeed,
		SuggestedSampleSize: t.SuggestedSampleSize, SampleSize: t.SampleSize, SampleSizeJustification: t.SampleSizeJustification,
		Prepared: t.PreparedBy != nil, PreparedByName: t.PreparedByName, PreparedAt: t.PreparedAt,
		Reviewed: t.ReviewedBy != nil, ReviewedByName: t.ReviewedByName, ReviewedAt: t.ReviewedAt,
		EditedAfterReview: t.EditedAfterReview, Version: t.Version, UpdatedAt: t.UpdatedAt}
}

func testViews(ts []fieldwork.Test) []templates.TestView {
	out := make([]templates.TestView, len(ts))
	for i, t := range ts {
		out[i] = testView(t)
	}
	return out
}

func procedureViews(ps []fieldwork.Procedure) []templates.ProcedureView {
	out := make([]templates.ProcedureView, len(ps))
	for i, p := range ps {
		out[i] = templates.ProcedureView{ID: p.ID, CriterionID: p.CriterionID, Title: p.Title, Procedure: p.Procedure, Techniques: p.Techniques}
	}
	return out
}

func controlOptionViews(cs []fieldwork.ControlOption) []templates.ControlOptionView {
	out := make([]templates.ControlOptionView, len(cs))
	for i, c := range cs {
		out[i] = templates.ControlOptionView{ID: c.ID, Ref: c.Ref, Description: c.Description}
	}
	return out
}

func populationViews(ps []fieldwork.Population) []templates.PopulationView {
	out := make([]templates.PopulationView, len(ps))
	for i, p := range ps {
		out[i] = templates.PopulationView{ID: p.ID, FileName: p.FileName, RowCount: p.RowCount, Source: p.Source,
			CompletenessCheck: p.CompletenessCheck, SHA256: p.SHA256, UploaderName: p.UploaderName, CreatedAt: p.CreatedAt}
	}
	return out
}

func sampleView(s fieldwork.Sample) templates.SampleView {
	return templates.SampleView{ID: s.ID, RowNumber: s.RowNumber, ItemKey: s.ItemKey, Item: s.Item, AttributesTested: s.AttributesTested,
		Result: s.Result, Notes: s.Notes, SentToClientAt: s.SentToClientAt, UpdatedAt: s.UpdatedAt}
}

func sampleViews(ss []fieldwork.Sample) []templates.SampleView {
	out := make([]templates.SampleView, len(ss))
	for i, s := range ss {
		out[i] = sampleView(s)
	}
	return out
}

func clientSampleListViews(ls []fieldwork.ClientSampleList) []templates.ClientSampleListView {
	out := make([]templates.ClientSampleListView, len(ls))
	for i, l := range ls {
		out[i] = templates.ClientSampleListView{TestID: l.TestID, ControlRef: l.ControlRef, Control: l.Control, Procedure: l.Procedure, SentAt: l.SentAt,
			Columns: l.Columns, Samples: sampleViews(l.Samples)}
	}
	return out
}

func exceptionView(x fieldwork.Exception) templates.ExceptionView {
	return templates.ExceptionView{ID: x.ID, TestID: x.TestID, ControlRef: x.ControlRef, Description: x.Description, Cause: x.Cause, Deviations: x.Deviations,
		ItemsTested: x.ItemsTested, Criteria: x.Criteria, ManagementResponse: x.ManagementResponse, ResponderName: x.ResponderName,
		ManagementRespondedAt: x.ManagementRespondedAt, Evaluation: x.Evaluation, Suggested: x.Suggested(), CriteriaMet: x.CriteriaMet,
		EvaluationNotes: x.EvaluationNotes, UpdatedAt: x.UpdatedAt}
}

func exceptionViews(xs []fieldwork.Exception) []templates.ExceptionView {
	out := make([]templates.ExceptionView, len(xs))
	for i, x := range xs {
		out[i] = exceptionView(x)
	}
	return out
}

func criterionStatusViews(rs []fieldwork.CriterionRow) []templates.CriterionStatusView {
	out := make([]templates.CriterionStatusView, len(rs))
	for i, r := range rs {
		out[i] = templates.CriterionStatusView{ID: r.ID, Summary: r.Summary, Status: r.Status, Reason: r.Reason}
	}
	return out
}

func reviewNoteViews(ns []fieldwork.ReviewNote) []templates.ReviewNoteView {
	out := make([]templates.ReviewNoteView, len(ns))
	for i, n := range ns {
		out[i] = templates.ReviewNoteView{ID: n.ID, EngagementID: n.EngagementID, TargetLabel: n.TargetLabel, Body: n.Body,
			RaisedByName: n.RaisedByName, RaisedAt: n.RaisedAt, Response: n.Response, ResponderName: n.ResponderName,
			RespondedAt: n.RespondedAt, ClearedAt: n.ClearedAt, ClearerName: n.ClearerName, Status: n.Status(), Version: n.Version}
	}
	return out
}

func reviewQueueView(q fieldwork.ReviewQueue) templates.ReviewQueuePage {
	v := templates.ReviewQueuePage{AnsweredNotes: reviewNoteViews(q.AnsweredNotes), OpenNotes: reviewNoteViews(q.OpenNotes)}
	for _, t := range q.Tests {
		v.Tests = append(v.Tests, templates.QueueTestView{TestID: t.TestID, EngagementName: t.EngagementName, ControlRef: t.ControlRef,
			PreparedByName: t.PreparedByName, PreparedAt: t.PreparedAt, EditedAfterReview: t.EditedAfterReview})
	}
	return v
}

// importViews keeps the imports worth showing on the test page: those still running and those
// refused since the newest population (a finished one shows as that population).
func importViews(imports []fieldwork.PopulationImport, pops []fieldwork.Population, now time.Time) []templates.ImportView {
	var newest time.Time
	if len(pops) > 0 {
		newest = pops[0].CreatedAt
	}
	var out []templates.ImportView
	for _, im := range imports {
		// A finished import shows as its population; one that finished after the populations
		// were read (the job can beat the page) still shows, as done, with a link to reload.
		if (im.Status == fieldwork.ImportDone && !newest.Before(im.CreatedAt)) || (im.Status == fieldwork.ImportFailed && im.CreatedAt.Before(newest)) {
			continue
		}
		out = append(out, importView(im, now))
	}
	return out
}

func importView(im fieldwork.PopulationImport, now time.Time) templates.ImportView {
	v := templates.ImportView{ID: im.ID, TestID: im.TestID, FileName: im.FileName, StatusLabel: im.Status.Label(),
		Finished: im.Status.Finished(), Failed: im.Status == fieldwork.ImportFailed, Percent: int(im.Fraction() * 100),
		Error: im.Error, RowsStored: im.RowsStored}
	switch {
	case im.Status == fieldwork.ImportQueued:
		v.Progress = "Waiting for a worker."
	case im.RowsStored > 0:
		v.Progress = fmt.Sprintf("Storing rows: %s of %s", thousands(im.RowsStored), thousands(im.RowsTotal))
	default:
		v.Progress = fmt.Sprintf("Reading rows: %s of about %s", thousands(im.RowsRead), thousands(im.RowsTotal))
	}
	if left, ok := im.TimeLeft(now); ok && im.Status == fieldwork.ImportRunning {
		v.Progress += " · about " + left.Round(time.Second).String() + " left"
	}
	return v
}

// thousands writes n with comma separators: 1000000 -> 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
