"""Content keys: a stable hash of a record's normalised field values and geometry, computed for whole columns.

A content key tells whether two rows say the same thing. It covers every field except those that say where,
when and under which reference the information arrived (``id``, ``source_ref``, ``recorded_at``,
``source_doc``) plus the geometry's ISO WKB, so writing the same file twice, or a frame read back from the
store, changes nothing.

The hash input of a row is its values turned into text column by column with Arrow (text as is, integers and
booleans in decimal, floats as the integer of their IEEE-754 bits, so no float formatting is involved),
missing values as U+2400, joined by U+001F, then BLAKE2b (128 bits) over that text and the WKB. Nothing here
depends on process, platform, or numpy/pandas versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mineaction.domain.schema import Field
from mineaction.store.spool import Spool

__all__ = ["CONTENT_KEY_EXCLUDED", "KeySet", "RepeatNumbers", "SpooledRepeatNumbers", "content_keys"]

# Fields that say where and when information arrived, not what it is: they do not make content different.
CONTENT_KEY_EXCLUDED = frozenset({"id", "source_ref", "recorded_at", "source_doc"})

_MISSING = "\u2400"
_SEPARATOR = "\u001f"


def _as_text(field: Field, values: list[Any]) -> pa.Array | pa.Scalar:
    """One column of encoded values (see ``codec``) as Arrow text, missing values marked."""
    if values.count(None) == len(values):
        return pa.scalar(_MISSING.encode(), type=pa.binary())
    if field.type == "float":
        numbers = np.array(values, dtype=np.float64)  # None becomes NaN
        bits = pa.array(numbers.view(np.int64), mask=np.isnan(numbers))
        text = pc.cast(bits, pa.string())
    elif field.type == "int":
        text = pc.cast(pa.array(values, type=pa.int64()), pa.string())
    elif field.type == "bool":
        text = pc.cast(pa.array(values, type=pa.bool_()), pa.string())
    else:
        text = pa.array(values, type=pa.string())
    return pc.cast(pc.fill_null(text, _MISSING), pa.binary())


def content_keys(
    fields: Sequence[Field], columns: Sequence[list[Any]], wkb: Sequence[bytes | None] | None, n: int
) -> list[str]:
    """The content key (32 hex digits) of each of ``n`` rows.

    Parameters
    ----------
    fields, columns
        The fields that make content and their encoded values (Python str/int/float/bool/None per row).
    wkb
        ISO WKB of each row's geometry (None where missing), or None for kinds without a geometry.
    n
        Number of rows.
    """
    parts = [
        _as_text(f, values if isinstance(values, list) else list(values))
        for f, values in zip(fields, columns, strict=True)
    ]
    if wkb is not None:
        parts.append(pc.fill_null(pa.array(wkb, type=pa.binary()), b""))
    if not parts:
        parts = [pa.scalar(b"", type=pa.binary())]
    if all(isinstance(part, pa.Scalar) for part in parts):  # no column to give the length: add one
        parts.append(pa.array(np.full(n, b"", dtype=object), type=pa.binary()))
    joined = pc.binary_join_element_wise(*parts, _SEPARATOR.encode()).to_pylist()
    blake2b = hashlib.blake2b
    return [blake2b(row, digest_size=16).hexdigest() for row in joined]


_KEY = np.dtype("S16")  # a content key's 128 bits, big-endian: byte order is numeric order


def _as_bits(keys: Sequence[str]) -> np.ndarray:
    """Content keys (32 hex digits) as 16-byte values; any other text (edited by hand) is hashed to 16
    bytes, so it stays distinct from every real key with overwhelming probability."""
    if not keys:
        return np.empty(0, dtype=_KEY)
    text = "".join(keys)
    if len(text) == 32 * len(keys):
        try:
            return np.frombuffer(bytes.fromhex(text), dtype=_KEY).copy()
        except ValueError:
            pass
    out = np.empty(len(keys), dtype=_KEY)
    for i, key in enumerate(keys):  # rare: only when some key is not 32 hex digits
        ok = len(key) == 32 and all(c in "0123456789abcdefABCDEF" for c in key)
        out[i] = bytes.fromhex(key) if ok else hashlib.blake2b(key.encode(), digest_size=16).digest()
    return out


class KeySet:
    """A set of content keys held as one sorted array of 16-byte values (16 bytes a key, where a Python set
    of the hex strings takes about 120), for the live keys of large writes.

    Two keys are the same member exactly when their 32 hex digits are the same number; membership of many
    keys at once is a binary search.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._sorted = np.unique(_as_bits(list(keys)))

    def __len__(self) -> int:
        return len(self._sorted)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.contains([key])[0])

    def contains(self, keys: Sequence[str]) -> np.ndarray:
        """Boolean array: whether each of ``keys`` is a member."""
        wanted = _as_bits(keys)
        if not len(self._sorted) or not len(wanted):
            return np.zeros(len(wanted), dtype=bool)
        where = np.searchsorted(self._sorted, wanted)
        where[where == len(self._sorted)] = 0
        return np.asarray(self._sorted[where] == wanted, dtype=bool)

    def add(self, keys: Sequence[str]) -> None:
        """Add ``keys`` (members already present are kept once)."""
        new = np.unique(_as_bits(keys))
        if len(self._sorted) and len(new):
            where = np.searchsorted(self._sorted, new)
            where[where == len(self._sorted)] = 0
            new = new[self._sorted[where] != new]
        self._sorted = np.insert(self._sorted, np.searchsorted(self._sorted, new), new)


class RepeatNumbers:
    """Tells apart the repeats of identical content within one write, across its chunks.

    A register may hold the same report twice (two accidents on the same day at the same recorded point):
    both are records. The first occurrence of a content keeps its content key; the k-th repeat gets the key of
    ``"<key>#k"``. Writing the same frame again gives the same keys, so it still adds nothing, and a frame
    holding one more repeat adds exactly one record. Counts are kept as a sorted array of 16-byte keys with
    their counts (24 bytes a distinct content).
    """

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=_KEY)
        self._counts = np.empty(0, dtype=np.int64)

    def _seen_before(self, bits: np.ndarray) -> np.ndarray:
        if not len(self._keys):
            return np.zeros(len(bits), dtype=np.int64)
        where = np.searchsorted(self._keys, bits)
        where[where == len(self._keys)] = 0
        return np.where(self._keys[where] == bits, self._counts[where], 0)

    @staticmethod
    def _rank_within(bits: np.ndarray) -> np.ndarray:
        order = np.argsort(bits, kind="stable")
        ordered = bits[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(bits)), 0))
        rank = np.empty(len(bits), dtype=np.int64)
        rank[order] = np.arange(len(bits)) - first
        return rank

    def _count(self, bits: np.ndarray) -> None:
        """Add one occurrence of each of ``bits``, merged into the sorted arrays (no re-sort of the whole)."""
        distinct, counts = np.unique(bits, return_counts=True)
        where = np.searchsorted(self._keys, distinct)
        known = np.zeros(len(distinct), dtype=bool)
        inside = where < len(self._keys)
        known[inside] = self._keys[where[inside]] == distinct[inside]
        self._counts[where[known]] += counts[known]
        self._keys = np.insert(self._keys, where[~known], distinct[~known])
        self._counts = np.insert(self._counts, where[~known], counts[~known])

    def number(self, keys: Sequence[str]) -> list[str]:
        """``keys`` with every repeat (of an earlier row of this chunk or of an earlier chunk) re-keyed."""
        if not keys:
            return []
        bits = _as_bits(keys)
        occurrence = self._seen_before(bits) + self._rank_within(bits)
        self._count(bits)
        out = list(keys)
        for i in np.flatnonzero(occurrence).tolist():  # only the repeats, usually few
            out[i] = hashlib.blake2b(f"{keys[i]}#{occurrence[i]}".encode(), digest_size=16).hexdigest()
        return out


class SpooledRepeatNumbers(RepeatNumbers):
    """``RepeatNumbers`` over a write made of many calls (an import in batches), with its counts on disk
    (``mineaction.store.spool``): memory does not grow with the number of rows. Keys are compared by a 64-bit
    mix of their 128 bits. Close it (or use it as a context) to delete its temporary file."""

    def __init__(self) -> None:
        super().__init__()
        self._spool = Spool()

    def __enter__(self) -> SpooledRepeatNumbers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._spool.close()

    @staticmethod
    def _ints(bits: np.ndarray) -> np.ndarray:
        halves = np.frombuffer(bits.tobytes(), dtype="<u8").reshape(-1, 2)
        return (halves[:, 0] ^ (halves[:, 1] * np.uint64(0x9E3779B97F4A7C15))).view(np.int64)

    def _seen_before(self, bits: np.ndarray) -> np.ndarray:
        return self._spool.lookup(self._ints(bits))[0]

    def _count(self, bits: np.ndarray) -> None:
        self._spool.add(self._ints(bits))
