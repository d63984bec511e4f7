"""``IN (?, ?, ...)`` lists of a few fixed lengths, so that a database keeps a few statements, not hundreds.

A query ``... WHERE id IN (?, ?, ?)`` is compiled once per distinct text and kept by the connection:
Python's sqlite3 caches the 128 newest statements, and a statement whose list holds 500 placeholders keeps
about 100 KB (900: 140 KB). A write in batches asks for a different number of keys in every batch, so each
batch made a new text until the cache was full: 10 to 15 MB more memory per connection over the first
million rows of an import, kept to the end. ``in_lists`` pads each list to the next power of two (at least
8, at most ``size``) by repeating its last value, which ``IN`` ignores: a query shape then has at most 8
texts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["IN_LIST_SIZE", "in_lists"]

IN_LIST_SIZE = 900  # values per IN (...): below SQLite's oldest limit of 999 variables
_SMALLEST = 8


def _padded_length(n: int, size: int) -> int:
    length = _SMALLEST
    while length < n:
        length *= 2
    return min(length, size)


def in_lists(values: Sequence[Any], size: int = IN_LIST_SIZE) -> Iterator[tuple[str, list[Any]]]:
    """``values`` in lists of at most ``size``: for each, the placeholders (``"?, ?, ..."``, to put inside
    ``IN (...)``) and the values padded to as many by repeating the last one. Nothing for no values."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        chunk += [chunk[-1]] * (_padded_length(len(chunk), size) - len(chunk))
        yield ", ".join(["?"] * len(chunk)), chunk
