-- +goose Up
-- Evidence dated outside the examination period does not count for a test until an auditor
-- explains why it is still relevant (domain guide §6; issue #18 point 4).
ALTER TABLE evidence_files
    ADD COLUMN period_explanation  text NOT NULL DEFAULT '',
    ADD COLUMN period_explained_by bigint REFERENCES users(id),
    ADD COLUMN period_explained_at timestamptz;

-- The testing grid: the attributes an auditor tests on every sample (A, B, C …) and the
-- population fields shown beside each sample.
CREATE TABLE test_attributes (
    id          bigserial PRIMARY KEY,
    test_id     bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    code        text NOT NULL,
    description text NOT NULL,
    position    integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (test_id, code)
);

-- One cell of the grid: an attribute's result on a sample. A missing row is untested.
CREATE TABLE sample_attribute_results (
    sample_id    bigint NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    attribute_id bigint NOT NULL REFERENCES test_attributes(id) ON DELETE CASCADE,
    result       text CHECK (result IN ('pass','deviation','not_applicable')), -- NULL: a note on an untested cell
    note         text NOT NULL DEFAULT '',
    PRIMARY KEY (sample_id, attribute_id)
);
CREATE INDEX sample_attribute_results_attribute_idx ON sample_attribute_results (attribute_id);

ALTER TABLE tests ADD COLUMN grid_columns text[] NOT NULL DEFAULT '{}';

-- Every draw of a test's sample is recorded so it can be reperformed: the original selection and
-- each extension after a deviation (drawn from the same population, excluding earlier picks).
CREATE TABLE sample_draws (
    id            bigserial PRIMARY KEY,
    test_id       bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    population_id bigint NOT NULL REFERENCES populations(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('original','extension')),
    seed          bigint NOT NULL,
    size          integer NOT NULL CHECK (size > 0),
    -- The population rows already selected when the draw was made, excluded from it.
    excluded_rows integer[] NOT NULL DEFAULT '{}',
    selected_rows integer[] NOT NULL,
    justification text NOT NULL DEFAULT '',
    drawn_by      bigint REFERENCES users(id),
    drawn_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sample_draws_test_idx ON sample_draws (test_id);
ALTER TABLE samples ADD COLUMN draw_id bigint REFERENCES sample_draws(id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE samples DROP COLUMN draw_id;
DROP TABLE sample_draws;
ALTER TABLE tests DROP COLUMN grid_columns;
DROP TABLE sample_attribute_results;
DROP TABLE test_attributes;
ALTER TABLE evidence_files DROP COLUMN period_explanation, DROP COLUMN period_explained_by, DROP COLUMN period_explained_at;
