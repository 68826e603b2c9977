-- Login accounts, their sign-in sessions and API tokens (docs/security.md describes the rules).
-- Passwords are bcrypt hashes; token secrets are stored only as SHA-256 digests.

CREATE TABLE accounts (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    user_id VARCHAR,                       -- members only: the row in users this account may see
    password_hash VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    demo BOOLEAN NOT NULL DEFAULT FALSE,   -- created by demo mode; disabled when demo mode is off
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- One row per successful sign-in; a login cookie is honoured only while its row is open and unexpired.
CREATE TABLE login_sessions (
    session_id VARCHAR PRIMARY KEY,        -- SHA-256 of the username and the cookie's expiry stamp
    username VARCHAR NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,                    -- set by logout, password change, disable or reset
    end_reason VARCHAR,
    source VARCHAR
);

CREATE TABLE api_tokens (
    token_id VARCHAR PRIMARY KEY,          -- public handle shown in lists, never enough to authenticate
    secret_sha256 VARCHAR NOT NULL UNIQUE,
    username VARCHAR NOT NULL,             -- the owner; a disabled owner disables the token
    kind VARCHAR NOT NULL,                 -- 'personal' (the owner's permissions) or 'tracking'
    name VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by VARCHAR,
    last_used_at TIMESTAMP
);
