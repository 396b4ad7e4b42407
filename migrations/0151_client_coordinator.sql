-- +goose Up
-- The client's coordinator (issue #16 point 8): a client contact of an engagement whom the firm
-- marks as the one who spreads the requests over colleagues of their own organization.
ALTER TABLE engagement_members ADD COLUMN coordinator boolean NOT NULL DEFAULT false;
ALTER TABLE engagement_members ADD CONSTRAINT engagement_members_coordinator_client
    CHECK (NOT coordinator OR role = 'client_contact');

-- +goose Down
ALTER TABLE engagement_members DROP CONSTRAINT engagement_members_coordinator_client;
ALTER TABLE engagement_members DROP COLUMN coordinator;
