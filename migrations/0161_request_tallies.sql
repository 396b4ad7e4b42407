-- +goose Up
-- Each engagement's requests by due date and status, kept by the database as requests change,
-- for the client dashboard (requests.Dashboard): counting them on every visit read all 5,000
-- requests of the large engagement (1.3-2.3 ms a call, issue #19); the tally has a row per due
-- date (30 there), and overdue is the open ones of the rows dated before today.
--
-- The tally moves in a deferred trigger, at commit: by then a transaction has taken every other
-- lock it needs, the audit chain's above all (every change of a request records an event), so
-- waiting for a tally row cannot close a cycle with them, and two transactions that audited do not
-- reach their commits at once. No foreign key: a request inserted and its engagement deleted in
-- the same transaction would otherwise fail the commit; a deleted engagement's rows count zero.
CREATE TABLE request_tallies (
    engagement_id bigint NOT NULL,
    due_date      date NOT NULL, -- 'infinity': no due date
    open          integer NOT NULL DEFAULT 0, -- open and not returned
    returned      integer NOT NULL DEFAULT 0, -- open with the auditor's reason to redo it
    submitted     integer NOT NULL DEFAULT 0,
    accepted      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (engagement_id, due_date)
);

INSERT INTO request_tallies (engagement_id, due_date, open, returned, submitted, accepted)
SELECT engagement_id, coalesce(due_date, 'infinity'),
       count(*) FILTER (WHERE status = 'open' AND return_reason = ''),
       count(*) FILTER (WHERE status = 'open' AND return_reason <> ''),
       count(*) FILTER (WHERE status = 'submitted'),
       count(*) FILTER (WHERE status = 'accepted')
FROM info_requests GROUP BY engagement_id, coalesce(due_date, 'infinity');

-- +goose StatementBegin
CREATE FUNCTION request_tallies_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_tallies SET
            open      = open - (OLD.status = 'open' AND OLD.return_reason = '')::int,
            returned  = returned - (OLD.status = 'open' AND OLD.return_reason <> '')::int,
            submitted = submitted - (OLD.status = 'submitted')::int,
            accepted  = accepted - (OLD.status = 'accepted')::int
        WHERE engagement_id = OLD.engagement_id AND due_date = coalesce(OLD.due_date, 'infinity');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_tallies AS t (engagement_id, due_date, open, returned, submitted, accepted)
        VALUES (NEW.engagement_id, coalesce(NEW.due_date, 'infinity'), (NEW.status = 'open' AND NEW.return_reason = '')::int,
                (NEW.status = 'open' AND NEW.return_reason <> '')::int, (NEW.status = 'submitted')::int,
                (NEW.status = 'accepted')::int)
        ON CONFLICT (engagement_id, due_date) DO UPDATE SET
            open      = t.open + EXCLUDED.open,
            returned  = t.returned + EXCLUDED.returned,
            submitted = t.submitted + EXCLUDED.submitted,
            accepted  = t.accepted + EXCLUDED.accepted;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER request_tallies_insert_delete AFTER INSERT OR DELETE ON info_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION request_tallies_follow();
CREATE CONSTRAINT TRIGGER request_tallies_update AFTER UPDATE ON info_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.engagement_id <> NEW.engagement_id OR OLD.status <> NEW.status OR (OLD.return_reason = '') <> (NEW.return_reason = '')
        OR OLD.due_date IS DISTINCT FROM NEW.due_date)
    EXECUTE FUNCTION request_tallies_follow();

-- The summary's counts come from the tally now.
DROP INDEX info_requests_summary_idx;

-- +goose Down
CREATE INDEX info_requests_summary_idx ON info_requests (engagement_id, status, due_date) INCLUDE (return_reason);
DROP TRIGGER request_tallies_update ON info_requests;
DROP TRIGGER request_tallies_insert_delete ON info_requests;
DROP FUNCTION request_tallies_follow();
DROP TABLE request_tallies;
