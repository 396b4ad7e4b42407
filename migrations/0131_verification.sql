-- +goose Up
-- The verification code of each issued report version: 80 random bits, stored as 16 base32
-- letters (printed grouped, ABCD-EFGH-JKLM-NPQR). Readers type it, or scan the cover's QR code,
-- at /verify/CODE on the firm's public address.
CREATE TABLE report_verification_codes (
    report_version_id bigint PRIMARY KEY REFERENCES report_versions(id) ON DELETE CASCADE,
    code              text NOT NULL UNIQUE CHECK (code ~ '^[A-Z2-7]{16}$'),
    -- Whether the issued bytes carry the firm's PDF signature.
    signed            boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- Uploads on the verification page are recognised by their SHA-256.
CREATE INDEX report_versions_sha256_idx ON report_versions (sha256);

-- A copy of an issued version made for a named recipient of a restricted-use report: every page
-- stamped "Prepared for … — date — copy n", its own SHA-256, and who asked for it.
CREATE TABLE report_copies (
    id                     bigserial PRIMARY KEY,
    report_version_id      bigint NOT NULL REFERENCES report_versions(id),
    copy_number            integer NOT NULL CHECK (copy_number > 0),
    recipient_organization text NOT NULL CHECK (recipient_organization <> ''),
    recipient_name         text NOT NULL CHECK (recipient_name <> ''),
    recipient_email        text NOT NULL CHECK (recipient_email <> ''),
    prepared_on            date NOT NULL,
    sha256                 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size                   bigint NOT NULL CHECK (size > 0),
    blob_key               text NOT NULL,
    signed                 boolean NOT NULL DEFAULT false,
    requested_by           bigint NOT NULL REFERENCES users(id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (report_version_id, copy_number)
);
CREATE INDEX report_copies_sha256_idx ON report_copies (sha256);

-- Every look-up and upload on the public verification page: the per-address rate limit counts
-- these rows, and the firm can see who probed which code.
CREATE TABLE verification_requests (
    id          bigserial PRIMARY KEY,
    ip          text NOT NULL,
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('page','upload')),
    code        text NOT NULL DEFAULT '',
    outcome     text NOT NULL
);
CREATE INDEX verification_requests_ip_idx ON verification_requests (ip, occurred_at);

-- +goose Down
DROP TABLE verification_requests;
DROP TABLE report_copies;
DROP INDEX report_versions_sha256_idx;
DROP TABLE report_verification_codes;
