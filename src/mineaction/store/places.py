"""Where a store lives, for the commands that move whole stores (copy, backup, restore): telling GeoPackage
paths from PostgreSQL URLs, opening a store as it is (no migration applied), checking its schema version,
SQLite's online backup, and putting a finished file in place so that nothing half-written is ever seen.

A file is always written under a temporary name in its own folder (``partial_path``) and only then put in
place (``install_file``): renamed when the path is new, or written into the existing file with SQLite's
backup in one transaction when the path exists, so that a program that has the file open (a server, QGIS)
sees the new content instead of writing on into an unlinked file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from mineaction.errors import ConfigError, NotFoundError, SchemaError, StoreError
from mineaction.store.catalog import tables_with_rows
from mineaction.store.gpkg import GeoPackageStore
from mineaction.store.migrations import latest_version, schema_version
from mineaction.store.postgis import PostGISStore, redact_url
from mineaction.store.sql import SQLStore

__all__ = [
    "check_integrity",
    "check_replaceable",
    "gpkg_path",
    "install_file",
    "is_postgres_url",
    "is_sqlite_file",
    "open_unmigrated",
    "partial_path",
    "replace_file",
    "require_version",
    "same_place",
    "sqlite_backup",
    "sqlite_path",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def gpkg_path(url: str) -> Path | None:
    """The file of a GeoPackage store URL (``x.gpkg`` or ``gpkg:///abs/x.gpkg``), else None."""
    if url.startswith("gpkg://"):
        return Path(url.removeprefix("gpkg://"))
    if url.lower().endswith(".gpkg") and "://" not in url:
        return Path(url)
    return None


def sqlite_path(url: str) -> Path | None:
    """The file of a GeoPackage store URL, or of any path to an SQLite file (a backup named ``x.backup``)."""
    path = gpkg_path(url)
    if path is None and "://" not in url and is_sqlite_file(Path(url)):
        return Path(url)
    return path


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database."""
    return url.startswith(("postgresql://", "postgres://"))


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is an SQLite database file (a GeoPackage is one), by its first bytes."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def same_place(a: str, b: str) -> bool:
    """Whether two store URLs name the same file or database."""
    pa, pb = gpkg_path(a), gpkg_path(b)
    if pa is not None and pb is not None:
        return pa.resolve() == pb.resolve()
    return redact_url(a) == redact_url(b)


def open_unmigrated(url: str | Path, *, check: bool = False) -> SQLStore:
    """Open an existing GeoPackage or PostGIS store as it is, without applying missing migrations; with
    ``check``, SQLite's quick check must find a GeoPackage sound (SchemaError otherwise)."""
    text = str(url)
    if is_postgres_url(text):
        return PostGISStore(text)
    path = sqlite_path(text)
    if path is None:
        raise ConfigError(
            f"{text!r} is not a store this command can reach; give a path ending in .gpkg, "
            "gpkg:///abs/path.gpkg or postgresql://user@host/db (a memory:// store lives inside one program)"
        )
    if not path.exists():
        raise NotFoundError(f"no store at {path}; check the path")
    if not is_sqlite_file(path):
        raise SchemaError(f"{path} is not a GeoPackage (not an SQLite file); check the path")
    try:
        store = GeoPackageStore(path, url=text)
        if check:
            check_integrity(store)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise StoreError(f"{path} cannot be opened ({exc}); check the path and its permissions") from None
        raise StoreError(
            f"{path} is locked by another program (a QGIS editing session, an import?); try again when it "
            "is done"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{path} is damaged ({exc}); use a backup of it") from None
    return store


def check_integrity(store: SQLStore) -> None:
    """SchemaError unless SQLite's quick check of the file finds it sound (a no-op on PostgreSQL)."""
    if isinstance(store, PostGISStore):
        return
    try:
        problems = [str(r[0]) for r in store.query("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        store.close()
        raise SchemaError(f"{store.url} is damaged ({problems[0]}); use a backup of it")


def require_version(store: SQLStore, what: str) -> int:
    """The store's schema version; SchemaError when it has none or one newer than this code."""
    version = schema_version(store)
    if version is None:
        raise SchemaError(f"{store.url} holds no mineaction store ({what}); check the path or URL")
    if version > latest_version():
        raise SchemaError(
            f"{store.url} has schema version {version} but this mineaction knows up to {latest_version()}; "
            "upgrade mineaction first"
        )
    return version


class _Waited(Exception):
    """The source stayed locked past the wait allowed."""


def sqlite_backup(path: Path, target: Path, *, wait_s: float = GeoPackageStore.busy_timeout_s) -> None:
    """Copy the SQLite database ``path`` to ``target`` with SQLite's online backup, in one step: a
    consistent copy taken while other programs keep working (a writer waits for the copy instead of
    failing). StoreError when another program keeps the file locked for more than ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s

    def waited(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _Waited

    src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=min(wait_s, 5.0))
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, progress=waited)
    except _Waited:
        raise StoreError(
            f"{path} stayed locked by another program for more than {wait_s:g} s (a long edit in QGIS, an "
            "import?); nothing was copied; try again when it is done"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{path} cannot be copied ({exc}); use a backup of it") from None
    finally:
        dst.close()
        src.close()


@contextlib.contextmanager
def partial_path(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` (hidden, ending ``.partial``), removed with its SQLite journal when
    the block ends, whether the file was put in place or not."""
    if not path.parent.is_dir():
        raise NotFoundError(f"folder {path.parent} does not exist; create it first or choose another path")
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # SQLite creates it afresh
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)
        Path(f"{partial}-journal").unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_file(new: Path, path: Path) -> None:
    """Rename the finished file ``new`` to ``path`` (replacing any file there), both synced to disk first."""
    with new.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(new, path)
    _fsync_folder(path.parent)


def install_file(new: Path, path: Path) -> None:
    """Put the finished store file ``new`` in place at ``path``: renamed when ``path`` is new (or not an
    SQLite file); an existing SQLite file is overwritten with SQLite's backup in one transaction, so programs
    that have it open see the new content and a failure leaves it as it was."""
    if not path.exists() or not is_sqlite_file(path) or not is_sqlite_file(new):
        replace_file(new, path)
        return
    src = sqlite3.connect(f"{new.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(path, timeout=GeoPackageStore.busy_timeout_s)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} could not be replaced ({exc}); it is unchanged; try again") from None
    finally:
        dst.close()
        src.close()


def check_replaceable(path: Path, *, replace: bool) -> bool:
    """Whether the file at ``path`` holds data that writing a store there would replace; StoreError when it
    does (or is some other file) and ``replace`` is false. A missing file or an empty store holds none."""
    if not path.exists():
        return False
    if not is_sqlite_file(path):
        if not replace:
            raise StoreError(f"{path} exists and is not a GeoPackage; choose another path or add --replace")
        return True
    with contextlib.closing(GeoPackageStore(path)) as target:
        version = schema_version(target)
        if version is None:
            holding = ["(tables of another program)"] if target.query("SELECT 1 FROM sqlite_master") else []
        else:
            holding = tables_with_rows(target)
    if holding and not replace:
        raise StoreError(
            f"{path} already holds data (tables {', '.join(holding[:5])}); write into a new or empty store, "
            "or add --replace to replace everything in it"
        )
    return bool(holding)
