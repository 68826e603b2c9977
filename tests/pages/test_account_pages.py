"""My account, Accounts and Audit log pages driven like a person would, on the generated data set."""

from __future__ import annotations

from analytics.auth import accounts, tokens
from tests.pages.signin import sign_in


def submit(app, form_key: str) -> None:
    next(b for b in app.button if b.form_id == form_key).click().run()
    assert not app.exception, app.exception


def test_member_creates_a_token_shown_once_and_revokes_it(seeded_app_env):
    app = sign_in("member", "pulse-member-demo").switch_page("pages/account.py").run()
    assert app.title[0].value == "My account"
    assert app.subheader[0].value == "Your data"
    assert app.radio[0].options == ["personal"]  # members may not create tracking tokens
    next(t for t in app.text_input if t.label == "Name").input("my phone")
    submit(app, "create-token")
    token = app.code[0].value
    identity = tokens.authenticate_token(seeded_app_env, token)
    assert (identity.viewer.account, identity.viewer.user_id) == (
        "member",
        app.session_state["viewer"].user_id,
    )
    app.run()
    assert not app.code  # shown once
    next(b for b in app.button if b.label == "Revoke").click().run()
    assert not tokens.list_tokens(seeded_app_env, identity.viewer)["active"].any()


def test_member_downloads_their_own_data(seeded_app_env):
    app = sign_in("member", "pulse-member-demo").switch_page("pages/account.py").run()
    next(b for b in app.button if b.label.startswith("Prepare a download")).click().run()
    assert not app.exception and not app.error
    assert app.get("download_button")[0].label == "Download my data (zip)"


def test_change_password_from_the_account_page(seeded_app_env):
    app = sign_in("pm", "pulse-pm-demo")
    app.switch_page("pages/account.py").run()
    fields = {t.label: t for t in app.text_input}
    fields["Current password"].input("pulse-pm-demo")
    fields["New password"].input("a new pm password")
    fields["New password again"].input("a new pm password")
    submit(app, "change-password")
    assert "Password changed" in app.success[0].value
    assert app.session_state["viewer"].account == "pm"  # this session stays signed in
    assert sign_in("pm", "a new pm password").session_state["viewer"].account == "pm"


def test_admin_creates_and_disables_an_account_and_sees_it_audited(seeded_app_env):
    app = sign_in("admin", "pulse-admin-demo")
    app.switch_page("pages/admin_accounts.py").run()
    fields = {t.label: t for t in app.text_input}
    fields["Username"].input("carol")
    fields["Initial password"].input("carol's first password")
    fields["Initial password again"].input("carol's first password")
    submit(app, "create-account")
    assert accounts.require_account(seeded_app_env, "carol").role == "analyst"
    next(s for s in app.selectbox if s.label == "Account").select("carol").run()
    next(b for b in app.button if b.label == "Disable account").click().run()
    assert not accounts.require_account(seeded_app_env, "carol").enabled

    app.switch_page("pages/audit.py").run()
    next(t for t in app.text_input if t.label == "Actor").input("admin").run()
    actions = app.dataframe[0].value["action"].tolist()
    assert actions[:2] == ["account_disabled", "account_created"]
