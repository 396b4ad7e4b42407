-- +goose Up
-- Indexes for the filters and sorts of the pages under load (issue #19; docs/performance.md):
-- the request list filters by status and overdue (open, due before today) within an engagement,
-- and the engagement list counts each engagement's open requests.
CREATE INDEX info_requests_engagement_status_idx ON info_requests (engagement_id, status, number);
CREATE INDEX info_requests_overdue_idx ON info_requests (engagement_id, due_date) WHERE status = 'open';
-- The audit trail filters an engagement's events by entity type, newest first, and any trail by
-- part of the actor's e-mail address (ILIKE '%…%', which only a trigram index serves).
CREATE INDEX audit_events_engagement_entity_idx ON audit_events (engagement_id, entity_type, id);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX audit_events_actor_email_trgm_idx ON audit_events USING gin (actor_email gin_trgm_ops);
-- The control matrix lists an engagement's controls in their order.
CREATE INDEX controls_engagement_order_idx ON controls (engagement_id, sort_order, id);

-- +goose Down
DROP INDEX controls_engagement_order_idx;
DROP INDEX audit_events_actor_email_trgm_idx;
DROP INDEX audit_events_engagement_entity_idx;
DROP INDEX info_requests_overdue_idx;
DROP INDEX info_requests_engagement_status_idx;
