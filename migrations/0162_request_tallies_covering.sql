-- +goose Up
-- The client dashboard adds up an engagement's request_tallies rows (0161); they lie scattered
-- over the table (57 pages for the large engagement's 90 rows), so the key carries the counts and
-- the sum is an index-only scan of one or two index pages.
ALTER TABLE request_tallies DROP CONSTRAINT request_tallies_pkey,
    ADD CONSTRAINT request_tallies_pkey PRIMARY KEY (engagement_id, due_date) INCLUDE (open, returned, submitted, accepted);

-- +goose Down
ALTER TABLE request_tallies DROP CONSTRAINT request_tallies_pkey,
    ADD CONSTRAINT request_tallies_pkey PRIMARY KEY (engagement_id, due_date);
