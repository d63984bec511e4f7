"""Turn record frames into database parameter columns and back, identically for every back end.

Writing: ``encode_frame`` normalises a frame of one kind into plain Python column lists (str, int, float,
bool, ISO text for dates, canonical JSON text), the geometry as ISO WKB and a **content key** per row.
Reading:
``decode_columns`` turns fetched columns back into a frame with the same pandas dtypes whatever the back end:

=========  ==========================================================
field      pandas dtype of ``Store.read``
=========  ==========================================================
str        ``str`` (missing: NaN)
int        ``Int64``
float      ``float64``
bool       ``boolean``
date       ``datetime64[us]`` (naive, midnight)
datetime   ``datetime64[us, UTC]``
json       ``object`` holding parsed lists/dicts (missing: None)
geometry   GeoSeries in EPSG:4326 (missing or empty: None)
=========  ==========================================================

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

DATE_FORMAT = "%Y-%m-%d"
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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


def _bad(kind: str, field: Field, series: pd.Series, mask: np.ndarray, what: str) -> InputError:
    position = int(np.flatnonzero(mask)[0])
    row, value = series.index[position], series.iloc[position]
    return InputError(
        f"{kind} row {row}: field {field.name} value {value!r} is not {what}; "
        f"fix the value or map the right column to {field.name}"
    )


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


def _encode_str(series: pd.Series) -> list[Any]:
    return _shared(series.astype("str"))


def _encode_number(kind: str, field: Field, series: pd.Series) -> list[Any]:
    numbers = pd.to_numeric(series, errors="coerce")
    values = numbers.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    bad = missing & series.notna().to_numpy()
    if bad.any():  # only text that is not blank is wrong; blanks are missing values
        bad[bad] = (series[bad].astype("str").str.strip() != "").to_numpy()
    if bad.any():
        raise _bad(kind, field, series, bad, f"a number ({field.type})")
    if field.type == "float":
        return _missing_to_none(values, missing)
    fractional = ~missing & (values != np.round(values))
    if fractional.any():
        raise _bad(kind, field, series, fractional, "a whole number")
    return _missing_to_none(np.where(missing, 0, values).astype(np.int64), missing)


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _encode_bool(kind: str, field: Field, series: pd.Series) -> list[Any]:
    if pd.api.types.is_bool_dtype(series.dtype):
        flags = series.astype("boolean")
        return _missing_to_none(flags.to_numpy(dtype=object, na_value=False), flags.isna().to_numpy())
    text = series.astype("str").str.strip().str.lower()
    true, false = text.isin(_TRUE).to_numpy(), text.isin(_FALSE).to_numpy()
    missing = text.isna().to_numpy() | (text.fillna("") == "").to_numpy()
    bad = ~(true | false | missing)
    if bad.any():
        raise _bad(kind, field, series, bad, "true or false")
    return _missing_to_none(true, missing)


def _to_datetimes(kind: str, field: Field, series: pd.Series, *, utc: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
        if utc and stamps.dt.tz is None:
            stamps = stamps.dt.tz_localize("UTC")
        elif utc:
            stamps = stamps.dt.tz_convert("UTC")
        elif stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return stamps
    clean = series.where(series.notna() & (series.astype("str").str.strip() != ""), None).astype(object)
    try:
        stamps = pd.to_datetime(clean, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        try:
            stamps = pd.to_datetime(clean, utc=True, format="mixed")
        except (ValueError, TypeError, OverflowError):
            bad = pd.to_datetime(clean, utc=True, format="mixed", errors="coerce").isna() & clean.notna()
            raise _bad(kind, field, series, bad.to_numpy(), "a date (use YYYY-MM-DD)") from None
    return stamps if utc else stamps.dt.tz_localize(None)


def _encode_date(kind: str, field: Field, series: pd.Series) -> list[Any]:
    stamps = _to_datetimes(kind, field, series, utc=False)
    values = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return _shared(values, lambda days: np.datetime_as_string(np.asarray(days, dtype="datetime64[D]")))


def _encode_instant(kind: str, field: Field, series: pd.Series) -> list[Any]:
    stamps = _to_datetimes(kind, field, series, utc=True)
    values = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype("datetime64[ms]")

    def to_text(moments: Any) -> np.ndarray:
        return np.char.add(np.datetime_as_string(np.asarray(moments, dtype="datetime64[ms]"), unit="ms"), "Z")

    return _shared(values, to_text)


def _canonical_json(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, str):
        if not value.strip():
            return None
        with contextlib.suppress(ValueError):  # plain text is kept as a JSON string
            value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _encode_field(kind: str, field: Field, series: pd.Series) -> list[Any]:
    if field.type == "str":
        return _encode_str(series)
    if field.type in ("int", "float"):
        return _encode_number(kind, field, series)
    if field.type == "bool":
        return _encode_bool(kind, field, series)
    if field.type == "date":
        return _encode_date(kind, field, series)
    if field.type == "datetime":
        return _encode_instant(kind, field, series)
    return [_canonical_json(v) for v in series.tolist()]


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
    try:
        geoms[shapely.is_missing(geoms) | shapely.is_empty(geoms)] = None
    except TypeError:
        raise InputError(
            f"{schema.kind}: the geometry column holds values that are not geometries (e.g. "
            f"{next(g for g in geoms if g is not None)!r}); parse them first, e.g. with "
            "geopandas.GeoSeries.from_wkt"
        ) from None
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
    """Normalise ``frame`` (columns named as ``schema``'s fields, plus ``geometry``) into parameter columns.

    Missing fields become None; columns the schema does not know raise InputError. Geometries are reprojected
    to EPSG:4326 when the frame declares another CRS; empty geometries count as missing.
    """
    active = getattr(frame, "_geometry_column_name", None)
    if isinstance(frame, gpd.GeoDataFrame) and active not in (None, "geometry"):
        frame = frame.rename_geometry("geometry")  # the active geometry is the geometry, whatever its name
    known = set(schema.field_names) | ({"geometry"} if schema.geometry else set())
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise InputError(
            f"{schema.kind}: unknown columns {unknown}; rename them to fields of "
            f"{schema.kind} ({', '.join(schema.field_names)}) or drop them"
        )
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


def _decode_dates(values: Sequence[Any] | np.ndarray, *, utc: bool) -> pd.Series:
    series = pd.Series(values, dtype=object)
    fmt = INSTANT_FORMAT if utc else DATE_FORMAT
    try:
        stamps = pd.to_datetime(series, format=fmt, utc=utc)
    except ValueError:  # edited by another program: accept any ISO 8601 text
        stamps = pd.to_datetime(series, format="ISO8601", utc=utc)
    return stamps.astype("datetime64[us, UTC]" if utc else "datetime64[us]")


_MISSING_DTYPES = {
    "str": "str",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[us]",
    "datetime": "datetime64[us, UTC]",
}


def _decode_field(field: Field, values: Sequence[Any] | np.ndarray | None, n: int) -> Any:
    if values is None:  # not fetched: missing everywhere
        if field.type == "json":
            return np.full(n, None, dtype=object)
        missing = pd.NA if field.type in ("int", "bool") else None
        return pd.Series(missing, index=pd.RangeIndex(n), dtype=_MISSING_DTYPES[field.type]).array
    if field.type == "str":
        return pd.array(np.asarray(values, dtype=object), dtype="str")
    if field.type == "int":
        return pd.array(np.asarray(values, dtype=object), dtype="Int64")
    if field.type == "float":
        return np.array(values, dtype=float)
    if field.type == "bool":
        return pd.array([None if v is None else bool(v) for v in values], dtype="boolean")
    if field.type in ("date", "datetime"):
        return _decode_dates(values, utc=field.type == "datetime").array
    parsed = np.empty(len(values), dtype=object)
    parsed[:] = [None if v is None else json.loads(v) for v in values]
    return parsed


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
