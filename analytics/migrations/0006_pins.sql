-- Charts pinned to an account's personal dashboard (analytics/dashboard.py). A pin stores the chart's
-- registry key and the filters and options to re-run it with, never data.

CREATE SEQUENCE pin_ids START 1;

CREATE TABLE pins (
    pin_id BIGINT PRIMARY KEY DEFAULT nextval('pin_ids'),
    account VARCHAR NOT NULL,              -- accounts.username of the owner
    chart VARCHAR NOT NULL,                -- a key of analytics.dashboard.CHARTS, e.g. 'overview.dau'
    title VARCHAR NOT NULL,
    params JSON NOT NULL,                  -- {"filters": Filters.to_query(), "rolling": bool, "options": {...}}
    position INTEGER NOT NULL,             -- order on the dashboard, smallest first
    created_at TIMESTAMP NOT NULL
);
