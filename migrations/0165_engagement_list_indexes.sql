-- +goose Up
-- The engagement list (issue #19 point 3): its order (status in the list's order, then the
-- period's end, newest first) as an index, so a page of 100 reads 100 engagements instead of
-- sorting all of them; and partial indexes for the three counts each row shows, so each is an
-- index-only count of the engagement's open items rather than a scan of every request.
-- The expression must stay the same as engagements.List's ORDER BY.
CREATE INDEX engagements_list_order_idx ON engagements
    ((array_position(ARRAY['fieldwork','review','planning','signed','issued','archived'], status)),
     (coalesce(period_end, as_of_date)) DESC, id);
CREATE INDEX info_requests_open_idx ON info_requests (engagement_id) WHERE status <> 'accepted';
CREATE INDEX exceptions_open_idx ON exceptions (engagement_id) WHERE criteria_met IS NULL OR evaluation = '';
CREATE INDEX review_notes_open_idx ON review_notes (engagement_id) WHERE cleared_at IS NULL;

-- +goose Down
DROP INDEX review_notes_open_idx;
DROP INDEX exceptions_open_idx;
DROP INDEX info_requests_open_idx;
DROP INDEX engagements_list_order_idx;
