-- +goose Up
-- The opinion of one engagement: what Attest proposed (and why), what the partner chose (and why,
-- when it differs), the basis paragraphs of a modified opinion, and the signature. Reopening
-- clears the signature; engagement_reopenings keeps the withdrawn one with the reason.
CREATE TABLE opinions (
    engagement_id        bigint PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
    proposed_kind        text NOT NULL DEFAULT '' CHECK (proposed_kind IN ('','unmodified','qualified','adverse','disclaimer')),
    -- The proposal's reasons as data: [{"criterion":"CC6.2","text":"…"}, …]
    proposal_reasons     jsonb NOT NULL DEFAULT '[]',
    kind                 text NOT NULL DEFAULT '' CHECK (kind IN ('','unmodified','qualified','adverse','disclaimer')),
    -- Why the partner chose a kind other than the proposal.
    kind_reason          text NOT NULL DEFAULT '',
    -- The basis paragraph(s) of a modified opinion, blank-line separated.
    basis                text NOT NULL DEFAULT '',
    -- A SOC 3 with a modified opinion needs the partner's explicit confirmation.
    soc3_confirmed_reason text NOT NULL DEFAULT '',
    chosen_by            bigint REFERENCES users(id),
    chosen_at            timestamptz,
    signed_by            bigint REFERENCES users(id),
    signed_at            timestamptz,
    report_date          date,
    version              integer NOT NULL DEFAULT 1,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((signed_at IS NULL) = (signed_by IS NULL)),
    CHECK (signed_at IS NULL OR (report_date IS NOT NULL AND kind <> ''))
);

-- A scope limitation the team recorded: the evidence the auditor could not obtain. Any open one
-- makes Attest propose a disclaimer.
CREATE TABLE scope_limitations (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    description   text NOT NULL,
    criteria      text[] NOT NULL DEFAULT '{}',
    pervasive     boolean NOT NULL DEFAULT false,
    created_by    bigint REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scope_limitations_engagement_idx ON scope_limitations (engagement_id);

-- Each reopening of a signed engagement: who, when, why, and the signature it withdrew.
CREATE TABLE engagement_reopenings (
    id             bigserial PRIMARY KEY,
    engagement_id  bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    reason         text NOT NULL CHECK (reason <> ''),
    reopened_by    bigint NOT NULL REFERENCES users(id),
    reopened_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn_signed_by bigint REFERENCES users(id),
    withdrawn_signed_at timestamptz,
    withdrawn_report_date date
);
CREATE INDEX engagement_reopenings_engagement_idx ON engagement_reopenings (engagement_id);

-- Issued reports: the exact bytes (in the blob store, content-addressed) of each version of each
-- variant. Re-issuing supersedes the current version; reopening withdraws it.
CREATE TABLE report_versions (
    id                bigserial PRIMARY KEY,
    engagement_id     bigint NOT NULL REFERENCES engagements(id),
    variant           text NOT NULL CHECK (variant IN ('type1','type2','soc3')),
    version           integer NOT NULL CHECK (version > 0),
    state             text NOT NULL DEFAULT 'current' CHECK (state IN ('current','superseded','withdrawn')),
    opinion_kind      text NOT NULL CHECK (opinion_kind IN ('unmodified','qualified','adverse','disclaimer')),
    sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size              bigint NOT NULL CHECK (size > 0),
    blob_key          text NOT NULL,
    page_count        integer NOT NULL DEFAULT 0,
    release_date      date NOT NULL,
    report_date       date NOT NULL,
    issued_by         bigint NOT NULL REFERENCES users(id),
    issued_at         timestamptz NOT NULL DEFAULT now(),
    withdrawal_reason text NOT NULL DEFAULT '',
    withdrawn_by      bigint REFERENCES users(id),
    withdrawn_at      timestamptz,
    UNIQUE (engagement_id, variant, version),
    CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL))
);
CREATE UNIQUE INDEX report_versions_current_key ON report_versions (engagement_id, variant) WHERE state = 'current';

-- After the documentation completion date nothing in the file changes; additions are dated
-- addenda with their author and reason.
CREATE TABLE engagement_addenda (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id),
    author_id     bigint NOT NULL REFERENCES users(id),
    reason        text NOT NULL CHECK (reason <> ''),
    body          text NOT NULL CHECK (body <> ''),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engagement_addenda_engagement_idx ON engagement_addenda (engagement_id);

-- +goose Down
DROP TABLE engagement_addenda;
DROP TABLE report_versions;
DROP TABLE engagement_reopenings;
DROP TABLE scope_limitations;
DROP TABLE opinions;
