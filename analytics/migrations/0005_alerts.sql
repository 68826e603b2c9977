-- Alert rules' direction and evaluation state, who judged an alert, the link an alert points to, and
-- webhook retries picked up by the next evaluation run (docs/alerts.md).

-- 'above' / 'below' for threshold and change rules; for anomaly rules NULL means either direction.
ALTER TABLE alert_rules ADD COLUMN direction VARCHAR;
ALTER TABLE alert_rules ADD COLUMN last_evaluated_at TIMESTAMP;
ALTER TABLE alert_rules ADD COLUMN last_error VARCHAR;

ALTER TABLE alerts ADD COLUMN link VARCHAR;
ALTER TABLE alerts ADD COLUMN feedback_by VARCHAR;
ALTER TABLE alerts ADD COLUMN feedback_at TIMESTAMP;
-- One alert per rule and period, however often the rule is evaluated.
CREATE UNIQUE INDEX alerts_rule_period ON alerts (rule_id, period_start);

-- Set on a queued or failed webhook attempt: the next run retries it from this time on.
ALTER TABLE alert_deliveries ADD COLUMN next_attempt_at TIMESTAMP;
