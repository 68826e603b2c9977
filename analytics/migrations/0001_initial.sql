-- Pulse's first schema. Every table and column is described in docs/data-model.md.
-- All timestamps are UTC (TIMESTAMP without zone); days in rollups are in the reporting timezone.

CREATE TABLE users (
    user_id VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    email VARCHAR,
    signup_at TIMESTAMP,
    plan VARCHAR,
    country VARCHAR,
    platform VARCHAR,
    consent_analytics BOOLEAN NOT NULL DEFAULT TRUE,
    attributes JSON,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE events (
    event_id VARCHAR NOT NULL,
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

-- Derived: one row per session, maintained by every import and tracking call.
CREATE TABLE sessions (
    session_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    duration_s DOUBLE NOT NULL,
    event_count INTEGER NOT NULL,
    exercise_count INTEGER NOT NULL,
    lesson_count INTEGER NOT NULL,
    feature_count INTEGER NOT NULL
);

-- Derived: one row per user and reporting-zone day with activity.
CREATE TABLE user_daily (
    user_id VARCHAR NOT NULL,
    day DATE NOT NULL,
    event_count INTEGER NOT NULL,
    session_count INTEGER NOT NULL,
    first_event_at TIMESTAMP NOT NULL,
    last_event_at TIMESTAMP NOT NULL,
    active_seconds DOUBLE NOT NULL,
    exercise_count INTEGER NOT NULL,
    lesson_count INTEGER NOT NULL,
    accuracy_sum DOUBLE NOT NULL,
    accuracy_count INTEGER NOT NULL,
    score_sum DOUBLE NOT NULL,
    score_count INTEGER NOT NULL,
    completed_count INTEGER NOT NULL,
    completable_count INTEGER NOT NULL,
    exercise_seconds DOUBLE NOT NULL,
    max_level INTEGER,
    features VARCHAR[] NOT NULL
);

-- Derived: events per user, reporting-zone day and activity type.
CREATE TABLE user_daily_activity (
    user_id VARCHAR NOT NULL,
    day DATE NOT NULL,
    activity_type VARCHAR NOT NULL,
    event_count INTEGER NOT NULL
);

CREATE TABLE predictions (
    prediction_id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    prediction_type VARCHAR NOT NULL,
    prediction_data JSON NOT NULL,
    confidence_score DOUBLE,
    horizon_days INTEGER,
    model_version VARCHAR NOT NULL,
    as_of DATE,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE recommendations (
    recommendation_id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    recommendation_type VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    priority_score DOUBLE NOT NULL,
    actionable_items JSON,
    status VARCHAR NOT NULL DEFAULT 'open',
    model_version VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    status_changed_at TIMESTAMP
);

CREATE TABLE alert_rules (
    rule_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    segment JSON,
    grain VARCHAR NOT NULL DEFAULT 'day',
    condition VARCHAR NOT NULL,
    threshold DOUBLE,
    channel JSON,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE alerts (
    alert_id VARCHAR PRIMARY KEY,
    rule_id VARCHAR,
    metric VARCHAR NOT NULL,
    period_start TIMESTAMP NOT NULL,
    observed DOUBLE,
    expected DOUBLE,
    severity DOUBLE,
    message VARCHAR NOT NULL,
    feedback VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE alert_deliveries (
    alert_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    detail VARCHAR,
    attempted_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- Append-only record of who did what: logins, views of others' data, exports, account changes.
CREATE TABLE audit_log (
    audit_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail JSON,
    source VARCHAR
);
CREATE SEQUENCE audit_log_ids START 1;

-- Written only by the demo generator so tests can check that analytics recover it; the app never reads it.
CREATE TABLE ground_truth_users (
    user_id VARCHAR PRIMARY KEY,
    archetype VARCHAR NOT NULL,
    churn_at TIMESTAMP,
    resurrect_at TIMESTAMP
);

CREATE TABLE ground_truth_incidents (
    day DATE NOT NULL,
    kind VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

-- Small facts about the data set (the zone rollups were built in, when data last changed).
CREATE TABLE meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
