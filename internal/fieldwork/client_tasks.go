package fieldwork

import (
	"context"
	"fmt"
)

// ClientTasks is the fieldwork that waits on the client in one engagement.
type ClientTasks struct {
	ExceptionsAwaitingResponse int // exceptions without management's response
	SamplesSent                int // sampled items sent to the client for evidence
}

// TasksForClient counts, per engagement of clientID, the exceptions awaiting management's
// response and the samples sent to the client.
func (s *Service) TasksForClient(ctx context.Context, clientID int64) (map[int64]ClientTasks, error) {
	var rows []struct {
		EngagementID int64
		Awaiting     int
		Sent         int
	}
	err := s.DB.WithContext(ctx).Raw(`
		SELECT e.id AS engagement_id,
		       (SELECT count(*) FROM exceptions x WHERE x.engagement_id = e.id AND x.management_response = '') AS awaiting,
		       (SELECT count(*) FROM samples sm JOIN tests t ON t.id = sm.test_id
		         WHERE t.engagement_id = e.id AND sm.sent_to_client_at IS NOT NULL) AS sent
		FROM engagements e WHERE e.client_id = ?`, clientID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("counting client tasks of client %d: %w", clientID, err)
	}
	out := make(map[int64]ClientTasks, len(rows))
	for _, r := range rows {
		out[r.EngagementID] = ClientTasks{ExceptionsAwaitingResponse: r.Awaiting, SamplesSent: r.Sent}
	}
	return out, nil
}
