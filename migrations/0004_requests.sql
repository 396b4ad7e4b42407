-- +goose Up
-- The firm's standard request list (editable), from which an engagement's PBC list is created.
CREATE TABLE request_templates (
    id          bigserial PRIMARY KEY,
    position    integer NOT NULL,
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    criteria    text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE info_requests (
    id             bigserial PRIMARY KEY,
    engagement_id  bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    number         integer NOT NULL,
    title          text NOT NULL,
    description    text NOT NULL DEFAULT '',
    assignee_id    bigint REFERENCES users(id),
    due_date       date,
    priority       text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high')),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open','submitted','accepted')),
    return_reason  text NOT NULL DEFAULT '',
    submitted_at   timestamptz,
    accepted_at    timestamptz,
    version        integer NOT NULL DEFAULT 1,
    created_by     bigint REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (engagement_id, number)
);
CREATE INDEX info_requests_assignee_idx ON info_requests (assignee_id);

-- A request supports controls, tests or samples.
CREATE TABLE info_request_links (
    request_id  bigint NOT NULL REFERENCES info_requests(id) ON DELETE CASCADE,
    target_type text NOT NULL CHECK (target_type IN ('control','test','sample')),
    target_id   bigint NOT NULL,
    PRIMARY KEY (request_id, target_type, target_id)
);

CREATE TABLE request_comments (
    id         bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES info_requests(id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES users(id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_comments_request_idx ON request_comments (request_id);

-- Evidence metadata; the bytes live in the blob store under blob_key (content-addressed by SHA-256).
CREATE TABLE evidence_files (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    request_id    bigint REFERENCES info_requests(id) ON DELETE SET NULL,
    test_id       bigint REFERENCES tests(id) ON DELETE SET NULL,
    sample_id     bigint REFERENCES samples(id) ON DELETE SET NULL,
    file_name     text NOT NULL,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL,
    sha256        text NOT NULL,
    blob_key      text NOT NULL,
    -- The date the evidence pertains to, which is not the upload date.
    pertains_to   date,
    uploaded_by   bigint NOT NULL REFERENCES users(id),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_files_engagement_idx ON evidence_files (engagement_id);
CREATE INDEX evidence_files_request_idx ON evidence_files (request_id);
CREATE INDEX evidence_files_test_idx ON evidence_files (test_id);
CREATE INDEX evidence_files_sample_idx ON evidence_files (sample_id);

-- E-mail outbox: written in the same transaction as the change, sent (or logged) after commit.
CREATE TABLE notifications (
    id           bigserial PRIMARY KEY,
    recipient_id bigint REFERENCES users(id),
    to_address   text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    kind         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    last_error   text NOT NULL DEFAULT ''
);
CREATE INDEX notifications_unsent_idx ON notifications (created_at) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE evidence_files;
DROP TABLE request_comments;
DROP TABLE info_request_links;
DROP TABLE info_requests;
DROP TABLE request_templates;
