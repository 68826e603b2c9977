"""Accounts (administrators): create accounts, change roles and links, disable, reset, unlock, revoke tokens."""

import streamlit as st

from analytics.auth import accounts, tokens
from config.permissions import LOGIN_ROLES
from ui.auth import current_viewer, request_source
from ui.navigation import require_page
from ui.state import database, shown_errors

viewer = current_viewer()
require_page("pages/admin_accounts.py", viewer)
db = database()
source = request_source()
st.title("Accounts")

with shown_errors():
    listing = accounts.list_accounts(db, viewer)
st.dataframe(listing, hide_index=True, width="stretch")

with st.expander("Create an account"), st.form("create-account", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("Username")
    display_name = right.text_input("Display name")
    role = left.selectbox("Role", LOGIN_ROLES, index=LOGIN_ROLES.index("analyst"))
    user_id = right.text_input("Linked user_id", help="Required for members: the user whose data they see.")
    password = left.text_input("Initial password", type="password", help="At least 12 characters.")
    repeat = right.text_input("Initial password again", type="password")
    if st.form_submit_button("Create account"):
        if password != repeat:
            st.error("The two passwords differ; no account was created.")
        else:
            with shown_errors():
                created = accounts.create_account(
                    db,
                    viewer,
                    username,
                    password=password,
                    role=role,
                    display_name=display_name or None,
                    user_id=user_id.strip() or None,
                    source=source,
                )
            st.toast(f"Account {created.username!r} created.")
            st.rerun()

st.subheader("Change an account")
if listing.empty:
    st.stop()
name = st.selectbox("Account", listing["username"].tolist())
with shown_errors():
    chosen = accounts.require_account(db, name)
role_col, link_col = st.columns(2)
with role_col.form("set-role"):
    new_role = st.selectbox("Role", LOGIN_ROLES, index=LOGIN_ROLES.index(chosen.role))
    if st.form_submit_button("Set role"):
        with shown_errors():
            accounts.set_role(db, viewer, chosen.username, new_role, source=source)
        st.rerun()
with link_col.form("link-user"):
    linked = st.text_input("Linked user_id", value=chosen.user_id or "")
    if st.form_submit_button("Link to this user"):
        with shown_errors():
            accounts.link_user(db, viewer, chosen.username, linked.strip(), source=source)
        st.rerun()

toggle_col, unlock_col = st.columns(2)
toggle_label = "Disable account" if chosen.enabled else "Enable account"
if toggle_col.button(toggle_label, help="Disabling ends its sessions and stops its API tokens."):
    with shown_errors():
        accounts.set_enabled(db, viewer, chosen.username, not chosen.enabled, source=source)
    st.rerun()
if unlock_col.button(
    "Unlock", help="Lift a lock after failed sign-ins.", disabled=chosen.locked_until is None
):
    with shown_errors():
        accounts.unlock(db, viewer, chosen.username, source=source)
    st.rerun()

with st.form("reset-password", clear_on_submit=True):
    new_password = st.text_input(f"New password for {chosen.username}", type="password")
    if st.form_submit_button("Reset password", help="Ends the account's sessions."):
        with shown_errors():
            accounts.reset_password(db, viewer, chosen.username, new_password, source=source)
        st.success(f"Password of {chosen.username!r} reset; tell them through a trusted channel.")

st.subheader("API tokens of every account")
with shown_errors():
    all_tokens = tokens.list_tokens(db, viewer, all_accounts=True)
st.dataframe(all_tokens, hide_index=True, width="stretch")
active = all_tokens.loc[all_tokens["active"], "token_id"].tolist() if not all_tokens.empty else []
if active:
    left, right = st.columns([3, 1])
    token_id = left.selectbox("Token to revoke", active, label_visibility="collapsed")
    if right.button("Revoke token", type="primary"):
        with shown_errors():
            tokens.revoke_token(db, viewer, token_id, source=source)
        st.rerun()
