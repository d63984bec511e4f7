"""The one parser of each field type: raw values (file text, Python objects, database values) to the column
of that type's canonical dtype, used by validation and by the store's codec alike.

=========  ==========================================================  ======================================
type       canonical pandas dtype (``FIELD_DTYPES``)                    accepted
=========  ==========================================================  ======================================
str        ``str`` (Arrow-backed; missing: NaN)                         any text, trimmed; blank is missing
int        ``Int64``                                                    whole numbers (``12``, ``12.0``)
float      ``float64`` (missing: NaN)                                   finite numbers
bool       ``boolean``                                                  ``TRUE_WORDS`` / ``FALSE_WORDS``, 1/0
date       ``datetime64[us]`` (naive, midnight)                         ISO 8601 (``YYYY-MM-DD``), dates
datetime   ``datetime64[us, UTC]``                                      ISO 8601 with or without an offset
json       ``object`` holding parsed lists/dicts/values (missing: None)  JSON text, lists, dicts
=========  ==========================================================  ======================================

A date-time without an offset is taken as UTC; one with an offset is converted to UTC, so the instant is
kept (to the millisecond, as stores hold it). Parsing never raises on a bad value: it reports which values
were given (``present``) and which of them could not be read as the type (``bad``); validation turns those
into issues, the codec into an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EARLIEST_DATE",
    "FALSE_WORDS",
    "FIELD_DTYPES",
    "LATEST_PLANNED_DATE",
    "Parsed",
    "TEXT",
    "TRUE_WORDS",
    "clean_text",
    "empty_column",
    "holds_text",
    "parse_values",
]

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' ``str``: what CSV and Arrow reads give, no copies
FIELD_DTYPES: dict[str, Any] = {
    "str": TEXT,
    "int": pd.Int64Dtype(),
    "float": np.dtype("float64"),
    "bool": pd.BooleanDtype(),
    "date": np.dtype("datetime64[us]"),
    "datetime": pd.DatetimeTZDtype("us", "UTC"),
    "json": np.dtype(object),
}
# yes/no in English, Spanish, Azerbaijani and Russian, compared in lower case after trimming
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0", "si", "sí", "bəli", "hə", "да"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0", "xeyr", "yox", "нет"})
EARLIEST_DATE = date(1900, 1, 1)  # no record of this domain describes an earlier day
LATEST_PLANNED_DATE = date(2100, 12, 31)  # the latest a planned date (a return target) may lie

_NOT_TEXT = {"date", "datetime", "datetime64", "integer", "floating", "boolean", "empty", "decimal"}
_EXACT_INT = 2.0**53  # whole numbers beyond this are not held exactly: no field of the domain needs them
_NUMERIC_OBJECTS = {"integer", "floating", "mixed-integer-float", "boolean", "empty", "decimal"}


@dataclass(frozen=True)
class Parsed:
    """A parsed column: ``values`` in the type's canonical dtype (missing where absent or unreadable),
    ``present`` (a value was given) and ``bad`` (given but not readable as the type), as boolean arrays."""

    values: pd.Series
    present: np.ndarray
    bad: np.ndarray
    numbers: np.ndarray | None = None  # int and float: the values read as float64 (NaN where not numbers)


def holds_text(raw: pd.Series) -> bool:
    """Whether ``raw`` holds text to trim (string columns; object columns holding some text)."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return True
    return raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) not in _NOT_TEXT


def clean_text(raw: pd.Series) -> pd.Series:
    """``raw`` as ``str`` text, trimmed, blank values missing."""
    text = raw if raw.dtype == TEXT else raw.astype(TEXT)
    # copy only when something changes: most columns of a clean file have no padding and no empty strings
    padded = pc.match_substring_regex(pa.chunked_array(pa.array(text.array)), r"^\s|\s$")  # RE2, no loop
    if pc.any(padded).as_py():
        text = text.str.strip()
    blank = text == ""
    return text.where(~blank) if blank.any() else text


def _text(raw: pd.Series) -> pd.Series:
    """Cleaned text of ``raw`` (``parse_values`` has cleaned every text column: those pass as they are)."""
    return raw if raw.dtype == TEXT else clean_text(raw)


def empty_column(field_type: str, n: int) -> pd.Series:
    """An all-missing column of the type's canonical dtype, built without touching n Python objects."""
    nothing = np.ones(n, dtype=bool)
    if field_type == "str":
        return pd.Series(pa.nulls(n, pa.large_string()), dtype=TEXT)
    if field_type == "int":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), nothing))
    if field_type == "float":
        return pd.Series(np.full(n, np.nan))
    if field_type == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), nothing))
    if field_type in ("date", "datetime"):
        stamps = pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"))
        return stamps.dt.tz_localize("UTC") if field_type == "datetime" else stamps
    return pd.Series(np.full(n, None, dtype=object), dtype=object)


def _numbers(raw: pd.Series) -> np.ndarray:
    """float64 values of ``raw`` (NaN where missing or not a number)."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return np.asarray(raw.astype("float64").to_numpy(dtype="float64", na_value=np.nan))
    if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in _NUMERIC_OBJECTS:
        return np.asarray(pd.to_numeric(raw, errors="coerce"), dtype="float64")
    text = _text(raw)
    return np.asarray(pd.to_numeric(text, errors="coerce").astype("float64"), dtype="float64")


def _parse_int(raw: pd.Series, present: np.ndarray) -> Parsed:
    if pd.api.types.is_integer_dtype(raw.dtype):  # int64 or Int64: exact, no float round trip
        values = raw.astype("Int64")
        return Parsed(values, present, np.zeros(len(raw), dtype=bool), _numbers(raw))
    number = _numbers(raw)
    exact = np.isfinite(number) & (np.mod(number, 1) == 0) & (np.abs(number) < _EXACT_INT)
    bad = present & ~exact
    missing = bad | ~present | ~exact
    integers = pd.arrays.IntegerArray(np.where(missing, 0, number).astype(np.int64), missing)
    return Parsed(pd.Series(integers), present, bad, number)


def _parse_float(raw: pd.Series, present: np.ndarray) -> Parsed:
    number = _numbers(raw)
    bad = present & ~np.isfinite(number)
    return Parsed(pd.Series(np.where(bad | ~present, np.nan, number)), present, bad, number)


def _parse_bool(raw: pd.Series, present: np.ndarray) -> Parsed:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return Parsed(raw.astype("boolean"), present, np.zeros(len(raw), dtype=bool))
    if raw.dtype != object and pd.api.types.is_numeric_dtype(raw.dtype):
        number = _numbers(raw)
        true, false = number == 1, number == 0
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in _NUMERIC_OBJECTS:
        number = _numbers(raw)  # booleans and 1/0 as a database gives them
        true, false = number == 1, number == 0
    else:
        lowered = _text(raw).str.lower()
        true = lowered.isin(TRUE_WORDS).to_numpy(dtype=bool)
        false = lowered.isin(FALSE_WORDS).to_numpy(dtype=bool)
    unknown = ~(true | false)
    values = pd.Series(pd.arrays.BooleanArray(true, unknown))
    return Parsed(values, present, present & unknown)


def _instants(raw: pd.Series) -> pd.Series:
    """UTC instants (``datetime64[us, UTC]``) of ``raw``; NaT where missing or unreadable."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        tz = getattr(raw.dt, "tz", None)
        stamps = raw.dt.tz_localize("UTC") if tz is None else raw.dt.tz_convert("UTC")
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in ("date", "datetime"):
        stamps = pd.to_datetime(raw, errors="coerce", utc=True)  # a reader's date objects
    else:
        text = _text(raw)
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return pd.Series(stamps.dt.as_unit("us").array)


def _parse_time(raw: pd.Series, present: np.ndarray, *, field_type: str) -> Parsed:
    stamps = _instants(raw)
    bad = present & stamps.isna().to_numpy()
    # a date is the day (midnight, naive); an instant is kept to the millisecond, as every store holds it
    day = field_type == "date"
    stamps = stamps.dt.tz_localize(None).dt.normalize() if day else stamps.dt.floor("ms")
    return Parsed(stamps, present, bad)


_BAD = object()


def _load_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return _BAD


def _parse_json(raw: pd.Series, present: np.ndarray) -> Parsed:
    values = raw.to_numpy(dtype=object)
    blank = np.fromiter((isinstance(v, str) and not v.strip() for v in values), dtype=bool, count=len(values))
    present = present & ~blank
    loaded = np.full(len(values), None, dtype=object)
    for i in np.flatnonzero(present).tolist():  # element by element: a list must not become an axis
        loaded[i] = _load_json(values[i])
    bad = np.fromiter((v is _BAD for v in loaded), dtype=bool, count=len(loaded))
    loaded[bad] = None
    return Parsed(pd.Series(loaded, dtype=object), present, bad)


def _parse_str(raw: pd.Series, present: np.ndarray) -> Parsed:
    return Parsed(_text(raw), present, np.zeros(len(raw), dtype=bool))


def _already(field_type: str, raw: pd.Series) -> bool:
    """Whether ``raw`` is a parsed column of ``field_type`` already (text and JSON are always read)."""
    return field_type not in ("str", "json") and raw.dtype == FIELD_DTYPES[field_type]


def parse_values(field_type: str, raw: pd.Series | np.ndarray | list[Any]) -> Parsed:
    """Parse ``raw`` as values of ``field_type`` (one of ``FIELD_DTYPES``).

    Parameters
    ----------
    field_type : str
        ``str``, ``int``, ``float``, ``bool``, ``date``, ``datetime`` or ``json``.
    raw : Series, array or list
        Values as a file reader, a caller or a database gives them: text, numbers, booleans, date objects,
        datetime64 columns, parsed JSON.

    Returns
    -------
    Parsed
        ``values`` (canonical dtype, index 0 to n-1), ``present`` and ``bad`` masks.
    """
    series = raw.reset_index(drop=True) if isinstance(raw, pd.Series) else pd.Series(raw, dtype=object)
    if _already(field_type, series):
        present = series.notna().to_numpy(dtype=bool)
        numbers = _numbers(series) if field_type in ("int", "float") else None
        return Parsed(series, present, np.zeros(len(series), dtype=bool), numbers)
    if field_type != "json" and holds_text(series):  # trimmed once here; blank text is missing
        series = clean_text(series)
    present = series.notna().to_numpy(dtype=bool)
    if not present.any():
        return Parsed(empty_column(field_type, len(series)), present, present.copy())
    if field_type == "int":
        return _parse_int(series, present)
    if field_type == "float":
        return _parse_float(series, present)
    if field_type == "bool":
        return _parse_bool(series, present)
    if field_type in ("date", "datetime"):
        return _parse_time(series, present, field_type=field_type)
    if field_type == "json":
        return _parse_json(series, present)
    return _parse_str(series, present)
