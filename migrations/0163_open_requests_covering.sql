-- +goose Up
-- The client dashboard's "needs your attention" walks an engagement's open requests by due date
-- and number (info_requests_open_due_idx, 0160) and read each one's row for its title, assignee,
-- priority and return reason: 51 rows on as many heap pages a visit. With those columns in the
-- index the walk is index-only.
DROP INDEX info_requests_open_due_idx;
CREATE INDEX info_requests_open_due_idx ON info_requests (engagement_id, due_date, number)
    INCLUDE (id, title, assignee_id, priority, return_reason) WHERE status = 'open';

-- +goose Down
DROP INDEX info_requests_open_due_idx;
CREATE INDEX info_requests_open_due_idx ON info_requests (engagement_id, due_date, number) WHERE status = 'open';
