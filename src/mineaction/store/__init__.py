"""Persistence behind one contract: GeoPackage (embedded default), PostgreSQL/PostGIS (server), memory
(tests).

``open_store(url)`` picks the back end by the URL:

- ``path/to/store.gpkg`` or ``gpkg:///abs/path/store.gpkg``: a GeoPackage file (QGIS and GDAL open it);
- ``postgresql://user@host:port/db`` (or ``postgres://``): PostgreSQL with PostGIS;
- ``memory://``: SQLite in memory, for tests and scratch work (gone on close).

``init_store(url)`` creates the schema (and the file); ``open_store(url, create=True)`` does so when needed.
``copy_store(src, dst)`` copies a whole store, history included, between back ends; ``backup_store`` and
``restore_store`` keep and bring back backups of a store in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from mineaction.errors import ConfigError, NotFoundError
from mineaction.store.audit import Origin, acting
from mineaction.store.backup import BackupResult, RestoreResult, backup_store, restore_store
from mineaction.store.base import Store, WriteResult
from mineaction.store.copy import CopyResult, copy_store
from mineaction.store.gpkg import GeoPackageStore, MemoryStore
from mineaction.store.migrations import latest_version, migrate, require_current, schema_version
from mineaction.store.pool import StorePool, open_pool
from mineaction.store.postgis import PostGISStore
from mineaction.store.sql import SQLStore

__all__ = [
    "BackupResult",
    "CopyResult",
    "GeoPackageStore",
    "MemoryStore",
    "Origin",
    "PostGISStore",
    "RestoreResult",
    "SQLStore",
    "Store",
    "StorePool",
    "WriteResult",
    "acting",
    "backup_store",
    "copy_store",
    "init_store",
    "latest_version",
    "open_pool",
    "open_store",
    "restore_store",
    "schema_version",
]


def _gpkg_path(url: str) -> Path | None:
    if url.startswith("gpkg://"):
        return Path(urlparse(url).path)
    if url.lower().endswith(".gpkg") and "://" not in url:
        return Path(url)
    return None


def _connect(url: str, *, create: bool) -> SQLStore:
    text = str(url)
    if text in ("memory://", "memory:", ":memory:"):
        return MemoryStore()
    if text.startswith(("postgresql://", "postgres://")):
        return PostGISStore(text)
    path = _gpkg_path(text)
    if path is None:
        raise ConfigError(
            f"store URL {text!r} is not understood; give a path ending in .gpkg, "
            "gpkg:///abs/path.gpkg, postgresql://user@host/db or memory://"
        )
    if not path.exists() and not create:
        raise NotFoundError(f"no store at {path}; create it first with `mineaction init {path}`")
    if not path.parent.exists():
        raise NotFoundError(f"folder {path.parent} does not exist; create it first or choose another path")
    return GeoPackageStore(path, url=text)


def open_store(url: str | Path, *, create: bool = False) -> Store:
    """Open the store at ``url`` (see the module docstring for the URL forms).

    Parameters
    ----------
    url
        Where the store is: a ``.gpkg`` path, ``gpkg:///abs/path.gpkg``, ``postgresql://...`` or ``memory://``.
    create
        Create the file and schema when missing (the same as ``init_store`` first); ``memory://`` is always
        created.

    Raises
    ------
    NotFoundError
        The GeoPackage file does not exist and ``create`` is false.
    SchemaError
        The database has no mineaction schema, or one newer than this code.
    """
    store = _connect(str(url), create=create)
    try:
        fresh = create or isinstance(store, MemoryStore)  # a memory store always starts empty
        if fresh and schema_version(store) is None:
            migrate(store)
        else:
            require_current(store)
    except BaseException:
        store.close()
        raise
    return store


def init_store(url: str | Path, *, aoi: Sequence[float] | None = None) -> Store:
    """Create the schema at ``url`` (a new GeoPackage file, an empty PostGIS database, memory) and open it.

    ``aoi`` is the area of interest [west, south, east, north] in degrees (WGS84), kept as the ``aoi``
    setting.
    An existing store is migrated to the latest schema and kept.
    """
    store = _connect(str(url), create=True)
    try:
        migrate(store)
        if aoi is not None:
            store.set_setting("aoi", [float(v) for v in aoi])
    except BaseException:
        store.close()
        raise
    return store
