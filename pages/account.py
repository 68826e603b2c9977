"""My account: who I am, my password, my API tokens, and (for members) my own data."""

import streamlit as st

from analytics.auth import accounts, tokens
from analytics.privacy.access import export_user_data
from config.permissions import Permission
from ui.auth import current_session_id, current_viewer, request_source
from ui.navigation import allowed_pages, require_page
from ui.state import database, shown_errors

viewer = current_viewer()
require_page("pages/account.py", viewer)
db = database()
st.title("My account")

with shown_errors():
    account = accounts.require_account(db, viewer.account)
st.write(
    f"**{account.display_name}** · username `{account.username}` · role {account.role.replace('_', ' ')}"
)

if viewer.user_id is not None:
    st.subheader("Your data")
    st.caption(f"You see analytics about yourself only: user `{viewer.user_id}`.")
    for spec in allowed_pages(viewer):
        if spec.path != "pages/account.py":
            st.page_link(spec.path, label=spec.title, icon=spec.icon)
    if st.button("Prepare a download of everything Pulse holds about me"):
        with shown_errors():
            archive = export_user_data(db, viewer, viewer.user_id, source=request_source())
        st.download_button(
            "Download my data (zip)",
            archive,
            file_name=f"pulse-data-{viewer.user_id}.zip",
            mime="application/zip",
            on_click="ignore",
        )

st.subheader("Password")
with st.form("change-password", clear_on_submit=True):
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password", help="At least 12 characters.")
    repeat = st.text_input("New password again", type="password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.error("The two new passwords differ; nothing was changed.")
        else:
            with shown_errors():
                accounts.change_password(
                    db, viewer, current, new, keep_session_id=current_session_id(), source=request_source()
                )
            st.success("Password changed. Your other sessions were signed out.")

st.subheader("API tokens")
st.caption(
    "Send a token as `Authorization: Bearer TOKEN` to /api/v1. A personal token acts with your role; "
    "a tracking token may only send events (for product backends)."
)
with st.form("create-token", clear_on_submit=True):
    name = st.text_input("Name", placeholder="where the token is used, e.g. 'weekly report script'")
    days = st.number_input("Valid for (days)", min_value=1, max_value=tokens.MAX_TOKEN_DAYS, value=90)
    kinds = list(tokens.KINDS) if viewer.can(Permission.TRACK_ANALYTICS) else ["personal"]
    kind = st.radio("Kind", kinds, horizontal=True)
    if st.form_submit_button("Create token"):
        with shown_errors():
            created = tokens.create_token(
                db, viewer, name=name, days=int(days), kind=kind, source=request_source()
            )
        st.success(f"Token {created.token_id} created. Copy it now: it is shown only once.")
        st.code(created.token, language=None)

with shown_errors():
    mine = tokens.list_tokens(db, viewer)
if mine.empty:
    st.info("You have no API tokens.")
else:
    st.dataframe(mine.drop(columns=["username", "revoked_by"]), hide_index=True, width="stretch")
    active = mine.loc[mine["active"], "token_id"].tolist()
    if active:
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Token to revoke", active, label_visibility="collapsed")
        if right.button("Revoke", type="primary"):
            with shown_errors():
                tokens.revoke_token(db, viewer, chosen, source=request_source())
            st.rerun()
