"""What a write in batches must remember across them, on disk: how often each key was seen, and where first.

A file of ten million rows written batch by batch must still tell a repeat of row 3 on row 9,000,000 (an id
given twice, a report sent twice), but holding every key of the file in memory would make memory grow with
the file. ``Spool`` keeps, per key, the number of times it was seen and the first row it was seen on: the
newest ``MEMORY_KEYS`` keys in memory, the older ones in a private temporary SQLite database (deleted when
closed, even after a crash: it is never named on disk), so memory stays bounded whatever the file's size. A
fixed-size bit filter (2 MiB, made with the database) answers "certainly not on disk" for many keys without a
query.

Keys are 64-bit integers (``int_keys`` turns text or 16-byte digests into them) or text.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence

import numpy as np

from mineaction.store.inlists import in_lists
from mineaction.store.recordfile import python_rows

__all__ = ["MEMORY_KEYS", "Spool", "int_keys"]

MEMORY_KEYS = 100_000  # keys held in memory before they go to disk (2.4 MB)
_FILTER_BITS = 1 << 24  # 2 MiB of bits: about 45 % of lookups of new keys go to disk at 10 million keys


def int_keys(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """64-bit keys of text values (BLAKE2b): equal texts give equal keys; different texts collide with a
    probability of about n^2 / 2^65 (1e-6 for ten million distinct values)."""
    digests = b"".join(hashlib.blake2b(str(v).encode(), digest_size=8).digest() for v in values)
    return np.frombuffer(digests, dtype="<i8").astype(np.int64)


class Spool:
    """Counts and first rows of integer keys (see the module docstring); use as a context.

    The newest keys are held in memory, in sorted arrays, up to ``memory_keys`` keys (24 bytes a key); past
    that they go to the temporary database in one sorted pass, and memory starts again from empty. A key's
    count is its count on disk plus its count in memory.
    """

    def __init__(self, *, memory_keys: int = MEMORY_KEYS) -> None:
        self._limit = memory_keys
        self._db: sqlite3.Connection | None = None  # made at the first spill
        self._filter = np.zeros(0, dtype=np.uint8)  # bits of the keys on disk
        self._keys = np.empty(0, dtype=np.int64)
        self._counts = np.empty(0, dtype=np.int64)
        self._firsts = np.empty(0, dtype=np.int64)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the temporary database, if one was made."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _disk(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -2048"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.execute("CREATE TABLE seen (k INTEGER PRIMARY KEY, n INTEGER NOT NULL, first INTEGER)")
            self._filter = np.zeros(_FILTER_BITS // 8, dtype=np.uint8)
        return self._db

    @staticmethod
    def _bits(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot = (keys.view(np.uint64) % np.uint64(_FILTER_BITS)).astype(np.int64)
        return slot >> 3, (np.uint8(1) << (slot & 7).astype(np.uint8)).astype(np.uint8)

    def _in_memory(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = np.zeros(len(keys), dtype=np.int64)
        firsts = np.full(len(keys), -1, dtype=np.int64)
        if len(self._keys) and len(keys):
            where = np.searchsorted(self._keys, keys)
            where[where == len(self._keys)] = 0
            hit = self._keys[where] == keys
            counts[hit], firsts[hit] = self._counts[where[hit]], self._firsts[where[hit]]
        return counts, firsts

    def _on_disk(self, keys: np.ndarray) -> dict[int, tuple[int, int]]:
        if self._db is None or not len(keys):
            return {}
        byte, bit = self._bits(keys)
        wanted = np.unique(keys[(self._filter[byte] & bit) != 0]).tolist()
        found: dict[int, tuple[int, int]] = {}
        for marks, part in in_lists(wanted):
            for k, n, first in self._db.execute(f"SELECT k, n, first FROM seen WHERE k IN ({marks})", part):
                found[k] = (n, first)
        return found

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key: how many times it was added before (0 if never) and the first row given with it
        (-1 if never)."""
        keys = np.asarray(keys, dtype=np.int64)
        counts, firsts = self._in_memory(keys)
        found = self._on_disk(keys)
        if found:
            for i, k in enumerate(keys.tolist()):
                if k in found:
                    n, first = found[k]
                    counts[i] += n
                    firsts[i] = first
        return counts, firsts

    def add(self, keys: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Count one more occurrence of each key (a key may appear several times); the first row of a key
        never seen is the smallest of ``rows`` given with it."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(keys):
            return
        distinct, first_at, counts = np.unique(keys, return_index=True, return_counts=True)
        firsts = np.full(len(distinct), -1, dtype=np.int64) if rows is None else np.asarray(rows)[first_at]
        where = np.searchsorted(self._keys, distinct)
        known = np.zeros(len(distinct), dtype=bool)
        inside = where < len(self._keys)
        known[inside] = self._keys[where[inside]] == distinct[inside]
        self._counts[where[known]] += counts[known]
        new = ~known
        self._keys = np.insert(self._keys, where[new], distinct[new])
        self._counts = np.insert(self._counts, where[new], counts[new])
        self._firsts = np.insert(self._firsts, where[new], firsts[new])
        if len(self._keys) > self._limit:
            self._spill()

    def _spill(self) -> None:
        """Move the keys held in memory to disk (added to the counts there; first rows kept)."""
        db = self._disk()
        byte, bit = self._bits(self._keys)
        np.bitwise_or.at(self._filter, byte, bit)
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO seen (k, n, first) VALUES (?, ?, ?) "
            "ON CONFLICT (k) DO UPDATE SET n = n + excluded.n",
            python_rows(self._keys, self._counts, self._firsts, step=8_192),  # not 3 lists of 100,000
        )
        db.execute("COMMIT")
        self._keys = np.empty(0, dtype=np.int64)
        self._counts = np.empty(0, dtype=np.int64)
        self._firsts = np.empty(0, dtype=np.int64)
