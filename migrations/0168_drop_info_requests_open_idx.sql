-- +goose Up
-- The engagement list adds up request_tallies since 0167, and no page counts open requests from
-- this index any more (none of the seven pages under load scans it): it only cost every change
-- of a request an index update.
DROP INDEX info_requests_open_idx;

-- +goose Down
CREATE INDEX info_requests_open_idx ON info_requests (engagement_id) WHERE status <> 'accepted';
