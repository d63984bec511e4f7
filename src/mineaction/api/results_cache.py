"""Results the server computes from the whole record (the map's risk surface, the hillshade, the record
assessment, alerts, data quality and laying patterns), kept in the process and keyed by the store's last
change, so a second request is answered at once and a change to the record makes the next request compute
afresh.

``ResultCache.get(key, compute)`` runs ``compute`` once per key even when requests come together: the later
ones wait for the first (in their worker threads, never in the event loop). Only the latest few results are
kept. ``kept`` keys a result by the store's last change of every kind it reads (``Store.last_change``, read
before the result is computed); a store that cannot tell (a PostGIS transaction that may write is open, or
the memory store) has its results computed afresh and not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from mineaction.domain.schema import ENTITIES

__all__ = ["RESULTS", "ResultCache", "kept"]


class ResultCache:
    """The latest ``size`` results, by key; thread-safe, one computation per key at a time."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The result kept for ``key``, else ``compute()``'s (kept for the next request)."""
        with self._guard:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._results:
                    return self._results[key]
            result = compute()
            with self._guard:
                self._results[key] = result
                while len(self._results) > self.size:
                    self._results.popitem(last=False)
                self._locks.pop(key, None)
            return result


#: The evidence results of this process (by store, endpoint, options, day and the store's last change).
RESULTS = ResultCache(size=32)


def kept(
    state: Any,
    store: Any,
    name: str,
    compute: Callable[[], Any],
    *,
    kinds: tuple[str, ...] = tuple(ENTITIES),
    cache: ResultCache = RESULTS,
) -> Any:
    """``compute()``'s result for ``name`` (an endpoint and its options), kept until a record of ``kinds``
    changes or the day does (checks that compare dates with today)."""
    marks = tuple(store.last_change(kind) for kind in kinds)
    if any(mark is None for mark in marks):
        return compute()
    return cache.get((state.pool.url, name, date.today().isoformat(), marks), compute)
