"""Stores for servers: a pool that lends an open store per request and takes it back.

``open_pool(url, size=...)`` picks by URL like ``open_store``:

- PostGIS: a ``psycopg_pool.ConnectionPool`` of up to ``size`` connections; each loan is a ``PostGISStore``
  bound to one pooled connection (checked before it is lent, so connections broken by a database restart are
  replaced by themselves). While the database cannot be reached, a loan or a query raises
  ``UnavailableError`` (the server answers 503) and nothing is written.
- GeoPackage: up to ``size`` connections to the file (SQLite lets readers share it; writers wait their turn).
- memory: the one in-memory database, lent to one caller at a time.

The pool opens the schema check once, at start.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mineaction.errors import UnavailableError
from mineaction.store.base import Store
from mineaction.store.migrations import require_current
from mineaction.store.postgis import PostGISStore, redact_url
from mineaction.store.sql import SQLStore

__all__ = ["StorePool", "open_pool"]


class _PooledPostGISStore(PostGISStore):
    """A PostGIS store over a connection lent by the pool; closing it leaves the connection to the pool."""

    def __init__(self, url: str, connection: Any) -> None:
        SQLStore.__init__(self, url, connection)

    def close(self) -> None:
        self._conn = None


class StorePool:
    """Lends open stores (``with pool.store() as store: ...``); ``close()`` ends every connection."""

    url: str

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        """Close every connection."""

    @property
    def size(self) -> int:
        return 1


def _unavailable(url: str, exc: BaseException) -> UnavailableError:
    reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    return UnavailableError(
        f"the database at {redact_url(url)} cannot be reached now ({reason}); nothing was changed; "
        "try again in a moment"
    )


class _PostGISPool(StorePool):
    def __init__(self, url: str, *, size: int, timeout_s: float) -> None:
        from psycopg_pool import ConnectionPool

        self.url = redact_url(url)
        self._raw_url = url
        self._size = size

        def configure(conn: Any) -> None:
            conn.execute("SET TimeZone = 'UTC'")
            # Requests read small pages: starting parallel workers costs more than it saves (60 ms a query
            # measured on 100,000 finds under load, against 2 ms without).
            conn.execute("SET max_parallel_workers_per_gather = 0")

        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True},
            configure=configure,
            check=ConnectionPool.check_connection,
            timeout=timeout_s,
            reconnect_timeout=0,  # keep trying for as long as the server runs
            open=False,
            name="mineaction",
        )
        self._pool.open(wait=False)

    @property
    def size(self) -> int:
        return self._size

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as conn:
                lent = _PooledPostGISStore(self.url, conn)
                try:
                    yield lent
                finally:
                    lent.close()
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise _unavailable(self._raw_url, exc) from None

    def close(self) -> None:
        self._pool.close()


class _FilePool(StorePool):
    """GeoPackage (several connections) or memory (one, shared in turn)."""

    def __init__(self, url: str, *, size: int) -> None:
        from mineaction.store import open_store

        self.url = url
        self._memory = url in ("memory://", "memory:", ":memory:")
        self._size = 1 if self._memory else size
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()
        self._opened: list[Store] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self._size)
        first = open_store(url, create=self._memory)
        self._opened.append(first)
        self._idle.put(first)

    @property
    def size(self) -> int:
        return self._size

    def _take(self) -> Store:
        from mineaction.store import open_store

        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            opened = open_store(self.url)
            self._opened.append(opened)
        return opened

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        with self._slots:
            lent = self._take()
            try:
                yield lent
            finally:
                _reset(lent)
                self._idle.put(lent)

    def close(self) -> None:
        with self._lock:
            for opened in self._opened:
                opened.close()
            self._opened.clear()


def _reset(store: Store) -> None:
    """Leave no transaction open on a connection going back to the pool.

    A COMMIT refused because another connection held the file (SQLite's "database is locked") leaves the
    transaction open; the next borrower would then read an old snapshot and block every writer.
    """
    conn = getattr(store, "_conn", None)
    if conn is not None and conn.in_transaction:
        conn.rollback()
    if isinstance(store, SQLStore):
        store._depth = 0


def open_pool(url: str | Path, *, size: int = 4, timeout_s: float = 5.0) -> StorePool:
    """A pool of stores at ``url`` (see the module docstring); the schema is checked once.

    Parameters
    ----------
    url
        ``.gpkg`` path, ``gpkg:///...``, ``postgresql://...`` or ``memory://``.
    size
        Most connections open at once (GeoPackage, PostGIS); memory always has one.
    timeout_s
        How long a caller waits for a free connection before ``UnavailableError``, s.
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        pool: StorePool = _PostGISPool(text, size=size, timeout_s=timeout_s)
        try:
            with pool.store() as store:
                assert isinstance(store, SQLStore)
                require_current(store)
        except BaseException:
            pool.close()
            raise
        return pool
    return _FilePool(text, size=size)
