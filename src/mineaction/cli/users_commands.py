"""Commands for accounts: ``organisations add|list`` and ``users add|list|token|tokens|revoke|role|...``.

Whoever runs them works on the store directly (its file or database), so they act as a local administrator;
each change is written to the audit log under the login name (or the ``author`` setting), from the command
line. A token's secret is printed once, alone on standard output, so a script can capture it; it is never
stored or logged.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from mineaction.cli._common import echo_json
from mineaction.errors import InputError

__all__ = ["COMMANDS", "acting_locally", "organisations_group", "users_group"]

_STORE = click.argument("store", metavar="STORE")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")


@contextmanager
def acting_locally(store_url: str) -> Iterator[Any]:
    """Open the store and act as the local user (audit entries name them, from the command line)."""
    from mineaction.access import acting_as, local_principal
    from mineaction.cli.store_commands import _default_author
    from mineaction.store import open_store

    who = local_principal(_default_author())
    with open_store(store_url) as store, acting_as(who, address=socket.gethostname(), channel="cli"):
        yield store


def _read_password(password_stdin: bool, *, required: bool) -> str | None:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n") or None
    if sys.stdin.isatty():
        return str(click.prompt("password", hide_input=True, confirmation_prompt=True))
    if required:
        raise InputError("give the password on standard input with --password-stdin (no terminal to ask on)")
    return None


@click.group("organisations")
def organisations_group() -> None:
    """Organisations that own records and employ users: the authority, operators, donors, others."""


@organisations_group.command("add")
@_STORE
@click.argument("code")
@click.option("--kind", required=True, help="authority, operator, donor or other")
@click.option("--name", help="full name (default: the code)")
@click.option("--operator", "operator_id", help="the operator record it stands for (OP-...)")
def organisation_add(store: str, code: str, kind: str, name: str | None, operator_id: str | None) -> None:
    """Add an organisation CODE (e.g. ANAMA) of the given kind."""
    from mineaction.access import add_organisation

    with acting_locally(store) as opened:
        org = add_organisation(opened, code, kind=kind, name=name, operator_id=operator_id)
    click.echo(f"organisation {org.code} added ({org.kind}: {org.name})")


@organisations_group.command("list")
@_STORE
@_JSON
def organisation_list(store: str, as_json: bool) -> None:
    """List the organisations."""
    from mineaction.access import list_organisations

    with acting_locally(store) as opened:
        orgs = list_organisations(opened)
    if as_json:
        echo_json([o.to_dict() for o in orgs])
        return
    for o in orgs:
        click.echo(f"{o.code:<16} {o.kind:<10} {o.name}{'  (disabled)' if o.disabled_at else ''}")


@click.group("users")
def users_group() -> None:
    """User accounts, roles, grants and API tokens."""


@users_group.command("add")
@_STORE
@click.argument("name")
@click.option("--role", required=True, help="admin, verifier, data_entry, operator or viewer")
@click.option("--organisation", required=True, help="code of the user's organisation")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--no-password", is_flag=True, help="a token-only account (scripts, services)")
def user_add(
    store: str, name: str, role: str, organisation: str, password_stdin: bool, no_password: bool
) -> None:
    """Add user NAME with a role in an organisation (asks for a password unless --no-password)."""
    from mineaction.access import add_user
    from mineaction.settings import load_settings

    password = None if no_password else _read_password(password_stdin, required=True)
    with acting_locally(store) as opened:
        user = add_user(
            opened, name, role=role, organisation=organisation, password=password, settings=load_settings()
        )
    click.echo(f"user {user.name} added ({user.role}, {user.organisation})")


@users_group.command("list")
@_STORE
@click.option("--organisation", help="only the users of this organisation")
@_JSON
def user_list(store: str, organisation: str | None, as_json: bool) -> None:
    """List the users with their role, organisation, grants and whether they have a second factor."""
    from mineaction.access import list_users

    with acting_locally(store) as opened:
        users = list_users(opened, organisation=organisation)
    if as_json:
        echo_json([u.to_dict() for u in users])
        return
    for u in users:
        flags = [
            *sorted(u.grants),
            *(["2FA"] if u.second_factor else []),
            *([] if u.active else ["disabled"]),
        ]
        click.echo(f"{u.name:<24} {u.role:<10} {u.organisation:<16} {' '.join(flags)}".rstrip())


@users_group.command("token")
@_STORE
@click.argument("name")
@click.option("--expires-days", type=float, help="days the token is valid (default: the token_days setting)")
@click.option("--role", help="a narrower role for the token (default: the user's)")
@click.option("--grant", "grants", multiple=True, help="an explicit permission the token carries")
@click.option("--label", help="what the token is for, shown in lists")
def user_token(
    store: str,
    name: str,
    expires_days: float | None,
    role: str | None,
    grants: tuple[str, ...],
    label: str | None,
) -> None:
    """Issue an API token for NAME and print it once (it cannot be shown again)."""
    from mineaction.access import issue_token
    from mineaction.settings import load_settings

    with acting_locally(store) as opened:
        issued = issue_token(
            opened, name, role=role, grants=grants, days=expires_days, label=label, settings=load_settings()
        )
    click.echo(
        f"token {issued.token_id} for {issued.user} ({issued.role}, {issued.organisation}), valid until "
        f"{issued.expires_at}; keep it secret, it is shown only now:",
        err=True,
    )
    click.echo(issued.token)


@users_group.command("tokens")
@_STORE
@click.argument("name", required=False)
@_JSON
def user_tokens(store: str, name: str | None, as_json: bool) -> None:
    """List API tokens (of user NAME, if given) without their secrets."""
    from mineaction.access import list_tokens

    with acting_locally(store) as opened:
        tokens = list_tokens(opened, user=name)
    if as_json:
        echo_json([t.to_dict() for t in tokens])
        return
    for t in tokens:
        state = f"revoked {t.revoked_at}" if t.revoked_at else f"expires {t.expires_at}"
        click.echo(f"{t.token_id}  {t.user:<20} {t.role:<10} {state}  {t.label or ''}".rstrip())


@users_group.command("revoke")
@_STORE
@click.argument("token_id", required=False)
@click.option("--user", "user", help="revoke every token of this user instead")
def user_revoke(store: str, token_id: str | None, user: str | None) -> None:
    """Revoke the token TOKEN_ID (its public id), or every token of --user."""
    from mineaction.access import revoke_token, revoke_user_tokens

    if (token_id is None) == (user is None):
        raise InputError("give either a TOKEN_ID or --user NAME")
    with acting_locally(store) as opened:
        if user is not None:
            click.echo(f"{revoke_user_tokens(opened, user)} tokens of {user} revoked")
            return
        info = revoke_token(opened, str(token_id))
    click.echo(f"token {info.token_id} of {info.user} revoked ({info.revoked_at})")


@users_group.command("role")
@_STORE
@click.argument("name")
@click.argument("role")
@click.option("--organisation", help="move the user to this organisation as well")
def user_role(store: str, name: str, role: str, organisation: str | None) -> None:
    """Change the role (and organisation) of user NAME."""
    from mineaction.access import set_role

    with acting_locally(store) as opened:
        user = set_role(opened, name, role, organisation=organisation)
    click.echo(f"user {user.name} is now {user.role} of {user.organisation}")


@users_group.command("password")
@_STORE
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def user_password(store: str, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (their browser sessions end)."""
    from mineaction.access import set_password
    from mineaction.settings import load_settings

    password = _read_password(password_stdin, required=True)
    assert password is not None
    with acting_locally(store) as opened:
        set_password(opened, name, password, settings=load_settings())
    click.echo(f"password of {name} changed")


@users_group.command("grant")
@_STORE
@click.argument("name")
@click.argument("permission")
@click.option("--remove", is_flag=True, help="take the permission away instead")
def user_grant(store: str, name: str, permission: str, remove: bool) -> None:
    """Give user NAME an explicit PERMISSION (e.g. read_personal), or take it away with --remove."""
    from mineaction.access import grant, ungrant

    with acting_locally(store) as opened:
        user = (ungrant if remove else grant)(opened, name, permission)
    click.echo(f"user {user.name} holds: {', '.join(sorted(user.grants)) or 'no grants'}")


@users_group.command("disable")
@_STORE
@click.argument("name")
@click.option("--enable", is_flag=True, help="enable the user again instead")
def user_disable(store: str, name: str, enable: bool) -> None:
    """Disable user NAME (no login, tokens revoked, sessions ended), or --enable again."""
    from mineaction.access import disable_user, enable_user

    with acting_locally(store) as opened:
        user = (enable_user if enable else disable_user)(opened, name)
    click.echo(f"user {user.name} {'enabled' if user.active else 'disabled'}")


@users_group.command("totp")
@_STORE
@click.argument("name")
@click.option("--confirm", "code", metavar="CODE", help="the code the app shows: turns the new factor on")
@click.option("--reset", is_flag=True, help="remove the user's second factor")
def user_totp(store: str, name: str, code: str | None, reset: bool) -> None:
    """Enrol a TOTP second factor for NAME: first print the secret for the app, then --confirm CODE."""
    from mineaction.access import begin_totp, confirm_totp, reset_totp

    with acting_locally(store) as opened:
        if reset:
            reset_totp(opened, name)
            click.echo(f"second factor of {name} removed")
        elif code is None:
            enrolment = begin_totp(opened, name)
            click.echo(f"add this to {name}'s authenticator app, then run again with --confirm CODE:")
            click.echo(f"secret: {enrolment.secret}\nuri: {enrolment.uri}")
        else:
            codes = confirm_totp(opened, name, code)
            click.echo(f"second factor of {name} on; recovery codes (each works once, shown only now):")
            click.echo("\n".join(codes))


@users_group.command("unlock")
@_STORE
@click.argument("name")
def user_unlock(store: str, name: str) -> None:
    """Clear the failed logins and lock-out of NAME."""
    from mineaction.access import clear_lockout, get_user

    with acting_locally(store) as opened:
        get_user(opened, name)
        clear_lockout(opened, name)
    click.echo(f"{name} may sign in again")


COMMANDS = [organisations_group, users_group]
