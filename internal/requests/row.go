package requests

import (
	"time"

	"github.com/attest-soc/attest/internal/evidence"
)

// Row is a request as the lists under load show it (the request list, the client dashboard's
// "needs your attention"): the table's columns and nothing else, scanned by dbx.Select without gorm's
// reflection (issue #19: gorm's row scanning was the largest share of the pages' Go CPU).
type Row struct {
	ID            int64
	EngagementID  int64
	Number        int
	Title         string
	AssigneeName  string
	DueDate       *time.Time
	Priority      string
	Status        string
	ReturnReason  string
	EvidenceCount int
	// EngagementName is filled only where lists span engagements (the client dashboard).
	EngagementName string
}

// Label is the request number as auditors write it.
func (r Row) Label() string { return evidence.RequestLabel(r.Number) }

// rowColumns are Row's columns in rowFields's order, over info_requests r LEFT JOIN users u; the
// statement adds the engagement's name last.
const rowColumns = rowColumnsWithoutFiles + `, (SELECT count(*) FROM evidence_files f WHERE f.request_id = r.id) AS evidence_count`

// rowColumnsWithoutFiles are rowColumns without the count of files, which the client dashboard
// does not show; its statement adds 0 in their place.
const rowColumnsWithoutFiles = `r.id, r.engagement_id, r.number, r.title, coalesce(u.name, '') AS assignee_name, r.due_date, r.priority,
	r.status, r.return_reason`

// rowFields are the destinations of rowColumns plus the engagement's name, for dbx.Select.
func rowFields(r *Row) []any {
	return []any{&r.ID, &r.EngagementID, &r.Number, &r.Title, &r.AssigneeName, &r.DueDate, &r.Priority,
		&r.Status, &r.ReturnReason, &r.EvidenceCount, &r.EngagementName}
}
