"""Who may sign in and call the API: accounts, passwords, lockout, login sessions, tokens, rate limits.

The rules and the role × permission matrix are in docs/security.md; docs/adr/0004-login.md says why
Pulse checks credentials itself instead of leaving it to streamlit-authenticator.
"""
