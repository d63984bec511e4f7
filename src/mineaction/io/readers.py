"""Reading record files (GeoJSON, GeoPackage, Shapefile, zipped Shapefile, CSV, KML) into frames in WGS84.

``read_table(path)`` picks the reader by the file's suffix. Spatial files go through pyogrio (GDAL) with
Arrow; CSV through ``mineaction.io.readers_csv``. Whatever CRS the file declares (or the caller declares for
it) is reprojected to EPSG:4326; a declared CRS that is unknown is refused, or, where the coordinates are
plainly degrees, read as WGS84 with a note. Text that is not UTF-8 is read in the encoding the caller names
or the one detected (with a note), or refused naming the row and column; UTF-8 text a file declared as
Latin-1 is read back as UTF-8. In KML, the file's own ``id`` field wins over the placemark's id, which is
kept as ``source_ref`` where the row has no id of its own, and a placemark repeated exactly is marked.

Rows keep their file order, so row ``i`` of the frame is data row ``i + 1`` of the file. A file that cannot
be read at all raises one ``InputError`` naming the file and the fix; row-level problems are left to
validation (those found while reading are in ``PROBLEM_COLUMN``). Notes on what was assumed are in
``frame.attrs[NOTES_ATTR]``.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from mineaction.errors import InputError
from mineaction.io.encodings import (
    detect_encoding,
    first_bad_utf8,
    implausible_words,
    normalise_encoding,
    repair_utf8_read_as_latin1,
)
from mineaction.io.readers_csv import (
    LAT_NAMES,
    LON_NAMES,
    NOTES_ATTR,
    PROBLEM_COLUMN,
    WKT_NAMES,
    read_csv,
)

__all__ = [
    "CSV_SUFFIXES",
    "LAT_NAMES",
    "LON_NAMES",
    "NOTES_ATTR",
    "PROBLEM_COLUMN",
    "SPATIAL_SUFFIXES",
    "WKT_NAMES",
    "list_layers",
    "read_csv",
    "read_spatial",
    "read_table",
]

SPATIAL_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".zip": "ESRI Shapefile (zipped: .zip or .shp.zip)",
    ".kml": "KML",
}
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
WGS84 = "EPSG:4326"
_GEOJSON_CRS = re.compile(rb'"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]{1,200})"')


def _name(path: Path) -> str:
    return path.name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers of a spatial file (a GeoPackage may hold several)."""
    import pyogrio  # GDAL is loaded only by what reads through it (see _read_ogr)

    path = Path(path)
    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises its own DataSourceError family and OSError
        raise InputError(
            f"{_name(path)}: cannot open as a spatial file ({_first_line(exc)}); "
            "check that it is a complete GeoPackage/GeoJSON/Shapefile/KML file"
        ) from None


def check_crs(crs: str, *, what: str) -> CRS:
    """The CRS ``crs`` names; ``InputError`` saying so when pyproj does not know it."""
    try:
        return CRS.from_user_input(crs)
    except CRSError:
        raise InputError(
            f"{what}: unknown CRS {crs!r}; give a known one, e.g. EPSG:4326 (degrees) or EPSG:32638 (UTM 38N)"
        ) from None


def _plainly_degrees(frame: gpd.GeoDataFrame) -> bool:
    """Whether every coordinate is a plausible longitude and latitude (true when there are none)."""
    bounds = frame.geometry.total_bounds
    if not np.isfinite(bounds).any():
        return True
    return bool(-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90)


def _declared_geojson_crs(path: Path) -> str | None:
    """The ``crs`` member a GeoJSON declares near its start (the old 2008 form), or None."""
    with path.open("rb") as stream:
        found = _GEOJSON_CRS.search(stream.read(1 << 16))
    return found.group(1).decode("utf-8", errors="replace") if found else None


def _unknown_declared_crs(frame: gpd.GeoDataFrame, path: Path, notes: list[str]) -> None:
    """GDAL takes an unknown ``crs`` member of a GeoJSON as WGS84 without a word: say so, or refuse."""
    declared = _declared_geojson_crs(path) if path.suffix.lower() in (".geojson", ".json") else None
    if declared is None:
        return
    try:
        CRS.from_user_input(declared)
        return
    except CRSError:
        pass
    if not _plainly_degrees(frame):
        raise InputError(
            f"{_name(path)}: declares the CRS {declared!r}, which is unknown, and the coordinates are not "
            "degrees; give the CRS they are in (--crs, or crs: in the mapping)"
        )
    notes.append(
        f"{_name(path)} declares the CRS {declared!r}, which is unknown; its coordinates are plainly "
        "degrees: read as WGS84 (EPSG:4326)"
    )


def _to_wgs84(frame: gpd.GeoDataFrame, path: Path, crs: str | None) -> gpd.GeoDataFrame:
    if crs is not None:
        frame = frame.set_crs(check_crs(crs, what=_name(path)), allow_override=True)
    if frame.crs is None:
        raise InputError(
            f"{_name(path)}: the file declares no CRS; give it (--crs EPSG:4326, or the "
            "projected CRS the coordinates are in)"
        )
    if frame.crs.equals(WGS84):
        return frame
    try:
        return frame.to_crs(WGS84)
    except Exception as exc:  # pyproj raises its own errors for CRSs it cannot transform
        raise InputError(
            f"{_name(path)}: cannot reproject from its CRS to WGS84 ({_first_line(exc)}); give the CRS the "
            "coordinates are in (--crs)"
        ) from None


def _read_ogr(path: Path, layer: str | None, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    """One layer through GDAL; what GDAL warns about while reading (a ring it closed) becomes a note."""
    import pyogrio  # here, not at the top: GDAL adds about 30 MB to every process that imports it

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if encoding is None:
                frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
            else:
                frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=False, encoding=encoding)
        said = dict.fromkeys(_first_line(w.message) for w in caught if isinstance(w.message, Warning))
        notes += [f"{_name(path)}: GDAL: {text}" for text in list(said)[:3]]
        return frame
    except Exception as exc:  # GDAL's messages say what is broken; we add the file and the fix
        reason = _first_line(exc)
        if encoding is None and ("Wrapping" in reason or "codec can't decode" in reason):
            raise _NotUtf8Text from None  # Arrow met text that is not UTF-8: read it as bytes instead
        fix = "check that the file is complete and valid (e.g. open it in QGIS) and export it again"
        if "onlinear" in reason or "curve" in reason.lower():
            fix = "linearise its curved geometries first (QGIS: Segmentize; ogr2ogr -nlt CONVERT_TO_LINEAR)"
        raise InputError(f"{_name(path)}: cannot read ({reason}); {fix}") from None


_XML_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*)[\"']([A-Za-z0-9._-]+)[\"']")


@contextlib.contextmanager
def _kml_in_utf8(path: Path, encoding: str | None, notes: list[str]) -> Iterator[Path]:
    """``path``, or a UTF-8 copy of it when its text is in another encoding than the one it declares (named
    by the caller, or detected), so that the XML parser does not stop at the first such letter."""
    if encoding is None and first_bad_utf8(path) is None:
        yield path
        return
    data = path.read_bytes()
    declared = _XML_DECLARATION.match(data)
    if encoding is None and declared and declared.group(2).lower() not in (b"utf-8", b"utf8"):
        yield path  # it declares its own encoding: the XML parser reads that
        return
    chosen = encoding or detect_encoding(data)
    if chosen is None:
        bad = first_bad_utf8(path) or 0
        line = data.count(b"\n", 0, bad) + 1
        raise InputError(
            f"{_name(path)}: line {line}, byte 0x{data[bad]:02x}: text that is not UTF-8 nor in an encoding "
            "mineaction recognises; save the file as UTF-8, or give its encoding (--encoding windows-1251)"
        )
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{_name(path)}: line {line}, byte 0x{data[exc.start]:02x} cannot be read as {chosen}; give the "
            "file's real encoding (--encoding) or save it as UTF-8"
        ) from None
    body = _XML_DECLARATION.sub(rb'\1"utf-8"', text.encode("utf-8"), count=1)
    if encoding is None:
        notes.append(f"{_name(path)} is not UTF-8: read as {chosen}; if letters look wrong, give --encoding")
    with tempfile.TemporaryDirectory(prefix="mineaction-kml-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(body)
        yield copy


def _invalid_text(frame: pd.DataFrame) -> str | None:
    """The first text column holding a value that is not UTF-8 (Arrow takes it as it comes), or None."""
    for column in _text_columns(frame):
        values = frame[column].array
        if not hasattr(values, "__arrow_array__"):
            continue
        try:
            values.__arrow_array__().validate(full=True)
        except pa.ArrowInvalid:
            return column
    return None


class _NotUtf8Text(Exception):
    """Arrow could not take the file's text as UTF-8."""


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if c != "geometry" and pd.api.types.is_string_dtype(frame[c].dtype)]


def _in_its_encoding(path: Path, layer: str | None, notes: list[str]) -> pd.DataFrame:
    """The layer read with every byte of its text taken as one Latin-1 letter (nothing lost), then decoded
    in the encoding that text is in: UTF-8, or the one ``detect_encoding`` finds."""
    raw = _read_ogr(path, layer, "ISO-8859-1", notes)  # the name GDAL (iconv) and Python both know
    columns = _text_columns(raw)
    values = [
        (c, i, v) for c in columns for i, v in enumerate(raw[c]) if isinstance(v, str) and not v.isascii()
    ]
    sample = b"\n".join(v.encode("latin-1") for _, _, v in values)
    try:
        sample.decode("utf-8")
        chosen: str | None = "utf-8"
    except UnicodeDecodeError:
        chosen = detect_encoding(sample)
    if chosen is None:
        column, row, _ = next((c, i, v) for c, i, v in values if not _decodes(v.encode("latin-1")))
        raise InputError(
            f"{_name(path)} row {row + 1}, {column}: text that is not UTF-8 nor in an encoding mineaction "
            "recognises; save the file as UTF-8, or give its encoding (--encoding windows-1251)"
        )
    for column in columns:
        raw[column] = raw[column].map(
            lambda v: v.encode("latin-1").decode(chosen) if isinstance(v, str) else v
        )
    if chosen != "utf-8":
        notes.append(
            f"{_name(path)}: its text is not UTF-8: read as {chosen}; if letters look wrong, give --encoding"
        )
    return raw


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return detect_encoding(data) is not None


def _implausible_text(frame: pd.DataFrame) -> bool:
    """Whether most words beyond ASCII read as no language of the data does (``Õàíêåíäè``): Cyrillic text
    that GDAL took as Latin-1, from a Shapefile that does not say its encoding."""
    words = " ".join(
        v for c in _text_columns(frame) for v in frame[c].dropna().astype(str) if not v.isascii()
    )
    bad, total = implausible_words(words)
    return total > 0 and bad * 2 > total


def _repaired(frame: pd.DataFrame, path: Path, notes: list[str]) -> pd.DataFrame:
    """UTF-8 text read as Latin-1 (``FÃ¼zuli``, from a file declaring the wrong encoding) read back."""
    total = 0
    for column in frame.columns:
        if column == "geometry" or not pd.api.types.is_string_dtype(frame[column].dtype):
            continue
        fixed, count = repair_utf8_read_as_latin1(frame[column].astype("str"))
        if count:
            frame[column] = fixed
            total += count
    if total:
        notes.append(
            f"{_name(path)}: {total:,} value(s) were UTF-8 text read as Latin-1 (the file declares the wrong "
            "encoding): read as UTF-8"
        )
    return frame


def _kml_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """The file's own ``id`` field (GDAL names it ``id2`` beside the placemark's ``id``) is the id; the
    placemark's id becomes ``source_ref`` where the row has neither id nor source_ref of its own."""
    if "id" not in frame.columns:
        return frame
    placemark = frame["id"].astype(object).where(frame["id"].notna(), None)
    frame = frame.drop(columns="id")
    if "id2" in frame.columns:
        frame = frame.rename(columns={"id2": "id"})
    own = frame["id"].notna() if "id" in frame.columns else pd.Series(False, index=frame.index)
    refs = frame["source_ref"] if "source_ref" in frame.columns else pd.Series(None, index=frame.index)
    taken = placemark.notna() & ~own & refs.isna()
    if taken.any():
        frame["source_ref"] = refs.astype(object).where(~taken, placemark)
    return _mark_repeats(frame, placemark)


def _mark_repeats(frame: pd.DataFrame, placemark: pd.Series) -> pd.DataFrame:
    """Mark placemarks that repeat an earlier one exactly (the same id, fields and geometry)."""
    columns = [frame[c].astype(str) for c in frame.columns if c != "geometry"] + [placemark.astype(str)]
    if isinstance(frame, gpd.GeoDataFrame):
        columns.append(
            pd.Series(shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object)), dtype=object)
        )
    keys = pd.util.hash_pandas_object(pd.concat(columns, axis=1), index=False)
    repeated = keys.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return frame
    first = pd.Series(np.arange(1, len(keys) + 1), index=keys.to_numpy()).groupby(level=0).min()
    problems = np.full(len(frame), None, dtype=object)
    for i in np.flatnonzero(repeated).tolist():
        problems[i] = (
            "row",
            f"the same placemark as row {int(first[keys.iloc[i]])}, repeated",
            "remove the repeated placemarks (each is stored once)",
        )
    frame[PROBLEM_COLUMN] = problems
    return frame


def read_spatial(
    path: str | Path, *, layer: str | None = None, crs: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame:
    """Read one layer of a GeoJSON, GeoPackage, Shapefile (or zipped Shapefile) or KML file, in EPSG:4326.

    Parameters
    ----------
    path : path
        The file.
    layer : str, optional
        Layer to read (default: the first).
    crs : str, optional
        CRS of the coordinates, overriding what the file declares (or supplying it when it declares none).
    encoding : str, optional
        Encoding of the file's text (default: as the file declares, UTF-8, or the one detected).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise InputError(f"{_name(path)}: the file is empty; export the data again")
    if encoding is not None:
        try:
            encoding = normalise_encoding(encoding)
        except ValueError as exc:
            raise InputError(f"{_name(path)}: {exc}") from None
    notes: list[str] = []
    if path.suffix.lower() == ".kml":  # XML: text in another encoding than declared stops the parser
        with _kml_in_utf8(path, encoding, notes) as readable:
            frame = _read_ogr(readable, layer, None, notes)
        if encoding is None and readable == path:
            frame = _repaired(frame, path, notes)
    elif encoding is not None:
        frame = _read_ogr(path, layer, encoding, notes)
    else:
        try:
            frame = _read_ogr(path, layer, None, notes)
            legacy = _invalid_text(frame) is not None or (
                path.suffix.lower() in (".shp", ".zip") and _implausible_text(frame)
            )
        except _NotUtf8Text:
            legacy = True
        frame = _in_its_encoding(path, layer, notes) if legacy else _repaired(frame, path, notes)
    if len(frame) == 0:
        raise InputError(
            f"{_name(path)}: no features{f' in layer {layer}' if layer else ''}; "
            "check that you exported the right layer"
        )
    if path.suffix.lower() == ".kml":
        frame = _kml_ids(frame)
    if isinstance(frame, gpd.GeoDataFrame):
        if crs is None:
            _unknown_declared_crs(frame, path, notes)
        frame = _to_wgs84(frame, path, crs)
    if notes:
        frame.attrs[NOTES_ATTR] = notes
    return frame


def read_table(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    require_geometry: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read any supported file by its suffix (see ``read_spatial`` and ``read_csv``), in EPSG:4326.

    Raises
    ------
    InputError
        Unknown suffix, missing, empty, broken or featureless file, no coordinate columns in a CSV, an unknown
        CRS or text that cannot be decoded.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if crs is not None:
        check_crs(crs, what=_name(path))
    if suffix in CSV_SUFFIXES:
        return read_csv(
            path, crs=crs, lon=lon, lat=lat, wkt=wkt, require_geometry=require_geometry, encoding=encoding
        )
    if suffix in SPATIAL_SUFFIXES:
        return read_spatial(path, layer=layer, crs=crs, encoding=encoding)
    known = ", ".join(sorted(set(SPATIAL_SUFFIXES) | CSV_SUFFIXES))
    raise InputError(f"{_name(path)}: unknown file type {suffix or '(no suffix)'}; use one of {known}")


def read_problems(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Any]]:
    """``frame`` without ``PROBLEM_COLUMN``, and that column's values (one per row, None where fine)."""
    if PROBLEM_COLUMN not in frame.columns:
        return frame, []
    problems = list(frame[PROBLEM_COLUMN])
    return frame.drop(columns=PROBLEM_COLUMN), problems
