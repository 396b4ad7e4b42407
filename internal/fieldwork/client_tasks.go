package fieldwork

import (
	"context"
	"fmt"

	dbx "github.com/attest-soc/attest/internal/db"
)

// ClientTasks is the fieldwork that waits on the client in one engagement.
type ClientTasks struct {
	ExceptionsAwaitingResponse int // exceptions without management's response
	// SamplesToSupport: sampled items sent to the client for evidence that still wait on them —
	// not yet tested by the auditors and without a file attached to the item. (Until issue #19
	// it counted every item ever sent, which on a finished engagement was all of them.)
	SamplesToSupport int
}

// TasksForClient counts, per engagement of clientID, the exceptions awaiting management's
// response and the sampled items still to support. Both counts read partial indexes of exactly
// those rows (0160), so an engagement whose client has answered everything costs nothing
// however many samples and exceptions it has.
func (s *Service) TasksForClient(ctx context.Context, clientID int64) (map[int64]ClientTasks, error) {
	rows, err := dbx.Select(s.DB.WithContext(ctx), `
		SELECT e.id,
		       (SELECT count(*) FROM exceptions x WHERE x.engagement_id = e.id AND x.management_response = '') AS awaiting,
		       (SELECT count(*) FROM tests t JOIN samples sm ON sm.test_id = t.id
		         WHERE t.engagement_id = e.id AND sm.sent_to_client_at IS NOT NULL AND sm.result = 'untested'
		           AND NOT EXISTS (SELECT 1 FROM evidence_files f WHERE f.sample_id = sm.id)) AS to_support
		FROM engagements e WHERE e.client_id = ?`, []any{clientID}, func(r *engagementTasks) []any {
		return []any{&r.EngagementID, &r.ExceptionsAwaitingResponse, &r.SamplesToSupport}
	})
	if err != nil {
		return nil, fmt.Errorf("counting client tasks of client %d: %w", clientID, err)
	}
	out := make(map[int64]ClientTasks, len(rows))
	for _, r := range rows {
		out[r.EngagementID] = r.ClientTasks
	}
	return out, nil
}

// engagementTasks is one row of TasksForClient's statement.
type engagementTasks struct {
	EngagementID int64
	ClientTasks
}
