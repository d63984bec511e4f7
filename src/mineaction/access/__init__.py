"""Who may do what: organisations, users, roles, the rules as data, passwords, API tokens, browser
sessions and the audit log.

Every front end (server, command line, dashboard) asks the same two questions through this package:

- **who is asking?** ``authenticate_request(store, authorization=..., session_id=..., csrf=..., method=...)``
  returns a ``Principal`` (the anonymous ``PUBLIC`` when no credentials came);
- **may they?** ``require(principal, action, kind, organisation=...)`` returns or raises
  ``NotAuthenticated`` (401) or ``PermissionDenied`` (403), from the one table of rules (``rules.RULES``).

Accounts, tokens, sessions and the audit log live in the store, so several server processes share them.
``docs/access.md`` describes the interface and shows the rules.
"""

from __future__ import annotations

from mineaction.access.accounts import (
    Organisation,
    User,
    add_organisation,
    add_user,
    disable_user,
    enable_user,
    get_organisation,
    get_user,
    grant,
    list_organisations,
    list_users,
    set_password,
    set_role,
    ungrant,
)
from mineaction.access.audit import AUDIT_ACTIONS, acting_as, read_audit, record, verify_audit
from mineaction.access.disclosure import must_suppress
from mineaction.access.login import clear_lockout, login, sign_in
from mineaction.access.personal import get_personal, read_personal
from mineaction.access.principal import PUBLIC, Principal, local_principal, require
from mineaction.access.request import authenticate_request
from mineaction.access.rules import ACTIONS, ORGANISATION_KINDS, ROLES, RULES, rules_markdown
from mineaction.access.sessions import (
    COOKIE_NAME,
    NewSession,
    authenticate_session,
    check_csrf,
    create_session,
    end_session,
    session_cookie,
)
from mineaction.access.tokens import (
    IssuedToken,
    TokenInfo,
    authenticate_token,
    issue_token,
    list_tokens,
    revoke_token,
    revoke_user_tokens,
)
from mineaction.access.totp import (
    TotpEnrolment,
    begin_totp,
    check_second_factor,
    confirm_totp,
    reset_totp,
)

__all__ = [
    "ACTIONS",
    "AUDIT_ACTIONS",
    "COOKIE_NAME",
    "IssuedToken",
    "NewSession",
    "ORGANISATION_KINDS",
    "Organisation",
    "PUBLIC",
    "Principal",
    "ROLES",
    "RULES",
    "TokenInfo",
    "TotpEnrolment",
    "User",
    "acting_as",
    "add_organisation",
    "add_user",
    "authenticate_request",
    "authenticate_session",
    "authenticate_token",
    "begin_totp",
    "check_csrf",
    "check_second_factor",
    "clear_lockout",
    "confirm_totp",
    "create_session",
    "disable_user",
    "enable_user",
    "end_session",
    "get_organisation",
    "get_personal",
    "get_user",
    "grant",
    "issue_token",
    "list_organisations",
    "list_tokens",
    "list_users",
    "local_principal",
    "login",
    "must_suppress",
    "read_audit",
    "read_personal",
    "record",
    "require",
    "reset_totp",
    "revoke_token",
    "revoke_user_tokens",
    "rules_markdown",
    "session_cookie",
    "set_password",
    "set_role",
    "sign_in",
    "ungrant",
    "verify_audit",
]
