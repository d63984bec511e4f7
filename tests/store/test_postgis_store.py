"""PostGIS specifics: real geometry columns in EPSG:4326 with GiST indexes, recorded migrations, clear
errors."""

from __future__ import annotations

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Point

from mineaction.domain.schema import ENTITIES
from mineaction.errors import StoreError
from mineaction.store import latest_version, open_store
from mineaction.store.postgis import redact_url

pytestmark = pytest.mark.postgis


def test_geometry_columns_are_typed_and_indexed(postgis_url: str) -> None:
    with psycopg.connect(postgis_url) as conn:
        rows = conn.execute(
            "SELECT f_table_name, type, srid FROM geometry_columns WHERE f_table_schema = 'public'"
        ).fetchall()
        gist = {
            r[0] for r in conn.execute("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
        }
    columns = {table: (kind, srid) for table, kind, srid in rows}
    for kind, schema in ENTITIES.items():
        if schema.geometry is None:
            assert kind not in columns
            continue
        assert columns[kind] == ("POINT" if schema.geometry == "point" else "GEOMETRY", 4326)
        assert kind in gist


def test_dates_are_real_dates_and_times(postgis_url: str) -> None:
    with open_store(postgis_url) as store:
        store.write(
            "finds",
            gpd.GeoDataFrame(
                {
                    "category": ["AP"],
                    "found_on": ["2022-07-03"],
                    "recorded_at": ["2022-07-04T10:30:00+04:00"],
                },
                geometry=[Point(46.5, 39.5)],
                crs=4326,
            ),
            author="t",
            reason="t",
        )
    with psycopg.connect(postgis_url) as conn:
        found_on, recorded_at, x = conn.execute(
            "SELECT found_on::text, recorded_at AT TIME ZONE 'UTC', ST_X(geom) FROM finds"
        ).fetchone()
    assert found_on == "2022-07-03" and recorded_at.isoformat() == "2022-07-04T06:30:00" and x == 46.5


def test_schema_version_is_recorded(postgis_url: str) -> None:
    with psycopg.connect(postgis_url) as conn:
        versions = [
            r[0] for r in conn.execute("SELECT version FROM mineaction_schema_version ORDER BY version")
        ]
    assert versions == list(range(1, latest_version() + 1))


def test_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to postgresql://u:\*\*\*@127.0.0.1:1/db"):
        open_store("postgresql://u:secret@127.0.0.1:1/db?connect_timeout=2")
    assert redact_url("postgresql://a@h/db") == "postgresql://a@h/db"
