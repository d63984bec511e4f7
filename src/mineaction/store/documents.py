"""Settings and documents kept with the data: JSON values by key and versioned JSON documents (plans, models).

``mineaction_settings`` holds one JSON value per key (e.g. ``aoi``); ``mineaction_documents`` holds every
version of every document ever saved, by collection and key, with who saved it, when and why. A mixin of
``SQLStore``: it needs only ``query``, ``execute`` and ``transaction``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mineaction.errors import NotFoundError
from mineaction.store.audit import append_audit, current_origin
from mineaction.store.codec import format_instant

__all__ = ["SettingsAndDocuments"]


class SettingsAndDocuments:
    """Settings and versioned documents over the SQL helpers of ``SQLStore``."""

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    _audit_log = False

    def has_audit_log(self) -> bool:
        """Whether the store has its audit log (not yet while the migrations before it run)."""
        if not self._audit_log:
            self._audit_log = self.table_exists("mineaction_audit_head")
        return self._audit_log

    def create_settings_and_documents(self, serial_key: str) -> list[str]:
        """Create the tables (``serial_key`` is the dialect's integer key column); returns their names."""
        self.execute(f"CREATE TABLE mineaction_settings ({serial_key}, key TEXT NOT NULL UNIQUE, value TEXT)")
        self.execute(
            f"CREATE TABLE mineaction_documents ({serial_key}, collection TEXT NOT NULL, key TEXT NOT NULL, "
            "version INTEGER NOT NULL, saved_at TEXT NOT NULL, author TEXT, reason TEXT, "
            "payload TEXT NOT NULL, UNIQUE (collection, key, version))"
        )
        return ["mineaction_settings", "mineaction_documents"]

    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM mineaction_settings WHERE key = ?", [key])
        return default if not rows or rows[0][0] is None else json.loads(rows[0][0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.execute(
                "INSERT INTO mineaction_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text := json.dumps(value, sort_keys=True, default=str)),
            )
            if self.has_audit_log():
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()  # the value itself may be long
                append_audit(self, "setting", key, {"value_sha256": digest})

    def save_document(
        self, collection: str, key: str, payload: dict[str, Any], *, author: str, reason: str
    ) -> None:
        text = json.dumps(payload, sort_keys=True, default=str)
        with self.transaction():
            version = self.query(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM mineaction_documents "
                "WHERE collection = ? AND key = ?",
                [collection, key],
            )[0][0]
            self.execute(
                "INSERT INTO mineaction_documents (collection, key, version, saved_at, author, reason, "
                "payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    collection,
                    key,
                    int(version),
                    format_instant(datetime.now(UTC)),
                    author,
                    reason,
                    text,
                ),
            )
            detail = {"collection": collection, "key": key, "version": int(version), "reason": reason}
            if self.has_audit_log():
                append_audit(
                    self, "document", f"{collection}/{key}", detail, actor=current_origin().actor or author
                )

    def load_document(self, collection: str, key: str) -> dict[str, Any]:
        rows = self.query(
            "SELECT payload FROM mineaction_documents WHERE collection = ? AND key = ? "
            "ORDER BY version DESC LIMIT 1",
            [collection, key],
        )
        if not rows:
            raise NotFoundError(
                f"no document {key!r} in {collection!r}; list them with list_documents({collection!r})"
            )
        return dict(json.loads(rows[0][0]))

    def document_versions(self, collection: str, key: str) -> int:
        """How many versions of a document are kept (0 when there is none)."""
        return int(
            self.query(
                "SELECT COUNT(*) FROM mineaction_documents WHERE collection = ? AND key = ?",
                [collection, key],
            )[0][0]
        )

    def list_documents(self, collection: str) -> list[str]:
        rows = self.query(
            "SELECT key FROM mineaction_documents WHERE collection = ? GROUP BY key ORDER BY MIN(fid)",
            [collection],
        )
        return [r[0] for r in rows]
