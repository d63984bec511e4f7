"""The access package's way into the store: the SQL store behind a ``Store``, the clock, audit shorthands.

Accounts, tokens, sessions and the audit log are tables of every back end's shared SQL store
(``mineaction.store.security``); this module hands the access modules that SQL store and the time as the
tables hold it (ISO text, UTC, milliseconds).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mineaction.errors import StoreError
from mineaction.store import SQLStore, Store
from mineaction.store.audit import AuditEntry, append_audit
from mineaction.store.codec import format_instant

__all__ = ["audit", "from_text", "grants_json", "later", "now", "parse_grants", "sql_store", "to_text"]


def sql_store(store: Store) -> SQLStore:
    """The SQL store behind ``store`` (every back end is one); a StoreError for anything else."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"{type(store).__name__} keeps no accounts; open the store with open_store(url)")
    return store


def now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """An instant as the tables hold it."""
    return format_instant(moment)


def from_text(text: str) -> datetime:
    """An instant read back from the tables."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def later(moment: datetime, *, minutes: float = 0.0, days: float = 0.0) -> str:
    """``moment`` plus a duration, as table text."""
    return to_text(moment + timedelta(minutes=minutes, days=days))


def grants_json(grants: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """Grants as stored (a sorted JSON list)."""
    return json.dumps(sorted(grants))


def parse_grants(text: str | None) -> frozenset[str]:
    """Grants read back from the tables."""
    return frozenset(json.loads(text)) if text else frozenset()


def audit(
    store: Store,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    **who: Any,
) -> AuditEntry:
    """Append an audit entry (see ``mineaction.store.audit.append_audit``)."""
    return append_audit(sql_store(store), action, target, detail, **who)
