-- +goose Up
CREATE TABLE firm_settings (
    id                smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    firm_name         text NOT NULL DEFAULT 'Your Firm LLP',
    city              text NOT NULL DEFAULT '',
    state             text NOT NULL DEFAULT '',
    logo              bytea,
    logo_content_type text NOT NULL DEFAULT '',
    version           integer NOT NULL DEFAULT 1,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO firm_settings (id) VALUES (1);

CREATE TABLE clients (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    legal_name  text NOT NULL DEFAULT '',
    website     text NOT NULL DEFAULT '',
    archived_at timestamptz,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX clients_name_key ON clients (lower(name));

-- Firm roles plus 'client'; a client user belongs to exactly one client organization.
CREATE TABLE users (
    id                  bigserial PRIMARY KEY,
    email               text NOT NULL,
    name                text NOT NULL,
    title               text NOT NULL DEFAULT '',
    role                text NOT NULL CHECK (role IN ('admin','partner','manager','senior','staff','client')),
    client_id           bigint REFERENCES clients(id),
    password_hash       text NOT NULL DEFAULT '',
    password_changed_at timestamptz,
    mfa_secret          text NOT NULL DEFAULT '',
    mfa_enabled_at      timestamptz,
    disabled_at         timestamptz,
    last_login_at       timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'client') = (client_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_client_id_idx ON users (client_id);

CREATE TABLE recovery_codes (
    id        bigserial PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

-- Server-side sessions: the cookie carries a random token, the table only its SHA-256.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage        text NOT NULL DEFAULT 'full' CHECK (stage IN ('full','mfa_pending','mfa_enrol')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_attempts (
    id           bigserial PRIMARY KEY,
    email        text NOT NULL,
    ip           text NOT NULL,
    succeeded    boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (lower(email), attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, attempted_at);

-- One-time links to set a password (invitations and resets).
CREATE TABLE invitations (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by bigint REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX invitations_user_idx ON invitations (user_id);

-- Append-only, hash-chained audit trail. Each row's hash covers its content and the previous hash.
CREATE TABLE audit_events (
    id            bigserial PRIMARY KEY,
    occurred_at   timestamptz NOT NULL,
    actor_id      bigint,
    actor_email   text NOT NULL DEFAULT '',
    action        text NOT NULL,
    entity_type   text NOT NULL,
    entity_id     bigint,
    engagement_id bigint,
    client_id     bigint,
    before        jsonb,
    after         jsonb,
    ip            text NOT NULL DEFAULT '',
    request_id    text NOT NULL DEFAULT '',
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_events_engagement_idx ON audit_events (engagement_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id);
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE invitations;
DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE recovery_codes;
DROP TABLE users;
DROP TABLE clients;
DROP TABLE firm_settings;
