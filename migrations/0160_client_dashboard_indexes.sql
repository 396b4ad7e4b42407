-- +goose Up
-- The client dashboard counts each engagement's requests by status, returned and overdue
-- (requests.Dashboard): with these columns in one index the counts are an index-only scan
-- instead of reading every request of the engagement (issue #19).
CREATE INDEX info_requests_summary_idx ON info_requests (engagement_id, status, due_date) INCLUDE (return_reason);
-- Its "needs your attention" list walks an engagement's open requests by due date, then number,
-- and stops after 51: with the number in the index the walk comes out in that order and stops
-- early, where it sorted all of them (1,666 on the large engagement). The index serves what
-- info_requests_overdue_idx served.
CREATE INDEX info_requests_open_due_idx ON info_requests (engagement_id, due_date, number) WHERE status = 'open';
DROP INDEX info_requests_overdue_idx;
-- What still waits on the client (fieldwork.TasksForClient): the sampled items sent and not yet
-- tested, and the exceptions without management's response. Partial indexes hold only those, so
-- a finished engagement's 15,000 sent samples are not counted one by one on every visit.
CREATE INDEX samples_awaiting_client_idx ON samples (test_id) WHERE sent_to_client_at IS NOT NULL AND result = 'untested';
CREATE INDEX exceptions_awaiting_response_idx ON exceptions (engagement_id) WHERE management_response = '';

-- +goose Down
DROP INDEX exceptions_awaiting_response_idx;
DROP INDEX samples_awaiting_client_idx;
CREATE INDEX info_requests_overdue_idx ON info_requests (engagement_id, due_date) WHERE status = 'open';
DROP INDEX info_requests_open_due_idx;
DROP INDEX info_requests_summary_idx;
