"""What every workflow result shares: turning values into plain JSON types, and frames into lists of rows.

A result's ``to_dict()`` is exactly the JSON a front end shows (the command's ``--json``, the API's body), so
it must hold only JSON types: numbers, strings, booleans, None, lists and dicts. ``to_jsonable`` makes them
from numpy, pandas, shapely and date values (NaN becomes None).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from mineaction.analysis.intervals import format_share

__all__ = ["JsonResult", "format_share", "frame_rows", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for ``value``: numpy and pandas values, dates as ISO text, NaN as None."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return frame_rows(value)
    if isinstance(value, (datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "wkt") and hasattr(value, "geom_type"):
        return value.wkt
    return value


def frame_rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The rows of ``frame`` as a list of JSON-ready dicts (geometry as WKT), in order."""
    if frame is None or frame.empty:
        return []
    rows = pd.DataFrame(frame).to_dict(orient="records")
    return [to_jsonable(row) for row in rows]


class JsonResult:
    """Mixin of the frozen result dataclasses: ``to_dict()`` gives every field as JSON, in declaration order.

    A field declared with ``metadata={"json": False}`` (a grid, an array, a fitted model) stays out of the
    JSON; results whose JSON differs from their fields override ``to_dict``.
    """

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON types (the command's ``--json`` and the API's body)."""
        assert dataclasses.is_dataclass(self)
        return {
            f.name: to_jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.metadata.get("json", True)
        }
