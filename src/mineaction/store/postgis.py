"""The PostgreSQL/PostGIS dialect of the shared SQL store, over psycopg 3.

Kinds with a geometry get a real ``geometry(Point, 4326)`` or ``geometry(Geometry, 4326)`` column with a GiST
index; dates are ``date``, instants ``timestamptz`` (selected back as the same ISO text the GeoPackage
holds, so
one decoder serves both); JSON fields are text. Rows are bulk-loaded with ``COPY ... FROM STDIN`` (geometry as
hex EWKB). The first migration runs ``CREATE EXTENSION IF NOT EXISTS postgis``, which needs a role allowed to
create it (or a database where it already exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import shapely

from mineaction.domain.schema import EntitySchema, Field, entity
from mineaction.errors import StoreError
from mineaction.store.codec import EncodedFrame
from mineaction.store.sql import SQLStore

__all__ = ["PostGISStore", "redact_url"]

_TYPES = {
    "str": "TEXT",
    "int": "BIGINT",
    "float": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "json": "TEXT",
}
_INSTANT_TEXT = '\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\''


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PostGISStore(SQLStore):
    """A store in a PostgreSQL database with PostGIS (``postgresql://user@host:port/db``)."""

    def __init__(self, url: str) -> None:
        import psycopg

        try:
            conn = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cannot connect to {redact_url(url)}: {reason}; check that the server runs and the "
                "user, password and database in the URL are right"
            ) from None
        conn.execute("SET TimeZone = 'UTC'")
        super().__init__(redact_url(url), conn)

    # --- dialect hooks -----------------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def table_exists(self, name: str) -> bool:
        return bool(self.query("SELECT to_regclass(?) IS NOT NULL", [name])[0][0])

    def column_type(self, field_type: str) -> str:
        return _TYPES[field_type]

    def serial_key(self) -> str:
        return "fid BIGSERIAL PRIMARY KEY"

    def bytes_type(self) -> str:
        return "BYTEA"

    def geometry_column(self, schema: EntitySchema, *, history: bool) -> str:
        shape = "Point" if schema.geometry == "point" else "Geometry"
        return f"geom geometry({shape}, 4326)"

    def prepare_container(self) -> None:
        self.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def register_table(self, table: str, schema: EntitySchema | None, *, history: bool = False) -> None:
        if schema is not None and schema.geometry and not history:
            self.execute(f"CREATE INDEX {table}_geom_gist ON {table} USING GIST (geom)")

    def forbid_changes(self, table: str) -> None:
        self.execute(
            "CREATE OR REPLACE FUNCTION mineaction_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$"
        )
        self.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mineaction_append_only()"
        )

    def last_change(self, kind: str) -> int | None:
        """The latest revision of the kind's history, or None while any transaction that may write is open.

        Revisions are numbered when written, not when committed: a transaction numbered 7 may commit after
        one numbered 8, and the latest revision would not change with it. With no transaction holding an id
        (``pg_current_snapshot()`` lists none in progress), every revision numbered so far is settled and
        the next change gets a higher number.
        """
        table = entity(kind).table
        row = self.query(
            f"SELECT COALESCE(MAX(revision), 0), "
            f"NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot())) FROM {table}_history"
        )[0]
        return int(row[0]) if row[1] else None

    def instant_placeholder(self) -> str:
        return "CAST(? AS TIMESTAMPTZ)"

    def field_select(self, field: Field) -> str:
        if field.type == "date":
            return f"to_char({field.name}, 'YYYY-MM-DD')"
        if field.type == "datetime":
            return f"to_char({field.name} AT TIME ZONE 'UTC', {_INSTANT_TEXT})"
        return field.name

    def geometry_select(self) -> str:
        return "ST_AsBinary(geom)"

    def geometry_params(self, encoded: EncodedFrame) -> list[Any]:
        assert encoded.geometry is not None
        with_srid = shapely.set_srid(encoded.geometry, 4326)
        return list(shapely.to_wkb(with_srid, hex=True, include_srid=True, output_dimension=2).tolist())

    def decode_geometry(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        return np.asarray(shapely.from_wkb([None if v is None else bytes(v) for v in values]), dtype=object)

    def insert_rows(
        self,
        table: str,
        names: Sequence[str],
        columns: Sequence[list[Any]],
        *,
        geometry: np.ndarray | None = None,
    ) -> None:
        with (
            self._conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in zip(*columns, strict=True):
                copy.write_row(row)
