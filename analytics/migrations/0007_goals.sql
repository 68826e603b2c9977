-- Goals members set for themselves (analytics/personal/goals.py), such as "practise 4 days a week".
-- Only the goal is stored; its progress is computed from user_daily whenever it is shown. Achievements
-- are derived from the data the same way, so they have no table.

CREATE TABLE goals (
    goal_id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,                 -- a key of analytics.personal.goals.GOAL_KINDS
    target INTEGER NOT NULL,               -- days a week, exercises a month, or a skill level
    created_by VARCHAR NOT NULL,           -- accounts.username: the member, or an administrator
    created_at TIMESTAMP NOT NULL
);
