"""Reading record files (GeoJSON, GeoPackage, Shapefile, CSV, KML) into frames in WGS84 (EPSG:4326).

``read_table(path)`` picks the reader by the file's suffix. Spatial files go through pyogrio (GDAL) with
Arrow; CSV through pandas' pyarrow engine, with points from lon/lat columns or geometries from a WKT column.
Whatever CRS the file declares (or the caller declares for it) is reprojected to EPSG:4326. Rows keep their
file order, so row ``i`` of the frame is data row ``i + 1`` of the file. A file that cannot be read at all
raises one ``InputError`` naming the file and the fix; row-level problems are left to validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from mineaction.errors import InputError

__all__ = [
    "CSV_SUFFIXES",
    "LAT_NAMES",
    "LON_NAMES",
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
    ".kml": "KML",
}
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
LON_NAMES = ("lon", "longitude", "long", "lng", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
WGS84 = "EPSG:4326"


def _name(path: Path) -> str:
    return path.name


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers of a spatial file (a GeoPackage may hold several)."""
    path = Path(path)
    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises its own DataSourceError family and OSError
        raise InputError(
            f"{_name(path)}: cannot open as a spatial file ({_first_line(exc)}); "
            "check that it is a complete GeoPackage/GeoJSON/Shapefile/KML file"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _to_wgs84(frame: gpd.GeoDataFrame, path: Path, crs: str | None) -> gpd.GeoDataFrame:
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        raise InputError(
            f"{_name(path)}: the file declares no CRS; give it (--crs EPSG:4326, or the "
            "projected CRS the coordinates are in)"
        )
    return frame if frame.crs.equals(WGS84) else frame.to_crs(WGS84)


def read_spatial(path: str | Path, *, layer: str | None = None, crs: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a GeoJSON, GeoPackage, Shapefile or KML file, reprojected to EPSG:4326.

    Parameters
    ----------
    path : path
        The file.
    layer : str, optional
        Layer to read (default: the first).
    crs : str, optional
        CRS of the coordinates, overriding what the file declares (or supplying it when it declares none).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise InputError(f"{_name(path)}: the file is empty; export the data again")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except Exception as exc:  # GDAL's messages say what is broken; we add the file and the fix
        raise InputError(
            f"{_name(path)}: cannot read ({_first_line(exc)}); check that the file is complete "
            "and valid (e.g. open it in QGIS) and export it again"
        ) from None
    if len(frame) == 0:
        raise InputError(
            f"{_name(path)}: no features{f' in layer {layer}' if layer else ''}; "
            "check that you exported the right layer"
        )
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame
    return _to_wgs84(frame, path, crs)


def _find_column(columns: Sequence[str], wanted: str | None, names: Sequence[str]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_csv_frame(path: Path, encoding: str | None) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        if encoding in (None, "utf-8", "utf8"):
            frame = pd.read_csv(path, engine="pyarrow", sep=sep)
        else:
            frame = pd.read_csv(path, sep=sep, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{_name(path)}: the file is empty; export the data again with a header row"
        ) from None
    except (ValueError, UnicodeDecodeError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(
            f"{_name(path)}: cannot read as CSV ({_first_line(exc)}); check the delimiter "
            "(comma), quoting and encoding (UTF-8, or give the encoding)"
        ) from None
    pa.default_memory_pool().release_unused()  # the parsed Arrow table is converted: give its memory back
    frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    if len(frame) == 0:
        raise InputError(f"{_name(path)}: no data rows under the header; export the data again")
    return frame


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
        The CSV file (comma-separated, UTF-8 unless ``encoding`` says otherwise; ``.tsv`` is tab-separated).
    crs : str, optional
        CRS of the coordinates (default EPSG:4326); reprojected to EPSG:4326.
    lon, lat : str, optional
        Names of the coordinate columns (default: the first of lon/longitude/long/lng/x and lat/latitude/y).
    wkt : str, optional
        Name of a WKT geometry column (default: wkt/geometry/geom/the_geom), used when there are no lon/lat.
    require_geometry : bool
        Raise ``InputError`` when neither lon/lat nor WKT columns are found; otherwise return a plain frame.

    Returns
    -------
    GeoDataFrame (EPSG:4326) or DataFrame
        All the file's columns, plus ``geometry``. Rows with both lon and lat empty get no geometry; rows with
        only one get a NaN coordinate, which validation reports.
    """
    path = Path(path)
    frame = _read_csv_frame(path, encoding)
    columns = list(frame.columns)
    lon_col, lat_col = _find_column(columns, lon, LON_NAMES), _find_column(columns, lat, LAT_NAMES)
    wkt_col = _find_column(columns, wkt, WKT_NAMES) if (lon_col is None or lat_col is None) else None
    if lon_col is not None and lat_col is not None:
        x = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(dtype=float)
        geometry = shapely.points(x, y)
        geometry[np.isnan(x) & np.isnan(y)] = None
    elif wkt_col is not None:
        text = frame[wkt_col].astype(object).where(frame[wkt_col].notna(), None)
        geometry = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
        frame = frame.drop(columns=[wkt_col])
    elif require_geometry or lon is not None or lat is not None or wkt is not None:
        wanted = [c for c in (lon, lat, wkt) if c is not None] or ["lon", "lat"]
        raise InputError(
            f"{_name(path)}: no coordinate columns {' and '.join(wanted)}; the columns are "
            f"{', '.join(columns)}; name the lon/lat (or WKT) columns in the mapping "
            "(lon:, lat:, wkt:)"
        )
    else:
        return frame
    spatial = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs or WGS84))
    return spatial if spatial.crs.equals(WGS84) else spatial.to_crs(WGS84)


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
        Unknown suffix, missing, empty, broken or featureless file, or no coordinate columns in a CSV.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(
            path, crs=crs, lon=lon, lat=lat, wkt=wkt, require_geometry=require_geometry, encoding=encoding
        )
    if suffix in SPATIAL_SUFFIXES:
        return read_spatial(path, layer=layer, crs=crs)
    known = ", ".join(sorted(set(SPATIAL_SUFFIXES) | CSV_SUFFIXES))
    raise InputError(f"{_name(path)}: unknown file type {suffix or '(no suffix)'}; use one of {known}")
