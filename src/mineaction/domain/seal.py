"""Seals on validated frames: how a store recognises a frame the domain's validation has already checked.

``validate_frame`` seals the normalised frame of a report without errors: a keyed BLAKE2b hash over every
value of every column (names, dtypes and the bytes of each typed column; for geometries and JSON values, the
identity of each value object, which the frame keeps alive) and over the context of the checks (the kind,
the area of interest, the metric CRS, the geometry's CRS and the day taken as today). The key is drawn at
random once per process and never leaves it, so a seal cannot be copied from elsewhere or written by hand;
``seal_frame`` is called by validation alone (``validate_frame`` and ``ValidationReport.valid_frame``), and
the seal is kept in ``frame.attrs`` as text.

``Store.write`` skips its own validation only for a frame whose seal matches what the store would check
with: its ``aoi`` and ``metric_crs`` settings and a today no later than its own. Any change after validation
(a value set, a column added or replaced, a slice, another CRS) breaks the seal, and the frame is validated
again like any other; a seal can make a write faster, never laxer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["is_sealed", "seal_frame"]

_ATTR = "mineaction_seal"
_KEY = secrets.token_bytes(32)  # per process; a seal means nothing in another process


def _update_typed(digest: Any, series: pd.Series) -> None:
    values = series.array
    if hasattr(values, "__arrow_array__"):
        arrow = values.__arrow_array__()
    else:
        arrow = pa.array(series.to_numpy(), from_pandas=True)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    for chunk in chunks:
        digest.update(f"{chunk.offset}:{len(chunk)}".encode())
        for buffer in chunk.buffers():
            digest.update(b"-" if buffer is None else buffer)


def _update_objects(digest: Any, series: pd.Series) -> None:
    """Identities of the value objects: geometries are immutable, and a value replaced is another object."""
    objects = np.asarray(series.array, dtype=object)
    digest.update(np.fromiter(map(id, objects), dtype=np.int64, count=len(objects)).tobytes())


def _digest(
    frame: pd.DataFrame,
    *,
    kind: str,
    aoi: Sequence[float] | None,
    today: date,
    metric_crs: str,
    clean: bool,
) -> str:
    digest = hashlib.blake2b(key=_KEY, digest_size=32)
    area = None if aoi is None else [float(v) for v in aoi]
    context = (kind, area, today.isoformat(), metric_crs, clean)
    digest.update(repr(context).encode())
    digest.update(str(len(frame)).encode())
    for name in frame.columns:
        series = frame[name]
        digest.update(f"|{name}:{series.dtype}:{getattr(series, 'crs', None)}|".encode())
        if series.dtype == object or str(series.dtype) == "geometry":
            _update_objects(digest, series)
        else:
            _update_typed(digest, series)
    return digest.hexdigest()


def seal_frame(
    frame: pd.DataFrame,
    *,
    kind: str,
    aoi: Sequence[float] | None,
    today: date,
    metric_crs: str,
    clean: bool = True,
) -> None:
    """Seal ``frame`` (validated as ``kind`` with these settings) in place, in ``frame.attrs``.

    ``clean`` says that no row has an error; the frame of a report with errors is sealed as not clean, so
    that ``ValidationReport.valid_frame`` can tell it is intact before it seals the rows without errors.
    """
    frame.attrs[_ATTR] = {
        "today": today.isoformat(),
        "digest": _digest(frame, kind=kind, aoi=aoi, today=today, metric_crs=metric_crs, clean=clean),
    }


def is_sealed(
    frame: pd.DataFrame,
    *,
    kind: str,
    aoi: Sequence[float] | None,
    today: date,
    metric_crs: str,
    clean: bool = True,
) -> bool:
    """Whether ``frame`` is exactly as validation sealed it, checked as ``kind`` with this area of interest
    and metric CRS and a today no later than ``today`` (and, with ``clean``, with no row in error)."""
    seal = frame.attrs.get(_ATTR)
    if not isinstance(seal, dict) or not isinstance(seal.get("digest"), str):
        return False
    try:
        sealed_today = date.fromisoformat(str(seal.get("today")))
    except ValueError:
        return False
    if sealed_today > today:
        return False
    expected = _digest(frame, kind=kind, aoi=aoi, today=sealed_today, metric_crs=metric_crs, clean=clean)
    return hmac.compare_digest(expected, seal["digest"])
