"""Turn record frames into database parameter columns and back, identically for every back end.

Writing: ``encode_frame`` turns a validated frame of one kind into plain Python column lists (str, int, float,
bool, ISO text for dates, canonical JSON text), the geometry as ISO WKB and a **content key** per row.
Reading: ``decode_columns`` turns fetched columns back into a frame. Both read values with the one parser of
each field type (``mineaction.domain.fields.parse_values``), so what a store returns has exactly the dtypes
validation gives (``FIELD_DTYPES``: ``str``, ``Int64``, ``float64``, ``boolean``, ``datetime64[us]`` for
dates, ``datetime64[us, UTC]`` for instants, ``object`` for JSON; geometry a GeoSeries in EPSG:4326, missing
or empty as None), whatever the back end: a frame written and read back is equal to the frame validated.

Dates travel as ``YYYY-MM-DD`` text and instants as ``YYYY-MM-DDTHH:MM:SS.sssZ`` text (UTC, millisecond
precision), the GeoPackage DATE/DATETIME encodings; PostGIS stores proper ``date``/``timestamptz`` and selects
them back in the same text form, so one decoder serves all.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.fields import TEXT, empty_column, parse_values
from mineaction.domain.schema import EntitySchema, Field
from mineaction.errors import InputError
from mineaction.store.keys import CONTENT_KEY_EXCLUDED, content_keys

__all__ = [
    "EncodedFrame",
    "decode_columns",
    "encode_frame",
    "format_instant",
    "parse_cutoff",
]


@dataclass
class EncodedFrame:
    """One frame of one kind as parameter columns (Python values, None for missing), ready for SQL."""

    columns: dict[str, list[Any]]
    geometry: np.ndarray | None  # shapely geometries (None for missing), or None for kinds without geometry
    wkb: list[bytes | None] | None
    content_keys: list[str]

    def __len__(self) -> int:
        return len(self.content_keys)


def format_instant(moment: datetime) -> str:
    """``moment`` as stored instant text (UTC, milliseconds); naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_cutoff(as_of: Any) -> str:
    """The instant text ``as_of`` stands for: a date means the end of that day (UTC), a datetime itself."""
    if isinstance(as_of, pd.Timestamp):
        as_of = as_of.to_pydatetime()
    if isinstance(as_of, datetime):
        return format_instant(as_of)
    if hasattr(as_of, "isoformat") and hasattr(as_of, "year"):
        return f"{as_of.isoformat()}T23:59:59.999Z"
    if isinstance(as_of, str):
        text = as_of.strip()
        return (
            f"{text}T23:59:59.999Z" if len(text) == 10 else format_instant(pd.Timestamp(text).to_pydatetime())
        )
    raise InputError(f"as_of {as_of!r} is not a date or datetime; give e.g. date(2023, 5, 1)")


# --- encoding ----------------------------------------------------------------------------------------------


def _missing_to_none(values: np.ndarray, missing: np.ndarray) -> list[Any]:
    out = values.astype(object)
    out[missing] = None
    return list(out.tolist())


def _shared(values: Any, to_text: Any = None) -> list[Any]:
    """``values`` as Python text, missing (and empty) as None, each distinct text one shared object.

    Factorising first keeps a million rows of a few categories (or dates) to a few string objects.
    """
    codes, uniques = pd.factorize(values)
    texts = np.asarray(uniques if to_text is None else to_text(uniques), dtype=object)
    lookup = np.empty(len(texts) + 1, dtype=object)  # code -1 (missing) picks the None at the end
    lookup[:-1] = texts
    lookup[lookup == ""] = None
    return list(lookup[codes].tolist())


def _instant_text(moments: Any) -> np.ndarray:
    return np.char.add(np.datetime_as_string(np.asarray(moments, dtype="datetime64[ms]"), unit="ms"), "Z")


def _day_text(days: Any) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"))


def _canonical_json(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_WHAT = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "date": "an ISO date (YYYY-MM-DD)",
    "datetime": "an ISO date-time",
    "json": "JSON",
}


def _encode_field(kind: str, field: Field, series: pd.Series) -> list[Any]:
    """One column as database parameters, read by the domain's parser of the field's type (a no-op for a
    validated frame, whose columns already have the canonical dtypes)."""
    if field.type == "str" and series.dtype == TEXT:  # validated text: trimmed already
        return _shared(series)
    parsed = parse_values(field.type, series)
    if parsed.bad.any():
        position = int(np.flatnonzero(parsed.bad)[0])
        raise InputError(
            f"{kind} row {position + 1}: field {field.name} value {series.iloc[position]!r} is not "
            f"{_WHAT[field.type]}; fix the value or map the right column to {field.name}"
        )
    values = parsed.values
    missing = values.isna().to_numpy()
    if field.type == "str":
        return _shared(values)
    if field.type == "int":
        return _missing_to_none(values.to_numpy(dtype=np.int64, na_value=0), missing)
    if field.type == "float":
        return _missing_to_none(values.to_numpy(dtype=np.float64), missing)
    if field.type == "bool":
        return _missing_to_none(values.to_numpy(dtype=bool, na_value=False), missing)
    if field.type == "date":
        return _shared(values.to_numpy(dtype="datetime64[us]").astype("datetime64[D]"), _day_text)
    if field.type == "datetime":
        naive = values.dt.tz_localize(None).to_numpy(dtype="datetime64[us]").astype("datetime64[ms]")
        return _shared(naive, _instant_text)
    return [_canonical_json(v) for v in values.tolist()]


_GEOMETRY_TYPES = {"point": (0,), "line": (1, 5), "polygon": (3, 6)}  # shapely type ids; "any" takes all


def _check_geometry_types(schema: EntitySchema, geoms: np.ndarray, index: pd.Index) -> None:
    allowed = _GEOMETRY_TYPES.get(schema.geometry or "")
    if allowed is None:
        return
    types = shapely.get_type_id(geoms)
    wrong = (types >= 0) & ~np.isin(types, allowed)
    if wrong.any():
        position = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"{schema.kind} row {index[position]}: geometry is a {geoms[position].geom_type} but "
            f"{schema.kind} take {schema.geometry} geometries; split or convert it, or import it as another "
            "kind"
        )


def _encode_geometry(schema: EntitySchema, frame: pd.DataFrame) -> tuple[np.ndarray, list[bytes | None]]:
    if "geometry" in frame.columns:
        series = frame["geometry"]
        crs = getattr(series, "crs", None)
        if crs is not None and crs.to_epsg() != 4326:
            series = gpd.GeoSeries(series, crs=crs).to_crs(4326)
        geoms = np.asarray(series, dtype=object)
    else:
        geoms = np.full(len(frame), None, dtype=object)
    geoms = geoms.copy()
    geoms[shapely.is_missing(geoms) | shapely.is_empty(geoms)] = None
    _check_geometry_types(schema, geoms, frame.index)
    if schema.geometry_required and (missing := shapely.is_missing(geoms)).any():
        row = frame.index[int(np.flatnonzero(missing)[0])]
        raise InputError(
            f"{schema.kind} row {row}: geometry is missing or empty but a {schema.label} needs "
            f"one; give a {schema.geometry} in WGS84 (EPSG:4326)"
        )
    wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso", output_dimension=2)  # 2D: heights are not kept
    return geoms, list(wkb.tolist())


def encode_frame(schema: EntitySchema, frame: pd.DataFrame, *, first_row: int = 0) -> EncodedFrame:
    """Turn ``frame`` (columns named as ``schema``'s fields, plus ``geometry``; validated by the store's
    guard) into parameter columns.

    Missing fields become None; other columns are ignored. Geometries are reprojected to EPSG:4326 when the
    frame declares another CRS; empty geometries count as missing.
    """
    active = getattr(frame, "_geometry_column_name", None)
    if isinstance(frame, gpd.GeoDataFrame) and active not in (None, "geometry"):
        frame = frame.rename_geometry("geometry")  # the active geometry is the geometry, whatever its name
    frame = frame.reset_index(drop=True)
    if first_row:  # a slice of a larger frame: messages name rows of the whole frame
        frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    columns: dict[str, list[Any]] = {}
    for f in schema.fields:
        if f.name in frame.columns:
            columns[f.name] = _encode_field(schema.kind, f, frame[f.name])
        else:
            columns[f.name] = [None] * len(frame)
    geoms, wkb = _encode_geometry(schema, frame) if schema.geometry else (None, None)
    keyed = [f for f in schema.fields if f.name not in CONTENT_KEY_EXCLUDED]
    keys = content_keys(keyed, [columns[f.name] for f in keyed], wkb, len(frame))
    return EncodedFrame(columns, geoms, wkb, keys)


# --- decoding ----------------------------------------------------------------------------------------------


def _decode_field(field: Field, values: Sequence[Any] | np.ndarray | None, n: int) -> Any:
    if values is None:  # not fetched: missing everywhere
        return empty_column(field.type, n).array
    if field.type == "float":  # the database gives floats or None: nothing to parse
        with contextlib.suppress(TypeError, ValueError):
            return np.array(values, dtype=float)
    return parse_values(field.type, np.asarray(values, dtype=object)).values.array


def decode_columns(
    fields: Sequence[Field],
    columns: Sequence[Sequence[Any] | np.ndarray | None],
    geometry: np.ndarray | None,
    *,
    n: int | None = None,
) -> pd.DataFrame:
    """Frame with ``fields`` decoded to the dtypes in this module's table (a GeoDataFrame in EPSG:4326 when
    ``geometry`` is given); a column given as None is missing in all ``n`` rows."""
    if n is None:
        n = next((len(c) for c in columns if c is not None), 0)
    data = {f.name: _decode_field(f, values, n) for f, values in zip(fields, columns, strict=True)}
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326", index=frame.index))
