-- +goose Up
-- A population upload becomes a background job (River, population_import): this row is what the
-- test page shows while it runs — how many rows were read and stored of how many — and the
-- result or the errors by row and column when it ends. The population itself is written in one
-- transaction at the end, which also marks the import done, so a retried job never imports twice.
CREATE TABLE population_imports (
    id                  bigserial PRIMARY KEY,
    test_id             bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    source              text NOT NULL,
    completeness_check  text NOT NULL,
    key_column          text NOT NULL DEFAULT '',
    file_name           text NOT NULL,
    file_sha256         text NOT NULL,      -- the uploaded bytes in the blob store
    file_size           bigint NOT NULL,
    status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_total          integer NOT NULL DEFAULT 0,  -- estimate while reading (lines), exact once read
    rows_read           integer NOT NULL DEFAULT 0,
    rows_stored         integer NOT NULL DEFAULT 0,
    attempt             integer NOT NULL DEFAULT 0,
    error               text NOT NULL DEFAULT '',
    population_id       bigint REFERENCES populations(id) ON DELETE SET NULL,
    uploaded_by         bigint REFERENCES users(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz
);
CREATE INDEX population_imports_test_idx ON population_imports (test_id, id DESC);

-- +goose Down
DROP TABLE population_imports;
