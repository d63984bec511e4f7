"""Password login with a TOTP second factor for privileged roles, lock-out kept in the store, sessions with
CSRF, and no secret in any log, on every back end."""

from __future__ import annotations

import logging
import time

import pyotp
import pytest

from mineaction.access import (
    COOKIE_NAME,
    add_user,
    authenticate_request,
    authenticate_session,
    check_csrf,
    end_session,
    read_audit,
    session_cookie,
    set_password,
)
from mineaction.access.login import clear_lockout, login, sign_in
from mineaction.access.totp import begin_totp, check_second_factor, confirm_totp, reset_totp
from mineaction.errors import (
    InputError,
    NotAuthenticated,
    PermissionDenied,
    SecondFactorRequired,
    TooManyAttempts,
)
from mineaction.settings import Settings

PASSWORD = "thirty mines under the old road"


def _enrol(store, user: str) -> tuple[str, list[str]]:
    enrolment = begin_totp(store, user)
    assert enrolment.uri.startswith("otpauth://totp/mineaction:") and enrolment.secret not in repr(enrolment)
    with pytest.raises(InputError, match="does not match"):
        confirm_totp(store, user, "000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111")
    codes = confirm_totp(store, user, pyotp.TOTP(enrolment.secret).now())
    return enrolment.secret, codes


def _next_code(secret: str) -> str:
    """A code of the next 30-second step (the current one was used at enrolment)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_operator_signs_in_with_a_password(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA", password=PASSWORD)
    principal = login(orgs, "olga", PASSWORD, address="198.51.100.4")
    assert (principal.role, principal.via, principal.second_factor) == ("operator", "password", False)
    with pytest.raises(NotAuthenticated, match="wrong user name or password"):
        login(orgs, "olga", PASSWORD + "x")
    with pytest.raises(NotAuthenticated, match="wrong user name or password"):
        login(orgs, "nobody", PASSWORD)  # the same answer for an unknown user
    logins = read_audit(orgs, action="login")
    assert logins[0].actor == "olga" and logins[0].origin == "198.51.100.4"
    assert [e.target for e in read_audit(orgs, action="login_failed")] == ["user:olga", "user:nobody"]


def test_a_verifier_needs_the_second_factor_and_each_code_works_once(orgs) -> None:
    add_user(orgs, "vera", role="verifier", organisation="ANAMA", password=PASSWORD)
    with pytest.raises(NotAuthenticated, match="has none; an administrator enrols"):
        login(orgs, "vera", PASSWORD)
    secret, recovery = _enrol(orgs, "vera")
    assert len(recovery) == 10 and len(set(recovery)) == 10
    with pytest.raises(SecondFactorRequired):
        login(orgs, "vera", PASSWORD)
    code = _next_code(secret)
    assert login(orgs, "vera", PASSWORD, second_factor=code).second_factor
    with pytest.raises(NotAuthenticated, match="second factor code is not valid"):
        login(orgs, "vera", PASSWORD, second_factor=code)  # replayed
    assert login(orgs, "vera", PASSWORD, second_factor=recovery[0]).second_factor
    with pytest.raises(NotAuthenticated):
        login(orgs, "vera", PASSWORD, second_factor=recovery[0])  # used up
    assert check_second_factor(orgs, "vera", recovery[1].upper())  # typed in capitals, still one of them
    reset_totp(orgs, "vera")
    with pytest.raises(NotAuthenticated, match="has none"):
        login(orgs, "vera", PASSWORD, second_factor=_next_code(secret))
    assert {e.action for e in read_audit(orgs)} >= {"totp_enrol", "recovery_code_used", "login"}


def test_repeated_failures_lock_the_account_then_the_lock_doubles(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA", password=PASSWORD)
    policy = Settings(login_max_failures=3, login_lockout_minutes=10)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            login(orgs, "olga", "wrong password!", settings=policy)
    with pytest.raises(TooManyAttempts, match="try again in 10 minutes") as locked:
        login(orgs, "olga", PASSWORD, settings=policy)  # even the right password waits
    assert 590 <= locked.value.retry_after_s <= 600
    assert read_audit(orgs, action="lockout")[0].to_dict()["detail"] == {"minutes": 10.0, "failures": 3}
    orgs.execute("UPDATE mineaction_login_attempts SET locked_until = '2020-01-01T00:00:00.000Z'")
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            login(orgs, "olga", "wrong password!", settings=policy)
    with pytest.raises(TooManyAttempts, match="try again in 20 minutes"):
        login(orgs, "olga", PASSWORD, settings=policy)
    clear_lockout(orgs, "olga")
    assert login(orgs, "olga", PASSWORD, settings=policy).name == "olga"


def test_an_address_guessing_many_accounts_is_throttled(orgs) -> None:
    policy = Settings(login_max_failures=2)
    for i in range(8):  # 2 x 4 failures from one address, each on another (unknown) account
        with pytest.raises(NotAuthenticated):
            login(orgs, f"guess{i}", "password guess!", address="203.0.113.9", settings=policy)
    with pytest.raises(TooManyAttempts):
        login(orgs, "guess99", "password guess!", address="203.0.113.9", settings=policy)
    add_user(orgs, "olga", role="operator", organisation="OPA", password=PASSWORD)
    assert login(orgs, "olga", PASSWORD, address="203.0.113.10", settings=policy)  # another address


def test_browser_sessions_need_csrf_to_change_anything_and_end(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA", password=PASSWORD)
    session = sign_in(orgs, "olga", PASSWORD, address="198.51.100.4")
    assert session.session_id not in repr(session) and session.csrf not in repr(session)
    cookie = session_cookie(session)
    assert cookie["key"] == COOKIE_NAME == "__Host-mineaction-session"
    assert (
        cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "strict" and cookie["path"] == "/"
    )
    assert authenticate_request(orgs, session_id=session.session_id).name == "olga"
    with pytest.raises(PermissionDenied, match="CSRF"):
        authenticate_request(orgs, session_id=session.session_id, method="POST")
    with pytest.raises(PermissionDenied):
        check_csrf(session.session_id, "0" * 64)
    who = authenticate_request(orgs, session_id=session.session_id, csrf=session.csrf, method="DELETE")
    assert who.via == "session"
    stored = repr(orgs.query("SELECT * FROM mineaction_sessions"))
    assert session.session_id not in stored and session.csrf not in stored
    set_password(orgs, "olga", "a brand new passphrase here")  # ends every session
    with pytest.raises(NotAuthenticated, match="session has ended"):
        authenticate_session(orgs, session.session_id)
    again = sign_in(orgs, "olga", "a brand new passphrase here")
    end_session(orgs, again.session_id)
    with pytest.raises(NotAuthenticated):
        authenticate_session(orgs, again.session_id)


def test_idle_and_absolute_session_timeouts(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA", password=PASSWORD)
    idle, old = sign_in(orgs, "olga", PASSWORD), sign_in(orgs, "olga", PASSWORD)
    orgs.execute("UPDATE mineaction_sessions SET last_seen_at = '2020-01-01T00:00:00.000Z' WHERE fid = 1")
    orgs.execute("UPDATE mineaction_sessions SET expires_at = '2020-01-01T00:00:00.000Z' WHERE fid = 2")
    for session in (idle, old):
        with pytest.raises(NotAuthenticated):
            authenticate_session(orgs, session.session_id)


@pytest.mark.parametrize(
    ("header", "message"), [("Basic abc", "Bearer"), ("Bearer ", "Bearer"), ("Bearer nope", "not valid")]
)
def test_bad_authorization_headers_are_refused_not_treated_as_anonymous(orgs, header, message) -> None:
    with pytest.raises(NotAuthenticated, match=message):
        authenticate_request(orgs, authorization=header)
    assert authenticate_request(orgs).is_public


def test_no_secret_reaches_the_logs_or_the_audit_log(orgs, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    add_user(orgs, "vera", role="verifier", organisation="ANAMA", password=PASSWORD)
    secret, recovery = _enrol(orgs, "vera")
    session = sign_in(orgs, "vera", PASSWORD, second_factor=_next_code(secret))
    with pytest.raises(NotAuthenticated):
        login(orgs, "vera", "guessed " + PASSWORD)
    everything = repr(orgs.query("SELECT * FROM mineaction_audit")) + caplog.text
    for value in (PASSWORD, session.session_id, session.csrf, *recovery):
        assert value not in everything
