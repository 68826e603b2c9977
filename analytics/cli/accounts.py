"""`accounts`: manage login accounts and API tokens from the shell (e.g. the first admin of a new install).

Passwords are read with --password-stdin or prompted without echo; never given as arguments, which
other users of the machine could see in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics.auth import accounts, tokens
from analytics.cli import add_db_argument
from analytics.db import Database, open_database
from analytics.errors import ValidationError
from analytics.viewer import SYSTEM
from config.permissions import LOGIN_ROLES

SOURCE = "cli"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("accounts", help="manage login accounts and API tokens", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help: str, *, password: bool = False) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help, description=help)
        add_db_argument(sub)
        if password:
            sub.add_argument(
                "--password-stdin", action="store_true", help="read the password from the first line of stdin"
            )
        return sub

    create = action("create", "create an account", password=True)
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=LOGIN_ROLES)
    create.add_argument("--display-name")
    create.add_argument("--user-id", help="users.user_id a member account sees (required for members)")
    action("list", "list accounts")
    set_role = action("set-role", "change an account's role")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=LOGIN_ROLES)
    set_role.add_argument("--user-id", help="link to this user at the same time (needed to become a member)")
    link = action("link", "link an account to a user (the data a member sees)")
    link.add_argument("username")
    link.add_argument("user_id")
    for name, help in (
        ("disable", "disable an account: ends its sessions, stops its tokens"),
        ("enable", "enable a disabled account"),
        ("unlock", "lift a lock after failed sign-ins"),
    ):
        action(name, help).add_argument("username")
    reset = action("reset-password", "set a new password for an account", password=True)
    reset.add_argument("username")
    listing = action("tokens", "list API tokens (never their secrets)")
    listing.add_argument("--account", help="only this account's tokens")
    revoke = action("revoke-token", "revoke an API token at once")
    revoke.add_argument("token_id")
    token = action("create-token", "create an API token and print it once")
    token.add_argument("username", help="the account that owns the token")
    token.add_argument("--name", required=True, help="where the token is used")
    token.add_argument("--days", type=int, default=90, help="validity in days (1-365, default 90)")
    token.add_argument(
        "--tracking", action="store_true", help="a tracking-only token (role tracker) for a product backend"
    )
    parser.set_defaults(handler=run)


def read_password(from_stdin: bool) -> str:
    """The new password: first line of stdin, or typed twice at a prompt without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise ValidationError("The two passwords typed differ; nothing was changed.")
    return first


def run(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    try:
        _run(db, args)
    finally:
        db.close()
    return 0


def _run(db: Database, args: argparse.Namespace) -> None:
    match args.action:
        case "create":
            account = accounts.create_account(
                db,
                SYSTEM,
                args.username,
                password=read_password(args.password_stdin),
                role=args.role,
                display_name=args.display_name,
                user_id=args.user_id,
                source=SOURCE,
            )
            print(f"Created account {account.username!r} ({account.role}).")
        case "list":
            frame = accounts.list_accounts(db, SYSTEM)
            columns = ["username", "role", "user_id", "enabled", "locked", "demo", "last_login_at"]
            print(frame[columns].to_string(index=False) if not frame.empty else "No accounts.")
        case "set-role":
            account = accounts.set_role(
                db, SYSTEM, args.username, args.role, user_id=args.user_id, source=SOURCE
            )
            print(f"Account {account.username!r} is now {account.role}.")
        case "link":
            account = accounts.link_user(db, SYSTEM, args.username, args.user_id, source=SOURCE)
            print(f"Account {account.username!r} is linked to user {account.user_id!r}.")
        case "disable" | "enable":
            account = accounts.set_enabled(db, SYSTEM, args.username, args.action == "enable", source=SOURCE)
            print(f"Account {account.username!r} is {'enabled' if account.enabled else 'disabled'}.")
        case "unlock":
            account = accounts.unlock(db, SYSTEM, args.username, source=SOURCE)
            print(f"Account {account.username!r} is unlocked.")
        case "reset-password":
            account = accounts.reset_password(
                db, SYSTEM, args.username, read_password(args.password_stdin), source=SOURCE
            )
            print(f"Password of {account.username!r} reset; its sessions were ended.")
        case "tokens":
            frame = tokens.list_tokens(db, SYSTEM, username=args.account, all_accounts=args.account is None)
            print(frame.to_string(index=False) if not frame.empty else "No tokens.")
        case "revoke-token":
            tokens.revoke_token(db, SYSTEM, args.token_id, source=SOURCE)
            print(f"Token {args.token_id} revoked.")
        case "create-token":
            created = tokens.create_token(
                db,
                SYSTEM,
                name=args.name,
                days=args.days,
                owner=args.username,
                kind="tracking" if args.tracking else "personal",
                source=SOURCE,
            )
            print(
                f"Token {created.token_id} ({created.kind}) valid until {created.expires_at:%Y-%m-%d %H:%M} UTC."
            )
            print("Copy it now; it is not stored and cannot be shown again:")
            print(created.token)
