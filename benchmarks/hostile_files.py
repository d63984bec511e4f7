"""Messy and hostile files grown from a simulated scenario's exports, for ``mineaction import`` to survive.

``base_files(folder)`` simulates a tiny scenario (seeded; every record says SIMULATED), imports it into a
store and exports a few dozen records of each kind as every input format a user sends: CSV (lon/lat, or WKT
for polygons), GeoJSON, KML, GeoPackage and zipped Shapefile. ``MUTATIONS`` turn one base file into a
malformed or unusual one: truncations, byte flips, other encodings, odd line ends and delimiters, impossible
dates and numbers, a 10 MB cell, hostile XML (entity expansion, external entities), deep nesting, curved,
empty and world-sized geometries, repeated rows, unknown CRSs. ``build_corpus`` writes every (base,
mutation) pair that applies, about a thousand files, each with the kind to import it as.

Used by ``bench_hostile_import.py`` (the campaign: every file through ``mineaction import`` in its own
process) and, on a small sample, by ``tests/cli/test_import_hostile.py``.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

AOI = (44.5, 38.3, 50.9, 41.95)  # Azerbaijan, degrees (WGS84)
POINT_KINDS = ("finds", "accidents")
POLYGON_KINDS = ("hazardous_areas", "activities", "minefield_records")
TABLE_KINDS = ("victims", "funding", "operators")
DATE_FIELDS = {
    "finds": "found_on",
    "accidents": "occurred_on",
    "hazardous_areas": "reported_on",
    "activities": "started_on",
    "minefield_records": "received_on",
    "victims": "recorded_at",
    "funding": "received_on",
    "operators": "recorded_at",
}
NUMBER_FIELDS = {
    "finds": "depth_cm",
    "accidents": "location_known",
    "hazardous_areas": "confidence",
    "activities": "cleared_m2",
    "minefield_records": "claimed_total",
    "victims": "age",
    "funding": "amount_usd",
    "operators": "teams",
}


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus: where it is, the kind to import it as, and how it was made."""

    path: Path
    kind: str
    base: str
    mutation: str


def base_files(
    folder: Path, *, seed: int = 1, rows: int = 30, kinds: tuple[str, ...] | None = None
) -> list[tuple[Path, str]]:
    """Well-formed files of every format and kind (``rows`` records each; ``kinds``, default all the kinds
    here), from a simulated scenario."""
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import write_scenario

    sim = folder / "simulated"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL says it cuts Shapefile field names to 10 characters: known
        write_scenario(simulate(scale="tiny", seed=seed), sim)
        return _exports(folder, sim, rows=rows, kinds=kinds)


def _exports(folder: Path, sim: Path, *, rows: int, kinds: tuple[str, ...] | None) -> list[tuple[Path, str]]:
    import geopandas as gpd
    import pyogrio

    from mineaction.io import import_file, to_plain_frame
    from mineaction.simulate import FILES
    from mineaction.store import open_store

    store = open_store("memory://")
    store.set_setting("aoi", list(AOI))
    out: list[tuple[Path, str]] = []
    for kind in kinds or (*POINT_KINDS, *POLYGON_KINDS, *TABLE_KINDS):
        import_file(store, sim / FILES[kind], kind=kind, author="corpus", reason="SIMULATED corpus base")
        frame = store.read(kind).head(rows)
        plain = to_plain_frame(frame, kind)
        spatial = isinstance(plain, gpd.GeoDataFrame)
        csv_frame = plain.drop(columns="geometry") if spatial else plain
        if kind in POINT_KINDS:
            csv_frame = csv_frame.assign(lon=plain.geometry.x.round(7), lat=plain.geometry.y.round(7))
        elif spatial:
            csv_frame = csv_frame.assign(wkt=plain.geometry.to_wkt())
        csv_frame.to_csv(folder / f"{kind}.csv", index=False)
        out.append((folder / f"{kind}.csv", kind))
        geojson = plain if spatial else gpd.GeoDataFrame(plain, geometry=[None] * len(plain), crs=4326)
        pyogrio.write_dataframe(geojson, folder / f"{kind}.geojson", driver="GeoJSON")
        pyogrio.write_dataframe(geojson, folder / f"{kind}.gpkg", driver="GPKG", layer=kind)
        out += [(folder / f"{kind}.geojson", kind), (folder / f"{kind}.gpkg", kind)]
        if spatial:
            pyogrio.write_dataframe(plain, folder / f"{kind}.kml", driver="KML")
            out.append((folder / f"{kind}.kml", kind))
            shp = folder / f"{kind}_shp"
            shp.mkdir()
            pyogrio.write_dataframe(plain, shp / f"{kind}.shp", driver="ESRI Shapefile")
            with zipfile.ZipFile(folder / f"{kind}.shp.zip", "w") as zipped:
                for part in sorted(shp.iterdir()):
                    zipped.write(part, part.name)
            shutil.rmtree(shp)
            out.append((folder / f"{kind}.shp.zip", kind))
    store.close()
    shutil.rmtree(sim)
    return out


# --- mutations: (name, applies to suffix, function(bytes, rng, kind) -> bytes) ---------------------------


def _truncate(data: bytes, rng: random.Random, kind: str) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def _flip(data: bytes, rng: random.Random, kind: str) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 9)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _encode(name: str) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        text = data.decode("utf-8").replace("Aghdam", "Ağdam").replace("Fuzuli", "Füzuli")
        text = text.replace("Lachin", "Ханкенди")
        return text.encode(name, errors="replace")

    return mutate


def _line_ends(ending: bytes) -> Callable[[bytes, random.Random, str], bytes]:
    return lambda data, rng, kind: data.replace(b"\r\n", b"\n").replace(b"\n", ending)


def _delimiter(mark: bytes) -> Callable[[bytes, random.Random, str], bytes]:
    return lambda data, rng, kind: data.replace(b",", mark)


def _csv_cell(value: str, field_of: dict[str, str]) -> Callable[[bytes, random.Random, str], bytes]:
    """Replace one row's value of the kind's field in a CSV (header found by name)."""

    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        import csv

        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        if field_of[kind] not in rows[0] or len(rows) < 2:
            return data
        row = rng.randrange(1, len(rows))
        rows[row][rows[0].index(field_of[kind])] = value
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        return text.getvalue().encode("utf-8")

    return mutate


def _csv_geometry(wkt: str) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        if kind in POINT_KINDS:
            lon, lat = (wkt.split() + ["", ""])[:2]
            return _csv_cell(lat, {kind: "lat"})(_csv_cell(lon, {kind: "lon"})(data, rng, kind), rng, kind)
        return _csv_cell(wkt, {kind: "wkt"})(data, rng, kind)

    return mutate


def _json_property(value: object, field_of: dict[str, str]) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        document = json.loads(data)
        feature = rng.choice(document["features"])
        feature["properties"][field_of[kind]] = value
        return json.dumps(document).encode("utf-8")

    return mutate


def _json_geometry(geometry: object) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        document = json.loads(data)
        rng.choice(document["features"])["geometry"] = geometry
        return json.dumps(document).encode("utf-8")

    return mutate


def _json_crs(name: str) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        document = json.loads(data)
        document["crs"] = {"type": "name", "properties": {"name": name}}
        return json.dumps(document).encode("utf-8")

    return mutate


def _json_deep(data: bytes, rng: random.Random, kind: str) -> bytes:
    depth = 50_000
    return data.replace(
        b'"properties": {', b'"properties": {"deep": ' + b"[" * depth + b"]" * depth + b", ", 1
    )


def _bad_utf8(data: bytes, rng: random.Random, kind: str) -> bytes:
    return data.replace(b"SIMULATED", b"SIMUL\xc3\x28TED\xff", 1)


def _repeat_rows(data: bytes, rng: random.Random, kind: str) -> bytes:
    header, _, body = data.partition(b"\n")
    return header + b"\n" + body * 300


def _huge_cell(data: bytes, rng: random.Random, kind: str) -> bytes:
    return _csv_cell("9" * (10 * 2**20), NUMBER_FIELDS)(data, rng, kind)


def _xml_doctype(entity: str) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        head, sep, rest = data.partition(b"?>")
        return (
            head + sep + entity.encode() + re.sub(rb"<name>[^<]*</name>", b"<name>&e;</name>", rest, count=1)
        )

    return mutate


_LAUGHS = (
    '<!DOCTYPE kml [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY f "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">'
    '<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY e "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>'
)
_XXE = '<!DOCTYPE kml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _kml_coordinates(text: bytes) -> Callable[[bytes, random.Random, str], bytes]:
    return lambda data, rng, kind: re.sub(
        rb"<coordinates>[^<]*</coordinates>", b"<coordinates>" + text + b"</coordinates>", data, count=1
    )


def _kml_nested(data: bytes, rng: random.Random, kind: str) -> bytes:
    depth = 20_000
    return data.replace(b"<Folder>", b"<Folder>" * depth, 1).replace(b"</Folder>", b"</Folder>" * depth, 1)


def _kml_latin1_declared(data: bytes, rng: random.Random, kind: str) -> bytes:
    text = data.replace(b'encoding="utf-8"', b'encoding="ISO-8859-1"')
    return text.replace(b"Fuzuli", "Füzuli".encode()).replace(b"Aghdam", "Ağdam".encode())


def _zip_without(suffix: str) -> Callable[[bytes, random.Random, str], bytes]:
    def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
        source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                if not item.filename.endswith(suffix):
                    target.writestr(item, source.read(item))
        return out.getvalue()

    return mutate


_TEXT, _CSV, _JSON, _KML, _BINARY = (
    (".csv", ".geojson", ".kml"),
    (".csv",),
    (".geojson",),
    (".kml",),
    (".gpkg", ".zip"),
)
_ALL = _TEXT + _BINARY
_WORLD = "POLYGON ((-180 -90, 180 -90, 180 90, -180 90, -180 -90))"
MUTATIONS: list[tuple[str, tuple[str, ...], Callable[[bytes, random.Random, str], bytes]]] = [
    *[(f"truncated-{i}", _ALL, _truncate) for i in range(3)],
    *[(f"bytes-flipped-{i}", _ALL, _flip) for i in range(4)],
    ("windows-1251", _TEXT, _encode("cp1251")),
    ("latin-1", _TEXT, _encode("latin-1")),
    ("utf-16", _TEXT, _encode("utf-16")),
    ("utf-8-bom", _TEXT, _encode("utf-8-sig")),
    ("cr-line-ends", _TEXT, _line_ends(b"\r")),
    ("crlf-line-ends", _TEXT, _line_ends(b"\r\n")),
    ("semicolons", _CSV, _delimiter(b";")),
    ("bars", _CSV, _delimiter(b"|")),
    ("tabs", _CSV, _delimiter(b"\t")),
    ("unbalanced-quote", _CSV, lambda d, r, k: d.replace(b"\n", b'\n"', 2)),
    ("nul-bytes", _TEXT, lambda d, r, k: d.replace(b"SIMULATED", b"SIMU\x00LATED", 3)),
    ("header-only", _CSV, lambda d, r, k: d.split(b"\n", 1)[0] + b"\n"),
    ("empty", _ALL, lambda d, r, k: b""),
    ("whitespace", _TEXT, lambda d, r, k: b"   \n\n  \t\n"),
    ("date-0001", _CSV, _csv_cell("0001-01-01", DATE_FIELDS)),
    ("date-minus-2021", _CSV, _csv_cell("-2021-01-01", DATE_FIELDS)),
    ("date-2099", _CSV, _csv_cell("2099-05-01", DATE_FIELDS)),
    ("date-by-hand", _CSV, _csv_cell("31/12/2020", DATE_FIELDS)),
    ("date-words", _CSV, _csv_cell("yesterday", DATE_FIELDS)),
    ("number-overflow", _CSV, _csv_cell("1e400", NUMBER_FIELDS)),
    ("number-negative", _CSV, _csv_cell("-5", NUMBER_FIELDS)),
    ("number-words", _CSV, _csv_cell("ten", NUMBER_FIELDS)),
    ("number-nan", _CSV, _csv_cell("NaN", NUMBER_FIELDS)),
    ("cell-10mb", _CSV, _huge_cell),
    ("rows-repeated", _CSV, _repeat_rows),
    ("curved-geometry", _CSV, _csv_geometry("CIRCULARSTRING (46.9 39.9, 47.0 40.0, 47.1 39.9)")),
    ("empty-geometry", _CSV, _csv_geometry("POINT EMPTY")),
    ("garbage-geometry", _CSV, _csv_geometry("POLYGON ((46.9 39.9, banana")),
    ("world-polygon", _CSV, _csv_geometry(_WORLD)),
    ("swapped-coordinates", _CSV, _csv_geometry("39.99 46.93")),
    ("json-date-0001", _JSON, _json_property("0001-01-01", DATE_FIELDS)),
    ("json-number-huge", _JSON, _json_property(1e308, NUMBER_FIELDS)),
    ("json-text-for-number", _JSON, _json_property("deep", NUMBER_FIELDS)),
    ("json-nested-value", _JSON, _json_property({"a": [[[[1]]]]}, NUMBER_FIELDS)),
    ("json-empty-geometry", _JSON, _json_geometry({"type": "Point", "coordinates": []})),
    (
        "json-world-polygon",
        _JSON,
        _json_geometry(
            json.loads(
                json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]],
                    }
                )
            )
        ),
    ),
    ("json-string-coordinates", _JSON, _json_geometry({"type": "Point", "coordinates": ["a", "b"]})),
    ("json-unknown-crs", _JSON, _json_crs("EPSG:999999")),
    ("json-deep-nesting", _JSON, _json_deep),
    ("json-invalid-utf8", _JSON + _KML, _bad_utf8),
    ("kml-billion-laughs", _KML, _xml_doctype(_LAUGHS)),
    ("kml-external-entity", _KML, _xml_doctype(_XXE)),
    ("kml-empty-coordinates", _KML, _kml_coordinates(b"")),
    ("kml-garbage-coordinates", _KML, _kml_coordinates(b"abc,def")),
    ("kml-nested-folders", _KML, _kml_nested),
    ("kml-declares-latin-1", _KML, _kml_latin1_declared),
    ("kml-no-placemark-ids", _KML, lambda d, r, k: re.sub(rb'<Placemark id="[^"]*">', b"<Placemark>", d)),
    ("zip-without-dbf", (".zip",), _zip_without(".dbf")),
    ("zip-without-shp", (".zip",), _zip_without(".shp")),
    ("zip-without-prj", (".zip",), _zip_without(".prj")),
]


def _suffix(path: Path) -> str:
    return ".zip" if path.name.endswith(".zip") else path.suffix


def build_corpus(
    folder: Path,
    *,
    seed: int = 7,
    copies: int = 3,
    only: set[str] | None = None,
    kinds: tuple[str, ...] | None = None,
) -> list[Hostile]:
    """Write the corpus into ``folder``: every applicable (base file, mutation) pair, ``copies`` times for the
    random mutations (each copy with its own seeded randomness); ``only`` restricts the mutations by name and
    ``kinds`` the kinds of record."""
    bases = base_files(folder / "base", kinds=kinds)
    rng = random.Random(seed)
    corpus: list[Hostile] = []
    for base, kind in bases:
        data = base.read_bytes()
        for name, suffixes, mutate in MUTATIONS:
            if _suffix(base) not in suffixes or (only is not None and name not in only):
                continue
            repeats = copies if name.startswith(("truncated", "bytes-flipped")) else 1
            for copy in range(repeats):
                target = folder / f"{base.stem.split('.')[0]}--{name}-{copy}{''.join(base.suffixes)}"
                target.write_bytes(mutate(data, random.Random(rng.random()), kind))
                corpus.append(Hostile(target, kind, base.name, name))
    return corpus
