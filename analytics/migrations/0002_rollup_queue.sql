-- Events whose rollups are not refreshed yet. A tracking call adds the user, time and session of each
-- stored event here in its own transaction; the app drains the queue every second or two
-- (analytics.ingest.drain_rollup_queue), refreshing every touched rollup row at once.
CREATE TABLE rollup_queue (
    user_id VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    session_id VARCHAR,
    queued_at TIMESTAMP NOT NULL
);
