-- +goose Up
-- The overview links an engagement to the next period's (NextOf: WHERE prior_engagement_id = ?),
-- which read every engagement of the firm without it (issue #19).
CREATE INDEX engagements_prior_idx ON engagements (prior_engagement_id) WHERE prior_engagement_id IS NOT NULL;

-- +goose Down
DROP INDEX engagements_prior_idx;
