-- +goose Up
-- The client dashboard counts the samples sent to the client per engagement (tests by
-- engagement, then their sent samples): a partial index keeps that an index-only lookup instead
-- of a scan of every sample of the firm.
CREATE INDEX samples_sent_test_idx ON samples (test_id) WHERE sent_to_client_at IS NOT NULL;

-- +goose Down
DROP INDEX samples_sent_test_idx;
