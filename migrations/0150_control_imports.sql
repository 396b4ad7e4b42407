-- +goose Up
-- A control matrix import the user has to finish (a cell naming two frequencies waits for their
-- choice) or one that refused some rows (partial import): the upload is kept while it is pending,
-- the refused rows (the user's own columns plus "problem") as long as the import is listed.
-- Matrices are at most 5 MB, so the bytes live in the row rather than the blob store.
CREATE TABLE control_imports (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    file_name     text NOT NULL,
    partial       boolean NOT NULL DEFAULT false,
    status        text NOT NULL CHECK (status IN ('pending', 'done')),
    upload        bytea,
    imported      integer NOT NULL DEFAULT 0,
    refused       integer NOT NULL DEFAULT 0,
    refused_name  text NOT NULL DEFAULT '',
    refused_file  bytea,
    created_by    bigint REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (status = 'done' OR upload IS NOT NULL)
);
CREATE INDEX control_imports_engagement_idx ON control_imports (engagement_id, id);

-- +goose Down
DROP TABLE control_imports;
