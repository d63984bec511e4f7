"""The organisations and users commands: accounts from the shell, a token printed once, clear errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from mineaction.access import authenticate_token, read_audit
from mineaction.cli.main import cli
from mineaction.errors import NotAuthenticated
from mineaction.store import open_store


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture()
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "store.gpkg")
    assert _run("init", path).exit_code == 0
    assert _run("organisations", "add", path, "ANAMA", "--kind", "authority").exit_code == 0
    assert (
        _run("organisations", "add", path, "OPA", "--kind", "operator", "--name", "Operator A").exit_code == 0
    )
    return path


def test_add_users_issue_a_token_use_it_and_revoke_it(store: str) -> None:
    added = _run(
        "users",
        "add",
        store,
        "vera",
        "--role",
        "verifier",
        "--organisation",
        "ANAMA",
        "--password-stdin",
        stdin="the hills above Shusha in May\n",
    )
    assert added.exit_code == 0 and "user vera added (verifier, ANAMA)" in added.output
    issued = _run("users", "token", store, "vera", "--expires-days", "7", "--role", "viewer", "--label", "ci")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("mineaction_") and "\n" not in token  # alone on standard output
    with open_store(store) as opened:
        assert authenticate_token(opened, token).role == "viewer"
        token_id = token.split("_")[1]
    listed = json.loads(_run("users", "tokens", store, "vera", "--json").stdout)
    assert [t["token_id"] for t in listed] == [token_id] and "secret_hash" not in listed[0]
    assert token not in _run("users", "tokens", store).stdout
    revoked = _run("users", "revoke", store, token_id)
    assert revoked.exit_code == 0 and f"token {token_id} of vera revoked" in revoked.output
    with open_store(store) as opened, pytest.raises(NotAuthenticated):
        authenticate_token(opened, token)
    with open_store(store) as opened:
        actions = [e.action for e in read_audit(opened)]
        assert actions[:3] == ["setting", "organisation_add", "organisation_add"]  # init set the aoi
        assert {"user_add", "token_issue", "token_use", "token_revoke"} <= set(actions)
        by_cli = [e for e in read_audit(opened) if e.action != "token_use"]
        assert all(e.origin == f"cli {socket.gethostname()}" for e in by_cli)


def test_roles_grants_disable_and_list(store: str) -> None:
    assert (
        _run(
            "users", "add", store, "olga", "--role", "operator", "--organisation", "OPA", "--no-password"
        ).exit_code
        == 0
    )
    assert (
        _run(
            "users", "add", store, "vera", "--role", "verifier", "--organisation", "ANAMA", "--no-password"
        ).exit_code
        == 0
    )
    granted = _run("users", "grant", store, "vera", "read_personal")
    assert "vera holds: read_personal" in granted.output
    assert "olga is now viewer of OPA" in _run("users", "role", store, "olga", "viewer").output
    assert "olga disabled" in _run("users", "disable", store, "olga").output
    users = {u["name"]: u for u in json.loads(_run("users", "list", store, "--json").stdout)}
    assert users["olga"]["role"] == "viewer" and users["olga"]["disabled_at"]
    assert users["vera"]["grants"] == ["read_personal"]
    assert "ANAMA" in _run("organisations", "list", store).output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("users", "add", "{s}", "x1", "--role", "verifier", "--organisation", "OPA", "--no-password"),
            None,
            "role 'verifier' is for users of authority organisations",
        ),
        (
            ("users", "add", "{s}", "x1", "--role", "viewer", "--organisation", "OPA", "--password-stdin"),
            "short\n",
            "use at least 12",
        ),
        (("users", "token", "{s}", "ghost"), None, "no user 'ghost'"),
        (("users", "revoke", "{s}"), None, "either a TOKEN_ID or --user"),
        (("organisations", "add", "{s}", "UN", "--kind", "agency"), None, "use one of authority"),
    ],
)
def test_mistakes_are_one_clear_error(
    store: str, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    result = _run(*(a.replace("{s}", store) for a in args), stdin=stdin)
    assert result.exit_code != 0
    assert message in str(result.exception)


def test_enrol_a_second_factor_and_unlock(store: str) -> None:
    import re
    import time

    import pyotp

    from mineaction.access.login import login

    password = "the hills above Shusha in May"
    _run(
        "users",
        "add",
        store,
        "vera",
        "--role",
        "verifier",
        "--organisation",
        "ANAMA",
        "--password-stdin",
        stdin=password + "\n",
    )
    begun = _run("users", "totp", store, "vera")
    secret = re.search(r"secret: ([A-Z2-7]+)", begun.output).group(1)
    assert "otpauth://totp/mineaction:vera" in begun.output
    confirmed = _run("users", "totp", store, "vera", "--confirm", pyotp.TOTP(secret).now())
    assert confirmed.exit_code == 0, confirmed.output
    codes = confirmed.output.strip().splitlines()[1:]
    assert len(codes) == 10
    with open_store(store) as opened:
        assert login(opened, "vera", password, second_factor=codes[0]).second_factor
        assert login(opened, "vera", password, second_factor=pyotp.TOTP(secret).at(time.time() + 30))
    assert "vera may sign in again" in _run("users", "unlock", store, "vera").output
    assert "removed" in _run("users", "totp", store, "vera", "--reset").output
