-- Pulse's own usage (analytics/usage.py): one row each time a signed-in account opens a page of the app.
-- Time on a page is not stored: it is the time until the same browser session's next page view, worked
-- out when the figures are read (docs/metrics/usage.md).

CREATE TABLE page_views (
    viewed_at TIMESTAMP NOT NULL,          -- UTC
    account VARCHAR NOT NULL,              -- accounts.username
    role VARCHAR NOT NULL,                 -- the account's role when it opened the page
    page VARCHAR NOT NULL,                 -- the page's file, e.g. 'pages/overview.py'
    browser_session VARCHAR NOT NULL       -- random id of one browser tab's Streamlit session
);
