-- +goose Up
-- Reusable procedure texts, per criterion, that auditors pick from when writing a test.
CREATE TABLE procedure_library (
    id           bigserial PRIMARY KEY,
    criterion_id text REFERENCES criteria(id),
    title        text NOT NULL,
    procedure    text NOT NULL,
    techniques   text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX procedure_library_criterion_idx ON procedure_library (criterion_id);

-- A test is a workpaper: one procedure applied to one control.
CREATE TABLE tests (
    id                   bigserial PRIMARY KEY,
    engagement_id        bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    control_id           bigint NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
    kind                 text NOT NULL CHECK (kind IN ('design','operating')),
    techniques           text[] NOT NULL DEFAULT '{}',
    procedure            text NOT NULL DEFAULT '',
    evidence_expected    text NOT NULL DEFAULT '',
    result               text NOT NULL DEFAULT 'not_started'
                         CHECK (result IN ('not_started','in_progress','no_exceptions','exceptions')),
    -- The factual result sentence for Section IV, e.g. "No exceptions noted."
    result_text          text NOT NULL DEFAULT '',
    -- Sampling: suggested size from the frequency table, the chosen size, and why it differs.
    sample_method        text NOT NULL DEFAULT '' CHECK (sample_method IN ('','random','systematic','haphazard','manual','all')),
    sample_seed          bigint,
    suggested_sample_size integer,
    sample_size          integer,
    sample_size_justification text NOT NULL DEFAULT '',
    prepared_by          bigint REFERENCES users(id),
    prepared_at          timestamptz,
    reviewed_by          bigint REFERENCES users(id),
    reviewed_at          timestamptz,
    -- Set when a signed workpaper is edited: it needs a fresh review.
    edited_after_review  boolean NOT NULL DEFAULT false,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tests_engagement_idx ON tests (engagement_id);
CREATE INDEX tests_control_idx ON tests (control_id);

-- The complete list of occurrences a sample is drawn from (information produced by the entity).
CREATE TABLE populations (
    id                  bigserial PRIMARY KEY,
    test_id             bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    source              text NOT NULL,
    completeness_check  text NOT NULL,
    file_name           text NOT NULL,
    sha256              text NOT NULL,
    row_count           integer NOT NULL,
    columns             text[] NOT NULL,
    uploaded_by         bigint REFERENCES users(id),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX populations_test_idx ON populations (test_id);

CREATE TABLE population_items (
    population_id bigint NOT NULL REFERENCES populations(id) ON DELETE CASCADE,
    row_number    integer NOT NULL,
    item_key      text NOT NULL,
    data          jsonb NOT NULL,
    PRIMARY KEY (population_id, row_number)
);

CREATE TABLE samples (
    id                 bigserial PRIMARY KEY,
    test_id            bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    population_id      bigint REFERENCES populations(id) ON DELETE SET NULL,
    row_number         integer,
    item_key           text NOT NULL,
    item               jsonb NOT NULL DEFAULT '{}',
    attributes_tested  text NOT NULL DEFAULT '',
    result             text NOT NULL DEFAULT 'untested' CHECK (result IN ('untested','pass','deviation','not_applicable')),
    notes              text NOT NULL DEFAULT '',
    -- Set when the sample list was sent to the client for evidence.
    sent_to_client_at  timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX samples_test_idx ON samples (test_id);

CREATE TABLE exceptions (
    id                      bigserial PRIMARY KEY,
    engagement_id           bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    test_id                 bigint NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    sample_id               bigint REFERENCES samples(id) ON DELETE SET NULL,
    description             text NOT NULL,
    cause                   text NOT NULL DEFAULT '',
    deviations              integer NOT NULL CHECK (deviations >= 0),
    items_tested            integer NOT NULL CHECK (items_tested > 0),
    management_response     text NOT NULL DEFAULT '',
    management_responded_by bigint REFERENCES users(id),
    management_responded_at timestamptz,
    -- Auditor's evaluation: isolated or systematic, and whether the affected criteria are still met.
    evaluation              text NOT NULL DEFAULT '' CHECK (evaluation IN ('','isolated','systematic')),
    criteria_met            boolean,
    evaluation_notes        text NOT NULL DEFAULT '',
    version                 integer NOT NULL DEFAULT 1,
    created_by              bigint REFERENCES users(id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (deviations <= items_tested)
);
CREATE INDEX exceptions_engagement_idx ON exceptions (engagement_id);
CREATE INDEX exceptions_test_idx ON exceptions (test_id);

CREATE TABLE exception_criteria (
    exception_id bigint NOT NULL REFERENCES exceptions(id) ON DELETE CASCADE,
    criterion_id text NOT NULL REFERENCES criteria(id),
    PRIMARY KEY (exception_id, criterion_id)
);

-- Review notes attach to a test, a control or (next round) a description section.
CREATE TABLE review_notes (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    target_type   text NOT NULL CHECK (target_type IN ('test','control','description_section')),
    target_id     bigint NOT NULL,
    body          text NOT NULL,
    raised_by     bigint NOT NULL REFERENCES users(id),
    raised_at     timestamptz NOT NULL DEFAULT now(),
    response      text NOT NULL DEFAULT '',
    responded_by  bigint REFERENCES users(id),
    responded_at  timestamptz,
    cleared_by    bigint REFERENCES users(id),
    cleared_at    timestamptz,
    version       integer NOT NULL DEFAULT 1
);
CREATE INDEX review_notes_engagement_idx ON review_notes (engagement_id);
CREATE INDEX review_notes_target_idx ON review_notes (target_type, target_id);

-- +goose Down
DROP TABLE review_notes;
DROP TABLE exception_criteria;
DROP TABLE exceptions;
DROP TABLE samples;
DROP TABLE population_items;
DROP TABLE populations;
DROP TABLE tests;
DROP TABLE procedure_library;
