"""Reading CSV files: their encoding and delimiter, points from lon/lat columns or geometries from WKT.

UTF-8 (with or without a byte-order mark) is read by pandas' pyarrow engine straight from the file; a file
that is not UTF-8 is read in the encoding the caller names (``--encoding``, ``encoding:`` in a mapping) or,
when none is named, in the one ``mineaction.io.encodings.detect_encoding`` finds, and a note says which. A
file that cannot be decoded is refused naming the first bad byte's row and column. The delimiter is a comma
(a tab for ``.tsv``) unless the header holds none and a semicolon, tab or bar instead. A cell too large for
the fast reader (a value of many megabytes) is read by pandas' C reader instead.

Values a row's geometry cannot be made of (a WKT that does not parse, a curved geometry, an EWKT with another
CRS) leave the geometry empty and say why, as (field, reason, fix), in the ``PROBLEM_COLUMN`` column, which
the importer turns into errors of those rows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from mineaction.errors import InputError
from mineaction.io.encodings import (
    describe_bad_byte,
    detect_encoding,
    first_bad_utf8,
    normalise_encoding,
)

__all__ = ["LAT_NAMES", "LON_NAMES", "NOTES_ATTR", "PROBLEM_COLUMN", "WKT_NAMES", "csv_geometry", "read_csv"]

LON_NAMES = ("lon", "longitude", "long", "lng", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
PROBLEM_COLUMN = "_read_problem"  # (field, reason, fix) of a row the reader could not read whole, else None
NOTES_ATTR = "mineaction_read_notes"  # frame.attrs key: what the reader assumed (an encoding), for the user
WGS84 = "EPSG:4326"
_DELIMITERS = (",", ";", "\t", "|")
_CURVED = re.compile(
    r"^\s*(CIRCULARSTRING|COMPOUNDCURVE|CURVEPOLYGON|MULTICURVE|MULTISURFACE|CURVE|SURFACE|"
    r"POLYHEDRALSURFACE|TIN|TRIANGLE)\b",
    re.IGNORECASE,
)
_EWKT = re.compile(r"^\s*SRID\s*=\s*(\d+)\s*;\s*", re.IGNORECASE)


def _encoding_error(path: Path, data: bytes, offset: int, encoding: str | None, sep: str) -> InputError:
    where = describe_bad_byte(data, offset, delimiter=sep)
    if encoding is None:
        return InputError(
            f"{path.name}: not UTF-8 text and not in an encoding mineaction recognises: {where}; save it as "
            "UTF-8, or give its encoding (--encoding windows-1251, or encoding: in the mapping)"
        )
    return InputError(
        f"{path.name}: {where} cannot be read as {encoding}; give the file's real encoding (--encoding, or "
        "encoding: in the mapping) or save it as UTF-8"
    )


def _source(path: Path, encoding: str | None, sep: str) -> tuple[Path | io.BytesIO, str | None]:
    """What the CSV reader reads (the file itself when it is UTF-8, else UTF-8 bytes) and a note."""
    if encoding is not None:
        try:
            encoding = normalise_encoding(encoding)
        except ValueError as exc:
            raise InputError(f"{path.name}: {exc}") from None
    if encoding in (None, "utf-8", "utf-8-sig"):
        bad = first_bad_utf8(path)
        if bad is None:
            return path, None
        if encoding is not None:
            raise _encoding_error(path, path.read_bytes(), bad, "UTF-8", sep)
    data = path.read_bytes()
    note = None
    if encoding is None:
        encoding = detect_encoding(data)
        if encoding is None:
            raise _encoding_error(path, data, first_bad_utf8(path) or 0, None, sep)
        note = f"{path.name} is not UTF-8: read as {encoding}; if letters look wrong, give --encoding"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, data, exc.start, encoding, sep) from None
    return io.BytesIO(text.encode("utf-8")), note


def _delimiter(path: Path) -> str:
    """A comma (a tab for .tsv) unless the header line holds none of it but another common delimiter."""
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("rb") as stream:
        header = stream.readline(1 << 20).decode("latin-1")
    if default in header:
        return default
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else default


def _read(source: Path | io.BytesIO, sep: str) -> pd.DataFrame:
    try:
        return pd.read_csv(source, engine="pyarrow", sep=sep)
    except ValueError as exc:  # pyarrow's blocks are 1 MiB: a larger cell needs the C reader
        if "straddl" not in str(exc):
            raise
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return pd.read_csv(source, sep=sep, engine="c", low_memory=False)


def _read_frame(path: Path, encoding: str | None) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty; export the data again with a header row")
    sep = _delimiter(path)
    source, note = _source(path, encoding, sep)
    try:
        frame = _read(source, sep)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name}: the file is empty; export the data again with a header row") from None
    except (ValueError, UnicodeDecodeError, OSError, pd.errors.ParserError) as exc:
        raise InputError(
            f"{path.name}: cannot read as CSV ({_first_line(exc)}); check the delimiter (comma), quoting and "
            "that every row has as many values as the header"
        ) from None
    pa.default_memory_pool().release_unused()  # the parsed Arrow table is converted: give its memory back
    frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    if len(frame) == 0:
        raise InputError(f"{path.name}: no data rows under the header; export the data again")
    if note is not None:
        frame.attrs[NOTES_ATTR] = [note]
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _find_column(columns: Sequence[str], wanted: str | None, names: Sequence[str]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _parse_wkt(values: np.ndarray, crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Geometries of WKT (or EWKT) text, and why each unreadable one is not a geometry (None where read)."""
    text = pd.Series(values, dtype=object).where(pd.notna(values), None)
    problems = np.full(len(text), None, dtype=object)
    given = text.notna() & (text.astype(str).str.strip() != "")
    curved = given & text.astype(str).str.match(_CURVED)
    for i in np.flatnonzero(curved.to_numpy()).tolist():
        problems[i] = (
            "geometry",
            "a curved or surface geometry, which mineaction does not store",
            "linearise it first (QGIS: Segmentize; ogr2ogr -nlt CONVERT_TO_LINEAR)",
        )
    srid = text.where(given & ~curved).astype(str).str.extract(_EWKT, expand=False)
    other = (srid.notna() & (srid != "4326") & (crs is None)).to_numpy()
    for i in np.flatnonzero(other).tolist():
        problems[i] = (
            "geometry",
            f"an EWKT in SRID {srid.iloc[i]}",
            f"declare that CRS (--crs EPSG:{srid.iloc[i]})",
        )
    readable = (given & ~curved).to_numpy() & ~other
    clean = text[readable].astype(str).str.replace(_EWKT, "", regex=True).to_numpy(dtype=object)
    geometry = np.full(len(text), None, dtype=object)
    geometry[readable] = _from_wkt(clean)
    for i in np.flatnonzero(readable & shapely.is_missing(geometry)).tolist():
        problems[i] = ("geometry", "not readable WKT", "write e.g. POINT (46.93 39.99) (lon lat, WGS84)")
    return geometry, problems


def _from_wkt(text: np.ndarray) -> np.ndarray:
    try:
        return np.asarray(shapely.from_wkt(text, on_invalid="ignore"), dtype=object)
    except (shapely.errors.GEOSException, NotImplementedError, ValueError):  # one bad value: one at a time
        return np.array([_one_wkt(t) for t in text] + [None], dtype=object)[:-1]


def _one_wkt(text: Any) -> Any:
    try:
        return shapely.from_wkt(text, on_invalid="ignore")
    except (shapely.errors.GEOSException, NotImplementedError, ValueError):
        return None


def read_csv(
    path: str | Path,
    *,
    crs: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    require_geometry: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV file; points from lon/lat columns or geometries from a WKT column, in EPSG:4326.

    Parameters
    ----------
    path : path
        The CSV file (comma-separated unless the header shows another delimiter; ``.tsv`` is tab-separated).
    crs : str, optional
        CRS of the coordinates (default EPSG:4326); reprojected to EPSG:4326.
    lon, lat : str, optional
        Names of the coordinate columns (default: the first of lon/longitude/long/lng/x and lat/latitude/y).
    wkt : str, optional
        Name of a WKT geometry column (default: wkt/geometry/geom/the_geom), used when there are no lon/lat.
    require_geometry : bool
        Raise ``InputError`` when neither lon/lat nor WKT columns are found; otherwise return a plain frame.
    encoding : str, optional
        The file's text encoding (default: UTF-8, or the one detected when the file is not UTF-8).

    Returns
    -------
    GeoDataFrame (EPSG:4326) or DataFrame
        All the file's columns, plus ``geometry`` (and ``PROBLEM_COLUMN`` when some WKT could not be read).
        Rows with both lon and lat empty get no geometry; rows with only one get a NaN coordinate, which
        validation reports.
    """
    path = Path(path)
    frame = _read_frame(path, encoding)
    return csv_geometry(frame, path, crs=crs, lon=lon, lat=lat, wkt=wkt, require_geometry=require_geometry)


def csv_geometry(
    frame: pd.DataFrame,
    path: Path,
    *,
    crs: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    require_geometry: bool = True,
) -> pd.DataFrame:
    """The geometry of a frame read from the CSV file ``path`` (all of it, or a batch of its rows), made as
    ``read_csv`` makes it: points from lon/lat columns or geometries from WKT, in EPSG:4326."""
    columns = list(frame.columns)
    lon_col, lat_col = _find_column(columns, lon, LON_NAMES), _find_column(columns, lat, LAT_NAMES)
    wkt_col = _find_column(columns, wkt, WKT_NAMES) if (lon_col is None or lat_col is None) else None
    if lon_col is not None and lat_col is not None:
        x = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(dtype=float)
        geometry = shapely.points(x, y)
        geometry[np.isnan(x) & np.isnan(y)] = None
    elif wkt_col is not None:
        geometry, problems = _parse_wkt(frame[wkt_col].to_numpy(dtype=object), crs)
        frame = frame.drop(columns=[wkt_col])
        if pd.notna(problems).any():
            frame[PROBLEM_COLUMN] = problems
    elif require_geometry or lon is not None or lat is not None or wkt is not None:
        wanted = [c for c in (lon, lat, wkt) if c is not None] or ["lon", "lat"]
        raise InputError(
            f"{path.name}: no coordinate columns {' and '.join(wanted)}; the columns are "
            f"{', '.join(columns)}; name the lon/lat (or WKT) columns in the mapping "
            "(lon:, lat:, wkt:)"
        )
    else:
        return frame
    spatial = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs or WGS84))
    return spatial if spatial.crs.equals(WGS84) else _reproject(spatial, path)


def _reproject(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    try:
        return frame.to_crs(WGS84)
    except Exception as exc:  # pyproj raises its own errors for CRSs it cannot transform
        raise InputError(
            f"{path.name}: cannot reproject from {frame.crs} to WGS84 ({_first_line(exc)}); check --crs"
        ) from None
