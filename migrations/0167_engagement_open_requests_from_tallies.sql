-- +goose Up
-- The engagement list counts each engagement's open requests from request_tallies (0161), which
-- the client dashboard's work added at the same time: one tally of requests, not two. Its
-- deferred trigger moves at commit, after the audit chain's lock; 0166's statement triggers
-- locked the engagement's row as soon as a request changed, so a transaction that had audited
-- something and then changed a request could deadlock with one that had changed a request and
-- was waiting to audit.
DROP TRIGGER info_requests_open_count_truncate ON info_requests;
DROP TRIGGER info_requests_open_count_delete ON info_requests;
DROP TRIGGER info_requests_open_count_update ON info_requests;
DROP TRIGGER info_requests_open_count_insert ON info_requests;
DROP FUNCTION engagement_open_requests_count();
DROP TABLE engagement_open_requests;

-- +goose Down
CREATE TABLE engagement_open_requests (
    engagement_id bigint PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
    n             integer NOT NULL
);
INSERT INTO engagement_open_requests (engagement_id, n)
SELECT engagement_id, count(*) FROM info_requests WHERE status <> 'accepted' GROUP BY engagement_id;

-- +goose StatementBegin
CREATE FUNCTION engagement_open_requests_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM engagement_open_requests;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO engagement_open_requests AS c (engagement_id, n)
        SELECT engagement_id, count(*) FROM new_rows WHERE status <> 'accepted' GROUP BY engagement_id
        ON CONFLICT (engagement_id) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE engagement_open_requests c SET n = c.n - d.n
        FROM (SELECT engagement_id, count(*) AS n FROM old_rows WHERE status <> 'accepted' GROUP BY engagement_id) d
        WHERE c.engagement_id = d.engagement_id;
    ELSE
        INSERT INTO engagement_open_requests AS c (engagement_id, n)
        SELECT engagement_id, sum(d) FROM (
            SELECT engagement_id, 1 AS d FROM new_rows WHERE status <> 'accepted'
            UNION ALL
            SELECT engagement_id, -1 FROM old_rows WHERE status <> 'accepted') x
        GROUP BY engagement_id HAVING sum(d) <> 0
        ON CONFLICT (engagement_id) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER info_requests_open_count_insert AFTER INSERT ON info_requests
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagement_open_requests_count();
CREATE TRIGGER info_requests_open_count_update AFTER UPDATE ON info_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagement_open_requests_count();
CREATE TRIGGER info_requests_open_count_delete AFTER DELETE ON info_requests
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION engagement_open_requests_count();
CREATE TRIGGER info_requests_open_count_truncate AFTER TRUNCATE ON info_requests
    FOR EACH STATEMENT EXECUTE FUNCTION engagement_open_requests_count();

