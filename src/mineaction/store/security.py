"""The store's tables for who may do what: organisations, users, API tokens, browser sessions, login
throttling and the hash-chained audit log.

They live in the store (not in a server process) so that several server processes, the command line and the
dashboard share one truth about accounts, sessions and lock-outs, on every back end. ``mineaction.access``
holds the logic that reads and writes them; this module only says what the tables are.

===============================  ==========================================================================
table                            holds
===============================  ==========================================================================
``mineaction_organisations``     ``code`` (unique), ``name``, ``org_kind`` (authority, operator, donor,
                                 other), ``operator_id`` (the operator record it stands for, ``OP-...``)
``mineaction_users``             ``name`` (unique), ``role``, ``organisation`` (code), ``password_hash``
                                 (argon2id), ``grants`` (JSON list of explicit permissions), the TOTP
                                 secret, last used time step and hashed recovery codes, ``disabled_at``
``mineaction_tokens``            API tokens: public ``token_id``, SHA-256 of the secret (never the secret),
                                 the user, the ``role``, ``organisation`` and ``grants`` it is scoped to,
                                 ``expires_at``, ``revoked_at``, ``last_used_at``
``mineaction_sessions``          browser sessions: SHA-256 of the session id, user, times, address, whether
                                 the second factor was given
``mineaction_login_attempts``    failed logins by ``subject`` (``user:NAME`` or ``address:IP``): count,
                                 window start, ``locked_until``
``mineaction_audit``             the audit log: ``seq``, ``at``, ``actor``, ``organisation``, ``action``,
                                 ``target``, JSON ``detail``, ``origin``, ``prev_hash``, ``hash``
``mineaction_audit_head``        one row: the last ``seq`` and ``hash`` (serialises appends; shows a cut tail)
===============================  ==========================================================================

Instants are stored as ISO text in UTC with milliseconds (``2025-05-01T10:00:00.000Z``), which sorts as time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mineaction.store.sql import SQLStore

__all__ = ["AUDIT_GENESIS", "SECURITY_TABLES", "create_security_tables"]

AUDIT_GENESIS = "0" * 64  # the "previous hash" of the first audit entry

# Columns after the dialect's integer key; every instant is ISO text.
SECURITY_TABLES: dict[str, tuple[str, ...]] = {
    "mineaction_organisations": (
        "code TEXT NOT NULL UNIQUE",
        "name TEXT NOT NULL",
        "org_kind TEXT NOT NULL",
        "operator_id TEXT",
        "created_at TEXT NOT NULL",
        "disabled_at TEXT",
    ),
    "mineaction_users": (
        "name TEXT NOT NULL UNIQUE",
        "role TEXT NOT NULL",
        "organisation TEXT NOT NULL",
        "password_hash TEXT",
        "grants TEXT NOT NULL DEFAULT '[]'",
        "totp_secret TEXT",
        "totp_enabled_at TEXT",
        "totp_last_step BIGINT",
        "recovery_codes TEXT",
        "created_at TEXT NOT NULL",
        "password_changed_at TEXT",
        "disabled_at TEXT",
    ),
    "mineaction_tokens": (
        "token_id TEXT NOT NULL UNIQUE",
        "secret_hash TEXT NOT NULL",
        "user_name TEXT NOT NULL",
        "role TEXT NOT NULL",
        "organisation TEXT NOT NULL",
        "grants TEXT NOT NULL DEFAULT '[]'",
        "label TEXT",
        "created_at TEXT NOT NULL",
        "expires_at TEXT NOT NULL",
        "revoked_at TEXT",
        "last_used_at TEXT",
    ),
    "mineaction_sessions": (
        "session_hash TEXT NOT NULL UNIQUE",
        "user_name TEXT NOT NULL",
        "second_factor BOOLEAN NOT NULL DEFAULT FALSE",
        "address TEXT",
        "created_at TEXT NOT NULL",
        "last_seen_at TEXT NOT NULL",
        "expires_at TEXT NOT NULL",
        "ended_at TEXT",
    ),
    "mineaction_login_attempts": (
        "subject TEXT NOT NULL UNIQUE",
        "failures INTEGER NOT NULL",
        "first_failure_at TEXT NOT NULL",
        "locked_until TEXT",
        "lockouts INTEGER NOT NULL DEFAULT 0",
    ),
    "mineaction_audit": (
        "seq BIGINT NOT NULL UNIQUE",
        "at TEXT NOT NULL",
        "actor TEXT",
        "organisation TEXT",
        "action TEXT NOT NULL",
        "target TEXT",
        "detail TEXT NOT NULL",
        "origin TEXT",
        "prev_hash TEXT NOT NULL",
        "hash TEXT NOT NULL",
    ),
    "mineaction_audit_head": ("seq BIGINT NOT NULL", "hash TEXT NOT NULL"),
}

_INDEXES = (
    "CREATE INDEX mineaction_tokens_user ON mineaction_tokens (user_name)",
    "CREATE INDEX mineaction_sessions_user ON mineaction_sessions (user_name)",
    "CREATE INDEX mineaction_audit_at ON mineaction_audit (at)",
)


def create_security_tables(store: SQLStore) -> None:
    """Create the tables above (a migration step) and the audit log's head row."""
    for table, columns in SECURITY_TABLES.items():
        store.execute(f"CREATE TABLE {table} ({', '.join([store.serial_key(), *columns])})")
    for ddl in _INDEXES:
        store.execute(ddl)
    store.forbid_changes("mineaction_audit")
    store.execute("INSERT INTO mineaction_audit_head (seq, hash) VALUES (0, ?)", (AUDIT_GENESIS,))
