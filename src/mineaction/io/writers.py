"""Writing record frames out as GeoPackage (one layer per kind), GeoJSON and CSV, and exporting a store.

Geometries are written in WGS84 (EPSG:4326). Dates are written as ISO text (``YYYY-MM-DD``), instants as ISO
text in UTC, JSON fields as JSON text, so every file reads back into the same records (``import_file``). CSV
files carry the geometry as WKT in a ``wkt`` column. Personal fields (victims' names and contacts) are left
out unless ``include_personal`` is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import ENTITIES, entity
from mineaction.errors import ConfigError
from mineaction.store.base import Store

__all__ = ["FORMATS", "export_store", "to_plain_frame", "write_csv", "write_geojson", "write_gpkg"]

FORMATS = {"gpkg": ".gpkg", "geojson": ".geojson", "csv": ".csv"}
WKT_COLUMN = "wkt"


def _json_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def to_plain_frame(frame: pd.DataFrame, kind: str, *, include_personal: bool = False) -> pd.DataFrame:
    """The schema's columns of ``frame`` as file-friendly values (ISO dates, JSON text), geometry kept.

    Personal fields are dropped unless ``include_personal``.
    """
    schema = entity(kind)
    columns: dict[str, Any] = {}
    for f in schema.fields:
        if f.personal and not include_personal:
            continue
        values = frame[f.name] if f.name in frame else pd.Series([None] * len(frame), index=frame.index)
        if f.type == "date":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        elif f.type == "datetime":
            stamps = pd.to_datetime(values, errors="coerce", utc=True)
            values = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23) + "Z"
        elif f.type == "json":
            values = values.map(_json_text)
        elif f.type in ("int", "float"):
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        # pandas' NA would be written as the text "<NA>": missing values go out as None (null)
        columns[f.name] = values.astype(object).where(values.notna(), None).to_numpy()
    plain = pd.DataFrame(columns, index=frame.index)
    if schema.geometry is not None and isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(plain, geometry=frame.geometry.to_crs("EPSG:4326"))
    return plain


def write_gpkg(
    path: str | Path, frames: Mapping[str, pd.DataFrame], *, include_personal: bool = False
) -> dict[str, int]:
    """Write each kind's frame as a layer named after the kind into a new GeoPackage; rows per layer."""
    import pyogrio  # GDAL is loaded only by what writes through it (about 30 MB)

    path = Path(path)
    path.unlink(missing_ok=True)
    written = {}
    for kind, frame in frames.items():
        plain = to_plain_frame(frame, kind, include_personal=include_personal)
        pyogrio.write_dataframe(plain, path, layer=kind, driver="GPKG", append=path.exists())
        written[kind] = len(plain)
    return written


def write_geojson(path: str | Path, frame: pd.DataFrame, kind: str, *, include_personal: bool = False) -> int:
    """Write one kind's frame as GeoJSON (EPSG:4326; kinds without geometry get null geometries)."""
    import pyogrio  # GDAL is loaded only by what writes through it (about 30 MB)

    plain = to_plain_frame(frame, kind, include_personal=include_personal)
    Path(path).unlink(missing_ok=True)
    pyogrio.write_dataframe(plain, path, driver="GeoJSON")
    return len(plain)


def write_csv(path: str | Path, frame: pd.DataFrame, kind: str, *, include_personal: bool = False) -> int:
    """Write one kind's frame as CSV (UTF-8), geometry as WKT in a ``wkt`` column (EPSG:4326)."""
    plain = to_plain_frame(frame, kind, include_personal=include_personal)
    if isinstance(plain, gpd.GeoDataFrame):
        geoms = np.asarray(plain.geometry, dtype=object)
        text = np.full(len(geoms), None, dtype=object)
        present = ~shapely.is_missing(geoms)
        text[present] = shapely.to_wkt(geoms[present], rounding_precision=-1)
        plain = pd.DataFrame(plain.drop(columns=plain.geometry.name)).assign(**{WKT_COLUMN: text})
    plain.to_csv(path, index=False)
    return len(plain)


def _format_of(out: Path, format: str | None) -> str:
    if format is None:
        format = next((name for name, suffix in FORMATS.items() if out.suffix.lower() == suffix), None)
        if format is None:
            raise ConfigError(
                f"{out}: cannot tell the format from the name; give --format gpkg, geojson or csv"
            )
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; use one of: {', '.join(FORMATS)}")
    return format


def export_store(
    store: Store,
    out: str | Path,
    *,
    kinds: Iterable[str] | None = None,
    format: str | None = None,
    include_personal: bool = False,
    on_kind: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Export the current records of a store.

    Parameters
    ----------
    store : Store
        Where the records are.
    out : path
        A ``.gpkg`` file (every kind a layer); for GeoJSON and CSV, a file when one kind is asked for,
        otherwise a folder that receives ``<kind>.geojson`` / ``<kind>.csv`` per kind.
    kinds : iterable of str, optional
        Kinds to export (default: every kind that holds records).
    format : {"gpkg", "geojson", "csv"}, optional
        Default: from the suffix of ``out``.
    include_personal : bool
        Include personal fields (victims' names and contacts).
    on_kind : callable, optional
        Called with each kind as it is exported (progress).

    Returns
    -------
    dict of kind -> number of records written
    """
    out = Path(out)
    asked = list(kinds) if kinds is not None else None
    for kind in asked or []:
        entity(kind)
    counts = store.counts()
    chosen = asked if asked is not None else [k for k in ENTITIES if counts.get(k, 0) > 0]
    single = asked is not None and len(asked) == 1 and out.suffix != ""
    format = _format_of(out, format)
    frames = {}
    for kind in chosen:
        frames[kind] = store.read(kind, include_personal=include_personal)
        if on_kind is not None:
            on_kind(kind)
    if format == "gpkg":
        return write_gpkg(out, frames, include_personal=include_personal)
    write = write_geojson if format == "geojson" else write_csv
    if single:
        return {chosen[0]: write(out, frames[chosen[0]], chosen[0], include_personal=include_personal)}
    out.mkdir(parents=True, exist_ok=True)
    return {
        kind: write(out / f"{kind}{FORMATS[format]}", frame, kind, include_personal=include_personal)
        for kind, frame in frames.items()
    }


def write_candidates(path: str | Path, candidates: gpd.GeoDataFrame, *, simulated: bool) -> Path:
    """Write candidate SHA polygons (WGS84) as the ``candidates`` layer of a new GeoPackage (atomically)."""
    from mineaction.io.atomic import atomic_path

    tagged = candidates.assign(simulated=simulated)
    with atomic_path(path) as tmp:
        tagged.to_file(tmp, layer="candidates", driver="GPKG")
    return Path(path)
