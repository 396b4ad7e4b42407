-- +goose Up
-- Signed checkpoints of the audit chain: the number of events and the head event's hash at a
-- moment, signed with Ed25519 by a key kept outside the database. A DBA who deletes the last
-- events or rewrites one and recomputes every later hash cannot produce a matching signature,
-- so `attest audit verify` reports "truncated" or "rewritten". Append-only, like the trail.
CREATE TABLE audit_checkpoints (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL,
    reason      text NOT NULL,
    event_count bigint NOT NULL CHECK (event_count >= 0),
    head_id     bigint NOT NULL,
    head_hash   bytea NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_checkpoints;
