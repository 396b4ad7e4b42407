-- +goose Up
-- The last TOTP time step (Unix time / 30 s) a user signed in with: a code is accepted once, so a
-- code seen over someone's shoulder cannot be replayed within its validity window.
ALTER TABLE users ADD COLUMN mfa_last_step bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN mfa_last_step;
