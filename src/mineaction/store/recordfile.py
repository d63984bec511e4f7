"""Fixed-size numpy records in an unnamed temporary file, and their sort by one key in bounded memory.

A write in batches of ten million rows must still pack its spatial index at the end (``store.rtree``), which
needs the boxes sorted by x and then by y: 240 MB of boxes, more with the sort's own arrays. ``RecordFile``
keeps them on disk instead (never memory-mapped, so their pages are the system's file cache, not the
process's memory), and ``sort_records`` sorts them with a bucket sort that reads and writes a chunk at a
time:

1. one pass finds the key's range, a second counts the records in each of ``BINS`` equal key intervals;
2. a third writes each chunk's records into their interval's place in a second file (intervals are in key
   order, so the file is sorted by interval);
3. each interval is then sorted in memory where it fits, or split again the same way where it does not (a
   cluster of many close values). An interval whose keys are all equal needs no sort.

Memory stays at about a chunk (``CHUNK_RECORDS``) plus the largest interval sorted in memory
(``MEMORY_RECORDS``), whatever the number of records. The files are deleted when closed, and by the system
when the process dies: nothing is left behind by a kill.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["CHUNK_RECORDS", "MEMORY_RECORDS", "RecordFile", "python_rows", "sort_records"]

CHUNK_RECORDS = 1 << 18  # records read or written at a time (6 MiB of 24-byte records)
MEMORY_RECORDS = 1 << 18  # an interval of at most this many records is sorted in memory
BINS = 4096  # key intervals a pass splits the records into

Key = Callable[[np.ndarray], np.ndarray]


class RecordFile:
    """Records of one numpy dtype in an unnamed temporary file, written and read by position; use as a
    context (or ``close``)."""

    def __init__(self, dtype: np.dtype, *, count: int = 0) -> None:
        self.dtype = np.dtype(dtype)
        self.count = count
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close()); unlinked at once
        if count:
            self._file.truncate(count * self.dtype.itemsize)

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()

    def append(self, records: np.ndarray) -> None:
        """Add ``records`` (of this file's dtype) at the end."""
        self.write(self.count, records)

    def write(self, start: int, records: np.ndarray) -> None:
        """Write ``records`` from record number ``start`` on (growing the file as needed)."""
        data = memoryview(np.ascontiguousarray(records, dtype=self.dtype).tobytes())
        at = 0
        while at < len(data):  # a write may take fewer bytes than given
            at += os.pwrite(self._file.fileno(), data[at:], start * self.dtype.itemsize + at)
        self.count = max(self.count, start + len(records))

    def read(self, start: int, count: int) -> np.ndarray:
        """Records ``start`` to ``start + count`` (fewer at the end of the file), in a new writable array."""
        count = max(0, min(count, self.count - start))
        buffer = bytearray(count * self.dtype.itemsize)
        view, at = memoryview(buffer), 0
        while at < len(view):  # a read may return fewer bytes than asked
            got = os.preadv(self._file.fileno(), [view[at:]], start * self.dtype.itemsize + at)
            if got == 0:
                raise OSError(f"temporary record file ended at byte {start * self.dtype.itemsize + at}")
            at += got
        return np.frombuffer(buffer, dtype=self.dtype)  # writable: it shares the bytearray

    def chunks(
        self, start: int = 0, stop: int | None = None, *, size: int = CHUNK_RECORDS
    ) -> Iterator[tuple[int, np.ndarray]]:
        """(record number, records) of ``start`` to ``stop``, ``size`` records at a time."""
        stop = self.count if stop is None else stop
        for at in range(start, stop, size):
            yield at, self.read(at, min(size, stop - at))


def sort_records(
    records: RecordFile, key: Key, *, memory_records: int = MEMORY_RECORDS, chunk: int = CHUNK_RECORDS
) -> RecordFile:
    """A new ``RecordFile`` of ``records`` ordered by ``key(records)`` (an array of numbers, one per record;
    records with equal keys in any order). ``records`` serves as scratch space for dense clusters: its
    order afterwards is undefined, close it when done."""
    out = RecordFile(records.dtype, count=records.count)
    _sort_region(records, out, 0, records.count, key, memory_records, chunk)
    return out


def _sort_region(
    source: RecordFile, target: RecordFile, start: int, stop: int, key: Key, limit: int, chunk: int
) -> None:
    """Records ``start:stop`` of ``source`` sorted into the same places of ``target``."""
    if stop - start <= limit:
        part = source.read(start, stop - start)
        target.write(start, part[np.argsort(key(part), kind="stable")])
        return
    low, high = _key_range(source, start, stop, key, chunk)
    if low == high:  # all keys equal: already in order
        for at, part in source.chunks(start, stop, size=chunk):
            target.write(at, part)
        return
    counts = np.zeros(BINS, dtype=np.int64)
    for _, part in source.chunks(start, stop, size=chunk):
        counts += np.bincount(_bins(key(part), low, high), minlength=BINS)
    offsets = start + np.concatenate([[0], np.cumsum(counts)])
    cursor = offsets[:-1].copy()
    for _, part in source.chunks(start, stop, size=chunk):
        bins = _bins(key(part), low, high)
        order = np.argsort(bins, kind="stable")  # the chunk's records interval by interval
        sizes = np.bincount(bins, minlength=BINS)
        ends = np.cumsum(sizes)
        del bins
        for b in np.flatnonzero(sizes).tolist():  # each interval's records copied out on their own
            target.write(int(cursor[b]), part[order[ends[b] - sizes[b] : ends[b]]])
            cursor[b] += sizes[b]
    for b in np.flatnonzero(counts).tolist():
        first, last = int(offsets[b]), int(offsets[b + 1])
        if last - first <= limit:
            part = target.read(first, last - first)
            target.write(first, part[np.argsort(key(part), kind="stable")])
        else:  # a dense cluster: split again (into source, whose copy of it is no longer needed), then back
            _sort_region(target, source, first, last, key, limit, chunk)
            for at, part in source.chunks(first, last, size=chunk):
                target.write(at, part)


def _key_range(source: RecordFile, start: int, stop: int, key: Key, chunk: int) -> tuple[float, float]:
    low, high = np.inf, -np.inf
    for _, part in source.chunks(start, stop, size=chunk):
        values = key(part)
        low, high = min(low, float(values.min())), max(high, float(values.max()))
    return low, high


def _bins(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Interval number of each key: monotone in the key, so intervals are in key order."""
    scaled = (np.asarray(values, dtype=np.float64) - low) * (BINS / (high - low))
    return np.clip(scaled.astype(np.int64), 0, BINS - 1)


def python_rows(*columns: np.ndarray, step: int = 65_536) -> Iterator[tuple[Any, ...]]:
    """Rows of equally long numpy arrays as tuples of Python values (for ``executemany``), converted a slice
    of ``step`` rows at a time: never a list of every value at once."""
    for start in range(0, len(columns[0]) if columns else 0, step):
        yield from zip(*(column[start : start + step].tolist() for column in columns), strict=True)
