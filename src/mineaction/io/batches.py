"""Reading a large record file a batch of rows at a time, each batch as the whole-file reader makes a frame.

``read_batches(path, batch_rows=50_000, ...)`` yields frames of at most ``batch_rows`` rows, in file order, in
EPSG:4326, with the same columns, geometry and ``PROBLEM_COLUMN`` as ``mineaction.io.readers.read_table``
gives for the same rows; only one batch (plus the reader's buffer) is in memory at a time.

- CSV (``.csv``, ``.tsv``, ``.txt``): pyarrow's streaming CSV reader, same delimiter rule, same empty values
  (pandas' defaults), UTF-8 or the encoding named or detected on the file's first MiB (with a note). Values
  are read as text and parsed by the domain's one parser of each field type, so a column's type cannot change
  between batches (``00123`` stays ``00123``); geometry from lon/lat or WKT as ``read_csv`` makes it.
- GeoJSON, GeoPackage, Shapefile: GDAL through ``pyogrio.open_arrow`` (Arrow record batches); the file's
  CRS (or the one given) is reprojected to WGS84 batch by batch. A GeoJSON FeatureCollection goes to GDAL
  2,000 features at a time (``io.geojson_parts``: GDAL's own reader keeps 50 bytes for each feature of the
  file), parts grouped into batches; a property first seen in a later part is missing from (so empty in) the
  batches before it, except the columns a mapping reads, which every batch has.

KML and zipped Shapefiles are not read in batches (``can_batch``): they are small in practice, and their
repairs (placemark ids, legacy encodings) need the whole file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from mineaction.errors import InputError
from mineaction.io.encodings import detect_encoding, normalise_encoding
from mineaction.io.geojson_parts import feature_collection_parts
from mineaction.io.readers import (
    CSV_SUFFIXES,
    _name,
    _to_wgs84,
    _unknown_declared_crs,
    check_crs,
)
from mineaction.io.readers_csv import _delimiter, csv_geometry

__all__ = ["BATCH_SUFFIXES", "can_batch", "read_batches"]

BATCH_SUFFIXES = frozenset({*CSV_SUFFIXES, ".geojson", ".json", ".gpkg", ".shp"})
# What pandas reads as empty (its default na_values), so a batch has the empty cells the whole file has.
_EMPTY = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>"]
_EMPTY += ["N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
_PART_FEATURES = 2_000  # features of a GeoJSON FeatureCollection GDAL reads at a time
_SAMPLE = 1 << 20  # bytes of a CSV checked for its encoding before streaming


def can_batch(path: Path) -> bool:
    """Whether ``path`` can be read in batches (by its suffix; see the module docstring)."""
    return path.suffix.lower() in BATCH_SUFFIXES


def _csv_encoding(path: Path, encoding: str | None, notes: list[str]) -> str:
    if encoding is not None:
        try:
            return normalise_encoding(encoding)
        except ValueError as exc:
            raise InputError(f"{path.name}: {exc}") from None
    with path.open("rb") as stream:
        sample = stream.read(_SAMPLE)
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not a letter cut at the sample's end
            found = detect_encoding(sample)
            if found is None:
                raise InputError(
                    f"{path.name}: not UTF-8 text and not in an encoding mineaction recognises; save it "
                    "as UTF-8, or give its encoding (--encoding windows-1251, or encoding: in the mapping)"
                ) from None
            notes.append(f"{path.name} is not UTF-8: read as {found}; if letters look wrong, give --encoding")
            return found
    return "utf-8"


def _csv_header(path: Path, encoding: str, sep: str) -> list[str]:
    with path.open("rb") as stream:
        line = stream.readline(1 << 20).decode(encoding, errors="replace")
    return next(csv.reader(io.StringIO(line), delimiter=sep), [])


def _csv_tables(path: Path, encoding: str | None, notes: list[str]) -> Iterator[pa.RecordBatch]:
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty; export the data again with a header row")
    sep = _delimiter(path)
    codec = _csv_encoding(path, encoding, notes)
    names = _csv_header(path, codec, sep)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, null_values=_EMPTY, strings_can_be_null=True
    )
    read = pacsv.ReadOptions(block_size=1 << 20, encoding=codec, use_threads=False)
    try:
        reader = pacsv.open_csv(
            path, read_options=read, parse_options=pacsv.ParseOptions(delimiter=sep), convert_options=convert
        )
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"{path.name}: cannot read as CSV ({first}); check the delimiter (comma), quoting, that every "
            "row has as many values as the header, and the encoding (--encoding)"
        ) from None


def _rebatched(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the last one fewer) from batches of any size."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += batch.num_rows
        while held >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending, held = rest.to_batches(), rest.num_rows
    if held:
        yield pa.Table.from_batches(pending)


def _csv_batches(
    path: Path, *, batch_rows: int, encoding: str | None, notes: list[str], **geometry: object
) -> Iterator[pd.DataFrame]:
    for table in _rebatched(_csv_tables(path, encoding, notes), batch_rows):
        frame = table.to_pandas(use_threads=False)
        frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
        yield csv_geometry(frame, path, **geometry)  # type: ignore[arg-type]


def _ogr_batches(
    path: Path,
    *,
    layer: str | None,
    crs: str | None,
    encoding: str | None,
    batch_rows: int,
    notes: list[str],
    columns: Sequence[str],
) -> Iterator[pd.DataFrame]:
    frames = None
    if path.suffix.lower() in (".geojson", ".json") and layer is None and encoding in (None, "utf-8"):
        frames = _geojson_frames(path, batch_rows)  # GDAL given a part at a time
    parted = frames is not None
    seen: dict[str, None] = {}  # every property seen so far, in order
    geometries: set[str] = set()  # GDAL's geometry column: not a property
    for frame, meta in frames or _arrow_frames(path, path, layer, encoding, batch_rows):
        if parted:  # a property missing from this part's features is empty in them
            seen.update(dict.fromkeys(frame.columns))
            names = [*seen, *(c for c in columns if c not in seen)]
            frame = frame.assign(**{c: None for c in names if c not in frame.columns})[names]
        geometry = meta.get("geometry_name") or "wkb_geometry"
        geometries.add(geometry)
        shapes = shapely.from_wkb(frame.pop(geometry).to_numpy()) if geometry in frame else None
        spatial = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapes, crs=meta.get("crs")))
        if crs is None:
            _unknown_declared_crs(spatial, path, notes)
        yield _to_wgs84(spatial, path, crs)
    never = [c for c in columns if c not in seen]
    if parted and never:
        raise InputError(
            f"{_name(path)}: no feature has the property {never[0]!r}, which the mapping reads; the "
            f"properties are: {', '.join(c for c in seen if c not in geometries)}"
        )


def _geojson_frames(path: Path, batch_rows: int) -> Iterator[tuple[pd.DataFrame, dict[str, Any]]] | None:
    """Frames of at most ``batch_rows`` rows of a GeoJSON FeatureCollection, each read by GDAL from ``k``
    parts of at most ``_PART_FEATURES`` features (``io.geojson_parts``), or None when the file is not read
    so (GDAL parses a small file whole, in about ten times its size: small parts keep that low)."""
    k = math.ceil(batch_rows / _PART_FEATURES)
    parts = feature_collection_parts(path, features=max(1, batch_rows // k))
    if parts is None:
        return None

    def grouped(parts: Iterator[bytes]) -> Iterator[tuple[pd.DataFrame, dict[str, Any]]]:
        held: list[pd.DataFrame] = []
        meta: dict[str, Any] = {}
        for part in parts:
            read = list(_arrow_frames(io.BytesIO(part), path, None, None, batch_rows))  # one frame a part
            held += [frame for frame, _ in read]
            meta = read[-1][1] if read else meta
            if len(held) >= k:
                yield (held[0] if len(held) == 1 else pd.concat(held, ignore_index=True)), meta
                held = []
        if held:
            yield (held[0] if len(held) == 1 else pd.concat(held, ignore_index=True)), meta

    return grouped(parts)


def _arrow_frames(
    source: Path | io.BytesIO, path: Path, layer: str | None, encoding: str | None, batch_rows: int
) -> Iterator[tuple[pd.DataFrame, dict[str, Any]]]:
    """(frame with the geometry as WKB, GDAL's metadata) of each batch GDAL reads from ``source``."""
    import pyogrio  # GDAL is loaded only for the files read through it: a CSV import stays 30 MB smaller

    with contextlib.ExitStack() as opened:
        try:
            meta, reader = opened.enter_context(
                pyogrio.open_arrow(
                    source, layer=layer, batch_size=batch_rows, encoding=encoding, use_pyarrow=True
                )
            )
        except Exception as exc:  # GDAL's messages say what is broken; we add the file and the fix
            raise InputError(
                f"{_name(path)}: cannot read ({str(exc).strip().splitlines()[0][:300]}); check that the file "
                "is complete and valid (e.g. open it in QGIS) and export it again"
            ) from None
        for batch in _rebatched(iter(reader), batch_rows):
            try:
                yield batch.to_pandas(use_threads=False), meta
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise InputError(
                    f"{_name(path)}: text that is not UTF-8 ({str(exc)[:200]}); give its encoding "
                    "(--encoding)"
                ) from None


def read_batches(
    path: str | Path,
    *,
    batch_rows: int,
    layer: str | None = None,
    crs: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    require_geometry: bool = True,
    encoding: str | None = None,
    notes: list[str] | None = None,
    columns: Sequence[str] = (),
) -> Iterator[pd.DataFrame]:
    """Frames of at most ``batch_rows`` rows of ``path``, in order, as ``read_table`` reads them whole.

    Parameters are those of ``mineaction.io.readers.read_table``; ``notes`` (a list) receives what reading
    assumed (an encoding detected, a CRS taken as WGS84), once each. ``columns`` (those a mapping reads) are
    in every batch of a GeoJSON FeatureCollection, empty where a part of it lacks them, as in the whole file.

    Raises
    ------
    InputError
        A file that cannot be read in batches (``can_batch``), is missing or empty, has no coordinate columns
        (CSV), an unknown CRS, or text that cannot be decoded.
    """
    path = Path(path)
    said: list[str] = notes if notes is not None else []
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if not can_batch(path):
        raise InputError(f"{_name(path)}: {path.suffix} files are not read in batches; import it whole")
    if crs is not None:
        check_crs(crs, what=_name(path))
    if path.suffix.lower() in CSV_SUFFIXES:
        yield from _csv_batches(
            path,
            batch_rows=batch_rows,
            encoding=encoding,
            notes=said,
            crs=crs,
            lon=lon,
            lat=lat,
            wkt=wkt,
            require_geometry=require_geometry,
        )
        return
    if encoding is not None:
        try:
            encoding = normalise_encoding(encoding)
        except ValueError as exc:
            raise InputError(f"{_name(path)}: {exc}") from None
    yield from _ogr_batches(
        path, layer=layer, crs=crs, encoding=encoding, batch_rows=batch_rows, notes=said, columns=columns
    )
