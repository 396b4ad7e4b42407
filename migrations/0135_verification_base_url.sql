-- +goose Up
-- The public address printed on an issued version (its QR code and page footers) is part of its
-- bytes: kept with the code, so `attest report render` reproduces the issued bytes even after
-- ATTEST_BASE_URL changes. Empty for versions issued before it was kept (the configured address
-- is used for them).
ALTER TABLE report_verification_codes ADD COLUMN base_url text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE report_verification_codes DROP COLUMN base_url;
