"""Files kept with the data: bytes by collection and key (photos sent with field reports, risk GeoTIFFs and
reports made by server jobs), each with its media type, size, SHA-256, who saved it, when and why.

A file is written once: saving the same bytes under the same key again changes nothing; other bytes under a
key already used are refused (a photo attached to a report is evidence, never replaced). A mixin of
``SQLStore``, like :mod:`mineaction.store.documents`; every save is in the audit log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from mineaction.errors import NotFoundError, StoreError
from mineaction.store.audit import append_audit, current_origin
from mineaction.store.codec import format_instant
from mineaction.store.documents import SettingsAndDocuments

__all__ = ["MAX_FILE_BYTES", "StoredFile", "StoredFiles"]

#: The largest file the store keeps, bytes (a report with its figures, a country-wide GeoTIFF at 250 m).
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """One file kept in the store: its bytes and what is known about them (size in bytes, UTC time)."""

    collection: str
    key: str
    media_type: str
    size: int
    sha256: str
    saved_at: str
    author: str | None
    data: bytes


class StoredFiles(SettingsAndDocuments):
    """Files over the SQL helpers of ``SQLStore`` (the dialect gives the bytes column's type)."""

    def create_files_table(self, serial_key: str, bytes_type: str) -> str:
        """Create the files table (``serial_key``: the dialect's integer key; ``bytes_type``: BLOB/BYTEA)."""
        self.execute(
            f"CREATE TABLE mineaction_files ({serial_key}, collection TEXT NOT NULL, key TEXT NOT NULL, "
            "media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, saved_at TEXT NOT NULL, "
            f"author TEXT, reason TEXT, data {bytes_type} NOT NULL, UNIQUE (collection, key))"
        )
        return "mineaction_files"

    def save_file(
        self, collection: str, key: str, data: bytes, *, media_type: str, author: str, reason: str
    ) -> StoredFile:
        """Keep ``data`` under ``collection``/``key``; the same bytes again change nothing, other bytes under
        a used key raise StoreError."""
        if len(data) > MAX_FILE_BYTES:
            raise StoreError(
                f"file {collection}/{key} holds {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} the "
                "store keeps; make it smaller (a coarser grid, fewer figures) or keep it outside the store"
            )
        digest = hashlib.sha256(data).hexdigest()
        with self.transaction():
            found = self.query(
                "SELECT sha256 FROM mineaction_files WHERE collection = ? AND key = ?", [collection, key]
            )
            if found and found[0][0] != digest:
                raise StoreError(
                    f"file {collection}/{key} is kept already with other content; files are never replaced: "
                    "save the new one under another key"
                )
            if not found:
                now = format_instant(datetime.now(UTC))
                self.execute(
                    "INSERT INTO mineaction_files (collection, key, media_type, size, sha256, saved_at, "
                    "author, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (collection, key, media_type, len(data), digest, now, author, reason, data),
                )
                if self.has_audit_log():
                    detail = {"size": len(data), "sha256": digest, "media_type": media_type, "reason": reason}
                    actor = current_origin().actor or author
                    append_audit(self, "file", f"{collection}/{key}", detail, actor=actor)
        return self.load_file(collection, key)

    def load_file(self, collection: str, key: str) -> StoredFile:
        """The file kept under ``collection``/``key``; NotFoundError when there is none."""
        rows = self.query(
            "SELECT media_type, size, sha256, saved_at, author, data FROM mineaction_files "
            "WHERE collection = ? AND key = ?",
            [collection, key],
        )
        if not rows:
            raise NotFoundError(
                f"no file {key!r} in {collection!r}; list them with list_files({collection!r})"
            )
        media_type, size, digest, saved_at, author, data = rows[0]
        return StoredFile(collection, key, media_type, int(size), digest, str(saved_at), author, bytes(data))

    def list_files(self, collection: str) -> list[str]:
        """Keys of the files in ``collection``, oldest first."""
        rows = self.query("SELECT key FROM mineaction_files WHERE collection = ? ORDER BY fid", [collection])
        return [r[0] for r in rows]
