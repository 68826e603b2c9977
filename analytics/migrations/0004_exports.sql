-- Scheduled exports (docs/exports.md) and the log of every webhook delivery attempt (exports and alerts).

CREATE TABLE export_schedules (
    schedule_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    request JSON NOT NULL,                 -- the ExportRequest: dataset, segment, columns, options
    file_format VARCHAR NOT NULL,          -- csv, parquet, jsonl or xlsx
    anonymise BOOLEAN NOT NULL,
    frequency VARCHAR NOT NULL,            -- daily or weekly
    hour INTEGER NOT NULL,                 -- reporting-zone hour of day the export runs at
    weekday INTEGER NOT NULL,              -- weekly only: 0 = Monday ... 6 = Sunday
    period_days INTEGER,                   -- export the last N complete days; NULL exports all data
    destination_kind VARCHAR NOT NULL,     -- folder or webhook
    destination VARCHAR NOT NULL,          -- folder under data/exports/scheduled/, or the webhook URL
    secret VARCHAR,                        -- webhook only: HMAC-SHA256 key of X-Pulse-Signature
    created_by VARCHAR NOT NULL,           -- the account the export runs as (its permissions at run time)
    created_at TIMESTAMP NOT NULL,
    next_run_at TIMESTAMP NOT NULL,        -- UTC
    last_run_at TIMESTAMP,
    last_status VARCHAR
);

CREATE TABLE webhook_deliveries (
    delivery_id VARCHAR NOT NULL,          -- one delivery: all its attempts share it
    source VARCHAR NOT NULL,               -- what was delivered, e.g. 'export:<schedule_id>'
    url VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,              -- 1, 2, ...
    outcome VARCHAR NOT NULL,              -- delivered, http_error, timeout or network_error
    status_code INTEGER,                   -- the HTTP status, when the endpoint answered
    detail VARCHAR,
    duration_ms DOUBLE NOT NULL,
    attempted_at TIMESTAMP NOT NULL        -- UTC
);
