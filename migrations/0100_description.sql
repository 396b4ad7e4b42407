-- +goose Up
-- The system description (report Section III), one section per description criterion DC1-DC9
-- (DC9 only for Type II), written by the client in the portal and reviewed by the auditors
-- against DC 200. A section row exists once someone writes it or concludes on it.
CREATE TABLE description_sections (
    id              bigserial PRIMARY KEY,
    engagement_id   bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    code            text NOT NULL CHECK (code IN ('DC1','DC2','DC3','DC4','DC5','DC6','DC7','DC8','DC9')),
    body            text NOT NULL DEFAULT '',
    -- Number of the latest saved version (0: never saved); every save adds a version row.
    current_version integer NOT NULL DEFAULT 0,
    updated_by      bigint REFERENCES users(id),
    updated_at      timestamptz,
    -- Optimistic lock for stale saves.
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (engagement_id, code)
);

-- Every save of a section, kept whole so any two can be compared.
CREATE TABLE description_section_versions (
    id         bigserial PRIMARY KEY,
    section_id bigint NOT NULL REFERENCES description_sections(id) ON DELETE CASCADE,
    number     integer NOT NULL,
    body       text NOT NULL,
    saved_by   bigint NOT NULL REFERENCES users(id),
    saved_at   timestamptz NOT NULL,
    UNIQUE (section_id, number)
);

-- The auditors' DC 200 checklist: one conclusion per description criterion.
CREATE TABLE description_reviews (
    id               bigserial PRIMARY KEY,
    engagement_id    bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    code             text NOT NULL CHECK (code IN ('DC1','DC2','DC3','DC4','DC5','DC6','DC7','DC8','DC9')),
    conclusion       text NOT NULL CHECK (conclusion IN ('presented','not_presented','not_applicable')),
    comment          text NOT NULL DEFAULT '',
    reviewed_by      bigint NOT NULL REFERENCES users(id),
    reviewed_at      timestamptz NOT NULL,
    -- The section version the conclusion was reached on: a later save means "changed after review".
    reviewed_version integer NOT NULL DEFAULT 0,
    version          integer NOT NULL DEFAULT 1,
    UNIQUE (engagement_id, code),
    CHECK (conclusion = 'presented' OR comment <> '')
);

-- Images referenced from the description's Markdown (e.g. the DC3 network diagram). The bytes
-- live in the evidence blob store under their SHA-256; SVGs are stored sanitised.
CREATE TABLE description_images (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    file_name     text NOT NULL,
    content_type  text NOT NULL CHECK (content_type IN ('image/png','image/jpeg','image/svg+xml')),
    size_bytes    bigint NOT NULL,
    sha256        text NOT NULL,
    uploaded_by   bigint NOT NULL REFERENCES users(id),
    uploaded_at   timestamptz NOT NULL
);
CREATE INDEX description_images_engagement_idx ON description_images (engagement_id);

-- Management's assertion (report Section II) and its SOC 3 variant. Empty texts mean "use the
-- draft Attest writes from the engagement's facts". Approval snapshots the texts and the facts;
-- a change to either withdraws it with a reason.
CREATE TABLE assertions (
    id                 bigserial PRIMARY KEY,
    engagement_id      bigint NOT NULL UNIQUE REFERENCES engagements(id) ON DELETE CASCADE,
    body               text NOT NULL DEFAULT '',
    soc3_body          text NOT NULL DEFAULT '',
    officer_id         bigint REFERENCES users(id),
    officer_designated_by bigint REFERENCES users(id),
    officer_designated_at timestamptz,
    approved_by        bigint REFERENCES users(id),
    approved_name      text NOT NULL DEFAULT '',
    approved_title     text NOT NULL DEFAULT '',
    approved_on        date,
    approved_at        timestamptz,
    approved_body      text NOT NULL DEFAULT '',
    approved_soc3_body text NOT NULL DEFAULT '',
    approved_facts     jsonb,
    withdrawn_at       timestamptz,
    withdrawn_reason   text NOT NULL DEFAULT '',
    updated_by         bigint REFERENCES users(id),
    updated_at         timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Review notes on description sections can be addressed to the client, who then sees them.
ALTER TABLE review_notes ADD COLUMN to_client boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE review_notes DROP COLUMN to_client;
DROP TABLE assertions;
DROP TABLE description_images;
DROP TABLE description_reviews;
DROP TABLE description_section_versions;
DROP TABLE description_sections;
