-- +goose Up
-- Text the firm marks as its standard wording: left out when engagements are compared for
-- near-identical text (boilerplate warnings).
CREATE TABLE boilerplate_templates (
    id         bigserial PRIMARY KEY,
    title      text NOT NULL,
    body       text NOT NULL,
    created_by bigint REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The partner's acknowledgement of one boilerplate warning: this text of the engagement is
-- near-identical to that text of another client's engagement. It holds for the texts it saw
-- (their SHA-256): once either changes, the warning asks again.
CREATE TABLE boilerplate_acknowledgements (
    id                  bigserial PRIMARY KEY,
    engagement_id       bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('description','procedure','result_text')),
    item_id             bigint NOT NULL,
    other_engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    other_item_id       bigint NOT NULL,
    text_sha256         text NOT NULL,
    other_text_sha256   text NOT NULL,
    share               numeric(5,4) NOT NULL,
    reason              text NOT NULL CHECK (length(trim(reason)) > 0),
    acknowledged_by     bigint NOT NULL REFERENCES users(id),
    acknowledged_at     timestamptz NOT NULL,
    UNIQUE (engagement_id, kind, item_id, other_item_id)
);

-- +goose Down
DROP TABLE boilerplate_acknowledgements;
DROP TABLE boilerplate_templates;
