"""Content keys: a stable hash of a record's normalised field values and geometry, computed for whole columns.

A content key tells whether two rows say the same thing. It covers every field except those that say where and
when the information arrived (``id``, ``recorded_at``, ``source_doc``) plus the geometry's ISO WKB, so writing
the same file twice, or a frame read back from the store, changes nothing.

The hash input of a row is its values turned into text column by column with Arrow (text as is, integers and
booleans in decimal, floats as the integer of their IEEE-754 bits, so no float formatting is involved),
missing values as U+2400, joined by U+001F, then BLAKE2b (128 bits) over that text and the WKB. Nothing here
depends on process, platform, or numpy/pandas versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mineaction.domain.schema import Field

__all__ = ["CONTENT_KEY_EXCLUDED", "content_keys"]

# Fields that say where and when information arrived, not what it is: they do not make content different.
CONTENT_KEY_EXCLUDED = frozenset({"id", "recorded_at", "source_doc"})

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
