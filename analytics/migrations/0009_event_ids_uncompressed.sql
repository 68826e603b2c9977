-- Event ids are stored uncompressed. Derived ids are random-looking md5 hex, which DuckDB's string
-- compression spends 0.8 s (of 13 s) on when an import writes 10 million of them, to save about 17 bytes
-- an event (docs/performance.md). DuckDB cannot change a column's compression in place, so the table is
-- copied, in its order, into one declared that way.

CREATE TABLE events_0009 (
    event_id VARCHAR USING COMPRESSION uncompressed NOT NULL,
    user_id VARCHAR NOT NULL,
    activity_type VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    session_id VARCHAR,
    properties JSON,
    ip_address VARCHAR,
    user_agent VARCHAR,
    country VARCHAR,
    city VARCHAR,
    ingested_at TIMESTAMP NOT NULL
);
INSERT INTO events_0009 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_0009 RENAME TO events;
