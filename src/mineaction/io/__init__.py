"""File formats in and out: readers (GeoJSON, GeoPackage, Shapefile, CSV, KML), column mappings, the importer,
writers and store export, rasters (risk GeoTIFF, DEM), atomic writes. Vector data are read into and written
from WGS84 (EPSG:4326)."""

from mineaction.io.atomic import atomic_path
from mineaction.io.importer import ImportResult, KindCounts, import_file
from mineaction.io.mapping import ColumnMapping, KindMapping, apply_mapping, identity_mapping, load_mapping
from mineaction.io.rasters import DemSource, RiskRasterWriter, read_dem, read_dem_source, write_risk_geotiff
from mineaction.io.readers import list_layers, read_csv, read_spatial, read_table
from mineaction.io.writers import (
    export_store,
    to_plain_frame,
    write_candidates,
    write_csv,
    write_geojson,
    write_gpkg,
)

__all__ = [
    "ColumnMapping",
    "DemSource",
    "ImportResult",
    "KindCounts",
    "KindMapping",
    "RiskRasterWriter",
    "apply_mapping",
    "atomic_path",
    "export_store",
    "identity_mapping",
    "import_file",
    "list_layers",
    "load_mapping",
    "read_csv",
    "read_dem",
    "read_dem_source",
    "read_spatial",
    "read_table",
    "to_plain_frame",
    "write_candidates",
    "write_csv",
    "write_geojson",
    "write_gpkg",
    "write_risk_geotiff",
]
