-- +goose Up
-- Evidence and conclusions look up the requests linked to a test, a control or a sample
-- (info_request_links by target); the primary key starts with the request, so without this index
-- every such lookup read all the links of the firm (issue #19).
CREATE INDEX info_request_links_target_idx ON info_request_links (target_type, target_id);

-- +goose Down
DROP INDEX info_request_links_target_idx;
